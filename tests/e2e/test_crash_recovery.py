"""Crash test of the embedded store: a writer appending as fast as it can is killed with
SIGKILL at random moments, 20 times. After each kill every acknowledged entry must be
present, the log must verify (every entry re-decided, tree and last signed checkpoint
matched), and no entry may be half-written. Prints the counts."""
import os
import pathlib
import random
import re
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))


POSTGRES = os.environ.get("ARMORY_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES or os.environ.get("CI") else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_sigkill_never_loses_an_acknowledged_entry(tmp_path, backend):
    key = tmp_path / "log.key"
    subprocess.run([ARMORY, "keys", "create", "--name", "armory.example/soak", "-o", key], check=True, capture_output=True)
    if backend == "postgres":
        assert POSTGRES, "CI runs the crash test on PostgreSQL too: ARMORY_TEST_POSTGRES_URL is not set"
        # A database of its own: the store's suite leaves deliberately tampered productions in the shared one.
        name = f"armory_crash_{random.randrange(1 << 30)}"
        subprocess.run(["psql", POSTGRES, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
        db = POSTGRES.rsplit("/", 1)[0] + "/" + name
    else:
        db = tmp_path / "armory.db"
    rng = random.Random(2026)
    kills, acked_total, last_size = 0, 0, 0
    for round_ in range(20):
        # More steps than 20 rounds of at most 1.4 s can append (a debug build appends about
        # 4,500 a second on SQLite): the writer is always mid-write when it is killed.
        writer = subprocess.Popen([ARMORY, "soak", "--database", db, "--steps", "100000", "--key", key],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.4, 1.4))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == -signal.SIGKILL, f"round {round_}: the writer was not killed mid-write (exit {writer.returncode}) {err.decode()}"
        kills += 1
        acks = [int(n) for n in re.findall(rb"ack (\d+)", out)]
        acked_total += len(acks)
        check = subprocess.run([ARMORY, "check", "--database", db], capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, f"round {round_}: {check.stdout}{check.stderr}"
        found = re.search(r"soak-1: (\d+) entries", check.stdout)
        # Killed before the production was created: nothing may have been acknowledged.
        size = int(found.group(1)) if found else 0
        if acks:
            assert size - 1 >= max(acks), f"round {round_}: acknowledged entry {max(acks)} lost (log holds {size})"
        assert size >= last_size, "the log went back"
        last_size = size
    print(f"crash test ({backend}): {kills} SIGKILLs, {acked_total} acknowledged appends, all present; final log {last_size} entries verified")
    assert kills == 20 and acked_total > 0
