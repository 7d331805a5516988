"""`armory crew import` and `armory create --policy`, as a producer runs them on a real
database: a call sheet brings the crew list to what it says, twice records nothing, a bad
sheet names its line and column and records nothing, and a policy pack is chosen by name.
"""
import json
import os
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))
HEADER = "id,name,roles,permit,permit_expires,training,training_expires"


def run(*args, cwd=None):
    return subprocess.run([ARMORY, *map(str, args)], capture_output=True, text=True, timeout=120, cwd=cwd)


def opened(tmp_path, *extra):
    db = tmp_path / "crew.db"
    r = run("create", ROOT / "scenarios" / "day-player.json", "--database", db, "--production", "hl", *extra)
    assert r.returncode == 0, r.stderr
    return db


def entries(db):
    r = run("check", "--database", db)
    assert r.returncode == 0, r.stdout + r.stderr
    return int(r.stdout.split(":")[1].split()[0])


def forty_rows():
    rows = [HEADER]
    for k in range(40):
        name = f'"Kim, Ji-woo {k} (김지우)"' if k % 3 == 0 else f"Day Player {k}"
        roles = "talent" if k % 2 else "crew;talent"
        rows.append(f"dp{k},{name},{roles},,,SB1-{k},2027-0{1 + k % 9}-15")
    return "\ufeff" + "\r\n".join(rows) + "\r\n"


def test_a_forty_row_call_sheet_is_previewed_then_imported_once(tmp_path):
    db = opened(tmp_path)
    before = entries(db)
    sheet = tmp_path / "call-sheet.csv"
    sheet.write_text(forty_rows(), encoding="utf-8")
    dry = run("crew", "import", sheet, "--production", "hl", "--database", db, "--as", "ines", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    steps = [json.loads(line) for line in dry.stdout.splitlines()]
    assert len(steps) == 40 and {s["do"] for s in steps} == {"join"}
    assert steps[0]["name"] == "Kim, Ji-woo 0 (김지우)" and steps[0]["roles"] == ["crew", "talent"]
    assert entries(db) == before, "a dry run records nothing"
    real = run("crew", "import", sheet, "--production", "hl", "--database", db, "--as", "ines")
    assert real.returncode == 0, real.stderr
    assert len(real.stdout.splitlines()) == 40 and all("\tok\t" in line for line in real.stdout.splitlines())
    assert entries(db) == before + 40
    again = run("crew", "import", sheet, "--production", "hl", "--database", db, "--as", "ines")
    assert again.returncode == 0 and "nothing to record" in again.stdout
    assert entries(db) == before + 40


def test_a_bad_sheet_names_the_line_and_column_and_records_nothing(tmp_path):
    db = opened(tmp_path)
    before = entries(db)
    sheet = tmp_path / "bad.csv"
    sheet.write_text(HEADER + "\nok1,Fine Person,talent,,,,\nbad,Bad Date,talent,,,T-1,2027-02-30\n")
    r = run("crew", "import", sheet, "--production", "hl", "--database", db, "--as", "ines")
    assert r.returncode == 65
    assert "line 3, column 7 (training_expires)" in r.stderr and "nothing was recorded" in r.stderr
    assert r.stdout == ""
    assert entries(db) == before


def test_only_a_producer_imports(tmp_path):
    db = opened(tmp_path)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(HEADER + "\njun,Jun Seo,talent,,,,\n")
    r = run("crew", "import", sheet, "--production", "hl", "--database", db, "--as", "rosa")
    assert r.returncode == 1 and "ROLE-3" in r.stderr


def test_a_policy_pack_is_chosen_by_name_and_named_in_the_record(tmp_path):
    db = opened(tmp_path, "--policy", "california-sb132")
    # The header keeps the pack's name and its values, so the record reads without the file.
    import sqlite3
    header = sqlite3.connect(db).execute("SELECT bytes FROM entry WHERE production = 'hl' AND idx = 0").fetchone()[0]
    assert b'"require_credentials":true,"alarms_answered_by_wrap":true,"pack":"california-sb132"' in header
    assert entries(db) == 1
    unknown = run("create", ROOT / "scenarios" / "day-player.json", "--database", tmp_path / "x.db", "--production", "x",
                  "--policy", "no-such-pack", cwd=tmp_path)
    assert unknown.returncode == 65 and "unknown policy pack 'no-such-pack'" in unknown.stderr


def test_the_public_url_is_the_address_in_qr_codes_and_links_for_other_devices(tmp_path):
    from server import Server
    server = Server(tmp_path, "--public-url", "http://armory.example:8080/")
    try:
        status, _, body = server.request("GET", "/p/demo/concern/poster")
        assert status == 200
        assert b"http://armory.example:8080/p/demo/concern" in body and b"127.0.0.1" not in body
    finally:
        server.stop()
    bad = run("serve", "--demo", "--demo-dir", tmp_path / "d2", "--port", "0", "--public-url", "ftp://armory.example", cwd=tmp_path)
    assert bad.returncode == 65 and "--public-url" in bad.stderr
