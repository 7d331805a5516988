"""A kill -9 at any moment loses no delivery: on each back end, 20 times over, a server is
killed while crew members raise concerns; every concern the server answered 201 reaches the
webhook afterwards (duplicates allowed, and counted: a receiver drops them by fingerprint)."""
import json
import os
import random
import subprocess
import threading
import time
import urllib.request

import pytest

from peers import WebhookReceiver
from server import ARMORY

SECRET = "crash-test-webhook-secret-0123456789"
KILLS = 20
PEOPLE = [{"id": "pat", "name": "Pat", "roles": ["producer"]}, {"id": "cy", "name": "Cy", "roles": ["crew"]}]


def backends():
    out = ["sqlite"]
    if os.environ.get("ARMORY_TEST_POSTGRES_URL") or os.environ.get("CI"):
        out.append("postgres")
    return out


@pytest.mark.parametrize("backend", backends())
def test_kill_9_loses_no_delivery(tmp_path, backend):
    if backend == "postgres":
        database = os.environ.get("ARMORY_TEST_POSTGRES_URL")
        assert database, "CI must run the PostgreSQL crash test: ARMORY_TEST_POSTGRES_URL is not set"
    else:
        database = str(tmp_path / "armory.db")
    production = f"crash{random.randrange(1 << 30)}"
    hook = WebhookReceiver(SECRET)
    (tmp_path / "secret").write_text(SECRET)
    (tmp_path / "crew.json").write_text(json.dumps({"production": {"title": "Crash", "timezone": "UTC"}, "people": PEOPLE, "steps": []}))
    subprocess.run([ARMORY, "create", "crew.json", "--database", database, "--production", production], cwd=tmp_path, check=True, capture_output=True)
    subprocess.run([ARMORY, "sign-ins", "--database", database, "--production", production, "-o", "logins.txt", "--password-cost", "4"],
                   cwd=tmp_path, check=True, capture_output=True)
    password = next(r.split(" ")[2] for r in (tmp_path / "logins.txt").read_text().splitlines() if r.startswith("cy "))
    args = [ARMORY, "serve", "--database", database, "--port", "0", "--webhook", hook.url, "--webhook-secret-file", "secret",
            "--vapid-key", str(tmp_path / "vapid.key")]
    answered = set()

    def start():
        err = open(tmp_path / "server.err", "a")
        proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=err, text=True)
        url = proc.stdout.readline().split()[-1]
        return proc, url, err

    def post(url, path, body, token=None):
        req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST")
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())

    for kill in range(KILLS):
        proc, url, err = start()
        token = post(url, f"/api/v1/productions/{production}/sign-in", {"person": "cy", "password": password})[1]["token"]
        stop = threading.Event()

        def raise_concerns():
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, body = post(url, f"/api/v1/productions/{production}/steps",
                                        {"do": "report_concern", "text": f"kill {kill} concern {n}"}, token)
                    if status == 201:
                        answered.add(body["index"])
                except Exception:
                    return
                time.sleep(0.02)

        writers = [threading.Thread(target=raise_concerns) for _ in range(2)]
        for w in writers:
            w.start()
        time.sleep(random.uniform(0.2, 0.8))
        proc.kill()
        proc.wait()
        stop.set()
        for w in writers:
            w.join(10)
        err.close()
    assert len(answered) >= KILLS, f"only {len(answered)} concerns were answered"
    # A last start: everything answered before a kill reaches the webhook.
    proc, url, err = start()
    try:
        deadline = time.time() + 120
        wanted = {f"{production}/{i}/0/" for i in answered}
        while time.time() < deadline:
            got = {a["fingerprint"].rsplit("/", 3)[0] + "/" for a, _ in hook.alerts() if a["fingerprint"].startswith(production + "/")}
            if wanted <= got:
                break
            time.sleep(0.5)
        missing = sorted(wanted - got)
        fingerprints = [a["fingerprint"] for a, _ in hook.alerts() if a["fingerprint"].startswith(production + "/")]
        duplicates = len(fingerprints) - len(set(fingerprints))
        print(f"{backend}: {KILLS} kills, {len(answered)} alarms answered 201, {len(set(fingerprints))} delivered, {duplicates} duplicates")
        assert not missing, f"{len(missing)} alarms answered 201 never reached the webhook: {missing[:5]}"
        assert hook.bad_signatures == 0
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        err.close()
        hook.close()
