package indexer

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// Spilled contents read back exactly, before and after their pages are released, and a path
// is spilled only once: a changed file's content goes to the heap.
func TestSpillStoreRelease(t *testing.T) {
	var s spill
	var texts, got []string
	for i := range 300 {
		texts = append(texts, strings.Repeat(fmt.Sprintf("line %d of file %d\n", i, i), 1+i*7))
		c, spilled := s.store(fmt.Sprintf("f%d.go", i), []byte(texts[i]))
		if runtime.GOOS == "linux" && !spilled {
			t.Fatalf("file %d not spilled", i)
		}
		got = append(got, c)
	}
	for i, c := range got {
		if c != texts[i] {
			t.Fatalf("file %d: read back %d bytes, want %d", i, len(c), len(texts[i]))
		}
		s.release(c)
	}
	for i, c := range got {
		if c != texts[i] {
			t.Fatalf("file %d after release: differs", i)
		}
	}
	if _, spilled := s.store("f1.go", []byte("changed")); spilled {
		t.Error("a path's second content was spilled")
	}
	if c, spilled := s.store("empty.go", nil); spilled || c != "" {
		t.Errorf("empty content: %q, spilled %v", c, spilled)
	}
}

func TestSpillRehome(t *testing.T) {
	var s spill
	defs := []Symbol{
		{Name: "ReadFile", Kind: "function", Signature: "func ReadFile(name string) ([]byte, error)", Doc: "ReadFile reads."},
		{Name: "Close", Container: "File", Kind: "method"},
	}
	chunks := []Chunk{{Symbol: "ReadFile"}, {}, {Symbol: "Close"}}
	want := append([]Symbol(nil), defs...)
	wantChunks := append([]Chunk(nil), chunks...)
	s.rehome(defs, chunks)
	for i := range defs {
		if defs[i] != want[i] {
			t.Errorf("def %d: %+v, want %+v", i, defs[i], want[i])
		}
	}
	for i := range chunks {
		if chunks[i] != wantChunks[i] {
			t.Errorf("chunk %d: %+v, want %+v", i, chunks[i], wantChunks[i])
		}
	}
}

// An index built through the spill saves and loads the same contents and definitions.
func TestSpilledIndexRoundTrip(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := t.Context()
	src := "package p\n\n// Hello greets.\nfunc Hello(name string) string { return \"hi \" + name }\n"
	if _, err := x.Upsert(ctx, "p/hello.go", []byte(src), FileState{}); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/idx"
	if err := x.Save(path); err != nil {
		t.Fatal(err)
	}
	y, err := Load(path, x.syntax, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := y.Content("p/hello.go"); c != src {
		t.Errorf("loaded content %q", c)
	}
	d := y.Definitions("Hello", "p/hello.go", "")
	if len(d) != 1 || d[0].Doc == "" || !strings.Contains(d[0].Signature, "func Hello(name string) string") {
		t.Errorf("loaded definitions %+v", d)
	}
}
