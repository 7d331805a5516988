"""The OpenAPI document against the running server: `armory serve --demo` is started on a
free port, and schemathesis generates requests for every operation of /openapi.json (as
the producer with a bearer token, as the armorer with the session cookie, with no session,
against the demo production and against productions that do not exist, with valid and
with invalid data), after a few hand-made cases that reach every success shape and a
refusal. No response may be a 5xx, every status, content type and header must be one the
document lists for the operation, and every body must match the document's schema. The
live-events stream, which never ends, is checked by hand. Then the server must stop
cleanly with a follower still listening: SIGTERM, exit 0 within 10 s. Prints how many
operations and cases were run. ARMORY_OPENAPI_EXAMPLES sets the examples per operation."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from server import ROOT, Server

DOCUMENT = ROOT / "Sources" / "ArmoryAPI" / "Resources" / "openapi.json"

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance, not_a_server_error, response_headers_conformance, response_schema_conformance,
    status_code_conformance)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]
# Examples per operation and run; six runs in all (see test below).
EXAMPLES = int(os.environ.get("ARMORY_OPENAPI_EXAMPLES", "100"))
EVENTS = ("GET", "/api/v1/productions/{production}/events")
SIGN_OUT = ("POST", "/api/v1/sign-out")
OPENAPI = ("GET", "/openapi.json")


def document():
    return json.loads(DOCUMENT.read_text())


def documented_routes():
    """(method, OpenAPI path) of every operation in the document. That these are exactly the
    routes of the API's router is checked in Swift (Tests/ArmoryServerTests/OpenAPIDocumentTests)."""
    return {(m.upper(), path) for path, item in document()["paths"].items() for m in item}


def next_message(lines):
    """The next SSE message's lines, heartbeat comments skipped."""
    message = []
    for line in lines:
        if line:
            message.append(line)
        elif message and not all(m.startswith(":") for m in message):
            return message
        else:
            message = []
    raise AssertionError(f"the stream ended: {message}")


def test_schemathesis_finds_nothing_and_the_server_stops_cleanly(tmp_path):
    started = time.monotonic()
    server = Server(tmp_path)
    url, proc = server.url, server.proc
    follower = None
    try:
        pat = server.sign_in("pat")
        ana = server.sign_in("ana")
        served = requests.get(f"{url}/openapi.json", timeout=10)
        assert served.status_code == 200 and served.headers["content-type"].startswith("application/json")
        assert served.json() == document()

        # Live events, by hand: 401 without a session; the stream opens with a comment and carries
        # each new entry as `id`, `event` (a concern is an alarm), `data`. First, while the demo's
        # clock is the real one: fuzzed steps may be recorded far in the future, after which a
        # step at 'now' is out of order.
        assert requests.get(f"{url}/api/v1/productions/demo/events", timeout=10).status_code == 401
        with requests.get(f"{url}/api/v1/productions/demo/events", headers={"Authorization": f"Bearer {pat}"},
                          stream=True, timeout=10) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines(decode_unicode=True)
            assert next(lines) == ": armory live events"
            concern = requests.post(f"{url}/api/v1/productions/demo/concerns", json={"text": "loose hammer on colt-2"}, timeout=10)
            assert concern.status_code == 201, concern.text
            message = next_message(lines)
            assert concern.json()["outcome"] == "alarm" and concern.json()["rules"] == ["CONCERN-1"], concern.text
            assert message[:2] == [f"id: {concern.json()['index']}", "event: alarm"], message
            assert json.loads(message[2].removeprefix("data: "))["body"]["text"] == "loose hammer on colt-2"

        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        # schemathesis leaves out the operation that serves the document itself (checked above).
        assert {(op.method.upper(), op.path) for op in operations} == documented_routes() - {OPENAPI}

        # Hand-made cases first, on the fresh demo, so that every success shape (and a refusal)
        # is validated against the document whatever the generator happens to hit.
        ops = {(op.method.upper(), op.path): op for op in operations}
        handmade = 0

        def call(method, path, expected, token=pat, **data):
            nonlocal handmade
            op = ops[(method, path if path.startswith("/api/") else "/api/v1/productions/{production}" + path)]
            names = re.findall(r"{(\w+)}", op.path)
            case = op.Case(path_parameters={"production": "demo", **{k: v for k, v in data.pop("params", {}).items() if k in names}}, **data)
            response = case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=30)
            assert response.status_code == expected, (method, op.path, response.status_code, response.text)
            handmade += 1
            return response

        call("POST", "/api/v1/productions/{production}/sign-in", 200, token=None,
             body={"person": "sol", "password": server.logins["sol"]})
        call("POST", "/steps", 201, token=ana, body={"do": "receive_firearm", "firearm": "colt-9", "serial": "SA-9",
                                                     "make": "Colt", "model": "SAA", "from": "Western Prop Rentals"})
        refusal = call("POST", "/steps", 409, body={"do": "declare", "firearm": "colt-9", "state": "cold"}).json()
        assert refusal["outcome"] == "refused" and refusal["rules"], refusal
        call("POST", "/transfers", 409, body={"case": "24-001", "to": "Det. Ruiz", "firearms": ["colt-9"]})
        call("POST", "/transfers", 201, token=ana, body={"case": "24-001", "to": "Det. Ruiz", "firearms": ["colt-9"]})
        pin = call("POST", "/people/{person}/pin", 201, token=ana, params={"person": "ben"}).json()["pin"]
        call("POST", "/api/v1/productions/{production}/sign-in", 200, token=None, body={"person": "ben", "pin": pin})
        call("POST", "/checkpoints", 201)
        for path, extra in [("/firearms/{id}", {"id": "colt-1"}), ("/lots/{id}", {"id": "B1"}), ("/entries/{index}", {"index": 1}),
                            ("/entries/{index}/proof", {"index": 1}), ("/firearms", {}), ("/lots", {}), ("/scenes", {}),
                            ("/alarms", {}), ("/entries", {}), ("/checkpoints", {}), ("/consistency", {}), ("", {}), ("/people", {})]:
            call("GET", path, 200, params=extra)
        for day in call("GET", "/days", 200).json():
            call("GET", "/days/{day}/timeline", 200, params={"day": day})
            call("GET", "/bundle", 200, query={"day": day})
        call("GET", "/bundle", 200, query={"firearm": "colt-1"})
        call("GET", "/bundle", 200, query={"all": "true"})
        call("GET", "/bundle", 400, query={"all": "true", "day": "2026-03-02"})
        call("GET", "/bundle", 403, token=server.sign_in("dee"), query={"all": "true"})

        # (name, generation mode, fixed path parameters, how each request authenticates, examples)
        runs = [
            ("producer, bearer", GenerationMode.POSITIVE, {"production": "demo"},
             lambda: {"headers": {"Authorization": f"Bearer {pat}"}}, EXAMPLES),
            ("armorer, cookie", GenerationMode.POSITIVE, {"production": "demo"},
             lambda: {"cookies": {"armory_session": ana}}, EXAMPLES),
            ("armorer, bearer, any production", GenerationMode.POSITIVE, None,
             lambda: {"headers": {"Authorization": f"Bearer {ana}"}}, EXAMPLES // 4),
            ("no session", GenerationMode.POSITIVE, {"production": "demo"}, lambda: {}, EXAMPLES // 4),
            ("producer, invalid data", GenerationMode.NEGATIVE, {"production": "demo"},
             lambda: {"headers": {"Authorization": f"Bearer {pat}"}}, EXAMPLES // 2),
            ("armorer, invalid data", GenerationMode.NEGATIVE, {"production": "demo"},
             lambda: {"headers": {"Authorization": f"Bearer {ana}"}}, EXAMPLES // 2),
        ]
        failures, cases, statuses, tested = [], 0, {}, {EVENTS}
        # Sign-out last in every run, so that no other case meets an ended session.
        operations.sort(key=lambda op: (op.method.upper(), op.path) == SIGN_OUT)
        for name, mode, path_parameters, auth, examples in runs:
            for op in operations:
                key = (op.method.upper(), op.path)
                if key == EVENTS:
                    continue  # never ends: checked by hand above
                fixed = {k: v for k, v in (path_parameters or {}).items() if f"{{{k}}}" in op.path} or None
                strategy = op.as_strategy(generation_mode=mode, path_parameters=fixed)

                @settings(max_examples=examples, deadline=None, database=None, print_blob=True,
                          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate, Phase.shrink])
                @given(case=strategy)
                def run(case):
                    nonlocal cases
                    cases += 1
                    kwargs = auth()
                    if key == SIGN_OUT and kwargs:
                        # Signing out ends the session it is sent with: each case signs out a session of its own.
                        kwargs = {"headers": {"Authorization": f"Bearer {server.sign_in('cy')}"}}
                    response = case.call_and_validate(checks=CHECKS, timeout=30, **kwargs)
                    statuses.setdefault(op.label, set()).add(response.status_code)

                try:
                    run()
                    tested.add(key)
                except Unsatisfiable:
                    # Invalid data needs something to make invalid: /health has no parameter, body or security.
                    assert mode == GenerationMode.NEGATIVE and not list(op.iter_parameters()), op.label
                    assert not op.get_request_payload_content_types(), op.label
                except (Exception, BaseExceptionGroup) as error:  # every failure is collected, then reported together
                    failures.append(f"[{name}] {op.label}:\n{error}")
                assert proc.poll() is None, f"the server died during {op.label}: {(tmp_path / 'server.err').read_text()[-3000:]}"

        print(f"\nschemathesis: {len(tested)} operations (and {OPENAPI[1]} by hand), {cases} generated cases in {len(runs)} runs"
              f" and {handmade} hand-made, "
              f"{len(failures)} failing; statuses seen:")
        for label in sorted(statuses):
            print(f"  {label}: {sorted(statuses[label])}")
        assert not failures, "\n\n".join(failures)
        assert tested == documented_routes() - {OPENAPI}
        # A follower still listening must not hold up the shutdown.
        follower = requests.get(f"{url}/api/v1/productions/demo/events", headers={"Authorization": f"Bearer {ana}"},
                                stream=True, timeout=10)
        assert follower.status_code == 200
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            code = "none: still running 10 s after SIGTERM"
        server.stop()
        if follower is not None:
            follower.close()
        print(f"server stopped with exit status {code}; {time.monotonic() - started:.1f} s in all")
    assert code == 0, (tmp_path / "server.err").read_text()[-3000:]
