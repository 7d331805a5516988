"""The set's server and an insurer's witness as separate processes (C2SP tlog-witness):
`armory serve --witness URL=VKEY` sends each new checkpoint to `armory witness serve`, and
stores the cosignature it gets; the API, the daily report and the evidence bundle carry
it, and `armory verify --witness` requires it. A set restored from an old backup that then
records something else is a fork: the witness refuses it, and the set's server records a
concern that alarms producers and safety."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

from server import ARMORY, Server, until

WITNESS = "insurer.example/witness"


def run(*args):
    return subprocess.run([ARMORY, *map(str, args)], capture_output=True, text=True, timeout=120)


@pytest.fixture()
def witness(tmp_path):
    log_key, witness_key = tmp_path / "log.key", tmp_path / "witness.key"
    vkey = run("keys", "create", "--name", "armory.example/dry-creek", "-o", log_key).stdout.strip()
    wvkey = run("keys", "create", "--name", WITNESS, "--witness", "-o", witness_key).stdout.strip()
    err = open(tmp_path / "witness.err", "w")
    proc = subprocess.Popen([ARMORY, "witness", "serve", "--key", witness_key, "--log", f"armory/demo={vkey}",
                             "--database", tmp_path / "witness.db", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=err, text=True)
    line = proc.stdout.readline()
    assert "is serving on http://" in line, line + (tmp_path / "witness.err").read_text()
    yield {"log_key": log_key, "vkey": vkey, "wvkey": wvkey, "url": line.split()[-1], "folder": tmp_path}
    proc.terminate()
    proc.wait(timeout=15)
    err.close()


def start(w, name="set"):
    folder = w["folder"] / name
    folder.mkdir(exist_ok=True)
    return Server(folder, "--key", str(w["log_key"]), "--witness", f"{w['url']}={w['wvkey']}")


def checkpoints(server, token):
    status, body = server.json("GET", "/api/v1/productions/demo/checkpoints", token=token)
    assert status == 200, body
    return body


def signed_and_witnessed(server, token):
    status, body = server.json("POST", "/api/v1/productions/demo/checkpoints", token=token)
    assert status == 201, body
    size = body["size"]
    return until(f"checkpoint {size} to be witnessed",
                 lambda: next((c for c in checkpoints(server, token) if c["size"] == size and c["witnessed"]), None))


def test_each_checkpoint_is_witnessed_and_the_bundle_proves_it(witness, tmp_path):
    server = start(witness)
    try:
        ana = server.sign_in("ana")
        # The demo's checkpoints were signed before the server started: the latest is sent at start.
        until("the demo's latest checkpoint to be witnessed", lambda: checkpoints(server, ana)[-1]["witnessed"])
        cp = signed_and_witnessed(server, ana)
        assert [w["witness"] for w in cp["witnessed_by"]] == [WITNESS]
        assert f"\n\u2014 {WITNESS} " in cp["note"] and "\n\u2014 armory.example/dry-creek " in cp["note"]

        # The daily report says so.
        day = server.entries(ana)[-1]["at"][:10]
        status, _, page = server.request("GET", f"/p/demo/report/{day}", token=ana)
        assert status == 200
        assert f"Witnessed: cosigned by {WITNESS} at" in page.decode(), page.decode()[-3000:]

        # The bundle carries the cosignature; verify requires it when asked.
        status, _, bundle = server.request("GET", "/api/v1/productions/demo/bundle?all=true", token=ana)
        assert status == 200
        path = tmp_path / "demo.bundle"
        path.write_bytes(bundle)
        ok = run("verify", path, "--key", witness["vkey"], "--witness", witness["wvkey"])
        assert ok.returncode == 0, ok.stderr
        assert f"witnessed by {WITNESS}" in ok.stdout and "1 of 1 required witnesses cosigned" in ok.stdout, ok.stdout
        other = run("keys", "create", "--name", "union.example/witness", "--witness", "-o", tmp_path / "union.key").stdout.strip()
        missing = run("verify", path, "--key", witness["vkey"], "--witness", witness["wvkey"], "--witness", other)
        assert missing.returncode == 1 and "is not witnessed" in missing.stderr and "union.example/witness" in missing.stderr, missing.stderr
        assert run("verify", path, "--key", witness["vkey"], "--witness", witness["wvkey"], "--witness", other, "--quorum", "1").returncode == 0
        bad = run("verify", path, "--witness", witness["wvkey"], "--quorum", "2")
        assert bad.returncode == 65 and "--quorum must be 1 to the number of --witness keys (1)" in bad.stderr, bad.stderr
    finally:
        assert server.stop() == 0


def test_a_set_restored_from_an_old_backup_is_a_fork_the_witness_refuses(witness):
    server = start(witness)
    ana = server.sign_in("ana")
    signed_and_witnessed(server, ana)
    assert server.stop() == 0
    demo = witness["folder"] / "set" / "demo"
    backup = witness["folder"] / "backup"
    shutil.copytree(demo, backup)

    # The set goes on: one more concern, witnessed.
    server = start(witness)
    ana = server.sign_in("ana")
    status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "loose grip on colt-2"}, token=ana)
    assert status == 201, body
    witnessed = signed_and_witnessed(server, ana)
    assert server.stop() == 0

    # The laptop is restored from the backup, and records something else.
    shutil.rmtree(demo)
    shutil.copytree(backup, demo)
    server = start(witness)
    try:
        ana = server.sign_in("ana")
        for text in ["holster strap torn", "cart blocking the exit"]:
            status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": text}, token=ana)
            assert status == 201, body
        status, body = server.json("POST", "/api/v1/productions/demo/checkpoints", token=ana)
        assert status == 201 and body["size"] > witnessed["size"], body
        fork = until("the split view to be recorded",
                     lambda: next((e for e in server.entries(ana) if "split view" in e["body"].get("text", "")), None))
        assert fork["outcome"] == "alarm" and fork["rules"] == ["CONCERN-1"] and fork["by"] is None, fork
        assert WITNESS in fork["body"]["text"]
        # Never cosigned: the witness holds the other history.
        assert not checkpoints(server, ana)[-1]["witnessed"]
        # Producers and safety see it among the open alarms.
        pat = server.sign_in("pat")
        status, alarms = server.json("GET", "/api/v1/productions/demo/alarms?open=true", token=pat)
        assert status == 200 and any(a.get("index", a.get("entry")) == fork["index"] for a in alarms), alarms
    finally:
        assert server.stop() == 0


@pytest.mark.parametrize("args, status, message", [
    (["--witness", "witness.example=KEY"], 65, "--witness 'witness.example': a witness address starts http:// or https://"),
    (["--witness", "no-key-here"], 65, "--witness must be URL=VKEY"),
    (["--witness", "http://w.example=not-a-key"], 66, "not-a-key does not exist"),
    (["--witness-quorum", "1"], 65, "--witness-quorum must be 1 to the number of --witness (0)"),
])
def test_serve_refuses_a_witness_it_cannot_use(args, status, message, tmp_path):
    proc = subprocess.run([ARMORY, "serve", "--database", tmp_path / "a.db", "--port", "0", *args],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == status and message in proc.stderr, proc.stderr


def test_serve_refuses_a_quorum_past_its_witnesses(witness, tmp_path):
    proc = subprocess.run([ARMORY, "serve", "--database", tmp_path / "a.db", "--port", "0", "--key", witness["log_key"],
                           "--witness", f"{witness['url']}={witness['wvkey']}", "--witness-quorum", "2"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 65 and "--witness-quorum must be 1 to the number of --witness (1), not 2" in proc.stderr, proc.stderr
    # A log key given as a witness's key is refused for its kind.
    wrong = subprocess.run([ARMORY, "serve", "--database", tmp_path / "b.db", "--port", "0",
                            "--witness", f"{witness['url']}={witness['vkey']}"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 65 and "not a witness key" in wrong.stderr, wrong.stderr
