"""Real peers for alarm delivery, started by the tests: a webhook receiver that checks each
body's HMAC signature as a receiver must, and an SMTP server (aiosmtpd)."""
import hashlib
import hmac
import http.server
import json
import threading
import time


class WebhookReceiver:
    """Takes POSTs on 127.0.0.1; keeps each body whose X-Armory-Signature checks out under
    `secret`, and counts those that do not. `fail_next(n)` answers the next n with 500."""

    def __init__(self, secret):
        self.secret = secret.encode()
        self.bodies = []
        self.bad_signatures = 0
        self.failing = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    if not hmac.compare_digest(expected, self.headers.get("X-Armory-Signature", "")):
                        receiver.bad_signatures += 1
                        self.send_response(401)
                        self.end_headers()
                        return
                    if receiver.failing > 0:
                        receiver.failing -= 1
                        self.send_response(500)
                        self.end_headers()
                        return
                    receiver.bodies.append((json.loads(body), self.headers.get("X-Armory-Delivery")))
                self.send_response(200)
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail_next(self, n):
        with self.lock:
            self.failing = n

    def alerts(self):
        with self.lock:
            return [(alert, key) for body, key in self.bodies for alert in body["alerts"]]

    def wait_for(self, predicate, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [a for a in self.alerts() if predicate(a[0])]
            if found:
                return found
            time.sleep(0.1)
        return []

    def close(self):
        self.server.shutdown()


class MailServer:
    """aiosmtpd on 127.0.0.1: keeps every message it is handed."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.messages = []
        server = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                server.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode("utf-8", "replace")))
                return "250 OK"

        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def to(self, address):
        return [m for m in self.messages if address in m[1]]

    def wait_for(self, address, predicate=lambda text: True, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for m in self.to(address) if predicate(m[2])]
            if found:
                return found
            time.sleep(0.1)
        return []

    def close(self):
        self.controller.stop()
