"""Process-level security tests of the `armory` command: keys used for the wrong purpose,
terminal escapes in what files say, private files created private, and hostile bundles.

No Armory command extracts a bundle to disk: `verify` reads it in place, a piece at a
time, and `import` into memory (import writes only the database it is given). The hostile-bundle tests still check that
nothing at all is created outside the test's own directory.
"""
import json
import os
import pathlib
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import io
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))
RUST = str(ROOT / "scenarios" / "rust-reconstruction.json")
CLEAN = ROOT / "scenarios" / "clean-day.json"

# What must never reach a terminal raw: ESC, BEL, CSI as a C1 control (UTF-8), and the
# right-to-left override (UTF-8).
RAW = [b"\x1b", b"\x07", b"\xc2\x9b", b"\xe2\x80\xae"]


def run(*args, cwd=None, umask=None, text=True):
    return subprocess.run([ARMORY, *map(str, args)], capture_output=True, text=text, timeout=120, cwd=cwd,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def raw_free(data: bytes):
    return not any(r in data for r in RAW)


def mode(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture()
def keys(tmp_path):
    log = tmp_path / "log.key"
    witness = tmp_path / "witness.key"
    out = run("keys", "create", "--name", "armory.example/rust", "-o", log)
    assert out.returncode == 0, out.stderr
    w = run("keys", "create", "--name", "insurer.example/witness", "--witness", "-o", witness)
    assert w.returncode == 0, w.stderr
    return log, witness, out.stdout.strip(), w.stdout.strip()


# 1. A key is used only for what it is.

def test_serve_refuses_a_witness_key_as_the_log_key(keys, tmp_path):
    _, witness, _, _ = keys
    db = tmp_path / "tmp.db"
    proc = subprocess.Popen([ARMORY, "serve", "--key", str(witness), "--database", str(db), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail("serve started with a witness key as the log key: " + out + err)
    assert proc.returncode != 0
    assert "witness cosignature key (type 0x04), not a log key" in err, err
    assert "Armory is serving" not in out
    assert not db.exists(), "the database was made before the key was checked"


def test_export_refuses_keys_of_the_wrong_kind(keys, tmp_path):
    log, witness, _, _ = keys
    wrong_log = run("export", "--scenario", RUST, "--key", witness, "--all", "-o", tmp_path / "a.tar")
    assert wrong_log.returncode == 65 and "witness cosignature key (type 0x04), not a log key" in wrong_log.stderr
    wrong_witness = run("export", "--scenario", RUST, "--key", log, "--witness-key", log, "--all", "-o", tmp_path / "b.tar")
    assert wrong_witness.returncode == 65 and "Ed25519 log key (type 0x01), not a witness key" in wrong_witness.stderr
    assert not (tmp_path / "a.tar").exists() and not (tmp_path / "b.tar").exists()
    replay = run("replay", RUST, "--record", tmp_path / "r.db", "--key", witness)
    assert replay.returncode == 65 and "not a log key" in replay.stderr


def test_witness_and_verify_refuse_keys_of_the_wrong_kind(keys, tmp_path):
    log, witness, vkey, witness_vkey = keys
    bundle = tmp_path / "rust.bundle"
    assert run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle).returncode == 0
    checkpoint = tmp_path / "checkpoint.txt"
    checkpoint.write_bytes(subprocess.run(["tar", "xOf", bundle, "checkpoint.txt"], capture_output=True, check=True).stdout)
    as_witness = run("witness", checkpoint, "--key", log, "--log-key", vkey, "--state", tmp_path / "s", "-o", tmp_path / "c")
    assert as_witness.returncode == 65 and "not a witness key" in as_witness.stderr
    as_log = run("witness", checkpoint, "--key", witness, "--log-key", witness_vkey, "--state", tmp_path / "s", "-o", tmp_path / "c")
    assert as_log.returncode == 65 and "not a log key" in as_log.stderr
    assert not (tmp_path / "c").exists() and not (tmp_path / "s").exists()
    verify = run("verify", bundle, "--key", witness_vkey)
    assert verify.returncode == 65 and "witness cosignature key (type 0x04), not a log key" in verify.stderr


# 2. What a file says is shown, never obeyed, by the terminal.

HOSTILE_TITLE = "Dry Creek \u001b[8m hidden \u009b31m \u202egol.txt \u0007"
HOSTILE_PERSON = "rosa\u001b]0;pwned\u0007"


def hostile_scenario(tmp_path):
    """The clean day with an escape-laden title and armorer id."""
    day = json.loads(CLEAN.read_text())
    day["production"]["title"] = HOSTILE_TITLE
    text = json.dumps(day).replace('"rosa"', json.dumps(HOSTILE_PERSON))
    path = tmp_path / "hostile.json"
    path.write_text(text)
    return path


def test_verify_shows_escapes_in_a_bundle_instead_of_sending_them(keys, tmp_path):
    log, _, vkey, _ = keys
    bundle = tmp_path / "hostile.tar"
    out = run("export", "--scenario", hostile_scenario(tmp_path), "--key", log, "--all", "-o", bundle, text=False)
    assert out.returncode == 0, out.stderr
    assert raw_free(out.stdout + out.stderr)
    verified = run("verify", bundle, "--key", vkey, text=False)
    assert verified.returncode == 0, verified.stderr
    assert raw_free(verified.stdout + verified.stderr), verified.stdout
    # Every line after the title is still there, and the title is shown as it is.
    assert b"production   Dry Creek \\u{1B}[8m hidden \\u{9B}31m \\u{202E}gol.txt \\u{7}  (armory/hostile)" in verified.stdout
    assert b"signed by    armory.example/rust" in verified.stdout


def test_replay_shows_escapes_in_the_table_and_the_json_escapes_them(tmp_path):
    scenario = hostile_scenario(tmp_path)
    table = run("replay", scenario, text=False)
    assert table.returncode == 0, table.stderr
    assert raw_free(table.stdout + table.stderr)
    assert b"rosa\\u{1B}]0;pwned\\u{7}" in table.stdout and b"Dry Creek \\u{1B}[8m" in table.stdout
    # With --color, the only escapes are the table's own colours.
    coloured = run("replay", RUST, "--color", text=False)
    assert coloured.returncode == 0
    plain = coloured.stdout
    for code in (b"\x1b[33m", b"\x1b[1;31m", b"\x1b[0m"):
        plain = plain.replace(code, b"")
    assert b"\x1b" in coloured.stdout and b"\x1b" not in plain
    hostile_colour = run("replay", scenario, "--color", text=False).stdout
    for code in (b"\x1b[33m", b"\x1b[1;31m", b"\x1b[0m"):
        hostile_colour = hostile_colour.replace(code, b"")
    assert raw_free(hostile_colour)
    # --json is JSON: control characters are \u escapes, and parse back to what the file said.
    lines = run("replay", scenario, "--json", text=False)
    assert lines.returncode == 0 and b"\x1b" not in lines.stdout and b"\x07" not in lines.stdout
    messages = [json.loads(line)["message"] for line in lines.stdout.splitlines()]
    assert any(HOSTILE_PERSON in m for m in messages)


def test_errors_quoting_a_file_show_its_escapes(tmp_path):
    day = json.loads(CLEAN.read_text())
    day["steps"][0]["do"] = "fire\u001b[8m\u202e"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(day))
    out = run("replay", path, text=False)
    assert out.returncode == 65 and out.stderr.startswith(b"error: step 1")
    assert raw_free(out.stdout + out.stderr), out.stderr
    named = run("replay", CLEAN, "--record", tmp_path / "x.db", "--production-id", "a\u001b[8mb", text=False)
    assert named.returncode == 65 and raw_free(named.stderr)


def test_keys_show_import_and_check_show_escapes(keys, tmp_path):
    log, _, vkey, _ = keys
    # A key's name may hold a C1 control: shown escaped by create, show and verify.
    odd = tmp_path / "odd.key"
    created = run("keys", "create", "--name", "armory.example/\u009b8m", "-o", odd, text=False)
    assert created.returncode == 0, created.stderr
    assert raw_free(created.stdout) and b"\\u{9B}8m" in created.stdout
    shown = run("keys", "show", odd, text=False)
    assert shown.returncode == 0 and raw_free(shown.stdout) and b"\\u{9B}8m" in shown.stdout
    # An imported production's id comes from the bundle or the command line: refused unless plain.
    bundle = tmp_path / "rust.bundle"
    assert run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle).returncode == 0
    db = tmp_path / "i.db"
    refused = run("import", bundle, "--database", db, "--production-id", "x\u001b[8m", text=False)
    assert refused.returncode == 65 and raw_free(refused.stderr) and b"x\\u{1B}[8m" in refused.stderr
    imported = run("import", bundle, "--database", db, "--key", vkey, text=False)
    assert imported.returncode == 0 and raw_free(imported.stdout)
    # A database someone else wrote to: `check` shows what it holds.
    with sqlite3.connect(db) as c:
        c.execute("INSERT INTO production (id, origin) VALUES (?, ?)", ("evil\u001b[8m", "armory/evil\u001b]0;x\u0007"))
    checked = run("check", "--database", db, text=False)
    assert checked.returncode == 1
    assert raw_free(checked.stdout + checked.stderr), checked.stdout
    assert b"ok  rust-reconstruction" in checked.stdout and b"BAD evil\\u{1B}[8m" in checked.stdout


# 3. Secrets are private from their first byte, and never written through what is there.

def test_a_key_is_0600_even_with_umask_000(tmp_path):
    key = tmp_path / "k.key"
    out = run("keys", "create", "--name", "a.example/k", "-o", key, umask=0)
    assert out.returncode == 0, out.stderr
    assert mode(key) == 0o600


def test_a_key_is_created_0600_exclusively_not_chmodded_afterwards(tmp_path):
    """The file is opened O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600: it is never, even for a
    moment, readable by others, and never written through a file that appeared meanwhile."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed")
    key = tmp_path / "k.key"
    trace = tmp_path / "trace.txt"
    out = subprocess.run([strace, "-f", "-e", "trace=open,openat,creat,chmod,fchmod,fchmodat", "-o", str(trace),
                          ARMORY, "keys", "create", "--name", "a.example/k", "-o", str(key)],
                         capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0))
    if not trace.exists():
        pytest.skip("strace cannot trace here: " + out.stderr)
    assert out.returncode == 0, out.stderr
    calls = [line for line in trace.read_text().splitlines() if str(key) in line or "fchmod(" in line]
    opens = [c for c in calls if "open" in c]
    assert len(opens) == 1, calls
    assert "O_CREAT" in opens[0] and "O_EXCL" in opens[0] and "O_NOFOLLOW" in opens[0] and "0600" in opens[0], opens[0]
    assert not [c for c in calls if "chmod" in c], calls
    assert mode(key) == 0o600


def test_a_secret_is_never_written_over_a_file_or_through_a_symlink(tmp_path):
    existing = tmp_path / "existing.key"
    existing.write_text("keep me\n")
    out = run("keys", "create", "--name", "a.example/k", "-o", existing)
    assert out.returncode == 73 and "never overwrites" in out.stderr
    assert existing.read_text() == "keep me\n"
    # A symbolic link to nowhere: nothing is created where it points.
    target = tmp_path / "elsewhere" / "stolen.key"
    target.parent.mkdir()
    dangling = tmp_path / "dangling.key"
    dangling.symlink_to(target)
    out = run("keys", "create", "--name", "a.example/k", "-o", dangling)
    assert out.returncode == 73 and "symbolic link" in out.stderr
    assert not target.exists() and dangling.is_symlink()
    # A symbolic link to a file: the file is untouched.
    victim = tmp_path / "victim.txt"
    victim.write_text("original\n")
    link = tmp_path / "link.key"
    link.symlink_to(victim)
    out = run("keys", "create", "--name", "a.example/k", "-o", link)
    assert out.returncode == 73 and victim.read_text() == "original\n"


def test_sign_ins_change_no_password_when_their_file_cannot_be_made(tmp_path):
    db = tmp_path / "a.db"
    assert run("create", CLEAN, "--database", db, "--production", "dry").returncode == 0
    target = tmp_path / "elsewhere.txt"
    link = tmp_path / "logins.txt"
    link.symlink_to(target)
    out = run("sign-ins", "--database", db, "--production", "dry", "-o", link, "--password-cost", "10")
    assert out.returncode == 73 and "symbolic link" in out.stderr
    assert not target.exists()
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM credential").fetchone()[0] == 0
    made = run("sign-ins", "--database", db, "--production", "dry", "-o", tmp_path / "new.txt", "--password-cost", "10", umask=0)
    assert made.returncode == 0, made.stderr
    assert mode(tmp_path / "new.txt") == 0o600


# 4. Databases, their -wal and -shm files and everything else armory makes are the owner's.

def start_demo(folder, *extra):
    proc = subprocess.Popen([ARMORY, "serve", "--demo", "--demo-dir", str(folder / "demo"), "--port", "0",
                             "--password-cost", "10", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=folder,
                            preexec_fn=lambda: os.umask(0o022))
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line or line.startswith("Armory is serving"):
            break
    return proc, line


def stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def test_the_demo_database_key_and_sign_ins_are_owner_only(tmp_path):
    proc, line = start_demo(tmp_path)
    try:
        assert line.startswith("Armory is serving"), line + proc.stderr.read()
        demo = tmp_path / "demo"
        assert mode(demo) == 0o700
        for name in ["armory.db", "armory.db-wal", "armory.db-shm", "log.key", "logins.txt"]:
            if name.endswith(("-wal", "-shm")) and not (demo / name).exists():
                continue
            assert mode(demo / name) == 0o600, f"{name} is {oct(mode(demo / name))}"
    finally:
        stop(proc)


def test_files_armory_makes_are_owner_only_whatever_the_umask(keys, tmp_path):
    log, _, _, _ = keys
    bundle = tmp_path / "rust.bundle"
    db = tmp_path / "r.db"
    assert run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle, umask=0).returncode == 0
    assert run("replay", RUST, "--record", db, umask=0).returncode == 0
    assert mode(bundle) == 0o600 and mode(db) == 0o600


def test_serve_warns_about_a_database_others_can_read(tmp_path):
    db = tmp_path / "shared.db"
    assert run("replay", RUST, "--record", db).returncode == 0
    os.chmod(db, 0o644)
    proc = subprocess.Popen([ARMORY, "serve", "--database", str(db), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    line = proc.stdout.readline()
    _, err = stop(proc)
    assert line.startswith("Armory is serving"), line + err
    assert "database " + str(db) + " is readable by others (mode 644)" in err


# 5. Hostile bundles: a clear error, bounded memory, nothing written.

def octal(value, width):
    return ("%0*o" % (width - 1, value)).encode() + b"\0"


def header(name: bytes, size=0, size_field=None, type_=b"0", link=b"", prefix=b""):
    h = bytearray(512)

    def put(data, at):
        h[at:at + len(data)] = data
    put(name, 0)
    put(octal(0o644, 8), 100)
    put(octal(0, 8), 108)
    put(octal(0, 8), 116)
    put(size_field if size_field is not None else octal(size, 12), 124)
    put(octal(0, 12), 136)
    put(b" " * 8, 148)
    put(type_, 156)
    put(link, 157)
    put(b"ustar\x0000", 257)
    put(b"armory", 265)
    put(b"armory", 297)
    put(octal(0, 8), 329)
    put(octal(0, 8), 337)
    put(prefix, 345)
    put(octal(sum(h), 7) + b" ", 148)
    return bytes(h)


def member(name: bytes, contents=b"x\n", **kw):
    return header(name, len(contents), **kw) + contents + b"\0" * ((512 - len(contents) % 512) % 512)


END = b"\0" * 1024
GOOD = member(b"manifest.json")

HOSTILE = {
    "parent": (member(b"../x") + END, "member '../x' climbs out of the bundle's directory"),
    "parent-inside": (member(b"a/../../x") + END, "member 'a/../../x' climbs out"),
    "absolute": (member(b"/etc/x") + END, "member '/etc/x' is an absolute path"),
    "symlink": (member(b"keys/log.vkey", b"", type_=b"2", link=b"/etc/passwd") + END, "member 'keys/log.vkey' is a symbolic link"),
    "hardlink": (GOOD + member(b"report.txt", b"", type_=b"1", link=b"manifest.json") + END, "member 'report.txt' is a hard link"),
    "device": (member(b"entries.bin", b"", type_=b"3") + END, "member 'entries.bin' is a character device"),
    "huge-size": (header(b"entries.bin", size_field=b"77777777777\0") + END, "member 'entries.bin' declares 8589934591 bytes but only 1024 remain"),
    "base-256": (header(b"entries.bin", size_field=b"\x80" + b"\0" * 6 + b"\x7f\xff\xff\xff\xff") + END, "member 'entries.bin': its size is in base-256 form"),
    "truncated": (member(b"entries.bin", b"\1" * 2000)[:1500], "member 'entries.bin' declares 2000 bytes but only 988 remain"),
    "non-utf8": (GOOD + member(b"f\xff\xfe") + END, "member 2 (byte 1024): its name is not UTF-8"),
    "duplicate": (GOOD + GOOD + END, "member 'manifest.json' appears twice"),
    "escape-name": (member(b"a\x1b[8mb") + END, "member 'a\\u{1B}[8mb' holds a character other than letters"),
    "many-members": (b"".join(member(b"junk/%d" % k, b"") for k in range(3000)) + END, "member 'junk/0' is none of the files a bundle holds"),
}


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_verify_refuses_a_hostile_bundle_clearly(tmp_path, case):
    data, message = HOSTILE[case]
    work = tmp_path / "work"
    work.mkdir()
    bundle = work / "hostile.tar"
    bundle.write_bytes(data)
    before = listing(tmp_path)
    out = run("verify", bundle, cwd=work, text=False)
    assert out.returncode == 1, out.stderr
    err = out.stderr.decode()
    assert err.startswith("error: ") and "not an Armory bundle: " + message in err, err
    assert "Fatal error" not in err and "Backtrace" not in err and err.count("\n") == 1
    assert out.stdout == b"" and raw_free(out.stderr)
    assert listing(tmp_path) == before, "verify created files"


@pytest.mark.parametrize("case", ["parent", "symlink", "huge-size", "duplicate"])
def test_import_refuses_a_hostile_bundle_and_writes_nothing_from_it(tmp_path, case):
    data, message = HOSTILE[case]
    work = tmp_path / "work"
    work.mkdir()
    bundle = work / "hostile.tar"
    bundle.write_bytes(data)
    db = work / "i.db"
    out = run("import", bundle, "--database", db, cwd=work)
    assert out.returncode == 1 and "nothing imported" in out.stderr and message in out.stderr, out.stderr
    # Only the bundle: no member was extracted anywhere, and no database was made.
    assert listing(tmp_path) == ["work", "work/hostile.tar"]


def test_python_tarfile_symlink_bundle_is_refused(tmp_path):
    """A bundle made by a general tar tool, with a symlink pointing outside."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("manifest.json")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../../../etc/shadow"
        tar.addfile(info)
    bundle = tmp_path / "t.tar"
    bundle.write_bytes(buf.getvalue())
    out = run("verify", bundle)
    assert out.returncode == 1 and "member 'manifest.json' is a symbolic link; a bundle holds only regular files" in out.stderr


def test_a_bundle_larger_than_the_limit_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.tar"
    with open(huge, "wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GiB declared, nothing on disk
    start = time.time()
    out = run("verify", huge)
    assert out.returncode == 65
    assert "is 3221225472 bytes, more than a bundle may be (2147483648 bytes)" in out.stderr, out.stderr
    assert time.time() - start < 20


@pytest.mark.parametrize("option,value,says", [
    ("--snapshot-interval", "-1", "--snapshot-interval must be 0"),
    ("--held-productions", "0", "--held-productions must be at least 1"),
    ("--memory-window", "5", "--memory-window must be at least 128"),
    ("--maximum-connections", "-3", "--maximum-connections must be at least 1"),
])
def test_serve_refuses_sizes_it_cannot_keep_instead_of_changing_them(tmp_path, option, value, says):
    # A number out of range is refused before anything starts, naming the option, rather
    # than quietly raised to the smallest that works (or, for snapshots, read as none).
    out = subprocess.run([ARMORY, "serve", "--database", str(tmp_path / "a.db"), "--port", "0", f"{option}={value}"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 64, out.stderr
    assert says in out.stderr
    assert not (tmp_path / "a.db").exists()
