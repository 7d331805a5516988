// checkbundle verifies an extracted Armory evidence bundle with Go's own
// golang.org/x/mod/sumdb/note (the log's signed-note signature) and sumdb/tlog
// (the RFC 6962 tree hash, every inclusion proof, the consistency proof), sharing
// no code with Armory. Usage: checkbundle DIR. Exit 0 when everything holds.
package main

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
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

	proofs, _ := filepath.Glob(filepath.Join(dir, "proofs", "*.tlog-proof"))
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
	fmt.Printf("OK go sumdb/note and sumdb/tlog: %d entries, %d proofs, checkpoint %d, latest %d, %d witness cosignatures\n", len(records), len(proofs), size, latestSize, len(witnesses))
}
