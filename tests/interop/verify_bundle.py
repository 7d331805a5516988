#!/usr/bin/env python3
"""An independent verifier of Armory evidence bundles, written from docs/FORMAT.md and
the C2SP specs alone (Python standard library + `cryptography`), sharing no code with
Armory. It checks everything but the protocol decisions (which need the engine):

- the archive holds the documented files, in order;
- every entry decodes canonically (version 1 or 2), indices run 0..size-1;
- the RFC 9162 root of all entries equals the signed checkpoint's root;
- the checkpoint's signed-note signature verifies with keys/log.vkey (Ed25519);
- every witness cosignature (tlog-cosignature/v1) verifies with keys/witness-*.vkey;
- every proofs/<index>.tlog-proof is a valid inclusion proof for that entry;
- in a format 3 bundle, the proofs are exactly one proofs/<first>-<last>.range-proof per run
  of in-scope entries the manifest names (none for a whole log), each canonical and
  rebuilding the signed root from that run's entries;
- consistency.txt proves the covered checkpoint consistent with latest-checkpoint.txt.

Usage: verify_bundle.py BUNDLE [--log-key VKEY]. Exit 0 when all hold, 1 otherwise.
"""
import base64
import datetime
import hashlib
import io
import json
import re
import struct
import sys
import tarfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class Invalid(Exception):
    pass


def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 2.1.1, over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 2.1.4.2."""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0:
        return not proof
    if first > second or not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_hash] + list(proof)
    fn, sn = first - 1, second - 1
    while fn % 2 == 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_hash and sr == second_hash


RANGE_PROOF_HEADER = "armory-range-proof/v1"
DECIMAL = "(0|[1-9][0-9]*)"
RANGE_PROOF_NAME = re.compile(rf"proofs/{DECIMAL}-{DECIMAL}\.range-proof\Z")
RANGE_PROOF_SIZES = re.compile(rf"{DECIMAL} {DECIMAL} {DECIMAL}\Z")


def parse_range_proof(name, content):
    """docs/FORMAT.md, armory-range-proof/v1, exactly as written: (first, last, size, hashes)."""
    match = RANGE_PROOF_NAME.match(name)
    if not match:
        raise Invalid(f"{name}: not a range proof's name")
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        raise Invalid(f"{name}: not ASCII text")
    lines = text.split("\n")
    if len(lines) < 3 or lines[-1] != "":
        raise Invalid(f"{name}: each line must end with a newline")
    if lines[0] != RANGE_PROOF_HEADER:
        raise Invalid(f"{name}: not an {RANGE_PROOF_HEADER}")
    sizes = RANGE_PROOF_SIZES.match(lines[1])
    if not sizes:
        raise Invalid(f"{name}: second line is not <first> <last> <tree size>")
    first, last, size = (int(x) for x in sizes.groups())
    if (first, last) != (int(match.group(1)), int(match.group(2))):
        raise Invalid(f"{name}: proves entries {first}-{last}")
    hashes = []
    for line in lines[2:-1]:
        try:
            h = base64.b64decode(line, validate=True)
        except ValueError:
            h = b""
        if len(h) != 32 or base64.b64encode(h).decode() != line:
            raise Invalid(f"{name}: bad hash line {line!r}")
        hashes.append(h)
    return first, last, size, hashes


def range_root(first, last, size, entries, hashes):
    """The root of the tree of `size` leaves rebuilt from entries first..last and the proof's
    hashes, taken in the order of RFC 9162's split; None unless every hash is used exactly."""
    taken = 0

    def visit(lo, hi):
        nonlocal taken
        if hi <= first or lo > last:
            if taken == len(hashes):
                raise Invalid("too few hashes")
            taken += 1
            return hashes[taken - 1]
        if hi - lo == 1:
            return leaf_hash(entries[lo])
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        return node_hash(visit(lo, lo + k), visit(lo + k, hi))

    if not first <= last < size <= len(entries):
        return None
    try:
        root = visit(0, size)
    except Invalid:
        return None
    return root if taken == len(hashes) else None


def in_scope_runs(manifest, size):
    """The manifest's in-scope indices, as runs [first, last]: in order, none touching the next."""
    in_scope = manifest.get("in_scope")
    runs = in_scope.get("indices") if isinstance(in_scope, dict) else None
    if not isinstance(runs, list):
        raise Invalid("manifest.json: in_scope.indices is not a list")
    out, after = [], 0
    for run in runs:
        if (not isinstance(run, list) or len(run) != 2
                or not all(type(x) is int for x in run) or not after <= run[0] <= run[1] < size):
            raise Invalid(f"manifest.json: in-scope run {run!r} out of order or outside the log")
        out.append((run[0], run[1]))
        after = run[1] + 2
    if in_scope.get("count") != sum(b - a + 1 for a, b in out):
        raise Invalid("manifest.json: in_scope.count is not the number of indices")
    return out


def check_range_proofs(manifest, names, files, entries, size, root):
    """Format 3: a day's or a firearm's bundle holds exactly one range proof per run of
    in-scope entries, in order, and nothing else under proofs/; a whole log's holds none.
    Returns how many were checked."""
    scope = manifest.get("scope")
    if scope == {"all": True}:
        runs = []
    elif (isinstance(scope, dict) and len(scope) == 1
          and isinstance(scope.get("day", scope.get("firearm")), str)):
        runs = in_scope_runs(manifest, size)
    else:
        raise Invalid(f"manifest.json: unknown scope {scope!r}")
    proof_names = [n for n in names if n.startswith("proofs/")]
    if any(n.endswith(".tlog-proof") for n in proof_names):
        raise Invalid("a format 3 bundle holds no tlog-proof")
    expected = [f"proofs/{a}-{b}.range-proof" for a, b in runs]
    if proof_names != expected:
        raise Invalid(f"proofs are {proof_names}, the in-scope runs need {expected}")
    for name in proof_names:
        first, last, tree_size, hashes = parse_range_proof(name, files[name])
        if tree_size != size:
            raise Invalid(f"{name}: tree size {tree_size}, the checkpoint's is {size}")
        if range_root(first, last, size, entries, hashes) != root:
            raise Invalid(f"{name}: range proof does not verify")
    return len(proof_names)


def parse_vkey(text):
    """signed-note verifier key: name+hexid+base64(type || key)."""
    name, hexid, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    key_id = bytes.fromhex(hexid)
    return name, key_id, raw[0], raw[1:]


def note_key_id(name, key_type, key):
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + key).digest()[:4]


def split_note(text):
    body, sep, sigs = text.rpartition("\n\n")
    if not sep or not body:
        raise Invalid("checkpoint is not a signed note")
    body += "\n"
    lines = sigs.split("\n")
    if lines[-1] != "":
        raise Invalid("signed note must end with a newline")
    out = []
    for line in lines[:-1]:
        if not line.startswith("\u2014 "):
            raise Invalid(f"bad signature line {line!r}")
        name, _, b64 = line[2:].rpartition(" ")
        raw = base64.b64decode(b64, validate=True)
        out.append((name, raw[:4], raw[4:]))
    return body, out


FORMATS = ("armory-bundle/v1", "armory-bundle/v2", "armory-bundle/v3")
MAGICS = {b"armory-entry/v1\n": 1, b"armory-entry/v2\n": 2, b"armory-entry/v3\n": 3}
KINDS = ("production", "step", "correction", "transfer", "pin")
VIAS = ("password", "pin", "anonymous", "server")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z")


def is_rfc3339(text):
    if not RFC3339.match(text):
        return False
    try:
        datetime.date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:
        return False
    return int(text[11:13]) <= 23 and int(text[14:16]) <= 59 and int(text[17:19]) <= 59


def check_entry(i, e):
    """Decodes entry `i` (docs/FORMAT.md, version 1, 2 or 3); raises Invalid unless it is well formed.
    Returns (version, kind, at, by, body, outcome, rules)."""
    # Version 1: kind, at, by, body, outcome. Version 2 adds received and via after at;
    # version 3 adds recorder, session and key after via.
    version = MAGICS.get(bytes(e[:16]))
    if version is None:
        raise Invalid(f"entry {i}: bad magic")
    (index,) = struct.unpack(">Q", e[16:24])
    if index != i:
        raise Invalid(f"entry {i}: says index {index}")
    pos, fields = 24, []
    for _ in range({1: 5, 2: 7, 3: 10}[version]):
        (n,) = struct.unpack(">I", e[pos:pos + 4])
        if pos + 4 + n > len(e):
            raise Invalid(f"entry {i}: ends early")
        fields.append(e[pos + 4:pos + 4 + n].decode("utf-8"))
        pos += 4 + n
    if version >= 2:
        received, via = fields[2], fields[3]
        recorded = fields[4:7] if version == 3 else ["", "", ""]
        del fields[2:7 if version == 3 else 4]
        if (received or via) and not (is_rfc3339(received) and via in VIAS):
            raise Invalid(f"entry {i}: a receipt is an RFC 3339 time and one of {', '.join(VIAS)}")
        if bool(received) != bool(via) or (any(recorded) and not received):
            raise Invalid(f"entry {i}: a recorder, session or key needs a receipt")
    (count,) = struct.unpack(">H", e[pos:pos + 2])
    pos += 2
    rules = []
    for _ in range(count):
        (n,) = struct.unpack(">I", e[pos:pos + 4])
        rules.append(e[pos + 4:pos + 4 + n].decode("utf-8"))
        pos += 4 + n
    (n,) = struct.unpack(">I", e[pos:pos + 4])
    e[pos + 4:pos + 4 + n].decode("utf-8")
    pos += 4 + n
    if pos != len(e):
        raise Invalid(f"entry {i}: trailing bytes")
    if rules != sorted(set(rules)):
        raise Invalid(f"entry {i}: rules not sorted")
    if fields[0] not in KINDS or fields[4] not in ("ok", "refused", "alarm"):
        raise Invalid(f"entry {i}: unknown kind or outcome")
    return (version, *fields, rules)


def verify_bundle(path, trusted_log_key=None):
    with tarfile.open(path) as tar:
        names = tar.getnames()
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    fixed = ["manifest.json", "entries.bin", "checkpoint.txt", "latest-checkpoint.txt", "consistency.txt"]
    if names[:5] != fixed:
        raise Invalid(f"archive does not start with {fixed}: {names[:5]}")

    # Entries.
    data, entries, offset = files["entries.bin"], [], 0
    while offset < len(data):
        (n,) = struct.unpack(">I", data[offset:offset + 4])
        entries.append(data[offset + 4:offset + 4 + n])
        offset += 4 + n
    if offset != len(data):
        raise Invalid("entries.bin ends inside an entry")
    for i, e in enumerate(entries):
        check_entry(i, e)
    leaves = [leaf_hash(e) for e in entries]

    # Keys and checkpoint signatures.
    log_name, log_id, log_type, log_key = parse_vkey(files["keys/log.vkey"].decode())
    if log_type != 0x01 or note_key_id(log_name, 0x01, log_key) != log_id:
        raise Invalid("keys/log.vkey: key ID does not match the key")
    if trusted_log_key and trusted_log_key.strip() != files["keys/log.vkey"].decode().strip():
        raise Invalid("the bundle's log key is not the trusted key")
    witnesses = {}
    for name, content in files.items():
        if name.startswith("keys/witness-"):
            w_name, w_id, w_type, w_key = parse_vkey(content.decode())
            if w_type != 0x04 or note_key_id(w_name, 0x04, w_key) != w_id:
                raise Invalid(f"{name}: key ID does not match the key")
            witnesses[(w_name, w_id)] = w_key

    def check_note(label):
        text = files[label].decode()
        body, sigs = split_note(text)
        lines = body.split("\n")
        origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
        signed_by_log = False
        for name, key_id, sig in sigs:
            if (name, key_id) == (log_name, log_id):
                try:
                    Ed25519PublicKey.from_public_bytes(log_key).verify(sig, body.encode())
                except InvalidSignature:
                    raise Invalid(f"{label}: log signature does not verify")
                signed_by_log = True
            elif (name, key_id) in witnesses:
                timestamp, signature = sig[:8], sig[8:]
                (t,) = struct.unpack(">Q", timestamp)
                message = f"cosignature/v1\ntime {t}\n".encode() + body.encode()
                try:
                    Ed25519PublicKey.from_public_bytes(witnesses[(name, key_id)]).verify(signature, message)
                except InvalidSignature:
                    raise Invalid(f"{label}: cosignature by {name} does not verify")
            else:
                raise Invalid(f"{label}: signature by an unknown key {name}")
        if not signed_by_log:
            raise Invalid(f"{label}: not signed by the log")
        return origin, size, root

    origin, size, root = check_note("checkpoint.txt")
    latest_origin, latest_size, latest_root = check_note("latest-checkpoint.txt")
    if latest_origin != origin:
        raise Invalid("the two checkpoints are of different logs")
    if size != len(entries):
        raise Invalid(f"checkpoint covers {size} entries, the bundle holds {len(entries)}")
    if mth(leaves) != root:
        raise Invalid("the entries' Merkle root is not the signed root")
    consistency = [base64.b64decode(l, validate=True) for l in files["consistency.txt"].decode().split("\n") if l]
    if not verify_consistency(size, latest_size, root, latest_root, consistency):
        raise Invalid("consistency proof to the latest checkpoint does not verify")

    # The manifest says which format, hence which proofs, the bundle holds.
    manifest = json.loads(files["manifest.json"])
    bundle_format = manifest.get("format") if isinstance(manifest, dict) else None
    if bundle_format not in FORMATS:
        raise Invalid(f"manifest.json: unknown format {bundle_format!r}")
    proofs = 0
    if bundle_format == "armory-bundle/v3":
        proofs = check_range_proofs(manifest, names, files, entries, size, root)
    elif any(n.startswith("proofs/") and n.endswith(".range-proof") for n in names):
        raise Invalid(f"an {bundle_format} bundle holds no range proof")

    # Per-entry tlog-proofs (formats 1 and 2).
    checkpoint_text = files["checkpoint.txt"].decode()
    for name, content in files.items():
        if not name.startswith("proofs/") or bundle_format == "armory-bundle/v3":
            continue
        head, sep, checkpoint = content.decode().partition("\n\n")
        if not sep or checkpoint != checkpoint_text:
            raise Invalid(f"{name}: does not carry the bundle's checkpoint")
        lines = head.split("\n")
        if lines[0] != "c2sp.org/tlog-proof@v1" or not lines[1].startswith("index "):
            raise Invalid(f"{name}: not a tlog-proof@v1")
        index = int(lines[1][6:])
        if name != f"proofs/{index}.tlog-proof":
            raise Invalid(f"{name}: names index {index}")
        path = [base64.b64decode(l, validate=True) for l in lines[2:]]
        if not verify_inclusion(index, size, leaves[index], path, root):
            raise Invalid(f"{name}: inclusion proof does not verify")
        proofs += 1
    return {"origin": origin, "entries": len(entries), "size": size, "latest": latest_size,
            "proofs": proofs, "witnesses": len(witnesses)}


def main():
    args = sys.argv[1:]
    trusted = None
    if "--log-key" in args:
        k = args.index("--log-key")
        trusted = args[k + 1]
        del args[k:k + 2]
    try:
        summary = verify_bundle(args[0], trusted)
    except (Invalid, ValueError, KeyError, UnicodeDecodeError, struct.error, tarfile.TarError) as e:
        print(f"INVALID: {e}")
        return 1
    print("OK " + " ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
