package indexer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// markedFile is a file every line of which names it, so that an item whose text came from
// another file (a chunk ID renumbered under a reader) is caught.
func markedFile(i, version int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package gen // zq%dzq\n", i)
	for f := range 4 {
		fmt.Fprintf(&b, "\n// zq%dzq sharedword common v%d\nfunc Gen%d_%d(items []int) int { // zq%dzq\n\treturn len(items) + %d // zq%dzq\n} // zq%dzq\n", i, version, i, f, i, version, i, i)
	}
	return b.String()
}

// Compaction and updates while context and search requests run: every item a request returns is
// consistent, its text from the file it names.
func TestCompactionDuringConcurrentContext(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx := context.Background()
	const files = 24
	for i := range files {
		if _, err := x.Upsert(ctx, fmt.Sprintf("gen/f%d.go", i), []byte(markedFile(i, 0)), FileState{}); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var compactions atomic.Int64
	wg.Add(2)
	go func() { // writer: replaces and removes files, leaving dead chunks
		defer wg.Done()
		for v := 1; !stop.Load(); v++ {
			i := v % files
			p := fmt.Sprintf("gen/f%d.go", i)
			if v%5 == 0 {
				x.Remove(p)
			}
			x.Upsert(ctx, p, []byte(markedFile(i, v)), FileState{})
		}
	}()
	go func() { // compaction as a removal triggers it, as often as it may run
		defer wg.Done()
		for !stop.Load() {
			x.mu.Lock()
			before := len(x.chunks)
			x.compactIfIdleLocked(true)
			if len(x.chunks) != before {
				compactions.Add(1)
			}
			x.mu.Unlock()
		}
	}()
	check := func(h Hit, names ...string) {
		if h.Source == "definition" && !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(h.Text, n) }) {
			t.Errorf("a definition item of %s defines no name asked for: %q", h.Path, h.Text)
		}
		var i int
		if _, err := fmt.Sscanf(h.Path, "gen/f%d.go", &i); err != nil {
			return
		}
		want := fmt.Sprintf("zq%dzq", i)
		for _, line := range strings.Split(h.Text, "\n") {
			if strings.Contains(line, "zq") && !strings.Contains(line, want) {
				t.Errorf("item of %s holds another file's line %q", h.Path, line)
				return
			}
		}
	}
	query := "package gen\n\nfunc use() int {\n\treturn Gen3_1(nil) + sharedword common Gen7_2("
	var readers sync.WaitGroup
	for range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for range 150 {
				res, err := x.Context(ctx, ContextRequest{Path: "use.go", Content: query, HasContent: true, Offset: len(query), Budget: 4096})
				if err != nil {
					t.Error(err)
					return
				}
				for _, h := range res.Items {
					check(h, "Gen3_1", "Gen7_2", "ComputeTotal")
				}
				hits, err := x.Search(ctx, "sharedword common Gen5_1", 10)
				if err != nil {
					t.Error(err)
					return
				}
				for _, h := range hits {
					check(h, "Gen5_1", "ComputeTotal")
				}
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	wg.Wait()
	if compactions.Load() == 0 {
		t.Fatal("no compaction ran during the test: it proves nothing")
	}
	t.Logf("%d compactions", compactions.Load())
}
