"""The security review's findings, reproduced against `armory serve --demo` as an attacker
would send them: each answer is a 4xx, a refusal or a clear error, the server stays up, and
the record is unchanged. docs/SECURITY.md names each test here."""
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import time
import urllib.parse

import pytest

from server import ARMORY, Server

P = "/api/v1/productions/demo"


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    assert s.stop() == 0


def raw(server, method, path, body=b"", headers=None):
    return server.raw(method, path, body, headers)


def entries(server, token):
    return server.entries(token)


def healthy(server):
    return server.healthy()


def check(tmp_path):
    """`armory check` on the demo's database: every production OK."""
    r = subprocess.run([ARMORY, "check", "--database", str(tmp_path / "demo" / "armory.db"),
                        "--key", str(tmp_path / "demo" / "log.key")], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


# Critical and high

def test_far_future_times_are_refused_and_the_production_stays_loadable(tmp_path):
    """Finding 1: a concern dated 9999-12-31 then one without a time made the production
    unloadable (a year-10000 stamp). Now the first is refused (anonymous concerns take the
    server's time), a signed-in step ahead of the clock is refused naming `at`, and the
    production opens again after a restart."""
    server = Server(tmp_path)
    try:
        status, body = server.json("POST", f"{P}/concerns", {"text": "x", "at": "9999-12-31T23:59:59-12:00"})
        assert status == 400 and body["field"] == "at", body
        status, body = server.json("POST", f"{P}/concerns", {"text": "x", "at": "2099-01-01T00:00:00Z"})
        assert status == 400 and body["field"] == "at", body
        status, body = server.json("POST", f"{P}/concerns", {"text": "loose hammer"})
        assert status == 201, body
        ana = server.sign_in("ana")
        for at in ("9999-12-31T23:59:59-12:00", "2099-01-01T00:00:00Z"):
            status, body = server.json("POST", f"{P}/steps", {"do": "report_concern", "text": "x", "at": at}, token=ana)
            assert status == 400 and body["field"] == "at" and "ahead of the server's clock" in body["error"], body
        # Every entry is dated no later than the real clock (and the receipt says when it arrived).
        now = time.time()
        for e in entries(server, ana):
            assert parse(e["at"]) <= now + 300, e
            if "received" in e:
                assert parse(e["received"]) <= now + 5, e
    finally:
        assert server.stop() == 0
    again = Server(tmp_path)
    try:
        ana = again.sign_in("ana")
        status, _ = again.json("GET", f"{P}/firearms", token=ana)
        assert status == 200
    finally:
        assert again.stop() == 0
    code, out = check(tmp_path)
    assert code == 0 and "BAD" not in out, out


def test_a_log_d5fc985_made_unloadable_opens_read_only_and_check_names_the_entry(tmp_path):
    """Finding 1, on the database d5fc985 wrote when it was reproduced (entry 72 stamped in
    year 10000): `armory serve` serves the production read-only (reads 200, steps 503 naming
    entry 72), and `armory check` names the entry, exiting 1."""
    from server import ROOT
    import shutil
    db = tmp_path / "old.db"
    shutil.copy(ROOT / "Tests" / "ArmoryStoreTests" / "Fixtures" / "year-10000" / "armory.db", db)
    r = subprocess.run([ARMORY, "check", "--database", str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "entry 72 cannot be read" in r.stdout and "read-only" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([ARMORY, "sign-ins", "--database", str(db), "--production", "demo", "-o", str(tmp_path / "logins.txt"),
                        "--password-cost", "10"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    password = {row.split(" ")[0]: row.split(" ")[2] for row in (tmp_path / "logins.txt").read_text().splitlines()}["ana"]
    err = open(tmp_path / "server.err", "w")
    proc = subprocess.Popen([ARMORY, "serve", "--database", str(db), "--port", "0", "--insecure-cookies"],
                            stdout=subprocess.PIPE, stderr=err, text=True, cwd=tmp_path)
    try:
        url = proc.stdout.readline().split()[-1]
        s = Server.__new__(Server)
        s.url = url
        status, body = s.json("POST", f"{P}/sign-in", {"person": "ana", "password": password})
        assert status == 200, body
        token = body["token"]
        status, body = s.json("GET", P, token=token)
        assert status == 200 and body["read_only"]["entry"] == 72, body
        status, body = s.json("POST", f"{P}/steps", {"do": "report_concern", "text": "still here"}, token=token)
        assert status == 503 and "entry 72 cannot be read" in body["error"], body
        assert s.json("GET", "/health") == (200, {"status": "ok"})
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
        err.close()
    assert "entry 72 cannot be read" in (tmp_path / "server.err").read_text()


def parse(text):
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")).timestamp()


def test_a_huge_last_event_id_is_a_400_and_the_server_stays_up(server):
    """Finding 2: `Last-Event-ID: 9223372036854775807` killed the server (`after + 1`)."""
    token = server.sign_in("pat")
    for value in ("9223372036854775807", "99999999999999999999", "-1", "1e3", "2147483648"):
        status, _, body = raw(server, "GET", f"{P}/events", headers={"Authorization": f"Bearer {token}", "Last-Event-ID": value})
        assert status == 400 and json.loads(body)["field"] == "Last-Event-ID", (value, body)
    assert healthy(server)


def test_pins_by_role_and_on_the_record(server):
    """Finding 3: the armorer issued a PIN for the producer and became the producer. Now an
    armorer issues PINs for talent and crew only, a producer for anyone but producers; each
    issuance is an entry (who, for whom, never the PIN); a PIN session's entries say so."""
    ana, pat = server.sign_in("ana"), server.sign_in("pat")
    before = len(entries(server, pat))
    for target in ("pat", "sol", "dee", "sam"):
        status, body = server.json("POST", f"{P}/people/{target}/pin", token=ana)
        assert status == 403, (target, body)
    status, body = server.json("POST", f"{P}/people/pat/pin", token=pat)
    assert status == 403, body
    status, body = server.json("POST", f"{P}/people/ben/pin", token=ana)
    assert status == 201, body
    pin = body["pin"]
    log = entries(server, pat)
    assert len(log) == before + 1
    issued = log[-1]
    assert issued["kind"] == "pin" and issued["by"] == "ana" and issued["body"] == {"for": "ben"}, issued
    assert pin not in json.dumps(log)
    status, body = server.json("POST", f"{P}/sign-in", {"person": "ben", "pin": pin})
    assert status == 200, body
    ben = body["token"]
    status, body = server.json("POST", f"{P}/steps", {"do": "report_concern", "text": "from ben"}, token=ben)
    assert status == 201, body
    status, entry = server.json("GET", f"{P}/entries/{body['index']}", token=pat)
    assert entry["via"] == "pin" and entry["by"] == "ben", entry
    # The producer may give the armorer a PIN; a step by a password session says so.
    status, body = server.json("POST", f"{P}/people/ana/pin", token=pat)
    assert status == 201, body
    status, body = server.json("POST", f"{P}/steps", {"do": "report_concern", "text": "from pat"}, token=pat)
    status, entry = server.json("GET", f"{P}/entries/{body['index']}", token=pat)
    assert entry["via"] == "password", entry


def test_concerns_are_capped_and_rate_limited(server):
    """Finding 4: 1 MiB concerns, unlimited. Now text is capped at 4,000 characters and scene
    at 64 (400 naming the field), concerns are limited per address (429 with Retry-After)
    and none below the limit is lost; the alarms route is paged."""
    status, body = server.json("POST", f"{P}/concerns", {"text": "x" * 4001})
    assert status == 400 and body["field"] == "text" and "4000" in body["error"], body
    status, body = server.json("POST", f"{P}/concerns", {"text": "x", "scene": "s" * 65})
    assert status == 400 and body["field"] == "scene", body
    status, _, _ = server.request("POST", f"{P}/concerns", b'{"text":"' + b"x" * (1 << 20) + b'"}')
    assert status == 413
    accepted = []
    for k in range(10):
        status, body = server.json("POST", f"{P}/concerns", {"text": f"concern {k}"})
        assert status == 201, (k, body)
        accepted.append(body["index"])
    status, headers, body = server.request("POST", f"{P}/concerns", {"text": "one too many"})
    assert status == 429 and int(headers["Retry-After"]) > 0, body
    sol = server.sign_in("sol")
    log = {e["index"]: e for e in entries(server, sol)}
    assert all(log[i]["body"]["text"] == f"concern {k}" for k, i in enumerate(accepted))
    status, page = server.json("GET", f"{P}/alarms?limit=3", token=sol)
    assert status == 200 and len(page) == 3
    status, nxt = server.json("GET", f"{P}/alarms?limit=3&after={page[-1]['index']}", token=sol)
    assert status == 200 and nxt[0]["index"] > page[-1]["index"]
    status, _ = server.json("GET", f"{P}/alarms?limit=1001", token=sol)
    assert status == 400


# Medium

def test_slow_clients_are_dropped_and_connections_capped(tmp_path):
    """Finding 5: 2,000 connections sending partial headers were all still open after 75 s.
    Now a connection that has not sent a whole request in the idle timeout is closed, and
    past the connection cap new ones are closed at once; /health answers after."""
    server = Server(tmp_path, "--idle-timeout", "2", "--maximum-connections", "40")
    try:
        u = urllib.parse.urlparse(server.url)
        held = []
        for _ in range(60):
            s = socket.create_connection((u.hostname, u.port), timeout=10)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            held.append(s)
        time.sleep(4)
        closed = 0
        for s in held:
            s.settimeout(2)
            try:
                closed += s.recv(1) == b""
            except (ConnectionResetError, socket.timeout):
                closed += 1
            s.close()
        assert closed == len(held), f"{len(held) - closed} slow connections still open"
        assert healthy(server)
    finally:
        assert server.stop() == 0


def test_guessing_passwords_locks_out_neither_a_fresh_pin_nor_other_devices_and_counts_every_attempt(server):
    """Finding 6: five wrong passwords blocked a person's password and PIN alike, and 60
    concurrent guesses got 6 evaluations. Now attempts are reserved before they are checked
    (at most 5 evaluated), a fresh PIN still signs in, and an address is throttled too."""
    def guess(_):
        return server.json("POST", f"{P}/sign-in", {"person": "ben", "password": "wrong"})[0]
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(guess, range(60)))
    assert answers.count(401) <= 5 and answers.count(401) + answers.count(429) == 60, answers
    status, _ = server.json("POST", f"{P}/sign-in", {"person": "ben", "password": server.logins["ben"]})
    assert status == 429
    ana = server.sign_in("ana")
    status, body = server.json("POST", f"{P}/people/ben/pin", token=ana)
    assert status == 201
    status, body = server.json("POST", f"{P}/sign-in", {"person": "ben", "pin": body["pin"]})
    assert status == 200, body
    # One address guessing across people is throttled as a whole.
    for k in range(20):
        server.json("POST", f"{P}/sign-in", {"person": ["kim", "cy", "pm", "sol"][k % 4], "password": "wrong"})
    status, headers, body = server.request("POST", f"{P}/sign-in", {"person": "dee", "password": server.logins["dee"]})
    assert status == 429 and "device" in json.loads(body)["error"] and int(headers["Retry-After"]) > 0


# Low

def test_cross_site_posts_with_the_cookie_are_refused_and_the_api_takes_json_only(server):
    """Finding 12: a cookie-authenticated text/plain POST from another origin answered 201.
    Now an unsafe method with the cookie needs this server's Origin, and the API takes only
    application/json."""
    status, headers, _ = server.request("POST", f"{P}/sign-in", {"person": "ana", "password": server.logins["ana"]})
    cookie = headers["Set-Cookie"].split(";")[0]
    host = urllib.parse.urlparse(server.url).netloc
    before = len(entries(server, server.sign_in("pat")))
    body = json.dumps({"do": "report_concern", "text": "csrf"}).encode()
    for ctype in ("text/plain", "application/json"):
        status, _, answer = raw(server, "POST", f"{P}/steps", body,
                                {"Cookie": cookie, "Origin": "https://evil.example", "Content-Type": ctype, "Host": host})
        assert status == 403, answer
    status, _, answer = raw(server, "POST", f"/p/demo/tablet/act/report_concern", b"text=csrf",
                            {"Cookie": cookie, "Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded",
                             "Host": host})
    assert status == 403, answer
    status, _, answer = raw(server, "POST", f"{P}/steps", body,
                            {"Cookie": cookie, "Origin": "null", "Content-Type": "application/json", "Host": host})
    assert status == 403, answer
    status, _, answer = raw(server, "POST", f"{P}/steps", body,
                            {"Cookie": cookie, "Sec-Fetch-Site": "cross-site", "Content-Type": "application/json", "Host": host})
    assert status == 403, answer
    status, _, answer = raw(server, "POST", f"{P}/steps", body, {"Cookie": cookie, "Origin": "null", "Sec-Fetch-Site": "cross-site",
                                                                 "Content-Type": "application/json", "Host": host})
    assert status == 403, answer
    token = server.sign_in("ana")
    status, _, answer = raw(server, "POST", f"{P}/steps", body, {"Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
    assert status == 415, answer
    assert len(entries(server, server.sign_in("pat"))) == before
    # From Armory's own origin, with the cookie, it is recorded.
    status, _, answer = raw(server, "POST", f"{P}/steps", body,
                            {"Cookie": cookie, "Origin": server.url, "Content-Type": "application/json", "Host": host})
    assert status == 201, answer
    # A browser hiding the page's origin (Origin: null) still says the post is its own.
    status, _, answer = raw(server, "POST", "/p/demo/tablet/act/report_concern", b"text=from+the+tablet",
                            {"Cookie": cookie, "Origin": "null", "Sec-Fetch-Site": "same-origin",
                             "Content-Type": "application/x-www-form-urlencoded", "Host": host})
    # Recorded: the post leads to its result page (Post/Redirect/Get).
    assert status == 303, answer


def test_no_small_leaks(server):
    """Finding 13: an anonymous concern's scene pre-filled the armorer's forms; the anonymous
    sign-in page listed every person and the log's size; /metrics showed every production to
    any producer. Now none of these."""
    status, body = server.json("POST", f"{P}/concerns", {"text": "x", "scene": "EVIL-SCENE"})
    assert status == 201
    status, headers, _ = server.request("POST", f"{P}/sign-in", {"person": "ana", "password": server.logins["ana"]})
    cookie = headers["Set-Cookie"].split(";")[0]
    status, _, page = raw(server, "GET", "/p/demo/tablet/act/load", headers={"Cookie": cookie})
    assert status == 200 and b"EVIL-SCENE" not in page
    status, _, page = raw(server, "GET", "/p/demo/sign-in")
    assert status == 200
    for person in ("Ana Ortiz", "Pat Lee", "Sol Grant", "producer"):
        assert person.encode() not in page, person
    assert b'data-seen=""' in page, "the log's size is not on the anonymous sign-in page"
    pat = server.sign_in("pat")
    status, _, _ = raw(server, "GET", "/metrics", headers={"Authorization": f"Bearer {pat}"})
    assert status in (401, 403)


def test_metrics_with_the_token_only(tmp_path):
    env_token = "metrics-secret-token-for-tests"
    os.environ["ARMORY_METRICS_TOKEN"] = env_token
    try:
        server = Server(tmp_path)
    finally:
        del os.environ["ARMORY_METRICS_TOKEN"]
    try:
        assert server.json("POST", f"{P}/concerns", {"text": "counted"})[0] == 201
        status, _, body = raw(server, "GET", "/metrics", headers={"Authorization": f"Bearer {env_token}"})
        assert status == 200 and b"armory" in body, body
        status, _, _ = raw(server, "GET", "/metrics", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        # A producer's session is no metrics credential: the metrics name every production.
        status, _, _ = raw(server, "GET", "/metrics", headers={"Authorization": f"Bearer {server.sign_in('pat')}"})
        assert status == 401
        assert env_token not in (tmp_path / "server.err").read_text()
    finally:
        assert server.stop() == 0


def test_a_new_password_ends_other_sessions_and_streams_are_capped(server):
    """Finding 14: sessions outlived a password change; one session opened 300 streams. Now a
    new password ends the person's other sessions, and a session holds at most 4 streams: a
    fifth ends the oldest."""
    first, second = server.sign_in("pat"), server.sign_in("pat")
    status, body = server.json("POST", f"{P}/password", {"current": "wrong", "new": "a-new-long-password"}, token=first)
    assert status == 403
    status, body = server.json("POST", f"{P}/password", {"current": server.logins["pat"], "new": "short"}, token=first)
    assert status == 400 and body["field"] == "new"
    status, body = server.json("POST", f"{P}/password", {"current": server.logins["pat"], "new": "a-new-long-password"}, token=first)
    assert status == 200 and body["sessions_ended"] >= 1, body
    assert server.json("GET", "/api/v1/session", token=second)[0] == 401
    assert server.json("GET", "/api/v1/session", token=first)[0] == 200
    status, _ = server.json("POST", f"{P}/sign-in", {"person": "pat", "password": "a-new-long-password"})
    assert status == 200
    u = urllib.parse.urlparse(server.url)
    streams, replies = [], []
    try:
        for _ in range(4):
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            conn.request("GET", f"{P}/events", headers={"Authorization": f"Bearer {first}"})
            r = conn.getresponse()
            assert r.status == 200
            streams.append(conn)
            replies.append(r)
        # A fifth: opened, and the session's oldest is ended to make room (a tablet going from
        # page to page is never turned away from its alarms); the session still holds four.
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("GET", f"{P}/events", headers={"Authorization": f"Bearer {first}"})
        assert conn.getresponse().status == 200
        streams.append(conn)
        oldest = replies[0].fp
        streams[0].sock.settimeout(10)
        deadline = time.time() + 10
        while time.time() < deadline:
            if oldest.readline() in (b"0\r\n", b""):
                break
        else:
            raise AssertionError("the oldest stream was not ended")
    finally:
        for c in streams:
            c.close()


def test_a_producer_ends_every_session_of_a_person(server):
    """A stolen tablet: a producer signs its person out everywhere at once."""
    ana1, ana2, pat = server.sign_in("ana"), server.sign_in("ana"), server.sign_in("pat")
    status, body = server.json("POST", f"{P}/people/ana/sign-out", token=ana1)
    assert status == 403
    status, body = server.json("POST", f"{P}/people/ana/sign-out", token=pat)
    assert status == 200 and body["sessions_ended"] == 2, body
    assert server.json("GET", "/api/v1/session", token=ana1)[0] == 401
    assert server.json("GET", "/api/v1/session", token=ana2)[0] == 401
    assert server.json("GET", "/api/v1/session", token=pat)[0] == 200


# Checked and fine: kept so

def test_pages_send_security_headers_and_escape_what_people_type(server):
    """Every page sends a CSP without inline script, frame-ancestors 'none', nosniff and a
    Referrer-Policy; a `<script>` typed into a concern or a note is escaped everywhere."""
    payload = '<script>alert(1)</script>"><svg/onload=alert(2)>'
    status, body = server.json("POST", f"{P}/concerns", {"text": payload})
    assert status == 201
    ana = server.sign_in("ana")
    status, body = server.json("POST", f"{P}/steps", {"do": "report_discharge", "firearm": "colt-1", "injuries": False,
                                                       "note": payload}, token=ana)
    assert status in (201, 409), body
    status, headers, _ = server.request("POST", f"{P}/sign-in", {"person": "pat", "password": server.logins["pat"]})
    cookie = headers["Set-Cookie"].split(";")[0]
    days = server.json("GET", f"{P}/days", token=ana)[1]
    pages = ["/p/demo/dashboard", "/p/demo/tablet", "/p/demo/labels", "/p/demo/concern", "/p/demo/sign-in",
             f"/p/demo/report/{days[-1]}", f"/p/demo/timeline/{days[-1]}", f"/p/demo/entry/{body.get('index', 1)}",
             "/p/demo/tablet/firearm/colt-1"]
    for path in pages:
        status, headers, page = raw(server, "GET", path, headers={"Cookie": cookie})
        assert status == 200, (path, status)
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp, path
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin", path
        assert b"<script>alert" not in page and b"<svg/onload" not in page, path


def test_no_secret_reaches_the_servers_output_and_cookies_are_secure(tmp_path):
    """No password, PIN, session token, metrics token or private key appears in anything the
    server writes after it starts, even at trace level; without --insecure-cookies the
    session cookie is Secure (and HttpOnly, SameSite=Strict)."""
    metrics_token = "metrics-token-never-logged-7f3a"
    server = Server(tmp_path, env={"ARMORY_METRICS_TOKEN": metrics_token, "ARMORY_LOG_LEVEL": "trace"},
                    insecure_cookies=False)
    secrets = [metrics_token, "wrong-guess-never-logged-91c2", "a-new-password-never-logged-55e1"]
    try:
        status, headers, raw_body = server.request("POST", f"{P}/sign-in", {"person": "pat", "password": server.logins["pat"]})
        assert status == 200
        cookie = headers["Set-Cookie"]
        assert all(a in cookie for a in ("Secure", "HttpOnly", "SameSite=Strict")), cookie
        pat = json.loads(raw_body)["token"]
        ana = server.sign_in("ana")
        secrets += [pat, ana, server.logins["pat"], server.logins["ana"], server.logins["ben"]]
        assert server.json("POST", f"{P}/sign-in", {"person": "ben", "password": secrets[1]})[0] == 401
        status, body = server.json("POST", f"{P}/people/ben/pin", token=ana)
        assert status == 201
        secrets.append(body["pin"])
        status, body = server.json("POST", f"{P}/sign-in", {"person": "ben", "pin": body["pin"]})
        assert status == 200
        secrets.append(body["token"])
        assert server.json("POST", f"{P}/steps", {"do": "report_concern", "text": "logged?"}, token=body["token"])[0] == 201
        status, _ = server.json("POST", f"{P}/password", {"current": server.logins["pat"], "new": secrets[2]}, token=pat)
        assert status == 200
        assert raw(server, "GET", "/metrics", headers={"Authorization": f"Bearer {metrics_token}"})[0] == 200
        assert raw(server, "GET", "/p/demo/tablet", headers={"Cookie": cookie.split(";")[0]})[0] == 200
    finally:
        assert server.stop() == 0
    written = server.proc.stdout.read() + (tmp_path / "server.err").read_text()
    key = (tmp_path / "demo" / "log.key").read_text().strip()
    secrets.append(key.split("+", 4)[4])  # PRIVATE+KEY+name+hash+base64 (which may hold "+")
    assert all(len(secret) >= 6 for secret in secrets), "lengths " + " ".join(str(len(secret)) for secret in secrets) + " key " + key[:12]
    for secret in secrets:
        assert secret not in written, f"a secret reached the server's output: {secret[:4]}…"
