"""`armory serve` as a process: the demo, live alarms across sessions, cookies, the
anonymous concern route, graceful shutdown, and the same server on PostgreSQL."""
import http.client
import json
import os
import threading
import time
import urllib.parse

import pytest

from server import Server


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    assert s.stop() == 0


def follow(server, token, found, ready):
    """Reads the SSE stream until an alarm arrives; records when."""
    u = urllib.parse.urlparse(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/api/v1/productions/demo/events", headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    ready.release()
    event = None
    while True:
        line = r.fp.readline().decode()
        if not line:
            return
        if line.startswith("event: "):
            event = line[7:].strip()
        if line.startswith("data: ") and event == "alarm":
            found.append((time.monotonic(), json.loads(line[6:])))
            conn.close()
            return


def test_the_demo_prints_its_url_and_sign_ins(server):
    assert "Demo production 'demo'" in server.printed
    for person in ["ana", "dee", "pat", "sol", "ben"]:
        assert person in server.logins
    status, body = server.json("GET", "/health")
    assert status == 200 and body == {"status": "ok"}
    token = server.sign_in("dee")
    status, firearms = server.json("GET", "/api/v1/productions/demo/firearms", token=token)
    assert status == 200 and {f["id"] for f in firearms} == {"colt-1", "colt-2"}
    status, days = server.json("GET", "/api/v1/productions/demo/days", token=token)
    # Yesterday's wrapped day and today's, each on its own date whenever the demo was made.
    assert status == 200 and len(days) == 2, days


def events(server, token, headers=None, query=""):
    """Opens the live stream; returns the connection and a reader of (id, event, entry)."""
    u = urllib.parse.urlparse(server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", "/api/v1/productions/demo/events" + query, headers={"Authorization": "Bearer " + token, **(headers or {})})
    r = conn.getresponse()

    def next_event():
        fields = {}
        while True:
            line = r.fp.readline().decode()
            assert line, "the stream ended"
            if line == "\n" and "data" in fields:
                return int(fields["id"]), fields["event"], json.loads(fields["data"])
            if ": " in line and not line.startswith(":"):
                k, v = line.rstrip("\n").split(": ", 1)
                fields[k] = v
    return conn, r, next_event


def test_a_session_going_from_page_to_page_is_never_turned_away_from_its_alarms(server):
    """Each page of a tablet opens a live stream; the page left behind is not noticed gone at
    once. A session's fifth and sixth streams are opened, and its oldest ended to make room."""
    ana = server.sign_in("ana")
    opened = []
    for _ in range(6):
        conn, r, next_event = events(server, ana)
        assert r.status == 200, r.status
        opened.append((conn, r, next_event))
    for conn, r, _ in opened[:2]:
        # The oldest two end: their streams' last chunk comes (the connection may stay open).
        conn.sock.settimeout(10)
        while r.fp.readline() not in (b"0\r\n", b""):
            pass
        conn.close()
    status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "after six pages"}, token=ana)
    assert status == 201
    for conn, r, next_event in opened[2:]:
        while True:
            index, kind, entry = next_event()
            if index == body["index"]:
                break
        assert kind == "alarm"
        conn.close()


def test_a_screen_that_was_away_is_sent_what_it_missed(server):
    ana = server.sign_in("ana")
    recorded = []
    for text in ["first", "second", "third"]:
        status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": text}, token=ana)
        assert status == 201 and body["outcome"] == "alarm", body
        recorded.append(body["index"])
    # The browser's own retry says the last id it saw: the two entries after it come first, in order.
    conn, r, next_event = events(server, server.sign_in("dee"), {"Last-Event-ID": str(recorded[0])})
    assert r.status == 200
    assert [next_event()[:2] for _ in range(2)] == [(recorded[1], "alarm"), (recorded[2], "alarm")]
    # Then it goes on live, with nothing sent twice.
    status, body = server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "fourth"}, token=ana)
    index, kind, entry = next_event()
    assert (index, kind, entry["body"]["text"]) == (body["index"], "alarm", "fourth")
    conn.close()
    # A new stream asks with ?after=, as the page does once its stream was turned away.
    conn, r, next_event = events(server, ana, query=f"?after={recorded[1]}")
    assert next_event()[0] == recorded[2]
    conn.close()
    # Without either, only what comes next.
    conn, r, next_event = events(server, ana)
    server.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "fifth"}, token=ana)
    assert next_event()[2]["body"]["text"] == "fifth"
    conn.close()
    for bad in [{"headers": {"Last-Event-ID": "x"}}, {"query": "?after=-1"}, {"query": "?after=many"}]:
        conn, r, _ = events(server, ana, **bad)
        assert r.status == 400 and json.loads(r.read())["error"], bad
        conn.close()


def test_an_alarm_reaches_every_subscribed_role_within_a_second(server):
    watchers = ["ana", "dee", "pat", "sol"]
    found = {p: [] for p in watchers}
    ready = threading.Semaphore(0)
    threads = [threading.Thread(target=follow, args=(server, server.sign_in(p), found[p], ready), daemon=True) for p in watchers]
    for t in threads:
        t.start()
    for _ in watchers:
        assert ready.acquire(timeout=10)
    time.sleep(0.2)
    ben = server.sign_in("ben")
    sent = time.monotonic()
    status, body = server.json("POST", "/api/v1/productions/demo/steps",
                               {"do": "report_concern", "text": "a live round in the dummies box"}, token=ben)
    assert status == 201 and body["outcome"] == "alarm"
    for t in threads:
        t.join(timeout=5)
    for person in watchers:
        assert found[person], f"{person} got no alarm"
        at, entry = found[person][0]
        assert entry["index"] == body["index"] and entry["rules"] == ["CONCERN-1"]
        print(f"alarm reached {person} in {1000 * (at - sent):.1f} ms")
        assert at - sent < 1.0
    # Talent and crew do not follow the production's alarms.
    status, _, _ = server.request("GET", "/api/v1/productions/demo/events", token=server.sign_in("cy"))
    assert status == 403


def test_a_session_cookie_is_http_only_and_same_site_strict(server):
    status, headers, raw = server.request("POST", "/api/v1/productions/demo/sign-in",
                                          {"person": "pat", "password": server.logins["pat"]})
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("armory_session=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    value = cookie.split(";")[0]
    status, _, raw = server.request("GET", "/api/v1/session", headers={"Cookie": value})
    assert status == 200 and json.loads(raw)["person"] == "pat"
    # The password never reaches the server's log.
    assert server.logins["pat"] not in (server.folder / "server.err").read_text()


def test_an_anonymous_concern_records_no_identity(server):
    status, headers, raw = server.request("POST", "/api/v1/productions/demo/concerns",
                                          {"text": "the AD called the gun cold"})
    assert status == 201 and "Set-Cookie" not in headers
    index = json.loads(raw)["index"]
    status, entry = server.json("GET", f"/api/v1/productions/demo/entries/{index}", token=server.sign_in("sol"))
    assert entry["by"] is None and entry["body"] == {"at": entry["at"], "do": "report_concern", "text": "the AD called the gun cold"}
    after_start = (server.folder / "server.err").read_text().split("listening on")[-1].split("\n", 1)[-1]
    assert "127.0.0.1" not in after_start


def test_a_restarted_demo_keeps_its_record_sign_ins_and_sessions(tmp_path):
    first = Server(tmp_path)
    token = first.sign_in("ana")
    status, body = first.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "check"}, token=token)
    assert status == 201
    logins = first.logins
    assert first.stop() == 0, "SIGTERM must shut the server down cleanly"
    second = Server(tmp_path)
    try:
        assert second.logins == logins
        # Still signed in: the session outlived the restart.
        status, production = second.json("GET", "/api/v1/productions/demo", token=token)
        assert status == 200 and production["entries"] == body["index"] + 1
        assert second.json("POST", "/api/v1/sign-out", token=token)[0] == 204
        assert second.json("GET", "/api/v1/session", token=token)[0] == 401
        status, production = second.json("GET", "/api/v1/productions/demo", token=second.sign_in("ana"))
        assert status == 200
    finally:
        assert second.stop() == 0


@pytest.mark.skipif(not os.environ.get("ARMORY_TEST_POSTGRES_URL") and not os.environ.get("CI"),
                    reason="needs the test PostgreSQL server (scripts/test starts one)")
def test_the_server_runs_on_postgresql(tmp_path):
    url = os.environ["ARMORY_TEST_POSTGRES_URL"]
    # A database of its own, so the demo production id is free.
    import subprocess
    name = f"serve_{os.getpid()}"
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True)
    s = Server(tmp_path, "--database", url.rsplit("/", 1)[0] + "/" + name)
    try:
        token = s.sign_in("ana")
        status, body = s.json("POST", "/api/v1/productions/demo/steps", {"do": "report_concern", "text": "on postgres"}, token=token)
        assert status == 201 and body["outcome"] == "alarm"
        status, alarms = s.json("GET", "/api/v1/productions/demo/alarms", token=token)
        assert alarms[-1]["index"] == body["index"]
    finally:
        assert s.stop() == 0


def test_of_fifty_clients_handing_over_the_same_firearm_exactly_one_wins(server):
    from concurrent.futures import ThreadPoolExecutor
    ana = server.sign_in("ana")
    status, body = server.json("POST", "/api/v1/productions/demo/steps",
                               {"do": "show_clear", "firearm": "colt-1", "to": ["ben", "dee"]}, token=ana)
    assert status == 201, body
    hand_over = {"do": "hand_over", "firearm": "colt-1", "to": "ben", "scene": "2A"}
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(lambda _: server.json("POST", "/api/v1/productions/demo/steps", hand_over, token=ana), range(50)))
    statuses = sorted(s for s, _ in answers)
    assert statuses.count(201) == 1 and statuses.count(409) == 49, statuses
    refused = [b for s, b in answers if s == 409]
    assert all("FA-3" in b["rules"] or "FA-5" in b["rules"] for b in refused), refused[0]
    status, firearm = server.json("GET", "/api/v1/productions/demo/firearms/colt-1", token=ana)
    assert firearm["state"]["custodian"] == "ben"
