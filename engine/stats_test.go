package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newStatsEngine(t *testing.T, cacheDir string, env map[string]string) *Engine {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if env["RAGLS_CONFIG"] == "" {
		env["RAGLS_CONFIG"] = filepath.Join(t.TempDir(), "none.json")
	}
	e, err := New(Options{CacheDir: cacheDir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Counts survive the process (Close flushes them) and add up across runs; a second
// acceptance of one completion, or of an id the engine never gave, counts nothing.
func TestStatsPersistAndMerge(t *testing.T) {
	dir := t.TempDir()
	e := newStatsEngine(t, dir, nil)
	a := e.CompletionShown("/r/a.go", 100*time.Millisecond)
	e.CompletionShown("/r/b.go", 300*time.Millisecond)
	e.CompletionShown("/r/c.py", 50*time.Millisecond)
	if !e.CompletionAccepted(a) {
		t.Error("the acceptance of a shown completion was refused")
	}
	if e.CompletionAccepted(a) || e.CompletionAccepted("nonsense") {
		t.Error("an acceptance counted twice, or of an unknown id, was taken")
	}
	if _, err := os.Stat(filepath.Join(dir, StatsFile)); err == nil {
		t.Error("statistics were written before any flush: a write per completion")
	}
	e.Close()

	e2 := newStatsEngine(t, dir, nil)
	defer e2.Close()
	b := e2.CompletionShown("/r/d.go", 200*time.Millisecond)
	if e2.CompletionAccepted(a) {
		t.Error("an id of the previous run was accepted")
	}
	e2.CompletionAccepted(b)
	if err := e2.FlushStats(); err != nil {
		t.Fatal(err)
	}
	if err := e2.FlushStats(); err != nil { // nothing new: must not count again
		t.Fatal(err)
	}
	st, err := LoadStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	g, py := st.Languages["go"], st.Languages["python"]
	if g.Shown != 3 || g.Accepted != 2 || py.Shown != 1 || py.Accepted != 0 {
		t.Fatalf("stored stats = %+v", st)
	}
	if got := g.AcceptanceRate(); got < 0.66 || got > 0.67 {
		t.Errorf("go acceptance rate = %v, want 2/3", got)
	}
	if p50, p95 := g.Latency(50), g.Latency(95); p50 != 200*time.Millisecond || p95 != 300*time.Millisecond {
		t.Errorf("go latency p50 %v p95 %v, want 200ms 300ms", p50, p95)
	}
	// No temporary file is left beside it.
	ents, _ := os.ReadDir(dir)
	for _, en := range ents {
		if en.Name() != StatsFile && en.Name() != StatsFile+".lock" {
			t.Errorf("left in the cache dir: %s", en.Name())
		}
	}
}

// A damaged statistics file is kept aside, not silently overwritten, and counting goes on.
func TestStatsDamagedFileKept(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, StatsFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newStatsEngine(t, dir, nil)
	defer e.Close()
	e.CompletionShown("/r/a.go", time.Millisecond)
	if err := e.FlushStats(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, StatsFile+".bad")); err != nil || string(b) != "{not json" {
		t.Errorf("damaged file not kept aside: %q, %v", b, err)
	}
	st, err := LoadStats(dir)
	if err != nil || st.Languages["go"].Shown != 1 {
		t.Errorf("after the damaged file: %+v, %v", st, err)
	}
}

// Completions in a language the settings disable return nothing without calling the model;
// other languages still ask it.
func TestDisabledLanguagesNeverCallModel(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	e := newStatsEngine(t, "", map[string]string{"RAGLS_MODEL_URL": srv.URL + "/v1"})
	defer e.Close()
	settings, _ := json.Marshal(map[string]any{"disabledLanguages": []string{"python", "md"}})
	if err := e.Configure(settings); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/r/a.py", "/r/README.md"} {
		text, err := e.Complete(context.Background(), Doc{Path: path, Version: 1, Text: "x = "}, 4)
		if text != "" || err != nil {
			t.Errorf("%s: completion %q, %v; want none", path, text, err)
		}
		if _, ok := e.CachedCompletion(Doc{Path: path, Text: "x = "}, 4); ok {
			t.Errorf("%s: cached completion in a disabled language", path)
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the model server was called %d times for disabled languages", n)
	}
	e.Complete(context.Background(), Doc{Path: "/r/a.go", Version: 1, Text: "x := "}, 5)
	if calls.Load() == 0 {
		t.Error("a Go completion did not reach the model server: the test proves nothing")
	}
}

// Two servers flushing into one cache directory at the same time both keep their counts.
func TestStatsConcurrentServersAddUp(t *testing.T) {
	dir := t.TempDir()
	engines := []*Engine{newStatsEngine(t, dir, nil), newStatsEngine(t, dir, nil)}
	const rounds = 20
	var wg sync.WaitGroup
	for _, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				e.CompletionShown("/r/a.go", time.Millisecond)
				if err := e.FlushStats(); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	for _, e := range engines {
		e.Close()
	}
	st, err := LoadStats(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Languages["go"].Shown; got != 2*rounds {
		t.Errorf("shown = %d after two servers counted %d each", got, rounds)
	}
}
