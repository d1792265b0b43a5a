package indexer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testFiles is a small polyglot repository.
var testFiles = map[string]string{
	"billing/total.go": `package billing

// ComputeTotal adds up the price of every item, applying the discount rate.
func ComputeTotal(items []Item, rate float64) int {
	sum := 0
	for _, it := range items {
		sum += it.Price
	}
	return int(float64(sum) * (1 - rate))
}

// Item is one line of an invoice.
type Item struct {
	Name  string
	Price int
}
`,
	"billing/invoice.go": `package billing

import "fmt"

func RenderInvoice(items []Item) string {
	total := ComputeTotal(items, 0.1)
	return fmt.Sprintf("total: %d", total)
}
`,
	"scripts/report.py": `import csv

def load_rows(path):
    """Read every row of a CSV report."""
    with open(path) as f:
        return list(csv.reader(f))

def summarize(rows):
    return len(rows)
`,
	"README.md": "# Demo\n\nA demo repository for the billing code.\n",
}

func newTestIndex(t testing.TB, emb Embedder) *Index {
	t.Helper()
	syn := NewSyntax()
	t.Cleanup(syn.Close)
	x := New(syn, emb)
	for _, p := range sortedKeys(testFiles) {
		if _, err := x.Upsert(context.Background(), p, []byte(testFiles[p]), FileState{Size: int64(len(testFiles[p])), ModTime: time.Unix(1000, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func hitPaths(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, fmt.Sprintf("%s:%d", h.Path, h.StartLine))
	}
	return out
}

func TestSearchFindsDefinitionsAndText(t *testing.T) {
	x := newTestIndex(t, nil)
	tests := []struct {
		query    string
		wantPath string
		wantSym  string
	}{
		{"ComputeTotal", "billing/total.go", "ComputeTotal"},
		{"load_rows", "scripts/report.py", "load_rows"},
		{"discount rate", "billing/total.go", "ComputeTotal"},
		{"csv reader", "scripts/report.py", "load_rows"},
		{"render invoice", "billing/invoice.go", "RenderInvoice"},
	}
	for _, tt := range tests {
		hits, err := x.Search(context.Background(), tt.query, 3)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(hits, func(h Hit) bool { return h.Path == tt.wantPath && h.Symbol == tt.wantSym })
		if i < 0 || i > 1 {
			t.Errorf("Search(%q) = %v, want %s (%s) in the first two", tt.query, hitPaths(hits), tt.wantPath, tt.wantSym)
			continue
		}
		if !strings.Contains(hits[i].Text, tt.wantSym) {
			t.Errorf("Search(%q): hit text does not contain %q: %q", tt.query, tt.wantSym, hits[i].Text)
		}
	}
}

func TestUpsertReplacesAndRemoveForgets(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	st := FileState{Size: 1, ModTime: time.Unix(2000, 0)}

	changed, err := x.Upsert(ctx, "billing/total.go", []byte(testFiles["billing/total.go"]), st)
	if err != nil || changed {
		t.Fatalf("same content: changed=%v err=%v, want unchanged", changed, err)
	}
	if !x.Unchanged("billing/total.go", st) {
		t.Error("the stat of an unchanged file was not recorded")
	}
	newText := "package billing\n\nfunc GrandTotalWithTaxes(x int) int { return x * 2 }\n"
	if changed, err := x.Upsert(ctx, "billing/total.go", []byte(newText), st); err != nil || !changed {
		t.Fatalf("new content: changed=%v err=%v", changed, err)
	}
	if hits, _ := x.Search(ctx, "GrandTotalWithTaxes", 5); len(hits) == 0 || hits[0].Symbol != "GrandTotalWithTaxes" {
		t.Errorf("new definition not found: %v", hitPaths(hits))
	}
	for _, h := range mustSearch(t, x, "ComputeTotal discount rate") {
		if strings.Contains(h.Text, "discount") {
			t.Errorf("stale chunk of the old content returned: %+v", h)
		}
	}
	if !x.Remove("scripts/report.py") || x.Remove("scripts/report.py") {
		t.Error("Remove should report true once, then false")
	}
	for _, h := range mustSearch(t, x, "load_rows csv") {
		if h.Path == "scripts/report.py" {
			t.Errorf("removed file still returned: %+v", h)
		}
	}
	if n := x.RemoveTree("billing"); n != 2 {
		t.Errorf("RemoveTree(billing) = %d, want 2", n)
	}
	if got := x.Paths(); !slices.Equal(got, []string{"README.md"}) {
		t.Errorf("Paths after removals = %v", got)
	}
}

func mustSearch(t *testing.T, x *Index, q string) []Hit {
	t.Helper()
	hits, err := x.Search(context.Background(), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

func TestCompactionKeepsResults(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	for i := range 20 {
		text := fmt.Sprintf("package billing\n\nfunc Version%d() int { return %d }\n", i, i)
		if _, err := x.Upsert(ctx, "billing/version.go", []byte(text), FileState{}); err != nil {
			t.Fatal(err)
		}
	}
	before := hitPaths(mustSearch(t, x, "ComputeTotal discount"))
	x.mu.Lock()
	x.compactLocked()
	dead := 0
	for _, c := range x.chunks {
		if c.file == nil {
			dead++
		}
	}
	x.mu.Unlock()
	if dead != 0 {
		t.Errorf("%d dead chunks after compaction", dead)
	}
	if after := hitPaths(mustSearch(t, x, "ComputeTotal discount")); !slices.Equal(before, after) {
		t.Errorf("results changed by compaction:\nbefore %v\nafter  %v", before, after)
	}
	if hits := mustSearch(t, x, "Version19"); len(hits) == 0 || hits[0].Symbol != "Version19" {
		t.Errorf("latest version not found after compaction: %v", hitPaths(hits))
	}
	if hits := mustSearch(t, x, "Version3"); len(hits) > 0 && hits[0].Symbol == "Version3" {
		t.Errorf("replaced definition still found: %v", hitPaths(hits))
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	x := newTestIndex(t, nil)
	x.Remove("README.md") // leave a dead chunk for Save to compact
	file := filepath.Join(t.TempDir(), "idx", "test.idx")
	if err := x.Save(file); err != nil {
		t.Fatal(err)
	}
	y, err := Load(file, x.syntax, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"ComputeTotal", "csv reader", "render invoice", "Item"} {
		a, b := hitPaths(mustSearch(t, x, q)), hitPaths(mustSearch(t, y, q))
		if !slices.Equal(a, b) {
			t.Errorf("Search(%q) differs after reload:\nsaved  %v\nloaded %v", q, a, b)
		}
	}
	if a, b := x.Stats(), y.Stats(); a.Files != b.Files || a.Chunks != b.Chunks || a.Defs != b.Defs || a.Terms != b.Terms {
		t.Errorf("stats differ after reload: %+v vs %+v", a, b)
	}
	// The loaded index lives in a read-only mapping: changing it must copy, never write there.
	// Removing first, then adding, then removing touches every array a change writes.
	y.Remove("scripts/report.py")
	ctx := context.Background()
	if _, err := y.Upsert(ctx, "billing/extra.go", []byte("package billing\n\nfunc ComputeTotal2(items []Item) int { return ComputeTotal(items, 0) }\n"), FileState{}); err != nil {
		t.Fatal(err)
	}
	if hits := mustSearch(t, y, "ComputeTotal2"); len(hits) == 0 || hits[0].Symbol != "ComputeTotal2" {
		t.Errorf("definition added after load not found: %v", hitPaths(hits))
	}
	y.Remove("billing/total.go")
	if err := y.Save(file); err != nil {
		t.Fatal(err)
	}
	z, err := Load(file, x.syntax, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := z.Paths(); !slices.Equal(got, []string{"billing/extra.go", "billing/invoice.go"}) {
		t.Errorf("paths after second round trip = %v", got)
	}
}

func TestLoadRejectsDamagedOrForeignIndex(t *testing.T) {
	x := newTestIndex(t, nil)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.idx")
	if err := x.Save(good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	flip := slices.Clone(data)
	flip[len(flip)/2] ^= 0x40
	tests := []struct {
		name string
		data []byte
		emb  Embedder
		want error
	}{
		{"truncated", data[:len(data)-100], nil, ErrIndexCorrupt},
		{"flipped byte", flip, nil, ErrIndexCorrupt},
		{"garbage", []byte("not an index at all, just some text that is long enough"), nil, ErrIndexCorrupt},
		{"empty", nil, nil, ErrIndexCorrupt},
		{"other embedder", data, fakeEmbedder{dims: 8}, ErrIndexVersion},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".idx")
		if err := os.WriteFile(p, tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(p, x.syntax, tt.emb)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: Load error = %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.idx"), x.syntax, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: error = %v, want not-exist", err)
	}
}

// fakeEmbedder is a deterministic stand-in for a model: a bag of letters. Tests only.
type fakeEmbedder struct {
	dims  int
	delay time.Duration
	fail  bool
}

func (f fakeEmbedder) Name() string { return fmt.Sprintf("fake-%d", f.dims) }

func (f fakeEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.fail {
		return nil, errors.New("model server is down")
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, f.dims)
		for _, r := range strings.ToLower(t) {
			if r >= 'a' && r <= 'z' {
				v[int(r-'a')%f.dims]++
			}
		}
		out[i] = v
	}
	return out, nil
}

func TestModelEmbedderUsesVectorIndex(t *testing.T) {
	x := newTestIndex(t, fakeEmbedder{dims: 26})
	if st := x.Stats(); st.Vectors != st.Chunks || st.Vectors == 0 {
		t.Fatalf("stats %+v: every chunk should have a vector", st)
	}
	hits := mustSearch(t, x, "zzzz qqqq") // no word matches: only vectors can answer
	if len(hits) == 0 || hits[0].Source != "semantic" {
		t.Fatalf("vector search returned %v", hits)
	}
	// More results than the collection holds must not fail (chromem reports it as an error).
	if _, err := x.Search(context.Background(), "anything", 1000); err != nil {
		t.Fatal(err)
	}
	x.Remove("billing/total.go")
	for _, h := range mustSearch(t, x, "zzzz qqqq") {
		if h.Path == "billing/total.go" {
			t.Errorf("vector of a removed file returned: %+v", h)
		}
	}
	if got := x.Stats().Files; got != 3 {
		t.Errorf("removing one file changed the file count to %d, want 3 (no delete-all)", got)
	}
	file := filepath.Join(t.TempDir(), "v.idx")
	if err := x.Save(file); err != nil {
		t.Fatal(err)
	}
	y, err := Load(file, x.syntax, fakeEmbedder{dims: 26})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := hitPaths(mustSearch(t, x, "zzzz qqqq")), hitPaths(mustSearch(t, y, "zzzz qqqq")); !slices.Equal(a, b) {
		t.Errorf("vector results differ after reload: %v vs %v", a, b)
	}
}

func TestEmbedderFailureStillIndexesLexically(t *testing.T) {
	x := newTestIndex(t, fakeEmbedder{dims: 4, fail: true})
	st := x.Stats()
	if st.Files != len(testFiles) || st.Vectors != 0 || !strings.Contains(st.EmbedError, "down") {
		t.Errorf("stats %+v: want all files, no vectors, the embedder's error", st)
	}
	if hits := mustSearch(t, x, "ComputeTotal"); len(hits) == 0 {
		t.Error("lexical search failed when the embedder is down")
	}
}

func TestConcurrentUpdatesAndQueries(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				p := fmt.Sprintf("gen/w%d.go", w)
				text := fmt.Sprintf("package gen\n\nfunc Gen%d_%d() int { return ComputeTotal(nil, 0) }\n", w, i)
				if _, err := x.Upsert(ctx, p, []byte(text), FileState{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := x.Search(ctx, "ComputeTotal", 5); err != nil {
					t.Error(err)
				}
				content := testFiles["billing/invoice.go"]
				if _, err := x.Context(ctx, ContextRequest{Path: "billing/invoice.go", Content: content, HasContent: true, Offset: strings.Index(content, "ComputeTotal(") + 13}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for w := range 4 {
		q := fmt.Sprintf("Gen%d_49", w)
		if hits := mustSearch(t, x, q); len(hits) == 0 || hits[0].Symbol != q {
			t.Errorf("last write of worker %d not visible: %v", w, hitPaths(hits))
		}
	}
}

func TestCancelledUpsert(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Upsert(ctx, "new.go", []byte("package x"), FileState{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Upsert with cancelled ctx: %v", err)
	}
	if _, ok := x.Content("new.go"); ok {
		t.Error("cancelled upsert indexed the file")
	}
}

func TestDefinitionsAndUses(t *testing.T) {
	x := newTestIndex(t, nil)
	defs := x.Definitions("ComputeTotal", "billing/invoice.go", "")
	if len(defs) != 1 || defs[0].Path != "billing/total.go" || defs[0].Line != 4 || !strings.Contains(defs[0].Doc, "adds up the price") {
		t.Fatalf("Definitions(ComputeTotal) = %+v", defs)
	}
	uses, total := x.Uses("ComputeTotal", 10)
	if total != 1 || len(uses) != 1 || uses[0] != (Location{"billing/invoice.go", 6}) {
		t.Errorf("Uses(ComputeTotal) = %v, %d; want billing/invoice.go:6 only (the definition is not a use)", uses, total)
	}
	if uses, total := x.Uses("Item", 1); total < 2 || len(uses) != 1 {
		t.Errorf("Uses(Item, limit 1) = %v, %d; want 1 listed of several", uses, total)
	}
	if d := x.Definitions("NoSuchThing", "a.go", ""); len(d) != 0 {
		t.Errorf("Definitions(NoSuchThing) = %v", d)
	}
}
