package indexer

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// versionedFile is file i at version v: every definition's signature and every line names the
// version, so that an item can be traced to the version it came from.
func versionedFile(i, v int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package ver // file%d ver%dver\n", i, v)
	for f := range 4 {
		fmt.Fprintf(&b, "\n// Ver%d_%d counts sharedword items. ver%dver\nfunc Ver%d_%d(items []int, ver%dver int) int { // ver%dver\n\treturn len(items) + %d // ver%dver\n} // ver%dver\n",
			i, f, v, i, f, v, v, f, v, v)
	}
	return b.String()
}

var verRE = regexp.MustCompile(`ver(\d+)ver`)

// versionsIn returns the versions named in text.
func versionsIn(text string) []string {
	var out []string
	for _, m := range verRE.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
	}
	return out
}

// A request reading through one snapshot while its files are replaced, many times and from
// several goroutines, sees exactly one version of each file: every item, definition and text
// it gets of a file comes from the same version, and no file is ever missing.
func TestSnapshotSeesOneVersionPerFile(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	const files = 8
	path := func(i int) string { return fmt.Sprintf("ver/f%d.go", i) }
	for i := range files {
		if _, err := x.Upsert(ctx, path(i), []byte(versionedFile(i, 0)), FileState{}); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var version atomic.Int64
	var writers sync.WaitGroup
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for n := 0; !stop.Load(); n++ {
				i := (n + w*3) % files
				v := int(version.Add(1))
				if _, err := x.Upsert(ctx, path(i), []byte(versionedFile(i, v)), FileState{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}

	var mixed, requests atomic.Int64
	var readers sync.WaitGroup
	for r := range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for n := range 120 {
				i, j := (n+r)%files, (n+r+3)%files
				mixed.Add(int64(readOneRequest(t, x, path, i, j)))
				requests.Add(1)
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	writers.Wait()
	if version.Load() < 50 {
		t.Fatalf("only %d replacements ran during the requests: the test proves little", version.Load())
	}
	if mixed.Load() > 0 {
		t.Fatalf("%d of %d requests saw more than one version of a file", mixed.Load(), requests.Load())
	}
	t.Logf("%d requests during %d replacements", requests.Load(), version.Load())

	// With no snapshot open, the replaced versions are reclaimed.
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.older) != 0 {
		t.Errorf("%d paths still keep old versions after every snapshot closed", len(x.older))
	}
	for i := range files {
		if n := len(x.symsAtLocked(fmt.Sprintf("Ver%d_1", i), x.gen)); n != 1 {
			t.Errorf("Ver%d_1 has %d definitions in the index, want 1", i, n)
		}
	}
}

// readOneRequest reads files i and j in every way a request does, through one snapshot, and
// returns 1 if some file was seen in two versions or went missing.
func readOneRequest(t *testing.T, x *Index, path func(int) string, i, j int) int {
	t.Helper()
	ctx := context.Background()
	s := x.Snapshot()
	defer s.Release()
	seen := map[string]map[string]bool{} // path -> versions
	note := func(p, text string) {
		if seen[p] == nil {
			seen[p] = map[string]bool{}
		}
		for _, v := range versionsIn(text) {
			seen[p][v] = true
		}
	}
	bad := 0
	for _, k := range []int{i, j} {
		text, ok := s.Content(path(k))
		if !ok {
			t.Errorf("%s is missing from the snapshot", path(k))
			bad = 1
		}
		note(path(k), text)
		for f := range 4 {
			defs := s.Definitions(fmt.Sprintf("Ver%d_%d", k, f), "", "")
			if len(defs) != 1 {
				t.Errorf("Ver%d_%d has %d definitions in one snapshot, want 1", k, f, len(defs))
				bad = 1
			}
			for _, d := range defs {
				note(d.Path, d.Signature)
			}
		}
	}
	query := fmt.Sprintf("package ver\n\nfunc use() int {\n\treturn Ver%d_1(nil, 0) + sharedword Ver%d_2(", i, j)
	res, err := s.Context(ctx, ContextRequest{Path: "use.go", Content: query, HasContent: true, Offset: len(query), Budget: 4096})
	if err != nil {
		t.Error(err)
		return 1
	}
	for _, h := range res.Items {
		note(h.Path, h.Text)
	}
	hits, err := s.Search(ctx, fmt.Sprintf("sharedword items Ver%d_3", i), 20)
	if err != nil {
		t.Error(err)
		return 1
	}
	for _, h := range hits {
		note(h.Path, h.Text)
	}
	for p, vs := range seen {
		if len(vs) > 1 {
			t.Errorf("one request saw %s in versions %v", p, vs)
			bad = 1
		}
	}
	return bad
}

// A snapshot keeps seeing a replaced or removed file as it was; a new snapshot sees the change;
// closing the old one reclaims the old version.
func TestSnapshotKeepsReplacedAndRemovedFiles(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	for i := range 2 {
		if _, err := x.Upsert(ctx, fmt.Sprintf("ver/f%d.go", i), []byte(versionedFile(i, 1)), FileState{}); err != nil {
			t.Fatal(err)
		}
	}
	old := x.Snapshot()
	if _, err := x.Upsert(ctx, "ver/f0.go", []byte(versionedFile(0, 2)), FileState{}); err != nil {
		t.Fatal(err)
	}
	x.Remove("ver/f1.go")

	cases := []struct {
		snap       *Snapshot
		path       string
		want       string // version seen, "" for none
		defsOfName int
	}{
		{old, "ver/f0.go", "1", 1},
		{old, "ver/f1.go", "1", 1},
		{x.Snapshot(), "ver/f0.go", "2", 1},
		{x.Snapshot(), "ver/f1.go", "", 0},
	}
	for _, c := range cases {
		text, ok := c.snap.Content(c.path)
		got := ""
		if ok {
			got = versionsIn(text)[0]
		}
		if got != c.want {
			t.Errorf("snapshot at %d: %s is version %q, want %q", c.snap.Generation(), c.path, got, c.want)
		}
		name := "Ver0_2"
		if c.path == "ver/f1.go" {
			name = "Ver1_2"
		}
		defs := c.snap.Definitions(name, "", "")
		if len(defs) != c.defsOfName {
			t.Errorf("snapshot at %d: %d definitions of %s, want %d", c.snap.Generation(), len(defs), name, c.defsOfName)
		}
		for _, d := range defs {
			if v := versionsIn(d.Signature); len(v) != 1 || v[0] != c.want {
				t.Errorf("snapshot at %d: %s is %q, want version %s", c.snap.Generation(), name, d.Signature, c.want)
			}
		}
		hits, err := c.snap.SearchScoped(ctx, "sharedword items "+name, 10, func(p string) bool { return p == c.path })
		if err != nil {
			t.Fatal(err)
		}
		if (len(hits) > 0) != (c.want != "") {
			t.Errorf("snapshot at %d: search in %s found %d hits", c.snap.Generation(), c.path, len(hits))
		}
		for _, h := range hits {
			if v := versionsIn(h.Text); len(v) == 0 || v[0] != c.want {
				t.Errorf("snapshot at %d: a hit of %s holds %v, want version %s", c.snap.Generation(), c.path, v, c.want)
			}
		}
		if paths := c.snap.Paths(); strings.Contains(strings.Join(paths, " "), c.path) != (c.want != "") {
			t.Errorf("snapshot at %d: Paths %v and %s disagree", c.snap.Generation(), paths, c.path)
		}
	}
	x.mu.RLock()
	kept := len(x.older)
	x.mu.RUnlock()
	if kept != 2 {
		t.Errorf("with a snapshot open %d paths keep old versions, want 2", kept)
	}
	for _, c := range cases {
		c.snap.Release()
		c.snap.Release() // twice is harmless
	}
	x.mu.RLock()
	kept = len(x.older)
	x.mu.RUnlock()
	if kept != 0 || x.readers.Load() != 0 {
		t.Errorf("after every snapshot closed: %d paths keep old versions, %d readers", kept, x.readers.Load())
	}
	if defs := x.Definitions("Ver1_2", "", ""); len(defs) != 0 {
		t.Errorf("the removed file's definition is still found: %v", defs)
	}
}

// A version no open snapshot can see is reclaimed at once, even while newer snapshots are open:
// a steady stream of overlapping requests does not keep every old version alive.
func TestSnapshotReclaimsWhileNewerOpen(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	upsert := func(v int) {
		t.Helper()
		if _, err := x.Upsert(ctx, "ver/f0.go", []byte(versionedFile(0, v)), FileState{}); err != nil {
			t.Fatal(err)
		}
	}
	kept := func() int {
		x.mu.RLock()
		defer x.mu.RUnlock()
		n := 0
		for f := x.older["ver/f0.go"]; f != nil; f = f.prev {
			n++
		}
		return n
	}
	upsert(1)
	a := x.Snapshot() // sees version 1
	upsert(2)
	b := x.Snapshot() // sees version 2
	upsert(3)
	if n := kept(); n != 2 {
		t.Fatalf("%d old versions kept for two open snapshots, want 2", n)
	}
	a.Release()
	if n := kept(); n != 1 {
		t.Errorf("after the oldest snapshot closed %d old versions are kept, want 1 (for the newer one)", n)
	}
	if text, _ := b.Content("ver/f0.go"); versionsIn(text)[0] != "2" {
		t.Errorf("the newer snapshot lost its version: %q", versionsIn(text))
	}
	if defs := b.Definitions("Ver0_1", "", ""); len(defs) != 1 || versionsIn(defs[0].Signature)[0] != "2" {
		t.Errorf("the newer snapshot's definitions: %v", defs)
	}
	b.Release()
	if n := kept(); n != 0 {
		t.Errorf("with no snapshot open %d old versions are kept", n)
	}
	if defs := x.Definitions("Ver0_1", "", ""); len(defs) != 1 || versionsIn(defs[0].Signature)[0] != "3" {
		t.Errorf("the index's definitions after reclaiming: %v", defs)
	}
}
