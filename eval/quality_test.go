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
	if lang == "ts" && os.Getenv(EnvTS) == "" {
		// The default, the current directory, is this package's: no TypeScript.
		skipOrFail(t, "no TypeScript code to measure: set %s (scripts/test points it at .ci/evaljs/ts)", EnvTS)
	}
	root, err := DefaultRoot(ctx, lang, os.Getenv)
	if err != nil {
		skipOrFail(t, "no %s code to measure: %v", lang, err)
	}
	if st, err := os.Stat(root); err != nil || !st.IsDir() {
		skipOrFail(t, "no %s code to measure at %s (run scripts/setup, or set %s, %s, %s, %s, %s, %s, %s or %s)", lang, root, EnvGoRoot, EnvPython, EnvJS, EnvTS, EnvRust, EnvJava, EnvC, EnvCPP)
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
	if rep.Sites < n/2 && lang != "cpp" {
		t.Errorf("only %d sites found for %d asked: the site finder is broken", rep.Sites, n)
	}
	return rep
}

// The bar: with the call typed the definition is in the context at least typedFloor of the time;
// with the call not yet typed (the buffer cut at the start of its line, the call hidden from the
// index) at least untypedFloor, and at least 3 times as often as sliding windows ranked by BM25.
const (
	typedFloor   = 0.97
	untypedFloor = 0.50
	bm25Factor   = 3
)

// check asserts the bar for one language; C++'s typed calls have a lower floor (see below).
func check(t *testing.T, rep *Report, typed, untyped float64) {
	t.Helper()
	t.Logf("call not typed: named above %d sites ragls %.3f bm25 %.3f jaccard %.3f; not named %d sites ragls %.3f bm25 %.3f jaccard %.3f; bm25 untyped %.3f",
		rep.Named.Sites, rep.Named.Ragls, rep.Named.BM25, rep.Named.Jaccard,
		rep.NotNamed.Sites, rep.NotNamed.Ragls, rep.NotNamed.BM25, rep.NotNamed.Jaccard, rep.BM25.Untyped)
	if rep.Ragls.Typed < typed {
		t.Errorf("ragls found the definition at %.3f of typed calls, want at least %.2f", rep.Ragls.Typed, typed)
	}
	if rep.Ragls.Untyped < untyped {
		t.Errorf("with the call not typed ragls found the definition at %.3f of sites, want at least %.2f", rep.Ragls.Untyped, untyped)
	}
	if rep.Ragls.Untyped < bm25Factor*rep.BM25.Untyped {
		t.Errorf("with the call not typed ragls found %.3f, the BM25-window baseline %.3f: want %d times as much", rep.Ragls.Untyped, rep.BM25.Untyped, bm25Factor)
	}
	if !rep.Hidden {
		t.Errorf("the calls measured were left in the index: the measurement flatters ragls")
	}
}

func TestGoStdlibQuality(t *testing.T) {
	check(t, measure(t, "go", 200), typedFloor, untypedFloor)
}

// TestJSQuality measures the packages under RAGLS_EVAL_JS_DIR: lodash-es and date-fns, installed
// with npm, are the reference (small ES modules, many files, relative imports).
func TestJSQuality(t *testing.T) {
	check(t, measure(t, "js", 200), typedFloor, untypedFloor)
}

// TestTSQuality measures the TypeScript sources that rxjs, zod and @tanstack/query-core ship,
// installed with npm under .ci/evaljs/ts, whose .raglsignore leaves out their compiled
// JavaScript and declaration files as the packages' repositories do.
func TestTSQuality(t *testing.T) {
	check(t, measure(t, "ts", 200), typedFloor, untypedFloor)
}

func TestPythonStdlibQuality(t *testing.T) {
	check(t, measure(t, "python", 200), typedFloor, untypedFloor)
}

// TestRustQuality measures the crate sources of Debian's librust-*-dev packages (regex, syn,
// serde_json and their dependencies).
func TestRustQuality(t *testing.T) {
	check(t, measure(t, "rust", 200), typedFloor, untypedFloor)
}

// TestJavaQuality measures java.base's java.* packages from Debian's openjdk-17-source.
func TestJavaQuality(t *testing.T) {
	check(t, measure(t, "java", 200), typedFloor, untypedFloor)
}

// TestCQuality measures gnulib's lib/ (Debian's gnulib), held to the common bar.
func TestCQuality(t *testing.T) {
	check(t, measure(t, "c", 200), typedFloor, untypedFloor)
}

// TestCPPQuality measures googletest (Debian's libgtest-dev), with a lower floor for typed calls:
// ragls finds 0.93 of them, its misses mostly virtual members called through a pointer to their
// interface (table_->IsPrime) and constructors (Message(...)), and the tree is small enough that
// a handful of sites moves the rate.
func TestCPPQuality(t *testing.T) {
	check(t, measure(t, "cpp", 200), 0.85, untypedFloor)
}
