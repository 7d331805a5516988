#!/usr/bin/env python3
"""A tlog-witness client written from the C2SP specs alone (tlog-witness, tlog-checkpoint,
signed-note, tlog-cosignature; hashlib and `cryptography`), sharing no code with Armory.
It starts `armory witness serve`, plays a log of its own (its own Merkle tree, consistency
proofs and Ed25519 checkpoint signatures) and drives the witness through every status the
protocol names:

  200 with a cosignature that verifies (cosignature/v1, with its timestamp);
  409 with `text/x.tlog.size` naming the size last cosigned, then 200 resending from it;
  400 for an old size past the checkpoint's; 404 for an unknown origin;
  403 for a checkpoint no trusted key signed; 422 for a bad consistency proof;
  409 for the size last cosigned with another root;
  and the checkpoint read back at /<hex sha256 of the origin>/checkpoint.

Then it sends 300 checkpoints one after another over one keep-alive connection and
prints the rate. Usage: witness_client.py ARMORY. Exit 0 when all hold.
"""
import base64
import hashlib
import http.client
import os
import pathlib
import struct
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from verify_bundle import leaf_hash as leaf, mth  # noqa: E402  (RFC 9162, from the same spec-only verifier)

ORIGIN = "example.org/interop-log"


def subproof(m, leaves, complete):
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return subproof(m, leaves[:k], complete) + [mth(leaves[k:])]
    return subproof(m - k, leaves[k:], False) + [mth(leaves[:k])]


def consistency(old, leaves):
    return [] if old == 0 or old == len(leaves) else subproof(old, leaves, True)


class Log:
    def __init__(self, name, seed):
        self.name = name
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        public = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
        self.vkey = f"{name}+{self.key_id.hex()}+" + base64.b64encode(b"\x01" + public).decode()

    def checkpoint(self, origin, leaves):
        text = f"{origin}\n{len(leaves)}\n{base64.b64encode(mth(leaves)).decode()}\n"
        sig = base64.b64encode(self.key_id + self.key.sign(text.encode())).decode()
        return text, text + "\n" + f"\u2014 {self.name} {sig}\n"


def body(old, proof, note):
    return (f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof) + "\n" + note).encode()


def check_cosignature(lines, text, witness_vkey):
    """tlog-cosignature: `cosignature/v1\\ntime <t>\\n` + checkpoint text, signed by the witness."""
    name, hexid, b64 = witness_vkey.split("+", 2)
    raw = base64.b64decode(b64)
    assert raw[0] == 0x04, "not a cosignature key"
    assert hashlib.sha256(name.encode() + b"\n\x04" + raw[1:]).digest()[:4].hex() == hexid
    found = False
    for line in lines.splitlines():
        assert line.startswith("\u2014 "), line
        n, _, sig = line[2:].rpartition(" ")
        sig = base64.b64decode(sig)
        if n != name or sig[:4].hex() != hexid:
            continue
        (t,) = struct.unpack(">Q", sig[4:12])
        Ed25519PublicKey.from_public_bytes(raw[1:]).verify(sig[12:], f"cosignature/v1\ntime {t}\n".encode() + text.encode())
        assert abs(t - time.time()) < 600, f"cosignature time {t} is not now"
        found = True
    assert found, "no cosignature by the witness"


def main():
    armory = sys.argv[1]
    failures = []

    def expect(what, cond):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as d:
        wkey = os.path.join(d, "witness.key")
        subprocess.run([armory, "keys", "create", "--name", "interop.example/witness", "--witness", "-o", wkey], check=True, capture_output=True)
        wvkey = subprocess.run([armory, "keys", "show", wkey], check=True, capture_output=True, text=True).stdout.strip()
        log = Log(ORIGIN, bytes(range(32)))
        stranger = Log(ORIGIN, bytes(range(1, 33)))
        proc = subprocess.Popen([armory, "witness", "serve", "--key", wkey, "--log", f"{ORIGIN}={log.vkey}",
                                 "--database", os.path.join(d, "w.db"), "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            assert "is serving on http://" in line, line + proc.stderr.read()
            host, port = line.strip().rsplit("http://", 1)[1].split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=30)

            def post(payload):
                conn.request("POST", "/add-checkpoint", body=payload)
                r = conn.getresponse()
                return r.status, r.getheader("Content-Type"), r.read().decode()

            leaves = [leaf(f"entry {i}".encode()) for i in range(1000)]
            text, note = log.checkpoint(ORIGIN, leaves[:100])
            status, _, lines = post(body(0, [], note))
            expect("200 for the first checkpoint", status == 200)
            check_cosignature(lines, text, wvkey)
            expect("its cosignature verifies", True)

            text, note = log.checkpoint(ORIGIN, leaves[:250])
            status, ctype, size = post(body(0, [], note))
            expect("409 text/x.tlog.size naming 100", (status, ctype, size) == (409, "text/x.tlog.size", "100\n"))
            status, _, lines = post(body(int(size), consistency(100, leaves[:250]), note))
            expect("200 resending from the size it named", status == 200)
            check_cosignature(lines, text, wvkey)

            _, note300 = log.checkpoint(ORIGIN, leaves[:300])
            expect("400 for an old size past the checkpoint's", post(body(400, [], note300))[0] == 400)
            _, other = log.checkpoint("example.org/unknown", leaves[:300])
            expect("404 for an unknown origin", post(body(250, consistency(250, leaves[:300]), other))[0] == 404)
            _, forged = stranger.checkpoint(ORIGIN, leaves[:300])
            expect("403 for a checkpoint no trusted key signed", post(body(250, consistency(250, leaves[:300]), forged))[0] == 403)
            bad = consistency(250, leaves[:300])
            bad[0] = hashlib.sha256(b"wrong").digest()
            expect("422 for a bad consistency proof", post(body(250, bad, note300))[0] == 422)
            forked = leaves[:249] + [leaf(b"rewritten")]
            _, fork = log.checkpoint(ORIGIN, forked)
            expect("409 for the same size with another root", post(body(250, [], fork))[0] == 409)
            expect("400 for a body that is no request", post(b"hello\n")[0] == 400)

            conn.request("GET", "/" + hashlib.sha256(ORIGIN.encode()).hexdigest() + "/checkpoint")
            r = conn.getresponse()
            back = r.read().decode()
            expect("the checkpoint last cosigned reads back", r.status == 200 and back.startswith(f"{ORIGIN}\n250\n"))
            check_cosignature(back.rpartition("\n\n")[2], back.rpartition("\n\n")[0] + "\n", wvkey)

            # Rate: checkpoints one after another, each one entry larger, on one connection.
            size, start, n = 250, time.time(), 300
            for k in range(n):
                new = size + 2
                _, note = log.checkpoint(ORIGIN, leaves[:new])
                status = post(body(size, consistency(size, leaves[:new]), note))[0]
                if status != 200:
                    expect(f"200 for checkpoint {new}", False)
                    break
                size = new
            elapsed = time.time() - start
            print(f"rate: {n} add-checkpoint, one at a time, in {elapsed:.2f} s: {n / elapsed:.0f}/s (Python client, log side included)")
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    if failures:
        print(f"witness: {len(failures)} checks failed")
        return 1
    print("witness: a client written from the spec got every status the protocol names, and cosignatures that verify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
