"""Process-level tests of `armory keys`, `export`, `verify` and `witness`: what an
armorer, an insurer's witness or an investigator sees on the terminal."""
import os
import pathlib
import stat
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))
RUST = str(ROOT / "scenarios" / "rust-reconstruction.json")


def run(*args, cwd=None):
    return subprocess.run([ARMORY, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture()
def keys(tmp_path):
    log = tmp_path / "log.key"
    witness = tmp_path / "witness.key"
    out = run("keys", "create", "--name", "armory.example/rust", "-o", log)
    assert out.returncode == 0, out.stderr
    vkey = out.stdout.strip()
    assert run("keys", "create", "--name", "insurer.example/witness", "--witness", "-o", witness).returncode == 0
    return log, witness, vkey


def test_a_new_key_file_is_private_and_the_private_key_is_never_printed(keys):
    log, _, vkey = keys
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    secret = log.read_text().strip()
    assert secret.startswith("PRIVATE+KEY+armory.example/rust+")
    # The key's base64 may itself hold '+': everything after the fourth '+' is the key.
    assert vkey.startswith("armory.example/rust+") and secret.split("+", 4)[4] not in vkey
    shown = run("keys", "show", log)
    assert shown.stdout.strip() == vkey and "PRIVATE" not in shown.stdout + shown.stderr


def test_a_key_file_is_never_overwritten(keys):
    log, _, _ = keys
    before = log.read_text()
    out = run("keys", "create", "--name", "other", "-o", log)
    assert out.returncode != 0 and "never overwrites" in out.stderr
    assert log.read_text() == before


def test_a_key_readable_by_others_is_refused(keys, tmp_path):
    log, _, _ = keys
    os.chmod(log, 0o644)
    out = run("export", "--scenario", RUST, "--key", log, "--all", "-o", tmp_path / "b.tar")
    assert out.returncode != 0 and "readable by others" in out.stderr
    assert "PRIVATE" not in out.stdout + out.stderr


def test_export_then_verify_with_the_published_key(keys, tmp_path):
    log, witness, vkey = keys
    bundle = tmp_path / "rust.bundle"
    out = run("export", "--scenario", RUST, "--key", log, "--witness-key", witness, "--all", "-o", bundle)
    assert out.returncode == 0, out.stderr
    verified = run("verify", bundle, "--key", vkey)
    assert verified.returncode == 0, verified.stderr
    # The log's wrap no longer asks for the revolver and lot handed to the sheriff at 17:30.
    assert "VERIFIED" in verified.stdout and "6 refused, 5 alarms (2 critical)" in verified.stdout
    assert "witnessed by insurer.example/witness" in verified.stdout
    assert "WARNING" not in verified.stdout
    listing = subprocess.run(["tar", "tf", bundle], capture_output=True, text=True).stdout.split()
    assert listing[:5] == ["manifest.json", "entries.bin", "checkpoint.txt", "latest-checkpoint.txt", "consistency.txt"]
    assert listing[-1] == "report.txt"


def test_verify_without_a_key_warns(keys, tmp_path):
    log, _, _ = keys
    bundle = tmp_path / "rust.bundle"
    run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle)
    out = run("verify", bundle)
    assert out.returncode == 0 and "WARNING" in out.stdout


def test_a_tampered_bundle_fails_naming_the_entry(keys, tmp_path):
    log, _, vkey = keys
    bundle = tmp_path / "rust.bundle"
    run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle)
    data = bytearray(bundle.read_bytes())
    i = data.find(b"projectile")
    data[i] = ord("P")
    bundle.write_bytes(bytes(data))
    out = run("verify", bundle, "--key", vkey)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr.startswith("error:") and "entry 10" in out.stderr


def test_a_bundle_signed_by_another_key_fails(keys, tmp_path):
    log, _, _ = keys
    other = tmp_path / "other.key"
    run("keys", "create", "--name", "armory.example/rust", "-o", other)
    bundle = tmp_path / "rust.bundle"
    run("export", "--scenario", RUST, "--key", other, "--all", "-o", bundle)
    published = run("keys", "show", log).stdout.strip()
    out = run("verify", bundle, "--key", published)
    assert out.returncode == 1 and "not by the trusted key" in out.stderr


@pytest.mark.parametrize("args,message", [
    ([], "choose exactly one of"),
    (["--all", "--day", "2021-10-21"], "choose exactly one of"),
    (["--day", "21/10/2021"], "--day must be a date"),
    (["--firearm", "nope"], "no firearm 'nope'"),
])
def test_export_refuses_bad_arguments_clearly(keys, tmp_path, args, message):
    log, _, _ = keys
    out = run("export", "--scenario", RUST, "--key", log, "-o", tmp_path / "b", *args)
    assert out.returncode != 0 and message in out.stderr
    assert not (tmp_path / "b").exists()


def test_not_a_bundle(tmp_path):
    junk = tmp_path / "junk"
    junk.write_bytes(b"hello" * 300)
    out = run("verify", junk)
    assert out.returncode == 1 and "not an Armory bundle" in out.stderr


def test_witness_cosigns_only_a_consistent_checkpoint(keys, tmp_path):
    log, witness, vkey = keys
    bundle = tmp_path / "rust.bundle"
    run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle)
    subprocess.run(["tar", "xf", bundle, "-C", tmp_path], check=True)
    state = tmp_path / "witness.state"
    out = run("witness", tmp_path / "checkpoint.txt", "--key", witness, "--log-key", vkey, "--state", state,
              "--time", "1634860000", "-o", tmp_path / "cosigned.txt")
    assert out.returncode == 0, out.stderr
    assert "insurer.example/witness" in (tmp_path / "cosigned.txt").read_text()
    # The same checkpoint again (size unchanged, empty proof) is fine.
    again = run("witness", tmp_path / "checkpoint.txt", "--key", witness, "--log-key", vkey, "--state", state, "-o", tmp_path / "c2.txt")
    assert again.returncode == 0, again.stderr
    # A different log's checkpoint (another production, same key name) is refused.
    other_bundle = tmp_path / "crow.bundle"
    run("export", "--scenario", ROOT / "scenarios" / "crow-reconstruction.json", "--production-id", "rust-reconstruction",
        "--key", log, "--all", "-o", other_bundle)
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(["tar", "xf", other_bundle, "-C", other], check=True)
    refused = run("witness", other / "checkpoint.txt", "--key", witness, "--log-key", vkey, "--state", state, "-o", tmp_path / "c3.txt")
    assert refused.returncode == 1 and "refused to cosign" in refused.stderr
    assert not (tmp_path / "c3.txt").exists()


def test_evidence_handed_to_investigators_is_in_the_bundle(keys, tmp_path):
    log, _, vkey = keys
    bundle = tmp_path / "rust.bundle"
    assert run("export", "--scenario", RUST, "--key", log, "--firearm", "pietta-45", "-o", bundle).returncode == 0
    report = subprocess.run(["tar", "xOf", bundle, "report.txt"], capture_output=True, text=True).stdout
    assert "case SFSO 2021-10-21-001" in report and "WITH INVESTIGATORS" in report
    assert run("verify", bundle, "--key", vkey).returncode == 0


def test_a_bad_evidence_transfer_is_refused_clearly(keys, tmp_path):
    import json
    log, _, _ = keys
    day = json.loads(pathlib.Path(RUST).read_text())
    day["evidence_transfers"] = [{"at": "2021-10-21T17:30:00-06:00", "by": "han", "case": "X", "to": "Y", "firearms": ["ghost"]}]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(day))
    out = run("export", "--scenario", path, "--key", log, "--all", "-o", tmp_path / "b")
    assert out.returncode == 65 and "evidence transfer 1: unknown firearm 'ghost'" in out.stderr


def test_record_into_a_database_then_export_and_verify(keys, tmp_path):
    log, _, vkey = keys
    db = tmp_path / "armory.db"
    out = run("replay", RUST, "--record", db, "--key", log, "--json")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) == 16 and "recorded 17 entries" in out.stderr
    again = run("replay", RUST, "--record", db)
    assert again.returncode != 0 and "already exists" in again.stderr
    bundle = tmp_path / "db.bundle"
    exported = run("export", "--database", db, "--production", "rust-reconstruction", "--key", log, "--all", "-o", bundle)
    assert exported.returncode == 0, exported.stderr
    assert run("verify", bundle, "--key", vkey).returncode == 0
    missing = run("export", "--database", db, "--production", "nope", "--key", log, "--all", "-o", tmp_path / "x")
    assert missing.returncode != 0 and "no production 'nope'" in missing.stderr


def test_import_rebuilds_a_production_from_a_verified_bundle_only(keys, tmp_path):
    log, _, vkey = keys
    bundle = tmp_path / "rust.bundle"
    run("export", "--scenario", RUST, "--key", log, "--all", "-o", bundle)
    db = tmp_path / "imported.db"
    out = run("import", bundle, "--database", db, "--key", vkey)
    assert out.returncode == 0, out.stderr
    assert "imported production 'rust-reconstruction'" in out.stdout
    check = run("check", "--database", db, "--key", vkey)
    assert check.returncode == 0 and "ok  rust-reconstruction: 18 entries" in check.stdout
    # A tampered bundle imports nothing.
    data = bytearray(bundle.read_bytes())
    data[data.find(b"projectile")] = ord("P")
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(bytes(data))
    db2 = tmp_path / "second.db"
    refused = run("import", bad, "--database", db2)
    assert refused.returncode == 1 and "nothing imported" in refused.stderr
    assert run("check", "--database", db2).stdout == ""


OLD_MAIN = ROOT / "Tests" / "ArmoryLedgerTests" / "Fixtures"


@pytest.mark.parametrize("name", ["old-main-ammo4", "old-main-fa2", "old-main-fa4"])
def test_a_bundle_written_by_an_earlier_main_still_verifies(name):
    # Old evidence stays valid: written by main at d5fc985 (entries v1, protocol revision 1), with steps today's
    # engine decides otherwise; verify re-decides each entry by the revision it was recorded under.
    vkey = (OLD_MAIN / "old-main.vkey").read_text().strip()
    out = run("verify", OLD_MAIN / f"{name}.tar", "--key", vkey)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(the trusted key)" in out.stdout


def test_a_version_2_bundle_with_receipts_still_verifies():
    # Written by main at c3d1b0a: entries v2, with the server's receipts but no recorder.
    vkey = (OLD_MAIN / "v2-main.vkey").read_text().strip()
    out = run("verify", OLD_MAIN / "v2-main-demo.tar", "--key", vkey)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "(the trusted key)" in out.stdout and "75 entries" in out.stdout
