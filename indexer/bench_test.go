package indexer

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// benchIndex loads the index named by RAGLS_BENCH_INDEX (for example one written by
// "ragls index --root $(go env GOROOT)/src"), or skips.
func benchIndex(b *testing.B) *Index {
	p := os.Getenv("RAGLS_BENCH_INDEX")
	if p == "" {
		b.Skip("set RAGLS_BENCH_INDEX to an index file (e.g. from ragls index on GOROOT/src)")
	}
	x, err := Load(p, NewSyntax(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return x
}

func BenchmarkContext(b *testing.B) {
	x := benchIndex(b)
	paths := x.Paths()
	rng := rand.New(rand.NewPCG(1, 2))
	type pos struct {
		path string
		off  int
	}
	var ps []pos
	for len(ps) < 500 {
		p := paths[rng.IntN(len(paths))]
		text, _ := x.Content(p)
		n := strings.Count(text, "\n")
		if n < 5 {
			continue
		}
		ps = append(ps, pos{p, Offset(text, 1+rng.IntN(n), 1<<20)})
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := ps[i%len(ps)]
		if _, err := x.Context(ctx, ContextRequest{Path: q.path, Offset: q.off, Budget: 1024}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	p := os.Getenv("RAGLS_BENCH_INDEX")
	if p == "" {
		b.Skip("set RAGLS_BENCH_INDEX")
	}
	syn := NewSyntax()
	for i := 0; i < b.N; i++ {
		if _, err := Load(p, syn, nil); err != nil {
			b.Fatal(err)
		}
	}
}
