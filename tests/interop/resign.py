#!/usr/bin/env python3
"""Golden check: signs a checkpoint's text with the same Ed25519 key using Python's
`cryptography`, computes the key ID with hashlib, and requires the very signature line
Armory wrote (Ed25519 is deterministic, so the bytes must be identical).
Usage: resign.py KEYFILE CHECKPOINT."""
import base64
import hashlib
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_, _, name, hexid, b64 = open(sys.argv[1]).read().strip().split("+", 4)
raw = base64.b64decode(b64)
assert raw[0] == 0x01, "not an Ed25519 log key"
key = Ed25519PrivateKey.from_private_bytes(raw[1:])
public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
key_id = hashlib.sha256(name.encode() + b"\n\x01" + public).digest()[:4]
assert key_id.hex() == hexid, "key ID mismatch"
note = open(sys.argv[2]).read()
text = note.rpartition("\n\n")[0] + "\n"
line = "\u2014 " + name + " " + base64.b64encode(key_id + key.sign(text.encode())).decode() + "\n"
if line not in note:
    print("MISMATCH: Python's signature line differs from Armory's")
    sys.exit(1)
print("OK python re-signed the checkpoint: identical signature bytes")
