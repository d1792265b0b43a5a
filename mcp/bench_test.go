package mcp

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"ragls/engine"
	"ragls/indexer"
)

// The benchmarks run on the root named by RAGLS_BENCH_ROOT (e.g. $(go env GOROOT)/src), with
// its index kept in RAGLS_CACHE_DIR between runs, through the whole MCP path: a client of the
// SDK calling the server over the in-memory transport, as an agent would over stdio. Each
// reports the median and 95th percentile of one call:
//
//	RAGLS_BENCH_ROOT=$(go env GOROOT)/src RAGLS_CACHE_DIR=/tmp/ragls-bench \
//	  go test -run '^$' -bench . -benchtime 200x ./mcp/

func benchRoot(b *testing.B) (string, string) {
	root := os.Getenv("RAGLS_BENCH_ROOT")
	if root == "" {
		b.Skip("set RAGLS_BENCH_ROOT to a directory (and RAGLS_CACHE_DIR to keep its index between runs)")
	}
	cache := os.Getenv("RAGLS_CACHE_DIR")
	if cache == "" {
		cache = b.TempDir()
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		b.Fatal(err)
	}
	return real, cache
}

// benchServer starts the engine as "ragls mcp" does (watching, stored index) and connects a
// client; ready is closed when the first index is done.
func benchServer(b *testing.B, root, cache string) (cs *sdk.ClientSession, eng Engine, stop func()) {
	e, err := engine.New(engine.Options{CacheDir: cache, Watch: true, Getenv: func(k string) string {
		if k == "RAGLS_CONFIG" {
			return filepath.Join(b.TempDir(), "none.json")
		}
		return ""
	}})
	if err != nil {
		b.Fatal(err)
	}
	eng = EngineFor(e)
	if err := e.SetRoots(context.Background(), []string{root}); err != nil {
		b.Fatal(err)
	}
	st, ct := sdk.NewInMemoryTransports()
	ss, err := NewServer(eng, Options{}).Connect(context.Background(), st)
	if err != nil {
		b.Fatal(err)
	}
	cs, err = sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	return cs, eng, func() {
		cs.Close()
		ss.Close()
		e.Close()
	}
}

// BenchmarkTools measures each tool in a warm server.
func BenchmarkTools(b *testing.B) {
	root, cache := benchRoot(b)
	cs, eng, stop := benchServer(b, root, cache)
	defer stop()
	ctx := context.Background()
	if err := eng.WaitIndexed(ctx, root, nil); err != nil {
		b.Fatal(err)
	}
	// Real names and positions from the index.
	rng := rand.New(rand.NewPCG(5, 6))
	start := time.Now()
	var syms []indexer.RankedSymbol
	for s := range eng.Outline(root, nil) {
		syms = append(syms, s)
	}
	b.Logf("repository map of %d definitions computed in %v", len(syms), time.Since(start).Round(time.Millisecond))
	var names, phrases []string
	for len(names) < 200 {
		s := syms[rng.IntN(len(syms))]
		if len(s.Name) < 3 || strings.HasSuffix(s.Path, "_test.go") {
			continue
		}
		names = append(names, s.Name)
		if words := strings.Fields(s.Doc); len(words) >= 4 {
			phrases = append(phrases, strings.Join(words[1:4], " "))
		}
	}
	paths := eng.Paths(root)
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	slices.Sort(dirList)
	type pos struct {
		path string
		line int
	}
	var positions []pos
	for len(positions) < 200 {
		p := paths[rng.IntN(len(paths))]
		text, _ := eng.Indexed(root, p)
		if n := strings.Count(text, "\n"); n >= 20 && strings.HasSuffix(p, ".go") {
			positions = append(positions, pos{p, 1 + rng.IntN(n)})
		}
	}
	tools := []struct {
		name string
		args func(i int) map[string]any
	}{
		{"definition", func(i int) map[string]any { return map[string]any{"symbol": names[i%len(names)]} }},
		{"references", func(i int) map[string]any { return map[string]any{"symbol": names[i%len(names)]} }},
		{"search", func(i int) map[string]any {
			if i%2 == 0 || len(phrases) == 0 {
				return map[string]any{"query": names[i%len(names)]}
			}
			return map[string]any{"query": phrases[i%len(phrases)]}
		}},
		{"context", func(i int) map[string]any {
			p := positions[i%len(positions)]
			return map[string]any{"path": p.path, "line": p.line, "column": 200}
		}},
		{"outline-dir", func(i int) map[string]any { return map[string]any{"path": dirList[i%len(dirList)]} }},
		{"outline-root", func(int) map[string]any { return map[string]any{} }},
	}
	for _, tool := range tools {
		b.Run(tool.name, func(b *testing.B) {
			name, _, _ := strings.Cut(tool.name, "-")
			// One call untimed: the repository map is computed on first use.
			callBench(b, cs, name, tool.args(0))
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				callBench(b, cs, name, tool.args(i))
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkColdFirstCall measures what an agent waits for its first answer: a new server on
// the stored index (the engine checks the files on disk meanwhile), then "definition".
func BenchmarkColdFirstCall(b *testing.B) {
	root, cache := benchRoot(b)
	// Make sure a stored index exists, as after any earlier session.
	_, eng, stop := benchServer(b, root, cache)
	if err := eng.WaitIndexed(context.Background(), root, nil); err != nil {
		b.Fatal(err)
	}
	stop()
	lat := make([]time.Duration, 0, b.N)
	var partial int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		cs, _, stop := benchServer(b, root, cache)
		got := callBench(b, cs, "definition", map[string]any{"symbol": "NewReader"})
		lat = append(lat, time.Since(start))
		if strings.Contains(got, "still being indexed") {
			partial++
		}
		b.StopTimer()
		stop()
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, lat)
	b.ReportMetric(float64(partial)/float64(b.N), "partial/op")
}

func callBench(b *testing.B, cs *sdk.ClientSession, tool string, args map[string]any) string {
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		b.Fatal(err)
	}
	text := res.Content[0].(*sdk.TextContent).Text
	if res.IsError {
		b.Fatalf("%s(%v): %s", tool, args, text)
	}
	return text
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(0, "ns/op") // the percentiles say it better than a mean
}
