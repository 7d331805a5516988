#!/usr/bin/env python3
"""Reads ordo-one/benchmark's text output and prints each figure beside its baseline from
the same run, as ratios: the engine against parsing the same file, the ledger against
raw SHA-256 and Ed25519 verification on this machine."""
import re
import sys

UNIT = {"ns": 1e-9, "μs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", sys.stdin.read())
p50 = {}
p99 = {}
latency = {}
name = None
for line in text.splitlines():
    if line and not line.startswith(("│", "╒", "╞", "├", "╘", "=", " ")) and "(" not in line[:2]:
        name = line.strip()
    m = re.match(r"│ Step latency \(us\)[^│]*│(.*)", line)
    if m and name:
        cells = [c.strip().replace(",", "") for c in m.group(1).split("│") if c.strip()]
        latency[name] = (float(cells[2]), float(cells[5]))
    m = re.match(r"│ Time \(wall clock\) \((\w+)\) \*?\s*│(.*)", line)
    if m and name:
        cells = [c.strip().replace(",", "") for c in m.group(2).split("│") if c.strip()]
        p50[name] = float(cells[2]) * UNIT[m.group(1)]
        p99[name] = float(cells[5]) * UNIT[m.group(1)]


def find(prefix):
    return next((v for k, v in p50.items() if k.startswith(prefix)), None)


def show(label, value, ceiling, what):
    if value and ceiling:
        print(f"{label}: {value * 1e6:.2f} us vs {ceiling * 1e6:.2f} us {what} = {100 * ceiling / value:.1f}% of the ceiling")


sha, ed = find("Ceiling: SHA-256"), find("Ceiling: Ed25519")
parse, replay, decide = find("Baseline: parse"), find("Replay 100k"), find("Decide 100k decoded steps (engine only)")
crew, sheet = find("Decide 100k decoded steps with crew"), find("Call sheet: read 500")
if parse and replay:
    print(f"replay of 100k steps: {replay:.3f} s p50 = {replay / parse:.1f} x parsing the file as JSON ({parse:.3f} s); target < 2 s")
quiet = find("Decide 100k decoded steps without messages")
if decide:
    print(f"engine alone: {decide / 100_000 * 1e6:.2f} us per step")
if decide and quiet:
    print(f"engine alone, no messages written (as verify re-decides): {quiet / 100_000 * 1e6:.2f} us per step = {quiet / decide:.2f} x with them")
if decide and crew:
    n = int(re.search(r"\((\d+) steps\)", next(k for k in p50 if k.startswith("Decide 100k decoded steps with crew"))).group(1))
    per, base = crew / n, decide / 100_000
    print(f"the same days with crew steps under both crew switches: {per * 1e6:.2f} us per step = {per / base:.2f} x the days without them"
          f" ({base * 1e6:.2f} us per step; target <= 1.0 x)")
if sheet:
    print(f"call sheet of 500 rows read, worked out and decided: {sheet * 1e3:.1f} ms p50 (target <= 1000 ms with recording)")
show("append one entry (p50)", find("Append one entry"), sha, "raw SHA-256 of the entry")
for k, v in sorted(p50.items()):
    if k.startswith(("Inclusion proof", "Consistency proof")):
        print(f"{k}: {v * 1e6:.2f} us p50 (target < 1000 us)")
proof = next((k for k in p50 if k.startswith("Verify one tlog-proof")), None)
if proof and sha and ed:
    hashes = int(re.search(r"\((\d+) path hashes\)", proof).group(1))
    show("verify one tlog-proof", p50[proof], ed + (hashes + 1) * sha, f"ceiling (1 Ed25519 verify + {hashes + 1} SHA-256)")
bundle = next((k for k in p50 if k.startswith("Verify a bundle of")), None)
if bundle and sha:
    n = int(re.search(r"of (\d+) entries", bundle).group(1))
    show("full bundle verify per entry (with engine replay)", p50[bundle] / n, sha, "raw SHA-256 per entry")
for db in ["SQLite", "PostgreSQL"]:
    bare = find(f"Ceiling: {db} bare-table insert")
    if not bare:
        continue
    print(f"{db} bare-table insert (the ceiling): {bare * 1e6:.1f} us p50 = {1 / bare:,.0f} rows/s")
    for prefix, label in [(f"{db} append one step (", "one append at a time, engine included"),
                          (f"{db} append one step, store only", "one append at a time, store only"),
                          (f"{db} append one step through the async writer", "one append at a time through the async writer, rows built before")]:
        name = next((k for k in p50 if k.startswith(prefix)), None)
        if name:
            a, a99 = p50[name], p99[name]
            print(f"  {label}: {a * 1e6:.1f} us p50, {a99 * 1e6:.1f} us p99 (target p99 <= 2 ms) = {1 / a:,.0f} appends/s"
                  f" = {100 * bare / a:.1f}% of the ceiling (target >= 50%)")
    name = next((k for k in p50 if k.startswith(f"{db} append under load")), None)
    if name:
        clients = int(re.search(r"(\d+) clients", name).group(1))
        steps = int(re.search(r"per (\d+) steps", name).group(1))
        per = p50[name] / steps
        lat = latency.get(name)
        print(f"  under load, {clients} clients sending back to back through the hub (group commit): {per * 1e6:.1f} us per step"
              f" = {1 / per:,.0f} steps/s = {100 * bare / per:.1f}% of the ceiling (target >= 50%)"
              + (f"; each step answered in {lat[0]:.0f} us p50, {lat[1]:.0f} us p99 (target p99 <= 2 ms)" if lat else ""))
for k, v in sorted(p50.items()):
    if k.startswith("Read at "):
        print(f"{k}: {v * 1e3:.3f} ms p50, {p99[k] * 1e3:.3f} ms p99 (target < 50 ms)")
