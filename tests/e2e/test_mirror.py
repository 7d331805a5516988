"""The set's log mirrored to the studio (C2SP tlog-mirror), as separate processes on a link
that goes down: the set records 2,000 steps while the studio is stopped; when the studio
comes back it holds every one of them, checked (the set's signature, consistency, every
decision replayed) and served read-only, within 10 seconds. A set restored from an old
backup that then records something else is refused by the studio as a fork."""
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time

import pytest

from server import ARMORY, Server, until

SECRET = "a-webhook-secret-for-the-mirror-tests-0123456789"


def run(*args):
    return subprocess.run([ARMORY, *map(str, args)], capture_output=True, text=True, timeout=120)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Studio:
    """`armory serve` at the studio, with one production registered to mirror."""

    def __init__(self, folder, port, registrations, *extra):
        self.folder = folder
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.err = open(folder / "studio.err", "a")
        self.proc = subprocess.Popen([ARMORY, "serve", "--database", folder / "studio.db", "--port", str(port),
                                      "--password-cost", "10", "--insecure-cookies", "--mirror-from", registrations, *extra],
                                     stdout=subprocess.PIPE, stderr=self.err, text=True, cwd=folder)
        line = self.proc.stdout.readline()
        assert "is serving on" in line, line + (folder / "studio.err").read_text()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)
        self.err.close()
        return self.proc.returncode


@pytest.fixture()
def link(tmp_path):
    log_key = tmp_path / "log.key"
    vkey = run("keys", "create", "--name", "armory.example/dry-creek", "-o", log_key).stdout.strip()
    token = secrets.token_hex(24)
    (tmp_path / "mirror.token").write_text(token + "\n")
    os.chmod(tmp_path / "mirror.token", 0o600)
    registrations = tmp_path / "mirrors.txt"
    registrations.write_text(f"# production, the set's key, the SHA-256 of the set's token\n"
                             f"demo {vkey} {hashlib.sha256(token.encode()).hexdigest()}\n")
    studio_folder = tmp_path / "studio"
    studio_folder.mkdir()
    return {"log_key": log_key, "vkey": vkey, "registrations": registrations, "port": free_port(),
            "studio": studio_folder, "folder": tmp_path}


def start_set(link, name="set"):
    folder = link["folder"] / name
    folder.mkdir(exist_ok=True)
    return Server(folder, "--key", str(link["log_key"]), "--mirror-to", f"http://127.0.0.1:{link['port']}",
                  "--mirror-token-file", str(link["folder"] / "mirror.token"))


def production(server, token):
    status, body = server.json("GET", "/api/v1/productions/demo", token=token)
    assert status == 200, body
    return body


def studio_sign_in(link, studio):
    out = link["folder"] / f"studio-logins-{time.time_ns()}.txt"
    done = run("sign-ins", "--database", link["studio"] / "studio.db", "--production", "demo", "--person", "pat",
               "--password-cost", "10", "-o", out)
    assert done.returncode == 0, done.stderr
    person, _, password = out.read_text().split()[:3]
    req = json.dumps({"person": "pat", "password": password}).encode()
    import urllib.request
    r = urllib.request.urlopen(urllib.request.Request(studio.url + "/api/v1/productions/demo/sign-in", data=req,
                                                      headers={"Content-Type": "application/json"}, method="POST"))
    return json.loads(r.read())["token"]


def get(url, token):
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_steps_recorded_while_the_studio_is_away_reach_it_when_the_link_returns(link):
    studio = Studio(link["studio"], link["port"], link["registrations"])
    server = start_set(link)
    try:
        ana = server.sign_in("ana")
        start = production(server, ana)
        until("the demo to be mirrored", lambda: production(server, ana).get("mirror", {}).get("size") == start["entries"] + 0
              or production(server, ana)["mirror"]["size"] >= start["entries"], 30)

        # The link goes down: 2,000 steps are recorded on the set meanwhile.
        assert studio.stop() == 0
        for k in range(2000):
            status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": f"check {k}"}, token=ana)
            assert status == 201, body
        recorded = production(server, ana)["entries"]
        assert production(server, ana)["mirror"]["size"] < recorded

        # The link returns: within 10 s the studio holds every entry, and the set says so.
        studio = Studio(link["studio"], link["port"], link["registrations"])
        back = time.time()
        until("the studio to hold all 2,000 steps",
              lambda: production(server, ana)["mirror"]["size"] == recorded and production(server, ana)["entries"] == recorded, 10)
        took = time.time() - back
        print(f"caught up {recorded - start['entries']} entries in {took:.1f} s")

        # At the studio: the same entries, served read-only, and a bundle that verifies with the set's key.
        pat = studio_sign_in(link, studio)
        status, body = get(studio.url + "/api/v1/productions/demo", pat)
        held = json.loads(body)
        assert status == 200 and held["entries"] == recorded and held["mirror"]["side"] == "studio", held
        assert held["mirror"]["size"] == recorded and held["mirror"]["forks"] == 0, held
        status, page = get(studio.url + "/p/demo/dashboard", pat)
        assert status == 200 and f"Mirrored from the set: as of checkpoint {recorded}" in page.decode()
        status, bundle = get(studio.url + "/api/v1/productions/demo/bundle?all=true", pat)
        assert status == 200
        (link["folder"] / "studio.bundle").write_bytes(bundle)
        verified = run("verify", link["folder"] / "studio.bundle", "--key", link["vkey"])
        assert verified.returncode == 0 and f"{recorded} entries" in verified.stdout, verified.stdout + verified.stderr
        # Nothing is recorded at the studio: the set records.
        import urllib.error
        import urllib.request
        req = urllib.request.Request(studio.url + "/api/v1/productions/demo/steps", data=b'{"do":"report_concern","text":"x"}',
                                     headers={"Authorization": "Bearer " + pat, "Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req)
        assert refused.value.code == 409 and "mirrored here from its set" in refused.value.read().decode()
        # The set's page says how far the studio holds it.
        status, _, page = server.request("GET", "/p/demo/dashboard", token=ana)
        assert f"Mirrored to the studio up to entry {recorded - 1}" in page.decode()
    finally:
        server.stop()
        studio.stop()


def test_the_studio_refuses_a_token_or_key_it_does_not_know(link):
    studio = Studio(link["studio"], link["port"], link["registrations"])
    try:
        import urllib.error
        import urllib.request
        for headers, code in [({}, 401), ({"Authorization": "Bearer not-the-token"}, 401)]:
            req = urllib.request.Request(studio.url + "/mirror/add-checkpoint", data=b"old 0\n\n", headers=headers, method="POST")
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req)
            assert e.value.code == code
        # The right token, a checkpoint signed by another key: 403, nothing stored.
        other = link["folder"] / "other.key"
        run("keys", "create", "--name", "armory.example/dry-creek", "-o", other)
        (link["folder"] / "impostor").mkdir()
        set_server = Server(link["folder"] / "impostor", "--key", str(other), "--mirror-to", studio.url,
                            "--mirror-token-file", str(link["folder"] / "mirror.token"))
        try:
            until("the studio to refuse the impostor's checkpoint",
                  lambda: "add-checkpoint: 403" in (link["folder"] / "impostor" / "server.err").read_text(), 15)
        finally:
            set_server.stop()
        assert "no signature by a key trusted for 'armory/demo'" in (link["folder"] / "impostor" / "server.err").read_text()
        # Nothing was stored at the studio.
        none = run("sign-ins", "--database", link["studio"] / "studio.db", "--production", "demo", "-o", link["folder"] / "x.txt")
        assert none.returncode != 0
    finally:
        studio.stop()


def test_a_set_restored_from_an_old_backup_is_refused_as_a_fork(link):
    from peers import WebhookReceiver
    hook = WebhookReceiver(SECRET)
    (link["studio"] / "hook.secret").write_text(SECRET + "\n")
    os.chmod(link["studio"] / "hook.secret", 0o600)
    alarmed = ("--webhook", hook.url, "--webhook-secret-file", "hook.secret")
    studio = Studio(link["studio"], link["port"], link["registrations"], *alarmed)
    server = start_set(link)
    ana = server.sign_in("ana")
    first = production(server, ana)["entries"]
    until("the demo to be mirrored", lambda: production(server, ana).get("mirror", {}).get("size", 0) >= first, 30)
    assert server.stop() == 0
    demo = link["folder"] / "set" / "demo"
    shutil.copytree(demo, link["folder"] / "backup")

    server = start_set(link)
    ana = server.sign_in("ana")
    for text in ["loose grip on colt-2", "cart in the exit"]:
        assert server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": text}, token=ana)[0] == 201
    size = production(server, ana)["entries"]
    until("the studio to hold the two concerns", lambda: production(server, ana)["mirror"]["size"] == size, 15)
    assert server.stop() == 0

    shutil.rmtree(demo)
    shutil.copytree(link["folder"] / "backup", demo)
    server = start_set(link)
    try:
        ana = server.sign_in("ana")
        for text in ["holster strap torn", "smoke in stage 2", "tripod on the cable"]:
            assert server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": text}, token=ana)[0] == 201
        pat = studio_sign_in(link, studio)
        held = until("the studio to refuse the fork",
                     lambda: (lambda p: p if p["mirror"]["forks"] > 0 else None)(json.loads(get(studio.url + "/api/v1/productions/demo", pat)[1])), 15)
        # The studio keeps its history: the set's two concerns, not the restored set's three.
        assert held["entries"] == size, held
        status, page = get(studio.url + "/p/demo/dashboard", pat)
        assert "A FORK WAS REFUSED" in page.decode()
        assert "a fork" in (link["studio"] / "studio.err").read_text()
        # A critical alarm at the studio: its webhook is sent one, naming the fork, once.
        forks = hook.wait_for(lambda a: a["labels"]["alertname"] == "ArmoryFork")
        assert forks and forks[0][0]["labels"]["severity"] == "critical", hook.alerts()
        assert "not the one the studio holds" in forks[0][0]["annotations"]["description"]
        assert forks[0][1].startswith("demo/-1/0/webhook/webhook/")
        # The evidence outlives the studio's process: restarted, it still shows the fork and
        # how far behind it is, and the request is in its database whole.
        assert studio.stop() == 0
        server.stop()
        studio = Studio(link["studio"], link["port"], link["registrations"], *alarmed)
        pat = studio_sign_in(link, studio)
        held = until("the restarted studio to read back what it kept",
                     lambda: (lambda p: p if p["mirror"]["forks"] > 0 else None)(json.loads(get(studio.url + "/api/v1/productions/demo", pat)[1])), 15)
        assert held["mirror"]["size"] == size, held
        status, page = get(studio.url + "/p/demo/dashboard", pat)
        assert "A FORK WAS REFUSED" in page.decode() and f"as of checkpoint {size}" in page.decode()
        import sqlite3
        with sqlite3.connect(link["studio"] / "studio.db") as db:
            rows = db.execute("SELECT length(request), reason FROM mirror_fork WHERE production = 'demo'").fetchall()
        assert rows and all(n > 0 for n, _ in rows), rows
        # One alarm: the restarted studio raised no second one. Delivery is at least once (a
        # request the receiver took as the studio stopped, before its answer came back, is
        # sent again under the same X-Armory-Delivery key, which a receiver uses to drop it).
        assert len({key for a, key in hook.alerts() if a["labels"]["alertname"] == "ArmoryFork"}) == 1, hook.alerts()
    finally:
        server.stop()
        studio.stop()
        hook.close()


def test_a_concern_raised_at_the_studio_is_recorded_on_the_set_when_it_is_connected(link):
    import urllib.error
    import urllib.request
    studio = Studio(link["studio"], link["port"], link["registrations"])
    server = start_set(link)
    try:
        ana = server.sign_in("ana")
        first = production(server, ana)["entries"]
        until("the demo to be mirrored", lambda: production(server, ana).get("mirror", {}).get("size", 0) >= first, 30)
        # The set goes away; a crew member at the studio raises a concern on its anonymous page.
        assert server.stop() == 0
        req = urllib.request.Request(studio.url + "/api/v1/productions/demo/concerns", method="POST",
                                     data=json.dumps({"text": "the cart on stage 4 was left open", "scene": "12A"}).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 202
            queued = json.loads(r.read())
        assert queued["queued"] >= 1 and "next connected" in queued["message"], queued
        # The page as well (a form, no sign-in).
        import urllib.parse
        form = urllib.parse.urlencode({"text": "smoke near the armory truck"}).encode()
        req = urllib.request.Request(studio.url + "/p/demo/concern", data=form, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": studio.url})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert r.status == 202 and "recorded on the set as soon as the set is next connected" in r.read().decode()
        # Too long for the set once it says when the studio received it: refused here, naming the field.
        req = urllib.request.Request(studio.url + "/api/v1/productions/demo/concerns", method="POST",
                                     data=json.dumps({"text": "x" * 3990}).encode(), headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 400 and json.loads(e.value.read())["field"] == "text"
        pat = studio_sign_in(link, studio)
        held = json.loads(get(studio.url + "/api/v1/productions/demo", pat)[1])
        assert held["mirror"]["concerns_waiting"] == 2, held
        status, page = get(studio.url + "/p/demo/dashboard", pat)
        assert "2 concerns raised here wait for the set to be connected" in page.decode()

        # The set comes back: it records both (each alarms producers and safety there), and the studio learns where.
        server = start_set(link)
        ana = server.sign_in("ana")
        until("the studio to learn the set recorded them",
              lambda: json.loads(get(studio.url + "/api/v1/productions/demo", pat)[1])["mirror"]["concerns_waiting"] == 0, 30)
        status, body = server.json("GET", "/api/v1/productions/demo/alarms", token=ana)
        assert status == 200, body
        handed = [a for a in (body["alarms"] if isinstance(body, dict) else body) if "Raised at the studio at" in json.dumps(a)]
        assert len(handed) == 2, body
        # Recorded once each, and the entries reach the studio with the rest of the log.
        size = production(server, ana)["entries"]
        until("the studio to hold them", lambda: json.loads(get(studio.url + "/api/v1/productions/demo", pat)[1])["entries"] == size, 30)
        status, page = get(studio.url + "/p/demo/dashboard", pat)
        assert "is recorded on the set as entry" in page.decode()
        status, timeline = get(studio.url + "/api/v1/productions/demo/entries?from=" + str(first), pat)
        assert timeline.decode().count("Raised at the studio at") == 2, timeline[:2000]
    finally:
        server.stop()
        studio.stop()


def test_hostile_mirror_requests_are_refused_and_the_studio_stays_up(link):
    import struct
    import urllib.error
    import urllib.request
    studio = Studio(link["studio"], link["port"], link["registrations"])
    token = (link["folder"] / "mirror.token").read_text().strip()

    def post(endpoint, body):
        req = urllib.request.Request(f"{studio.url}/mirror/{endpoint}", data=body, method="POST",
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/octet-stream"})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def entries(origin, start, end, ticket=b"", rest=b""):
        return struct.pack(">H", len(origin)) + origin + struct.pack(">QQH", start, end, len(ticket)) + ticket + rest

    try:
        cases = [
            ("add-entries", b"", 400),
            ("add-entries", b"\xff\xff", 400),
            ("add-entries", entries(b"armory/demo", 0, 2**63 - 1), 400),             # an interval past any log
            ("add-entries", entries(b"armory/demo", 2**62, 2**62 + 10), 400),
            ("add-entries", entries(b"armory/demo", 10, 5), 400),
            ("add-entries", entries(b"armory/elsewhere", 0, 10), 404),
            ("add-entries", entries(b"armory/demo", 0, 10, rest=b"\x00\x05hello"), 422),  # no checkpoint yet
            ("add-entries", entries("armory/d\u00e9mo".encode(), 0, 1), 404),
            ("add-checkpoint", b"old 0\n\n", 400),
            ("add-checkpoint", b"old 99999999999999999999\n\nx\n", 400),
            ("add-checkpoint", b"\x00" * 70000, 413),
        ]
        for endpoint, body, want in cases:
            assert post(endpoint, body) == want, (endpoint, body[:40], want)
        # Still serving, and nothing was stored.
        assert urllib.request.urlopen(studio.url + "/health", timeout=10).status == 200
        assert studio.proc.poll() is None
        none = run("sign-ins", "--database", link["studio"] / "studio.db", "--production", "demo", "-o", link["folder"] / "y.txt")
        assert none.returncode != 0
    finally:
        studio.stop()
