"""Every hostile value to every route and form field of `armory serve --demo`: huge and
negative numbers, 1e300, NaN, Infinity, -0, fractions where integers belong, empty strings,
1 MB strings, NUL bytes, invalid UTF-8, wrong JSON types, deep nesting, duplicate keys.
Each answer is a 4xx, /health answers after each route's batch, and nothing recorded
changes (the log is the same, entry for entry, at the end)."""
import json
import urllib.parse

import pytest

from server import Server

P = "/api/v1/productions/demo"

BIG = "x" * 1_000_000

NUMBER_HOSTILE = [1e300, -1, -1e300, 0.5, 2**63, 2**64, 10**30, 100001, "5", "", None, [], {}, True]
# Raw JSON texts no JSON writer makes: NaN, Infinity, -0 and numbers past binary64.
NUMBER_RAW = ["NaN", "Infinity", "-Infinity", "-0", "1e999", "-1e999", "0x10", "01", "1.", ".5", "+1"]
STRING_HOSTILE = ["", BIG, "a\u0000b", "\u001b[8m", "a\u202eb", 1, 1e300, None, [], {}, True, "x" * 4001]
ID_HOSTILE = STRING_HOSTILE + ["<script>", "a" * 65, "a\nb", "a\u0007", "a;b", "a\"b", "a'b", "x' OR '1'='1", "1; DROP TABLE entry; --"]
FLAG_HOSTILE = ["true", 1, 0, None, [], {}, "yes"]
LIST_HOSTILE = ["ana", [1], [None], [""], [BIG], ["ana"] * 201, {}, None, 5]
TIME_HOSTILE = ["", "yesterday", "9999-12-31T23:59:59-12:00", "2099-01-01T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "1" * 41, 0, None, [], "2026-01-01T00:00:00+99:00"]

KIND = {
    "firearm": ID_HOSTILE, "lot": ID_HOSTILE, "scene": ID_HOSTILE, "shooter": ID_HOSTILE, "by": ID_HOSTILE,
    "serial": STRING_HOSTILE, "make": STRING_HOSTILE, "model": STRING_HOSTILE, "from": STRING_HOSTILE,
    "source": STRING_HOSTILE, "caliber": STRING_HOSTILE, "text": STRING_HOSTILE, "note": STRING_HOSTILE,
    "reason": STRING_HOSTILE, "kind": STRING_HOSTILE, "result": STRING_HOSTILE, "state": STRING_HOSTILE,
    "count": NUMBER_HOSTILE, "inspected": NUMBER_HOSTILE, "live_found": NUMBER_HOSTILE, "rounds": NUMBER_HOSTILE,
    "counted": NUMBER_HOSTILE, "nearest_person_ft": NUMBER_HOSTILE[:1] + [-1, -1e300, 10001, "5", "", None, [], {}, True],
    "attendees": LIST_HOSTILE, "blanks": FLAG_HOSTILE, "rehearsal": FLAG_HOSTILE, "injuries": FLAG_HOSTILE,
    "locked": FLAG_HOSTILE, "at": TIME_HOSTILE,
}
NUMERIC = {"count", "inspected", "live_found", "rounds", "counted", "nearest_person_ft"}

# A well-formed body of each action (by ana, the armorer); the hostile value replaces one field.
STEPS = {
    "receive_firearm": {"firearm": "new-1", "serial": "S1", "make": "Colt", "model": "SAA", "from": "Rentals"},
    "return_firearm": {"firearm": "colt-1", "to": "Rentals"},
    "receive_ammo": {"lot": "N1", "kind": "dummy", "count": 6, "source": "Rentals", "caliber": ".45"},
    "inspect_lot": {"lot": "D1", "inspected": 6, "live_found": 0},
    "safety_meeting": {"scene": "9Z", "attendees": ["ana", "dee"], "blanks": False},
    "inspect_firearm": {"firearm": "colt-1", "result": "clear"},
    "load": {"firearm": "colt-1", "lot": "D1", "rounds": 1, "scene": "9Z", "rehearsal": True},
    "unload": {"firearm": "colt-1", "lot": "D1", "rounds": 1},
    "show_clear": {"firearm": "colt-1", "to": ["ben", "dee"]},
    "hand_over": {"firearm": "colt-1", "to": "ben", "scene": "9Z"},
    "declare": {"firearm": "colt-1", "state": "cold"},
    "fire": {"firearm": "colt-1", "scene": "9Z", "rounds": 0, "result": "click", "shooter": "ben", "rehearsal": True,
             "nearest_person_ft": 30},
    "report_discharge": {"firearm": "colt-1", "injuries": False, "note": "n"},
    "report_missing": {"firearm": "colt-1"},
    "report_concern": {"text": "t", "scene": "9Z"},
    "reconcile": {"lot": "D1", "counted": 6},
    "store": {"firearm": "colt-1", "locked": True},
    "unfreeze": {"firearm": "colt-1", "reason": "r"},
    "wrap": {},
}


def hostile_for(field, action):
    if field == "to":
        return {"show_clear": LIST_HOSTILE, "return_firearm": STRING_HOSTILE}.get(action, ID_HOSTILE)
    return KIND[field]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("hostile"))
    yield s
    assert s.stop() == 0


def send(server, method, path, body, headers=None, token=None):
    h = {"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {}), **(headers or {})}
    status, _, data = server.raw(method, path, body, h, timeout=60)
    return status, data


def log(server, token):
    return server.entries(token)


def healthy(server):
    return server.healthy()


def refused_well(status, data, what):
    assert 400 <= status < 500 and status != 409, f"{what}: {status} {data[:300]!r}"
    if data[:1] == b"{":
        body = json.loads(data)
        assert body.get("error"), what


def test_every_hostile_value_to_every_step_field_is_a_4xx_and_changes_nothing(server):
    ana = server.sign_in("ana")
    before = log(server, ana)
    sent = 0
    for action, fields in STEPS.items():
        for field in list(fields) + ["at", "by"]:
            for value in hostile_for(field, action):
                body = {"do": action, **fields, field: value}
                status, data = send(server, "POST", f"{P}/steps", json.dumps(body).encode(), token=ana)
                refused_well(status, data, f"{action}.{field}={str(value)[:40]!r}")
                sent += 1
            if field in NUMERIC:
                for text in NUMBER_RAW:
                    body = json.dumps({"do": action, **fields, field: 0}).replace(f'"{field}": 0', f'"{field}": {text}')
                    status, data = send(server, "POST", f"{P}/steps", body.encode(), token=ana)
                    refused_well(status, data, f"{action}.{field}={text}")
                    sent += 1
        assert healthy(server), action
    assert sent > 1000
    assert log(server, ana) == before


def test_malformed_bodies_are_a_4xx(server):
    ana = server.sign_in("ana")
    before = log(server, ana)
    bodies = [
        b"", b"{", b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
        b'{"do":"wrap","do":"wrap"}', b'{"do":"report_concern","text":"a","text":"b"}',
        b'{"do":"report_concern","text":"\xff\xfe"}', b'\xff\xfe\xfd', b'{"do":"report_concern","text":"\\ud800"}',
        b"null", b"[]", b"1e300", b'"x"', b'{"do":null}', b'{"do":"' + b"w" * 100_000 + b'"}',
        b'{"do":"report_concern","text":"x"}' + b" " * 10 + b"{}", b"\x00" * 100,
    ]
    for body in bodies:
        for path, token in ((f"{P}/steps", ana), (f"{P}/concerns", None), (f"{P}/sign-in", None), (f"{P}/transfers", ana),
                            (f"{P}/password", ana)):
            status, data = send(server, "POST", path, body, token=token)
            refused_well(status, data, f"{path} {body[:40]!r}")
    status, data = send(server, "POST", f"{P}/steps", b"x" * (2 << 20), token=ana)
    assert status == 413
    status, data = send(server, "POST", f"{P}/steps", b'{"do":"wrap"}', headers={"Content-Type": "text/plain"}, token=ana)
    assert status == 415
    assert healthy(server)
    assert log(server, ana) == before


def test_hostile_concerns_sign_ins_transfers_and_passwords(server):
    ana = server.sign_in("ana")
    before = log(server, ana)
    cases = []
    for field, values in (("text", STRING_HOSTILE), ("scene", ID_HOSTILE)):
        for v in values:
            cases.append((f"{P}/concerns", None, {"text": "t", field: v}))
    for v in ("2099-01-01T00:00:00Z", "yesterday"):
        cases.append((f"{P}/concerns", None, {"text": "t", "at": v}))
    for field in ("person", "password", "pin"):
        for v in STRING_HOSTILE:
            body = {"person": "ana", field: v} if field != "person" else {"person": v, "password": "x"}
            cases.append((f"{P}/sign-in", None, body))
    for field, values in (("case", ID_HOSTILE), ("to", STRING_HOSTILE), ("firearms", LIST_HOSTILE), ("lots", LIST_HOSTILE)):
        for v in values:
            cases.append((f"{P}/transfers", ana, {"case": "C1", "to": "Sheriff", "firearms": ["colt-1"], "lots": [], field: v}))
    for field in ("current", "new"):
        for v in STRING_HOSTILE:
            cases.append((f"{P}/password", ana, {"current": "wrong", "new": "a-long-enough-password", field: v}))
    for path, token, body in cases:
        status, data = send(server, "POST", path, json.dumps(body).encode(), token=token)
        if status == 429:
            continue  # the rate limits on concerns and sign-ins: also a 4xx, and nothing recorded
        refused_well(status, data, f"{path} {str(body)[:80]}")
    assert healthy(server)
    assert log(server, ana) == before


def test_hostile_query_path_and_header_values(server):
    pat = server.sign_in("pat")
    before = log(server, pat)
    numbers = ["-1", "1e300", "NaN", "Infinity", "0.5", "9223372036854775807", "99999999999999999999", "", "x", "%00"]
    paths = []
    for q in ("from", "limit"):
        paths += [f"{P}/entries?{q}={v}" for v in numbers]
    for q in ("after", "limit"):
        paths += [f"{P}/alarms?{q}={v}" for v in numbers]
    for q in ("before", "limit"):
        paths += [f"{P}/firearms/colt-1?{q}={v}" for v in numbers]
    for q in ("from", "to"):
        paths += [f"{P}/consistency?{q}={v}" for v in numbers]
    indexes = [v for v in numbers if v]
    paths += [f"{P}/entries/{v}" for v in indexes + ["1" * 30]]
    paths += [f"{P}/entries/{v}/proof" for v in indexes]
    paths += [f"{P}/days/{v}/timeline" for v in ["9999-99-99", "2026-02-30", "x" * 1000, "%00", "-1"]]
    paths += [f"{P}/bundle?day={v}" for v in ["x", "99999-01-01", "%00"]] + [f"{P}/bundle?firearm=%00", f"{P}/bundle?all=1"]
    paths += [f"{P}/firearms/{'x' * 5000}", f"{P}/lots/%FF%FE", f"{P}/firearms/%00"]
    paths += [f"{P}/events?after={v}" for v in numbers]
    # The tiled log: no path that is not a tile, and no tile the log does not hold, is anything but a 404.
    tiles = ["0/-1", "64/000", "0/" + "x999/" * 20 + "999", "%00", "0/000.p/0", "0/000.p/99999999999999999999", "x" * 5000,
             "entries/%FF%FE", "0/x999/x999/x999/999", "1/000", "entries/000.p/255", "0/000.p/1/../../../checkpoint"]
    paths += [f"/logs/demo/tile/{v}" for v in tiles] + ["/logs/demo/tile/", "/logs/%00/checkpoint"]
    for path in paths:
        status, data = send(server, "GET", path, None, token=pat)
        refused_well(status, data, path)
    for value in ["9223372036854775807", "-1", "x", "1" * 1000, "1.5"]:
        status, data = send(server, "GET", f"{P}/events", None, headers={"Last-Event-ID": value}, token=pat)
        refused_well(status, data, f"Last-Event-ID {value}")
    for auth in ["Bearer " + "x" * 10_000, "Bearer \u00ff", "Basic x", "Bearer "]:
        status, data = send(server, "GET", f"{P}/firearms", None, headers={"Authorization": auth.encode("latin-1").decode("latin-1")})
        assert status == 401, auth[:20]
    status, data = send(server, "GET", f"{P}/firearms", None, headers={"Cookie": "armory_session=" + "z" * 5000})
    assert status == 401
    assert healthy(server)
    assert log(server, pat) == before


FORM_NUMBERS = ["1e300", "NaN", "nan", "inf", "-Infinity", "-1", "0.5", "99999999999999999999", "100001", "%00", "1,5"]
FORM_TEXTS = ["x" * 1_000_000, "%00", "a%00b", "%1B%5B8m", "%E2%80%AE", "%FF%FE"]


def test_every_hostile_value_to_every_tablet_form_field(server):
    status, headers, _ = server.request("POST", f"{P}/sign-in", {"person": "ana", "password": server.logins["ana"]})
    cookie = headers["Set-Cookie"].split(";")[0]
    ana = server.sign_in("ana")
    before = log(server, ana)
    numeric = {"count", "inspected", "live_found", "rounds", "counted", "nearest_person_ft"}
    for action, fields in STEPS.items():
        base = {k: (",".join(v) if isinstance(v, list) else ("on" if v is True else v)) for k, v in fields.items() if v is not False}
        for field in fields:
            values = FORM_NUMBERS if field in numeric else FORM_TEXTS
            if field == "nearest_person_ft":
                values = [v for v in values if v != "0.5"]  # a distance may be a fraction
            for value in values:
                form = dict(base)
                form[field] = "__V__"
                text = urllib.parse.urlencode(form).replace("__V__", value)
                status, data = send(server, "POST", f"/p/demo/tablet/act/{action}", text.encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
                assert 400 <= status < 500 and status != 409, f"form {action}.{field}={value[:30]}: {status}"
                if status in (400, 422) and value != "x" * 1_000_000:
                    assert b"class=\"error\"" in data or b"field-error" in data, f"form {action}.{field}: no message shown"
        assert healthy(server), action
    for value in FORM_TEXTS:
        status, _ = send(server, "POST", "/p/demo/concern", f"text={value}&scene={value}".encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert 400 <= status < 500 or status == 201, value[:30]
    assert healthy(server)
    after = log(server, ana)
    # Concerns from the page that were within bounds are recorded (anonymous and plain text): nothing earlier changed.
    assert after[:len(before)] == before
    assert all(e["body"]["do"] == "report_concern" and e["by"] is None for e in after[len(before):])
