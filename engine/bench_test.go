package engine

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ragls/indexer"
)

// BenchmarkCompletionPrompt measures what a completion costs before the model is asked:
// context assembly, the FIM template and the token budget. It runs on the root named by
// RAGLS_BENCH_ROOT (e.g. $(go env GOROOT)/src), indexed in RAGLS_CACHE_DIR.
func BenchmarkCompletionPrompt(b *testing.B) {
	root := os.Getenv("RAGLS_BENCH_ROOT")
	if root == "" {
		b.Skip("set RAGLS_BENCH_ROOT to a directory (and RAGLS_CACHE_DIR to keep its index between runs)")
	}
	e, err := New(Options{CacheDir: os.Getenv("RAGLS_CACHE_DIR"), Getenv: func(k string) string {
		if k == "RAGLS_CONFIG" {
			return filepath.Join(b.TempDir(), "none.json")
		}
		return ""
	}})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	r, _, err := e.AddRoot(context.Background(), root, nil)
	if err != nil {
		b.Fatal(err)
	}
	paths := r.Index.Paths()
	rng := rand.New(rand.NewPCG(3, 4))
	var docs []Doc
	var offs []int
	for len(docs) < 300 {
		p := paths[rng.IntN(len(paths))]
		text, _ := r.Index.Content(p)
		n := strings.Count(text, "\n")
		if n < 50 {
			continue
		}
		docs = append(docs, Doc{Path: filepath.Join(r.Dir, p), Text: text})
		offs = append(offs, indexer.Offset(text, 1+rng.IntN(n), 1<<20))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % len(docs)
		if _, err := e.CompletionPrompt(context.Background(), docs[j], offs[j]); err != nil {
			b.Fatal(err)
		}
	}
}
