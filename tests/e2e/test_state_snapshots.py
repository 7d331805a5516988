"""State snapshots through the command line: a server opening a long production by replaying
its whole log stores a signed snapshot of its state; `armory check` (which still replays
every entry) reports that the snapshot equals the replay's state at its size, and reports a
snapshot altered in the database as a finding; the server then opens the production by a
full replay, with a warning naming it, and answers as before."""
import os
import pathlib
import socket
import sqlite3
import subprocess
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def open_once(db, key, folder, name):
    """Serves `db`, opens production p1 by its concern page, stops; returns the server's stderr."""
    port = free_port()
    err = folder / f"{name}.err"
    server = subprocess.Popen([ARMORY, "serve", "--database", str(db), "--key", str(key), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=open(err, "w"))
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        assert urllib.request.urlopen(f"http://127.0.0.1:{port}/p/p1/concern", timeout=120).status == 200
        # The snapshot is stored as the production is opened, a moment after the page.
        time.sleep(1)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return err.read_text()


def recorded(folder, snapshot_interval):
    """A signed production p1 of 2,501 entries recorded from a generated day into studio.db."""
    key, scenario, db = folder / "log.key", folder / "long.json", folder / "studio.db"
    subprocess.run([ARMORY, "keys", "create", "--name", "armory.example/studio", "-o", key], check=True, capture_output=True)
    subprocess.run([ARMORY, "generate", "--steps", "2500", "-o", scenario], check=True, capture_output=True)
    subprocess.run([ARMORY, "replay", scenario, "--record", db, "--production-id", "p1", "--key", key,
                    "--snapshot-interval", str(snapshot_interval)], check=True, capture_output=True)
    return key, scenario, db


def test_a_snapshot_is_stored_checked_and_passed_over_when_altered(tmp_path):
    key, scenario, db = recorded(tmp_path, snapshot_interval=0)
    check = subprocess.run([ARMORY, "check", "--database", db, "--key", key], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and "snapshot" not in check.stdout, check.stdout

    open_once(db, key, tmp_path, "first")
    rows = sqlite3.connect(db).execute("SELECT production, size FROM snapshot").fetchall()
    assert len(rows) == 1 and rows[0][0] == "p1", rows
    check = subprocess.run([ARMORY, "check", "--database", db, "--key", key], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"the state snapshot at {rows[0][1]} entries equals the replay's" in check.stdout, check.stdout
    # Opened again from it: no warning.
    assert "not opened from a snapshot" not in open_once(db, key, tmp_path, "second")

    # Altered underneath: a finding for check, a full replay with a warning for the server.
    c = sqlite3.connect(db)
    c.execute("UPDATE snapshot SET state = CAST(REPLACE(CAST(state AS TEXT), '\"step_count\":', '\"step_count\":1') AS BLOB)")
    c.commit()
    c.close()
    check = subprocess.run([ARMORY, "check", "--database", db, "--key", key], capture_output=True, text=True, timeout=300)
    assert check.returncode == 1 and "BAD p1" in check.stdout and "does not hash" in check.stdout, check.stdout
    err = open_once(db, key, tmp_path, "third")
    assert "production p1 not opened from a snapshot" in err and "replaying its whole log" in err, err


def test_a_production_recorded_from_a_scenario_has_the_snapshots_a_server_would_have_stored(tmp_path):
    key, scenario, db = recorded(tmp_path, snapshot_interval=1000)
    assert sqlite3.connect(db).execute("SELECT size FROM snapshot WHERE production = 'p1' ORDER BY size").fetchall() == [(1000,), (2000,)]
    check = subprocess.run([ARMORY, "check", "--database", db, "--key", key], capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "the state snapshot at 2000 entries equals the replay's" in check.stdout, check.stdout
    # The server opens it from the newest one (no full replay, no warning) and stores none of its own.
    err = open_once(db, key, tmp_path, "opened")
    assert "not opened from a snapshot" not in err and "replaying its whole log" not in err, err
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM snapshot").fetchone()[0] == 2
    # Only the newest three (those opening tries) are kept from a long recording.
    many = tmp_path / "many.db"
    subprocess.run([ARMORY, "replay", scenario, "--record", many, "--production-id", "p1", "--key", key, "--snapshot-interval", "500"],
                   check=True, capture_output=True)
    assert sqlite3.connect(many).execute("SELECT size FROM snapshot ORDER BY size").fetchall() == [(1500,), (2000,), (2500,)]
    # Unsigned, a recording stores none: a snapshot is signed with the log's key.
    bare = tmp_path / "bare.db"
    subprocess.run([ARMORY, "replay", scenario, "--record", bare, "--production-id", "p1"], check=True, capture_output=True)
    assert sqlite3.connect(bare).execute("SELECT COUNT(*) FROM snapshot").fetchone()[0] == 0
    refused = subprocess.run([ARMORY, "replay", scenario, "--record", tmp_path / "x.db", "--key", key, "--snapshot-interval", "-1"],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "--snapshot-interval" in refused.stderr, refused.stderr
