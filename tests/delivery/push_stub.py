#!/usr/bin/env python3
"""A stand-in push service for ArmoryDeliveryTests, written apart from Armory's code.

It plays both ends a real alarm crosses: the push service (it checks the VAPID token,
RFC 8292, with `cryptography`) and the phone's browser (it decrypts the aes128gcm body,
RFC 8291, with `http_ece`). If Armory's Swift encryption or signing drifted from the
RFCs, this is where it shows, since none of the checks below share code with Armory.

Run: python3 tests/delivery/push_stub.py
It prints one JSON line: {"port": N, "origin": "http://127.0.0.1:N",
"subscription": {"endpoint": ..., "expirationTime": null, "keys": {"p256dh": ..., "auth": ...}}}
and then serves on 127.0.0.1:N until its standard input closes.

POST <endpoint>          verify, decrypt, record; 201 (400 with the reason if a check fails)
POST <endpoint>/gone     410, as for a subscription the browser dropped
POST <endpoint>/flaky    500 with Retry-After: 7 the first time, then as POST <endpoint>
GET  /received           the records, as JSON
"""

import base64
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import http_ece
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
except ImportError as missing:
    print(
        f"push_stub: {missing}; install the test tooling: pip install http_ece cryptography "
        "(or pip install -r tests/requirements.txt)",
        file=sys.stderr,
    )
    sys.exit(3)

# RFC 8292 section 2: a token must not be good for more than 24 hours.
MAX_TOKEN_LIFETIME = 24 * 60 * 60
# Seconds of clock difference allowed between the test and this process.
CLOCK_SLACK = 60
# RFC 8291 section 4: a push service must accept bodies up to 4096 bytes.
MAX_BODY = 4096
AUTHORIZATION = re.compile(r"^vapid t=([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+), k=([A-Za-z0-9_\-]+)$")


def b64url_decode(text):
    if not re.fullmatch(r"[A-Za-z0-9_\-]*", text):
        raise ValueError(f"not unpadded base64url: {text[:40]!r}")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Check(Exception):
    """A check failed; the message goes back in a 400 answer."""


def verify_vapid(authorization, origin):
    """RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT is ES256 over the key in k=."""
    match = AUTHORIZATION.match(authorization or "")
    if not match:
        raise Check(f"Authorization is not 'vapid t=<jwt>, k=<key>': {authorization!r}")
    token, key_text = match.groups()
    key_bytes = b64url_decode(key_text)
    if len(key_bytes) != 65 or key_bytes[0] != 4:
        raise Check(f"k= is not an uncompressed P-256 point ({len(key_bytes)} bytes)")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_bytes)
    header_text, claims_text, signature_text = token.split(".")
    header = json.loads(b64url_decode(header_text))
    if header.get("alg") != "ES256" or header.get("typ") != "JWT":
        raise Check(f"JWT header is {header}, not typ JWT, alg ES256")
    signature = b64url_decode(signature_text)
    if len(signature) != 64:
        raise Check(f"ES256 signature is {len(signature)} bytes, not 64 (r || s)")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public_key.verify(der, f"{header_text}.{claims_text}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Check("the JWT signature does not verify with the key in k=")
    claims = json.loads(b64url_decode(claims_text))
    if claims.get("aud") != origin:
        raise Check(f"aud is {claims.get('aud')!r}, not this push service's origin {origin!r}")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise Check(f"exp is {exp!r}, not an integer")
    if exp <= now:
        raise Check(f"exp {exp} has passed (now {int(now)})")
    if exp > now + MAX_TOKEN_LIFETIME + CLOCK_SLACK:
        raise Check(f"exp {exp} is more than 24 h ahead (now {int(now)})")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise Check(f"sub is {sub!r}, not a mailto: or https: contact")
    return {"aud": claims["aud"], "exp": exp, "sub": sub, "k": key_text, "lifetime": exp - int(now)}


class PushService:
    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.public_bytes = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.token = b64url(os.urandom(12))
        self.lock = threading.Lock()
        self.received = []
        self.flaky_seen = False
        self.origin = None

    def path(self):
        return f"/push/{self.token}"

    def subscription(self):
        return {
            "endpoint": self.origin + self.path(),
            "expirationTime": None,
            "keys": {"p256dh": b64url(self.public_bytes), "auth": b64url(self.auth)},
        }

    def receive(self, headers, body):
        """Checks one push as a push service and a browser would; returns the record."""
        if len(body) > MAX_BODY:
            raise Check(f"body is {len(body)} bytes, over {MAX_BODY}")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Check(f"Content-Encoding is {headers.get('Content-Encoding')!r}, not aes128gcm")
        ttl = headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            raise Check(f"TTL is {ttl!r}, not a whole number of seconds")
        vapid = verify_vapid(headers.get("Authorization"), self.origin)
        # RFC 8188 header: salt (16), rs (4), idlen (1), keyid.
        if len(body) < 21:
            raise Check("body shorter than an aes128gcm header")
        rs = int.from_bytes(body[16:20], "big")
        idlen = body[20]
        try:
            plaintext = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth, version="aes128gcm")
        except Exception as error:  # http_ece raises several kinds
            raise Check(f"http_ece could not decrypt the body: {error!r}")
        return {
            "plaintext": plaintext.decode("utf-8", "replace"),
            "plaintext_b64": b64url(plaintext),
            "rs": rs,
            "idlen": idlen,
            "vapid": vapid,
            "headers": {name: headers.get(name) for name in ("Content-Encoding", "Content-Type", "TTL", "Urgency")},
        }


def make_handler(service):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: the test reads stdout
            pass

        def answer(self, status, payload, extra=None):
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/received":
                with service.lock:
                    self.answer(200, list(service.received))
            else:
                self.answer(404, {"error": "no such page"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(length, MAX_BODY * 4))
            base = service.path()
            if self.path == base + "/gone":
                self.answer(410, {"error": "subscription expired"})
                return
            if self.path == base + "/flaky":
                with service.lock:
                    first = not service.flaky_seen
                    service.flaky_seen = True
                if first:
                    self.answer(500, {"error": "try later"}, {"Retry-After": "7"})
                    return
            elif self.path != base:
                self.answer(404, {"error": "no such subscription"})
                return
            try:
                record = service.receive(self.headers, body)
            except Exception as failure:  # a Check, or malformed input that broke a parser
                with service.lock:
                    service.received.append({"path": self.path, "ok": False, "error": str(failure)})
                self.answer(400, {"error": str(failure)})
                return
            record.update({"path": self.path, "ok": True})
            with service.lock:
                service.received.append(record)
            self.answer(201, {})

    return Handler


def main():
    service = PushService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(service))
    port = server.server_address[1]
    service.origin = f"http://127.0.0.1:{port}"
    print(json.dumps({"port": port, "origin": service.origin, "subscription": service.subscription()}), flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Serve until the test closes our standard input (or goes away).
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
