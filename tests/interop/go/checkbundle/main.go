// checkbundle verifies an extracted Armory evidence bundle with Go's own
// golang.org/x/mod/sumdb/note (the log's signed-note signature) and sumdb/tlog
// (the RFC 6962 tree hash, every inclusion proof, every range proof's hashes, the
// consistency proof), sharing no code with Armory. Usage: checkbundle DIR. Exit 0 when
// everything holds.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func fail(format string, args ...interface{}) {
	fmt.Printf("INVALID: "+format+"\n", args...)
	os.Exit(1)
}

func read(dir, name string) []byte {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fail("%v", err)
	}
	return b
}

func hashes(lines []string) []tlog.Hash {
	var out []tlog.Hash
	for _, l := range lines {
		if l == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(b) != 32 {
			fail("bad hash line %q", l)
		}
		var h tlog.Hash
		copy(h[:], b)
		out = append(out, h)
	}
	return out
}

// cosigner verifies a witness's C2SP tlog-cosignature (cosignature/v1) through sumdb/note's
// Verifier interface: the signed message is "cosignature/v1\ntime <t>\n" and the note text,
// the signature an 8-byte timestamp and an Ed25519 signature.
type cosigner struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

func (c cosigner) Name() string    { return c.name }
func (c cosigner) KeyHash() uint32 { return c.hash }
func (c cosigner) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig[:8])
	return ed25519.Verify(c.key, append([]byte(fmt.Sprintf("cosignature/v1\ntime %d\n", t)), msg...), sig[8:])
}

// newCosigner reads a witness verifier key: name+hexid+base64(0x04 || key).
func newCosigner(vkey string) cosigner {
	parts := strings.SplitN(strings.TrimSpace(vkey), "+", 3)
	if len(parts) != 3 {
		fail("witness key %q", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != 0x04 {
		fail("witness key %q is not a cosignature/v1 key", vkey)
	}
	h := sha256.Sum256(append([]byte(parts[0]+"\n"), raw...))
	hash := binary.BigEndian.Uint32(h[:4])
	if fmt.Sprintf("%08x", hash) != parts[1] {
		fail("witness key %q: key ID does not match", vkey)
	}
	return cosigner{name: parts[0], hash: hash, key: ed25519.PublicKey(raw[1:])}
}

var witnesses []cosigner

// checkpoint opens a signed checkpoint with the log's key and returns size and root.
// Every witness key in the bundle must have cosigned the covered checkpoint.
func checkpoint(dir, name string, verifier note.Verifier) (int64, tlog.Hash) {
	list := []note.Verifier{verifier}
	for _, w := range witnesses {
		list = append(list, w)
	}
	n, err := note.Open(read(dir, name), note.VerifierList(list...))
	if err != nil {
		fail("%s: %v", name, err)
	}
	if name == "checkpoint.txt" {
		for _, w := range witnesses {
			found := false
			for _, s := range n.Sigs {
				found = found || (s.Name == w.name && s.Hash == w.hash)
			}
			if !found {
				fail("%s: no cosignature by witness %s", name, w.name)
			}
		}
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("%s: bad size", name)
	}
	return size, hashes(lines[2:3])[0]
}

type memory []tlog.Hash

func (m memory) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = m[x]
	}
	return out, nil
}

// manifest is what manifest.json says of the bundle's format and scope.
type manifest struct {
	Format  string                     `json:"format"`
	Scope   map[string]json.RawMessage `json:"scope"`
	InScope struct {
		Count   int64     `json:"count"`
		Indices [][]int64 `json:"indices"`
	} `json:"in_scope"`
}

// rangeProofFiles are the range proofs a format 3 bundle must hold: one per run of
// in-scope entries of a day's or a firearm's bundle (in order, none touching the next),
// none for a whole log's.
func rangeProofFiles(m manifest, size int64) map[string]bool {
	want := map[string]bool{}
	if len(m.Scope) != 1 {
		fail("manifest.json: scope must name one of all, day or firearm")
	}
	if all, ok := m.Scope["all"]; ok {
		if string(all) != "true" {
			fail("manifest.json: scope all must be true")
		}
		return want
	}
	var subject string
	raw, ok := m.Scope["day"]
	if !ok {
		raw, ok = m.Scope["firearm"]
	}
	if !ok || json.Unmarshal(raw, &subject) != nil {
		fail("manifest.json: scope must name one of all, day or firearm")
	}
	var count, after int64
	for _, run := range m.InScope.Indices {
		if len(run) != 2 || run[0] < after || run[0] > run[1] || run[1] >= size {
			fail("manifest.json: in-scope run %v out of order or outside the log", run)
		}
		want[fmt.Sprintf("%d-%d.range-proof", run[0], run[1])] = true
		count += run[1] - run[0] + 1
		after = run[1] + 2
	}
	if count != m.InScope.Count {
		fail("manifest.json: in_scope.count %d, the runs hold %d", m.InScope.Count, count)
	}
	return want
}

var (
	rangeProofName  = regexp.MustCompile(`^(0|[1-9][0-9]*)-(0|[1-9][0-9]*)\.range-proof$`)
	rangeProofSizes = regexp.MustCompile(`^(0|[1-9][0-9]*) (0|[1-9][0-9]*) (0|[1-9][0-9]*)$`)
)

// checkRangeProof checks proofs/<first>-<last>.range-proof (armory-range-proof/v1, exactly
// as written) against the signed tree: the hashes of the subtrees outside first..last, in
// the order of RFC 9162's split, with the run's own entries, must give the signed root.
func checkRangeProof(name, text string, records [][]byte, size int64, root tlog.Hash) {
	m := rangeProofName.FindStringSubmatch(name)
	if m == nil {
		fail("%s: not a range proof's name", name)
	}
	lines := strings.Split(text, "\n")
	if len(lines) < 3 || lines[len(lines)-1] != "" {
		fail("%s: each line must end with a newline", name)
	}
	if lines[0] != "armory-range-proof/v1" {
		fail("%s: not an armory-range-proof/v1", name)
	}
	sizes := rangeProofSizes.FindStringSubmatch(lines[1])
	if sizes == nil || sizes[1] != m[1] || sizes[2] != m[2] {
		fail("%s: second line %q does not name this run", name, lines[1])
	}
	first, err1 := strconv.ParseInt(sizes[1], 10, 64)
	last, err2 := strconv.ParseInt(sizes[2], 10, 64)
	treeSize, err3 := strconv.ParseInt(sizes[3], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || treeSize != size {
		fail("%s: tree size %s, the checkpoint's is %d", name, sizes[3], size)
	}
	if first > last || last >= size {
		fail("%s: entries %d-%d are not in the tree of %d", name, first, last, size)
	}
	var proof []tlog.Hash
	for _, l := range lines[2 : len(lines)-1] {
		b, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(b) != 32 || base64.StdEncoding.EncodeToString(b) != l {
			fail("%s: bad hash line %q", name, l)
		}
		var h tlog.Hash
		copy(h[:], b)
		proof = append(proof, h)
	}
	used := 0
	var visit func(lo, hi int64) tlog.Hash
	visit = func(lo, hi int64) tlog.Hash {
		if hi <= first || lo > last {
			if used == len(proof) {
				fail("%s: too few hashes", name)
			}
			used++
			return proof[used-1]
		}
		if hi-lo == 1 {
			return tlog.RecordHash(records[lo])
		}
		k := int64(1)
		for k*2 < hi-lo {
			k *= 2
		}
		left := visit(lo, lo+k)
		return tlog.NodeHash(left, visit(lo+k, hi))
	}
	got := visit(0, size)
	if used != len(proof) {
		fail("%s: %d hashes left over", name, len(proof)-used)
	}
	if got != root {
		fail("%s: range proof does not give the signed root", name)
	}
}

func main() {
	dir := os.Args[1]
	verifier, err := note.NewVerifier(strings.TrimSpace(string(read(dir, "keys/log.vkey"))))
	if err != nil {
		fail("keys/log.vkey: %v", err)
	}
	vkeys, _ := filepath.Glob(filepath.Join(dir, "keys", "witness-*.vkey"))
	for _, v := range vkeys {
		witnesses = append(witnesses, newCosigner(string(read(dir, filepath.Join("keys", filepath.Base(v))))))
	}
	size, root := checkpoint(dir, "checkpoint.txt", verifier)
	latestSize, latestRoot := checkpoint(dir, "latest-checkpoint.txt", verifier)

	blob := read(dir, "entries.bin")
	var records [][]byte
	for off := 0; off < len(blob); {
		n := int(binary.BigEndian.Uint32(blob[off:]))
		records = append(records, blob[off+4:off+4+n])
		off += 4 + n
	}
	if int64(len(records)) != size {
		fail("%d entries, checkpoint covers %d", len(records), size)
	}
	var stored memory
	for i, r := range records {
		h, err := tlog.StoredHashes(int64(i), r, stored)
		if err != nil {
			fail("%v", err)
		}
		stored = append(stored, h...)
	}
	th, err := tlog.TreeHash(size, stored)
	if err != nil || th != root {
		fail("tree hash %v does not match the signed root", th)
	}

	var m manifest
	if err := json.Unmarshal(read(dir, "manifest.json"), &m); err != nil {
		fail("manifest.json: %v", err)
	}
	ranges, _ := filepath.Glob(filepath.Join(dir, "proofs", "*.range-proof"))
	proofs, _ := filepath.Glob(filepath.Join(dir, "proofs", "*.tlog-proof"))
	switch m.Format {
	case "armory-bundle/v1", "armory-bundle/v2":
		if len(ranges) > 0 {
			fail("an %s bundle holds no range proof", m.Format)
		}
	case "armory-bundle/v3":
		if len(proofs) > 0 {
			fail("a format 3 bundle holds no tlog-proof")
		}
		want := rangeProofFiles(m, size)
		held, _ := os.ReadDir(filepath.Join(dir, "proofs"))
		for _, f := range held {
			if !want[f.Name()] {
				fail("proofs/%s: not a range proof of an in-scope run", f.Name())
			}
			delete(want, f.Name())
		}
		for name := range want {
			fail("proofs/%s: missing", name)
		}
		for _, p := range ranges {
			name := filepath.Base(p)
			checkRangeProof(name, string(read(dir, filepath.Join("proofs", name))), records, size, root)
		}
	default:
		fail("manifest.json: unknown format %q", m.Format)
	}
	for _, p := range proofs {
		text := string(read(dir, filepath.Join("proofs", filepath.Base(p))))
		head := strings.SplitN(text, "\n\n", 2)[0]
		lines := strings.Split(head, "\n")
		if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
			fail("%s: not a tlog-proof", p)
		}
		index, _ := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
		if err := tlog.CheckRecord(tlog.RecordProof(hashes(lines[2:])), size, root, index, tlog.RecordHash(records[index])); err != nil {
			fail("%s: %v", p, err)
		}
	}
	if latestSize > size {
		proof := hashes(strings.Split(string(read(dir, "consistency.txt")), "\n"))
		if err := tlog.CheckTree(tlog.TreeProof(proof), latestSize, latestRoot, size, root); err != nil {
			fail("consistency: %v", err)
		}
	}
	fmt.Printf("OK go sumdb/note and sumdb/tlog: %d entries, %d proofs, checkpoint %d, latest %d, %d witness cosignatures\n", len(records), len(proofs)+len(ranges), size, latestSize, len(witnesses))
}
