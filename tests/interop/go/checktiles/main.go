// checktiles reads an Armory production's log over HTTP as a C2SP tlog-tiles client,
// with Go's own golang.org/x/mod/sumdb/note (the checkpoint's signature) and
// sumdb/tlog (TileHashReader authenticates every tile against the signed root), sharing
// no code with Armory. Every entry of the entry bundles must hash to its leaf, and
// inclusion and consistency proofs built from the tiles must check.
//
// Usage: checktiles PREFIX TOKEN VKEY [FLIP]
// PREFIX is the log's URL (http://host:port/logs/<production>); FLIP names one tile path
// (tile/0/000) whose first byte is flipped as it arrives: the check must then fail.
// Exit 0 when everything holds.
package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var prefix, token, flip string

func fail(format string, args ...interface{}) {
	fmt.Printf("INVALID: "+format+"\n", args...)
	os.Exit(1)
}

func get(path string) []byte {
	req, err := http.NewRequest("GET", prefix+"/"+path, nil)
	if err != nil {
		fail("%v", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("%s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		fail("%s: status %d %v", path, resp.StatusCode, err)
	}
	if path == flip && len(body) > 0 {
		body[0] ^= 1
	}
	return body
}

// c2spPath turns Go's sumdb tile path (tile/8/L/N, tile/8/data/N) into the C2SP one
// (tile/L/N, tile/entries/N).
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

type reader struct{ fetched int }

func (r *reader) Height() int { return 8 }

func (r *reader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		out[i] = get(c2spPath(t))
		r.fetched++
		if len(out[i]) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes", c2spPath(t), len(out[i]))
		}
	}
	return out, nil
}

func (r *reader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func main() {
	if len(os.Args) < 4 {
		fail("usage: checktiles PREFIX TOKEN VKEY [FLIP]")
	}
	prefix, token = strings.TrimSuffix(os.Args[1], "/"), os.Args[2]
	if len(os.Args) > 4 {
		flip = os.Args[4]
	}
	verifier, err := note.NewVerifier(os.Args[3])
	if err != nil {
		fail("key: %v", err)
	}
	n, err := note.Open(get("checkpoint"), note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 1 {
		fail("checkpoint: bad size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint: bad root")
	}
	var root tlog.Hash
	copy(root[:], rootBytes)
	tree := tlog.Tree{N: size, Hash: root}
	r := &reader{}
	hr := tlog.TileHashReader(tree, r)

	// The root, from the tiles (TileHashReader refuses any tile that does not lead to it).
	th, err := tlog.TreeHash(size, hr)
	if err != nil || th != root {
		fail("tree hash from the tiles: %v", err)
	}

	// Every entry of the bundles hashes to its (authenticated) leaf.
	entries := int64(0)
	for start := int64(0); start < size; start += 256 {
		w := size - start
		if w > 256 {
			w = 256
		}
		bundle := get(c2spPath(tlog.Tile{H: 8, L: -1, N: start / 256, W: int(w)}))
		var records [][]byte
		for k := 0; k < len(bundle); {
			if k+2 > len(bundle) {
				fail("bundle %d: truncated length", start/256)
			}
			l := int(bundle[k])<<8 | int(bundle[k+1])
			if k+2+l > len(bundle) {
				fail("bundle %d: truncated entry", start/256)
			}
			records = append(records, bundle[k+2:k+2+l])
			k += 2 + l
		}
		if int64(len(records)) != w {
			fail("bundle %d holds %d entries, want %d", start/256, len(records), w)
		}
		indexes := make([]int64, w)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		leaves, err := hr.ReadHashes(indexes)
		if err != nil {
			fail("leaves %d..: %v", start, err)
		}
		for i, rec := range records {
			if tlog.RecordHash(rec) != leaves[i] {
				fail("entry %d does not hash to its leaf", start+int64(i))
			}
			if !strings.HasPrefix(string(rec), "armory-entry/v") {
				fail("entry %d is not an Armory entry", start+int64(i))
			}
		}
		entries += w
	}

	// Proofs built from the tiles: inclusion of the first, middle and last entry, and the
	// consistency of a tree half the size.
	for _, i := range []int64{0, size / 2, size - 1} {
		leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, i)})
		if err != nil {
			fail("leaf %d: %v", i, err)
		}
		p, err := tlog.ProveRecord(size, i, hr)
		if err != nil || tlog.CheckRecord(p, size, root, i, leaf[0]) != nil {
			fail("inclusion of entry %d: %v", i, err)
		}
	}
	if size > 1 {
		old := size / 2
		oldRoot, err := tlog.TreeHash(old, hr)
		if err != nil {
			fail("root of %d: %v", old, err)
		}
		p, err := tlog.ProveTree(size, old, hr)
		if err != nil || tlog.CheckTree(p, size, root, old, oldRoot) != nil {
			fail("consistency %d -> %d: %v", old, size, err)
		}
	}
	fmt.Printf("OK: %d entries from %d tiles and the entry bundles agree with the signed checkpoint (size %d)\n", entries, r.fetched, size)
}
