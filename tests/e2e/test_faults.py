"""Fault tests of `armory serve` as a process: the disk filling up under the embedded
store, and PostgreSQL restarted under load. A step the store could not take is answered
503 with Retry-After (never a 500, never a crash), nothing acknowledged (201) is lost,
recording resumes by itself once the fault clears, and /health answers throughout.
Both need root (a tmpfs mount; PostgreSQL run as the postgres user) and skip without it."""
import errno
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

from server import ARMORY, ROOT, Server

STEPS = "/api/v1/productions/demo/steps"


def answer(server, method, path, body=None, token=None, timeout=30):
    """(status, headers, json) or (None, None, the exception) when nothing answered."""
    try:
        status, headers, raw = server.request(method, path, body, token)
    except (urllib.error.URLError, OSError) as e:
        return None, None, e
    try:
        return status, headers, (json.loads(raw) if raw else None)
    except ValueError:
        return status, headers, raw


class HealthWatch(threading.Thread):
    """Asks /health every 100 ms until stopped; keeps every answer (None: no answer) in
    `answers`, and (asked, answered, status) in `timed`."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.answers, self.timed, self.halt = server, [], [], threading.Event()

    def run(self):
        while not self.halt.is_set():
            asked = time.time()
            try:
                req = urllib.request.Request(self.server.url + "/health")
                with urllib.request.urlopen(req, timeout=5) as r:
                    status = r.status
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = None
            self.answers.append(status)
            self.timed.append((asked, time.time(), status))
            self.halt.wait(0.1)

    def stop(self):
        self.halt.set()
        self.join(10)
        return self.answers


def all_entries(server, token):
    """Every stored entry, by index."""
    out, start = {}, 0
    while True:
        status, page = server.json("GET", f"/api/v1/productions/demo/entries?from={start}&limit=1000", token=token)
        assert status == 200, page
        for e in page:
            out[e["index"]] = e
        if len(page) < 1000:
            return out
        start += 1000


def assert_acknowledged_present(server, acked):
    """Every acknowledged step is stored at the index it was acknowledged with, with its text."""
    stored = all_entries(server, server.sign_in("ana"))
    lost = [i for i in acked if i not in stored]
    assert not lost, f"{len(lost)} acknowledged entries lost, e.g. {lost[:5]} (log holds {len(stored)})"
    wrong = [i for i, text in acked.items() if text not in json.dumps(stored[i])]
    assert not wrong, f"entries {wrong[:5]} hold something else than was acknowledged: {stored[wrong[0]]}"
    return stored


def check_database(location):
    check = subprocess.run([ARMORY, "check", "--database", str(location)], capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and re.search(r"^ok  demo: \d+ entries", check.stdout, re.M), check.stdout + check.stderr
    return check.stdout.strip()


# MARK: Disk full


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs at tmp_path/demo, unmounted afterwards whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("the disk-full test mounts a tmpfs, which needs root")
    mount = tmp_path / "demo"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(path, leave):
    """Writes `path` until the disk is full, then gives back `leave` bytes of it."""
    chunk = b"\0" * 65536
    with open(path, "wb") as f:
        try:
            while True:
                f.write(chunk)
                f.flush()
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    # What was buffered when the write failed is not in the file: its size on disk counts.
    os.truncate(path, max(0, path.stat().st_size - leave))


def test_a_full_disk_answers_503_loses_nothing_and_recovers_by_itself(tmp_path, tiny_disk):
    server = Server(tmp_path)  # the demo's database, key and sign-ins on the 2 MB disk; its stderr off it
    watch = HealthWatch(server)
    try:
        tokens = [server.sign_in(p) for p in ("ana", "sam", "duo", "pat")]
        watch.start()
        fill(tiny_disk / "filler", leave=160 * 1024)
        acked, statuses, refused, health_seen, lock = {}, [], [], [], threading.Lock()

        def writer(w, token):
            # Steps until the store refuses three in a row: the disk is full. Four writers at
            # once, so appends are grouped and a failed group answers every step in it.
            mine = []
            for n in range(1000):
                text = f"disk-full-{w}-{n}"
                status, headers, body = answer(server, "POST", STEPS, {"do": "report_concern", "text": text}, token)
                health, _, _ = answer(server, "GET", "/health")
                with lock:
                    statuses.append(status)
                    health_seen.append(health)
                    if status == 201:
                        acked[body["index"]] = text
                    elif status == 503:
                        refused.append((headers.get("Retry-After"), body))
                mine.append(status)
                if status not in (201, 503) or mine[-3:] == [503] * 3:
                    return

        threads = [threading.Thread(target=writer, args=(w, t)) for w, t in enumerate(tokens)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        unexpected = [s for s in statuses if s not in (201, 503)]
        assert not unexpected, f"steps answered {unexpected} while the disk filled (never a 500): {server.proc.poll()}"
        assert set(health_seen) <= {200, 503}, f"/health while the disk filled: {sorted(set(health_seen), key=str)}"
        assert statuses.count(503) >= 12, f"the disk never filled: {len(acked)} steps stored"
        assert acked, "no step was stored before the disk filled"
        assert all(ra and int(ra) > 0 for ra, _ in refused), f"a 503 without Retry-After: {refused[:3]}"
        assert server.proc.poll() is None, "the server stopped when the disk filled"
        # Reads still answer while the disk is full.
        status, _, page = answer(server, "GET", "/api/v1/productions/demo/entries?from=0&limit=5", token=tokens[0])
        assert status == 200, page

        # Space is freed: recording resumes by itself, without a restart.
        (tiny_disk / "filler").unlink()
        deadline, resumed = time.time() + 15, None
        while time.time() < deadline:
            status, headers, body = answer(server, "POST", STEPS, {"do": "report_concern", "text": f"after-{len(statuses)}"}, tokens[0])
            statuses.append(status)
            assert status in (201, 503), f"after freeing space: {status} {body}"
            if status == 201:
                acked[body["index"]] = f"after-{len(statuses) - 1}"
                resumed = time.time()
                break
            time.sleep(0.2)
        assert resumed, "recording did not resume within 15 s of space being freed"
        for k in range(5):
            status, _, body = answer(server, "POST", STEPS, {"do": "report_concern", "text": f"resumed-{k}"}, tokens[k % 4])
            assert status == 201, body
            acked[body["index"]] = f"resumed-{k}"
        assert_acknowledged_present(server, acked)
    finally:
        health = watch.stop() if watch.is_alive() else watch.answers
        code = server.stop()
    assert code == 0, (tmp_path / "server.err").read_text()[-2000:]
    assert health and None not in health, f"/health did not answer {health.count(None)} of {len(health)} times"
    assert set(health) <= {200, 503}, sorted(set(health))

    # After a restart every acknowledged entry is there, and the stored log verifies.
    again = Server(tmp_path)
    try:
        stored = assert_acknowledged_present(again, acked)
    finally:
        assert again.stop() == 0
    report = check_database(tiny_disk / "armory.db")
    print(f"disk full: {len(acked)} steps acknowledged, {statuses.count(503)} answered 503 (Retry-After {refused[0][0]}), "
          f"all {len(acked)} present after restart ({len(stored)} entries); health {(health + health_seen).count(200)}x200 "
          f"{(health + health_seen).count(503)}x503; check: {report}")


# MARK: PostgreSQL restarted under load

PG_BIN = next(iter(sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", str(p))])), None) \
    if pathlib.Path("/usr/lib/postgresql").is_dir() else None


@pytest.fixture
def own_postgres():
    """A PostgreSQL server of this test's own (it is stopped and started again), with its
    data folder and URL; stopped and removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("the PostgreSQL restart test runs PostgreSQL as the postgres user, which needs root")
    folder = tempfile.mkdtemp(prefix="armory-faults-pg-")  # outside pytest's 0700 folders: the postgres user works in it
    started = subprocess.run([str(ROOT / "scripts" / "postgres"), "start", folder], capture_output=True, text=True, timeout=300)
    if started.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL did not start: {started.stderr.strip()[-500:]}")
    try:
        yield pathlib.Path(folder), started.stdout.strip()
    finally:
        subprocess.run([str(ROOT / "scripts" / "postgres"), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


def pg_ctl(folder, *args):
    bin_ = PG_BIN or pathlib.Path(shutil.which("pg_ctl")).parent
    subprocess.run(["runuser", "-u", "postgres", "--", str(bin_ / "pg_ctl"), "-D", str(folder / "data"), *args],
                   check=True, capture_output=True, timeout=60)


def test_postgresql_restarted_under_load_loses_nothing_and_reconnects(tmp_path, own_postgres):
    folder, url = own_postgres
    port = int(re.search(r":(\d+)/", url).group(1))
    name = f"armory_faults_{os.getpid()}"
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    database = url.rsplit("/", 1)[0] + "/" + name
    server = Server(tmp_path, "--database", database)
    watch = HealthWatch(server)
    lock, halt = threading.Lock(), threading.Event()
    acked, answers, bad = {}, [], []   # answers: (time sent, time answered, status)

    def writer(w, token):
        n = 0
        while not halt.is_set():
            text = f"pg-{w}-{n}"
            sent = time.time()
            status, headers, body = answer(server, "POST", STEPS, {"do": "report_concern", "text": text}, token)
            with lock:
                answers.append((sent, time.time(), status))
                if status == 201:
                    acked[body["index"]] = text
                elif status == 503 and headers.get("Retry-After"):
                    pass
                else:
                    bad.append((status, dict(headers or {}), body))
            if status != 201:
                time.sleep(0.05)
            n += 1

    try:
        tokens = [server.sign_in(p) for p in ("ana", "sam", "duo", "pat")]
        status, production = server.json("GET", "/api/v1/productions/demo", token=tokens[0])
        assert status == 200, production
        base = production["entries"]
        watch.start()
        threads = [threading.Thread(target=writer, args=(w, t), daemon=True) for w, t in enumerate(tokens)]
        for t in threads:
            t.start()
        time.sleep(2)
        stopped = time.time()
        pg_ctl(folder, "stop", "-m", "fast", "-w")
        down = time.time()
        time.sleep(3)
        restarting = time.time()
        pg_ctl(folder, "-l", str(folder / "server.log"), "-w", "-o",
               f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c synchronous_commit=on", "start")
        back = time.time()
        time.sleep(7)
        halt.set()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), "a writer hung"
        assert server.proc.poll() is None, "the server stopped"
        assert not bad, f"{len(bad)} steps answered neither 201 nor 503 with Retry-After, e.g. {bad[:3]}"
        before = [a for a in answers if a[1] < stopped]
        after = [a for a in answers if a[1] >= back]
        assert before and all(s == 201 for _, _, s in before), "steps failed before PostgreSQL was stopped"
        # Answered while it was down, not held until it came back: a refusal comes within 3 s (a
        # statement the driver lost as its connection closed is given up within 0.3 s, then the
        # log is read again, which waits at most 2 s for a connection). A step whose wait for a
        # connection ends because PostgreSQL came back is stored and answered 201, and no step
        # waits more than 5 s either way.
        slowest = max(done - sent for sent, done, _ in answers)
        held = [(round(sent - down, 2), round(done - sent, 2), s) for sent, done, s in answers
                if down <= sent < restarting and (done - sent > 5.0 or (s != 201 and done - sent > 3.0))]
        assert not held, f"steps sent while PostgreSQL was down were held (s after stop, waited s, status): {held[:5]}"
        around = [(round(sent - stopped, 2), round(done - stopped, 2), s) for sent, done, s in answers if stopped - 3 <= done < back + 3]
        assert any(s == 503 for _, done, s in answers if stopped <= done < back + 1), (
            f"no step was answered 503 while PostgreSQL was down (stopped at 0, down at {down - stopped:.2f} s, "
            f"back at {back - stopped:.2f} s); answers near it (sent, answered, status): {around[-40:]}")
        assert any(s == 503 for _, done, s in watch.timed if stopped <= done < back + 1), "/health did not say 503 while PostgreSQL was down"
        health_held = [round(done - sent, 2) for sent, done, s in watch.timed if down <= sent < restarting and done - sent > 3.0]
        assert not health_held, f"/health was held while PostgreSQL was down: {health_held}"
        # Reconnected within 5 s of PostgreSQL's return: every step sent from then on is stored.
        first_ok = min((a for a in after if a[2] == 201), key=lambda a: a[1], default=None)
        assert first_ok and first_ok[1] - back <= 5, f"no step stored within 5 s of PostgreSQL's return ({first_ok and first_ok[1] - back})"
        late = [a for a in answers if a[0] >= back + 5 and a[2] != 201]
        assert not late, f"{len(late)} steps refused more than 5 s after PostgreSQL returned"
        stored = assert_acknowledged_present(server, acked)
        # A step answered 503 after its statement was sent may still have been stored: never fewer.
        added = len([i for i in stored if i >= base])
        assert added >= len(acked), f"{len(acked)} acknowledged, {added} stored"
    finally:
        health = watch.stop() if watch.is_alive() else watch.answers
        halt.set()
        code = server.stop()
    assert code == 0, (tmp_path / "server.err").read_text()[-2000:]
    assert health and None not in health, f"/health did not answer {health.count(None)} of {len(health)} times"
    assert set(health) <= {200, 503}, sorted(set(health))

    again = Server(tmp_path, "--database", database)
    try:
        assert_acknowledged_present(again, acked)
    finally:
        assert again.stop() == 0
    report = check_database(database)
    statuses = [s for _, _, s in answers]
    print(f"postgres restart: {len(answers)} steps from 4 writers, {statuses.count(201)} acknowledged, {statuses.count(503)} answered 503, "
          f"{added} stored, 0 lost; slowest answer {slowest:.2f} s; first stored {first_ok[1] - back:.2f} s after PostgreSQL returned; "
          f"health {health.count(200)}x200 {health.count(503)}x503; check: {report}")
