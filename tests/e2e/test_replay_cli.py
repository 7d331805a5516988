"""Process-level tests of `armory replay`: what a person or a script sees on the terminal.

SCENARIOS.md is the contract: JSON Lines with --json and nothing else on stdout, exit 0
for any valid file, exit 65 with one `error: ...` line on stderr for an invalid one.
"""
import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))
SHARED = ROOT.parent / "shared" / "scenarios"

BASE = {
    "production": {"title": "Test day", "timezone": "America/Denver"},
    "people": [
        {"id": "ana", "name": "Ana Ortiz", "roles": ["armorer"]},
        {"id": "ben", "name": "Ben Cole", "roles": ["talent"]},
        {"id": "dee", "name": "Dee Park", "roles": ["first_ad"]},
    ],
}
RECEIVE = {"at": "2026-03-02T07:00:00-07:00", "by": "ana", "do": "receive_firearm",
           "firearm": "colt-1", "serial": "SA-1", "make": "Colt", "model": "SAA"}


def replay(tmp_path, scenario, *args, raw=None):
    path = tmp_path / "day.json"
    path.write_text(raw if raw is not None else json.dumps(scenario))
    return subprocess.run([ARMORY, "replay", str(path), *args], capture_output=True, text=True, timeout=60)


def with_steps(*steps, **extra):
    return {**BASE, **extra, "steps": list(steps)}


def step(**fields):
    return {"at": "2026-03-02T07:05:00-07:00", "by": "ana", **fields}


@pytest.mark.parametrize("name", sorted(p.stem for p in SHARED.glob("*.json")) if SHARED.exists() else [])
def test_shared_scenarios_match_expected_json_lines(name):
    out = subprocess.run([ARMORY, "replay", str(SHARED / f"{name}.json"), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    got = [json.loads(line) for line in out.stdout.splitlines()]
    want = [json.loads(line) for line in (SHARED / f"{name}.expected.jsonl").read_text().splitlines() if line]
    assert [(g["step"], g["outcome"], g["rules"]) for g in got] == [(w["step"], w["outcome"], w["rules"]) for w in want]
    assert all(isinstance(g["message"], str) and g["message"] for g in got)


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.json")))
def test_example_days_match_their_expected_output(path):
    out = subprocess.run([ARMORY, "replay", str(path), "--json"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    got = [(d["step"], d["outcome"], d["rules"]) for d in map(json.loads, out.stdout.splitlines())]
    want = [(d["step"], d["outcome"], d["rules"]) for d in map(json.loads, path.with_suffix("").with_suffix(".expected.jsonl").read_text().splitlines())]
    assert got == want


def test_json_lines_have_exactly_the_documented_keys(tmp_path):
    out = replay(tmp_path, with_steps(RECEIVE), "--json")
    assert out.returncode == 0
    line = json.loads(out.stdout)
    assert list(line) == ["step", "outcome", "rules", "message"]
    assert line["step"] == 1 and line["outcome"] == "ok" and line["rules"] == []


def test_table_marks_alarms_and_refusals(tmp_path):
    out = replay(tmp_path, with_steps(RECEIVE, step(by="dee", do="declare", firearm="colt-1", state="cold"),
                                      step(do="report_missing", firearm="colt-1")))
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert any("REFUSED" in l and "FA-1" in l for l in lines)
    assert any("ALARM" in l and "FA-5" in l for l in lines)
    assert "3 steps: 1 ok, 1 refused, 1 alarms" in out.stdout


def test_valid_file_exits_zero_whatever_the_outcomes(tmp_path):
    out = replay(tmp_path, with_steps(RECEIVE, step(do="report_discharge", firearm="colt-1", injuries=True)), "--json")
    assert out.returncode == 0
    assert json.loads(out.stdout.splitlines()[1])["outcome"] == "alarm"


INVALID = [
    ("not json", None, "{ nope", "error: not JSON"),
    ("no people", {"steps": []}, None, "error: missing 'people'"),
    ("no steps", {"people": []}, None, "error: missing 'steps'"),
    ("unknown action", with_steps(step(do="juggle")), None, "error: step 1: unknown action 'juggle'"),
    ("unknown key in step", with_steps({**RECEIVE, "colour": "red"}), None, "error: step 1: unknown field 'colour'"),
    ("missing field", with_steps({k: v for k, v in RECEIVE.items() if k != "serial"}), None, "error: step 1: missing field 'serial'"),
    ("wrong type", with_steps(RECEIVE, step(do="store", firearm="colt-1", locked="yes")), None, "error: step 2: field 'locked'"),
    ("negative count", with_steps(step(do="receive_ammo", lot="D1", kind="dummy", count=-1)), None, "error: step 1: field 'count' must not be negative"),
    ("unknown enum", with_steps(step(do="receive_ammo", lot="D1", kind="tracer", count=1)), None, "error: step 1: field 'kind' must be one of"),
    ("bad time", with_steps({**RECEIVE, "at": "2026-03-02 07:00"}), None, "error: step 1: field 'at' must be an RFC 3339 time"),
    ("time without offset", with_steps({**RECEIVE, "at": "2026-03-02T07:00:00"}), None, "error: step 1: field 'at'"),
    ("unknown person", with_steps({**RECEIVE, "by": "zed"}), None, "error: step 1: unknown person 'zed'"),
    ("unknown firearm", with_steps(step(do="store", firearm="ghost", locked=True)), None, "error: step 1: unknown firearm 'ghost'"),
    ("unknown lot", with_steps(RECEIVE, step(do="reconcile", lot="X9", counted=0)), None, "error: step 2: unknown lot 'X9'"),
    ("lot kind changed", with_steps(step(do="receive_ammo", lot="D1", kind="dummy", count=1),
                                    step(do="receive_ammo", lot="D1", kind="blank", count=1)), None, "error: step 2: lot 'D1' was received as dummy"),
    ("person without roles", {**BASE, "people": [{"id": "ana", "name": "Ana"}], "steps": []}, None, "error: person 1: missing field 'roles'"),
    ("duplicate person", {**BASE, "people": BASE["people"] + [BASE["people"][0]], "steps": []}, None, "error: person 4: duplicate person id 'ana'"),
    ("unknown key in person", {**BASE, "people": [{**BASE["people"][0], "age": 40}], "steps": []}, None, "error: person 1: unknown field 'age'"),
    ("unknown policy key", with_steps(policy={"show_clear_window": 5}), None, "error: unknown policy key 'show_clear_window'"),
    ("looser policy window", with_steps(policy={"show_clear_window_min": 15}), None, "error: policy show_clear_window_min 15 is looser"),
    ("looser policy distance", with_steps(policy={"blank_safe_distance_ft": 10}), None, "error: policy blank_safe_distance_ft 10 is looser"),
    ("hand to talent without scene", with_steps(RECEIVE, step(do="hand_over", firearm="colt-1", to="ben")), None, "error: step 2: a hand_over to talent needs 'scene'"),
    ("out of time order", with_steps(RECEIVE, {**RECEIVE, "at": "2026-03-02T06:59:59-07:00"}), None, "error: step 2: 'at' 2026-03-02T06:59:59-07:00 is earlier"),
    ("duplicate key", None, '{"people": [], "steps": [], "steps": []}', "error: not JSON: duplicate key"),
]


@pytest.mark.parametrize("name,scenario,raw,message", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_file_prints_one_error_line_and_exits_65(tmp_path, name, scenario, raw, message):
    for args in ([], ["--json"]):
        out = replay(tmp_path, scenario, *args, raw=raw)
        assert out.returncode == 65, (name, out.stdout, out.stderr)
        assert out.stdout == ""
        assert out.stderr.count("\n") == 1 and out.stderr.startswith(message), out.stderr


def test_equal_times_are_in_order_and_offsets_are_compared_as_instants(tmp_path):
    # 07:00-07:00 is 14:00Z; 08:00-06:00 is also 14:00Z: equal instants are fine.
    out = replay(tmp_path, with_steps(RECEIVE, {**step(do="store", firearm="colt-1", locked=True), "at": "2026-03-02T08:00:00-06:00"}), "--json")
    assert out.returncode == 0, out.stderr


def test_anonymous_concern_needs_no_by(tmp_path):
    out = replay(tmp_path, with_steps({"at": "2026-03-02T07:00:00-07:00", "do": "report_concern", "text": "blanks box open"}), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) ["rules"] == ["CONCERN-1"]


def test_missing_file_exits_66(tmp_path):
    out = subprocess.run([ARMORY, "replay", str(tmp_path / "absent.json")], capture_output=True, text=True)
    assert out.returncode == 66
    assert "does not exist" in out.stderr


def test_unknown_top_level_keys_are_ignored(tmp_path):
    out = replay(tmp_path, with_steps(RECEIVE, notes="call sheet attached"), "--json")
    assert out.returncode == 0, out.stderr


def generated(tmp_path, steps):
    path = tmp_path / "long.json"
    subprocess.run([ARMORY, "generate", "--steps", str(steps), "--seed", "5", "-o", str(path)], check=True, capture_output=True, timeout=120)
    return path


def run_replay(path, env=None, *args):
    return subprocess.run([ARMORY, "replay", str(path), "--json", *args], capture_output=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_a_long_file_read_in_pieces_gives_every_line_and_an_invalid_one_none(tmp_path):
    # A file of many pieces is read a piece at a time and its lines wait in a temporary
    # file until it is known valid: the lines are those of reading it whole (one per step,
    # in order), and a bad step near the end still leaves stdout empty.
    path = generated(tmp_path, 12000)
    steps = json.loads(path.read_text())["steps"]
    out = run_replay(path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.decode().splitlines()
    assert len(lines) == len(steps) and len(out.stdout) > 4 * 262144
    assert [json.loads(l)["step"] for l in lines] == list(range(1, len(steps) + 1))
    # With nowhere to hold them on disk, the same lines.
    assert run_replay(path, {"TMPDIR": str(tmp_path / "absent")}).stdout == out.stdout
    bad = json.loads(path.read_text())
    bad["steps"][-3]["by"] = "zed"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    out = run_replay(tmp_path / "bad.json")
    assert out.returncode == 65 and out.stdout == b""
    assert out.stderr.decode().startswith(f"error: step {len(steps) - 2}: unknown person 'zed'")
    cut = path.read_bytes()[:-5000]
    (tmp_path / "cut.json").write_bytes(cut)
    out = run_replay(tmp_path / "cut.json")
    assert out.returncode == 65 and out.stdout == b"" and out.stderr.decode().startswith("error: not JSON"), out.stderr


def test_lines_held_on_a_disk_that_fills_are_kept_in_memory_instead(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "tiny"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = generated(tmp_path, 12000)
        whole = run_replay(path, {"TMPDIR": "/nonexistent"})
        full = run_replay(path, {"TMPDIR": str(disk)})
        assert full.returncode == 0, full.stderr
        assert len(whole.stdout) > 1 << 20 and full.stdout == whole.stdout
        assert os.listdir(disk) == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
