"""Starts `armory serve` for process-level tests and speaks to it over HTTP."""
import http.client
import json
import os
import pathlib
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARMORY = os.environ.get("ARMORY_BIN", str(ROOT / ".build" / "debug" / "armory"))


class Server:
    """A running `armory serve --demo` in its own folder."""

    def __init__(self, folder, *extra, port=0, env=None, insecure_cookies=True):
        self.folder = pathlib.Path(folder)
        self.stderr = open(self.folder / "server.err", "w")
        self.proc = subprocess.Popen(
            [ARMORY, "serve", "--demo", "--demo-dir", str(self.folder / "demo"), "--port", str(port),
             "--password-cost", "10", *(["--insecure-cookies"] if insecure_cookies else []), *extra],
            stdout=subprocess.PIPE, stderr=self.stderr, text=True, cwd=self.folder,
            env={**os.environ, **(env or {})})
        deadline = time.time() + 60
        self.url = None
        lines = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Armory is serving on "):
                self.url = line.split()[-1]
            if self.url and len(lines) >= 12:
                break
        assert self.url, "server did not start: " + "".join(lines) + (self.folder / "server.err").read_text()
        self.printed = "".join(lines)
        self.logins = {}
        for row in (self.folder / "demo" / "logins.txt").read_text().splitlines():
            person, roles, password = row.split(" ")
            self.logins[person] = password

    def request(self, method, path, body=None, token=None, headers=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, r.headers, raw
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, method, path, body=None, token=None):
        status, _, raw = self.request(method, path, body, token)
        return status, (json.loads(raw) if raw else None)

    def raw(self, method, path, body=b"", headers=None, timeout=30):
        """One request with exactly these headers (urllib adds its own): status, headers, body."""
        u = urllib.parse.urlparse(self.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, r.headers, data

    def entries(self, token, production="demo"):
        """Every entry of a production, as the API pages them."""
        out, start = [], 0
        while True:
            status, page = self.json("GET", f"/api/v1/productions/{production}/entries?from={start}&limit=1000", token=token)
            assert status == 200, page
            out += page
            if len(page) < 1000:
                return out
            start += 1000

    def healthy(self):
        return self.json("GET", "/health") == (200, {"status": "ok"})

    def sign_in(self, person):
        status, body = self.json("POST", "/api/v1/productions/demo/sign-in",
                                 {"person": person, "password": self.logins[person]})
        assert status == 200, body
        return body["token"]

    def stop(self):
        """SIGTERM, as a service manager stops it; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()
        return self.proc.returncode


def until(what, check, seconds=30):
    """`check()`'s first true answer, asked every 0.1 s; the test fails after `seconds`."""
    import pytest
    deadline = time.time() + seconds
    while time.time() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.1)
    pytest.fail(f"timed out after {seconds} s waiting for {what}")
