package eval

import (
	"context"
	"os"
	"testing"

	"ragls/workspace"
)

// The measurement on real code. Each test indexes a whole tree (the Go tree takes 30 s or more
// on two cores), so they are left out of -short runs; RAGLS_CACHE_DIR keeps the indexes between
// runs, else they are built in a temporary directory.

// skipOrFail skips a test whose code to measure is missing, except in CI, where missing means
// the machine was not set up and the figures would silently go unmeasured.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func measure(t *testing.T, lang string, n int) *Report {
	t.Helper()
	if testing.Short() {
		t.Skipf("measuring %s context quality indexes a whole tree; run without -short", lang)
	}
	if raceEnabled {
		t.Skipf("measuring %s context quality indexes a whole tree, too slow under the race detector; run without -race", lang)
	}
	ctx := context.Background()
	root, err := DefaultRoot(ctx, lang, os.Getenv)
	if err != nil {
		skipOrFail(t, "no %s code to measure: %v", lang, err)
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		skipOrFail(t, "no %s code to measure at %s (run scripts/setup, or set %s, %s, %s, %s, %s, %s or %s)", lang, root, EnvGoRoot, EnvPython, EnvJS, EnvRust, EnvJava, EnvC, EnvCPP)
	}
	cache := os.Getenv("RAGLS_CACHE_DIR")
	if cache == "" {
		cache = t.TempDir()
	}
	s := workspace.NewSession(workspace.Config{CacheDir: cache})
	defer s.Close()
	r, err := s.AddRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(ctx, r.Index, lang, Options{N: n, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d sites in %d files (%d candidates): ragls typed %.3f untyped %.3f; jaccard typed %.3f untyped %.3f; ragls latency typed p50 %.1f ms p95 %.1f ms, untyped p50 %.1f ms p95 %.1f ms",
		root, rep.Sites, rep.SiteFiles, rep.Candidates, rep.Ragls.Typed, rep.Ragls.Untyped, rep.Jaccard.Typed, rep.Jaccard.Untyped,
		rep.Latency.TypedP50, rep.Latency.TypedP95, rep.Latency.UntypedP50, rep.Latency.UntypedP95)
	for _, m := range rep.Misses {
		t.Logf("miss (%s) %s %s, want %v, got %v", m.Condition, m.Site, m.Callee, m.Want, m.Got)
	}
	if rep.Sites < n/2 {
		t.Errorf("only %d sites found for %d asked: the site finder is broken", rep.Sites, n)
	}
	return rep
}

// check asserts the bar: the definition in the context at least typedFloor of the time
// with the call typed, and more often than the Jaccard baseline finds it with the call untyped.
func check(t *testing.T, rep *Report, typedFloor float64) {
	t.Helper()
	if rep.Ragls.Typed < typedFloor {
		t.Errorf("ragls found the definition at %.3f of typed calls, want at least %.2f", rep.Ragls.Typed, typedFloor)
	}
	if rep.Ragls.Untyped <= rep.Jaccard.Untyped {
		t.Errorf("with the call untyped ragls found %.3f, the Jaccard baseline %.3f: ragls must beat it", rep.Ragls.Untyped, rep.Jaccard.Untyped)
	}
}

func TestGoStdlibQuality(t *testing.T) {
	check(t, measure(t, "go", 200), 0.90)
}

// TestJSQuality measures the packages under RAGLS_EVAL_JS_DIR: lodash-es and date-fns, installed
// with npm, are the reference (small ES modules, many files, relative imports).
func TestJSQuality(t *testing.T) {
	check(t, measure(t, "js", 200), 0.90)
}

// pythonTypedFloor is below the 0.90 goal: ragls measured 0.84 on the Python 3.11 standard
// library, short of it because module-level files at the root of the tree never match their
// import or qualifier when candidate definitions are ranked (see the eval report). Raise it to
// 0.90 once that is fixed.
const pythonTypedFloor = 0.90

func TestPythonStdlibQuality(t *testing.T) {
	check(t, measure(t, "python", 200), pythonTypedFloor)
}
