#!/usr/bin/env python3
"""The tiled log (C2SP tlog-tiles) read by clients that share no code with Armory.

Starts `armory serve --demo`, records 600 steps (so the log has full and partial tiles at
level 0 and a level 1 tile), signs a checkpoint, then:

- an independent Python client written from the spec (hashlib + cryptography) checks the
  checkpoint's Ed25519 signature, every level 0 and level 1 tile against the signed root,
  and every entry of the entry bundles against its leaf;
- Go's sumdb/note and sumdb/tlog (the `checktiles` program) do the same with
  TileHashReader, and build and check inclusion and consistency proofs from the tiles;
- a tile with one flipped byte must fail both.

Usage: check_tiles.py ARMORY CHECKTILES. Exit 0 when all hold.
"""
import base64
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "e2e"))
from verify_bundle import Invalid, leaf_hash, mth, note_key_id, parse_vkey, split_note  # noqa: E402


def tile_path(level, n, width):
    """`tile/<L>/<N>[.p/<W>]` (level None: `tile/entries/...`), N in groups of three digits."""
    groups = [f"{n % 1000:03d}"]
    while n >= 1000:
        n //= 1000
        groups.insert(0, f"x{n % 1000:03d}")
    return f"tile/{'entries' if level is None else level}/{'/'.join(groups)}" + ("" if width == 256 else f".p/{width}")


class Client:
    def __init__(self, prefix, token, flip=None):
        self.prefix, self.token, self.flip = prefix, token, flip

    def get(self, path):
        req = urllib.request.Request(f"{self.prefix}/{path}", headers={"Authorization": "Bearer " + self.token})
        with urllib.request.urlopen(req, timeout=30) as r:
            body = bytearray(r.read())
        if path == self.flip and body:
            body[0] ^= 1
        return bytes(body)

    def check(self, vkey):
        """Everything the tiles and bundles say, against the signed checkpoint; returns its size."""
        name, key_id, key_type, key = parse_vkey(vkey)
        if key_type != 0x01 or note_key_id(name, key_type, key) != key_id:
            raise Invalid("the log key's ID does not match the key")
        body, sigs = split_note(self.get("checkpoint").decode())
        if not any((n, k) == (name, key_id) for n, k, _ in sigs):
            raise Invalid("the checkpoint carries no signature by the log's key")
        for n, k, sig in sigs:
            if (n, k) == (name, key_id):
                Ed25519PublicKey.from_public_bytes(key).verify(sig, body.encode())
        lines = body.split("\n")
        size, root = int(lines[1]), base64.b64decode(lines[2], validate=True)

        leaves = []
        for start in range(0, size, 256):
            width = min(256, size - start)
            tile = self.get(tile_path(0, start // 256, width))
            if len(tile) != 32 * width:
                raise Invalid(f"level 0 tile {start // 256}: {len(tile)} bytes")
            hashes = [tile[i:i + 32] for i in range(0, len(tile), 32)]
            bundle, entries, k = self.get(tile_path(None, start // 256, width)), [], 0
            while k < len(bundle):
                n = int.from_bytes(bundle[k:k + 2], "big")
                if k + 2 + n > len(bundle):
                    raise Invalid(f"entry bundle {start // 256} ends inside an entry")
                entries.append(bundle[k + 2:k + 2 + n])
                k += 2 + n
            if len(entries) != width:
                raise Invalid(f"entry bundle {start // 256} holds {len(entries)} entries, not {width}")
            for i, (e, h) in enumerate(zip(entries, hashes)):
                if leaf_hash(e) != h:
                    raise Invalid(f"entry {start + i} does not hash to its leaf in the level 0 tile")
            leaves += hashes
        if mth(leaves) != root:
            raise Invalid("the level 0 tiles do not give the signed root")
        # Level 1: each hash is the root of a full level 0 tile.
        full = size // 256
        if full:
            tile = self.get(tile_path(1, 0, full))
            for i in range(full):
                if tile[32 * i:32 * i + 32] != mth(leaves[256 * i:256 * (i + 1)]):
                    raise Invalid(f"level 1 hash {i} is not the root of level 0 tile {i}")
        return size


def main():
    armory, checktiles = sys.argv[1], sys.argv[2]
    from server import Server
    status = 0
    with tempfile.TemporaryDirectory() as folder:
        server = Server(folder)
        try:
            ana = server.sign_in("ana")
            for k in range(600):
                s, _, raw = server.request("POST", "/api/v1/productions/demo/steps",
                                           {"do": "report_concern", "text": f"tile check {k}"}, token=ana)
                assert s in (201, 409), raw
            s, _, raw = server.request("POST", "/api/v1/productions/demo/checkpoints", token=ana)
            assert s == 201, raw
            vkey = subprocess.run([armory, "keys", "show", str(pathlib.Path(folder) / "demo" / "log.key")],
                                  capture_output=True, text=True, check=True).stdout.strip()
            prefix = server.url + "/logs/demo"
            size = Client(prefix, ana).check(vkey)
            print(f"python: {size} entries, every tile and bundle agrees with the signed checkpoint")
            flips = ["tile/0/000", tile_path(1, 0, size // 256), tile_path(None, 1, min(256, size - 256))]
            for flip in flips:
                try:
                    Client(prefix, ana, flip).check(vkey)
                    print(f"python accepted a tampered {flip}")
                    status = 1
                except Invalid:
                    pass
            go = subprocess.run([checktiles, prefix, ana, vkey], capture_output=True, text=True)
            print("go:", go.stdout.strip())
            if go.returncode != 0:
                status = 1
            for flip in flips:
                if subprocess.run([checktiles, prefix, ana, vkey, flip], capture_output=True).returncode == 0:
                    print(f"go accepted a tampered {flip}")
                    status = 1
        finally:
            server.stop()
    if status == 0:
        print("tiles: Go and Python read the tiled log and agree with its signed checkpoint; tampered tiles rejected by both")
    return status


if __name__ == "__main__":
    sys.exit(main())
