#!/usr/bin/env bash
# Interoperability: bundles written by Armory are checked by implementations that share
# no code with it: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian packages), and
# an independent Python verifier (hashlib + cryptography). Python also re-signs each
# checkpoint with the same key and must produce the very same signature bytes (Ed25519 is
# deterministic). A tampered bundle must fail both. Needs ARMORY_BIN (a built armory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
armory=${ARMORY_BIN:-$root/.build/debug/armory}

if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb ]; then
    echo "installing golang-go and golang-golang-x-mod-dev"
    [ -n "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ] || apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go golang-golang-x-mod-dev >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends golang-go golang-golang-x-mod-dev >/dev/null; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE="$work/gocache" GOFLAGS=
(cd "$here/go/checkbundle" && go build -o "$work/checkbundle" .)

"$armory" keys create --name armory.example/interop -o "$work/log.key" >/dev/null
"$armory" keys create --name insurer.example/witness --witness -o "$work/witness.key" >/dev/null
vkey=$("$armory" keys show "$work/log.key")
status=0
n=0
for scenario in "$root"/scenarios/*.json; do
    name=$(basename "$scenario" .json)
    for scope in --all "--firearm $(python3 -c "import json,sys; print([s['firearm'] for s in json.load(open(sys.argv[1]))['steps'] if s['do']=='receive_firearm'][0])" "$scenario")"; do
        bundle="$work/$name.bundle"
        "$armory" export --scenario "$scenario" --key "$work/log.key" --witness-key "$work/witness.key" $scope -o "$bundle" >/dev/null
        rm -rf "$work/x" && mkdir "$work/x" && tar -xf "$bundle" -C "$work/x"
        echo "-- $name $scope"
        "$work/checkbundle" "$work/x" || status=1
        python3 "$here/verify_bundle.py" "$bundle" --log-key "$vkey" || status=1
        python3 "$here/resign.py" "$work/log.key" "$work/x/checkpoint.txt" || status=1
        n=$((n + 1))
        # A negative control: one flipped byte inside an entry must fail both.
        python3 -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); i = b.find(b'armory-entry/v') + 40; b[i] ^= 1
open(sys.argv[2], 'wb').write(b)" "$bundle" "$work/bad.bundle"
        rm -rf "$work/y" && mkdir "$work/y" && tar -xf "$work/bad.bundle" -C "$work/y"
        if "$work/checkbundle" "$work/y" >/dev/null; then echo "Go accepted a tampered bundle"; status=1; fi
        if python3 "$here/verify_bundle.py" "$work/bad.bundle" >/dev/null; then echo "Python accepted a tampered bundle"; status=1; fi
    done
done
# A five-day production, exported by its first day: covered by a checkpoint older than
# the latest, so the consistency proof is checked by Go's tlog.CheckTree and by Python.
"$armory" generate --steps 220 --seed 3 -o "$work/week.json"
"$armory" export --scenario "$work/week.json" --key "$work/log.key" --witness-key "$work/witness.key" --day 2026-03-02 -o "$work/week.bundle" >/dev/null
rm -rf "$work/x" && mkdir "$work/x" && tar -xf "$work/week.bundle" -C "$work/x"
echo "-- generated week --day 2026-03-02"
"$work/checkbundle" "$work/x" || status=1
python3 "$here/verify_bundle.py" "$work/week.bundle" --log-key "$vkey" || status=1
if [ ! -s "$work/x/consistency.txt" ]; then echo "expected a non-empty consistency proof"; status=1; fi
n=$((n + 1))
# A negative control for Go's cosignature check: the witness's cosignature with one bit flipped.
python3 - "$work/x/checkpoint.txt" <<'PY'
import base64, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
k = next(i for i, l in enumerate(lines) if l.startswith("\u2014 insurer.example/witness "))
head, _, sig = lines[k].rpartition(" ")
raw = bytearray(base64.b64decode(sig)); raw[-1] ^= 1
lines[k] = head + " " + base64.b64encode(bytes(raw)).decode()
open(path, "w", encoding="utf-8").write("\n".join(lines))
PY
if "$work/checkbundle" "$work/x" >/dev/null; then echo "Go accepted a checkpoint whose witness cosignature was altered"; status=1; fi
# The tiled log, read over HTTP by Go's sumdb/tlog (TileHashReader) and an independent Python client.
(cd "$here/go/checktiles" && go build -o "$work/checktiles" .)
echo "-- tiled log (C2SP tlog-tiles) of a demo server"
ARMORY_BIN="$armory" python3 "$here/check_tiles.py" "$armory" "$work/checktiles" || status=1
# The witness service (C2SP tlog-witness), driven through every status by a client written from the spec.
echo "-- witness service (C2SP tlog-witness)"
python3 "$here/witness_client.py" "$armory" || status=1
[ $status -eq 0 ] && echo "interop: $n bundles agreed with Go and Python; tampered copies rejected by both"
exit $status
