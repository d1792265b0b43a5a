package indexer

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOffset(t *testing.T) {
	text := "ab\ncdé\n\nxyz"
	tests := []struct{ line, col, want int }{
		{1, 1, 0}, {1, 3, 2}, {1, 99, 2}, {2, 1, 3}, {2, 4, 6}, {2, 5, 7}, {3, 1, 8}, {4, 2, 10}, {9, 1, len(text)}, {0, 0, 0},
	}
	for _, tt := range tests {
		if got := Offset(text, tt.line, tt.col); got != tt.want {
			t.Errorf("Offset(%d:%d) = %d, want %d", tt.line, tt.col, got, tt.want)
		}
	}
}

func TestLastLines(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"a\nb\nc", 1, "c"}, {"a\nb\nc", 2, "b\nc"}, {"a\nb\nc", 5, "a\nb\nc"}, {"a\nb\n", 1, ""}, {"a\nb\n", 2, "b\n"}, {"", 3, ""},
	}
	for _, tt := range tests {
		if got := lastLines(tt.s, tt.n); got != tt.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func contextAt(t *testing.T, x *Index, path, content, marker string, budget int) ContextResult {
	t.Helper()
	off := strings.LastIndex(content, marker)
	if off < 0 {
		t.Fatalf("marker %q not in content", marker)
	}
	res, err := x.Context(context.Background(), ContextRequest{Path: path, Content: content, HasContent: true, Offset: off + len(marker), Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func findItem(res ContextResult, path, symbol string) (Hit, bool) {
	for _, h := range res.Items {
		if h.Path == path && h.Symbol == symbol {
			return h, true
		}
	}
	return Hit{}, false
}

func TestContextHasCalleeDefinition(t *testing.T) {
	x := newTestIndex(t, nil)
	tests := []struct {
		name, path, content, marker string
	}{
		{"indexed file, cursor after the call", "billing/invoice.go", testFiles["billing/invoice.go"], "ComputeTotal("},
		{"unsaved new file", "billing/draft.go", "package billing\n\nfunc Draft(items []Item) int {\n\treturn ComputeTotal(", "ComputeTotal("},
		{"edited buffer of an indexed file", "billing/invoice.go", strings.Replace(testFiles["billing/invoice.go"], "total := ComputeTotal(items, 0.1)", "t2 := ComputeTotal(", 1), "ComputeTotal("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := contextAt(t, x, tt.path, tt.content, tt.marker, 512)
			h, ok := findItem(res, "billing/total.go", "ComputeTotal")
			if !ok {
				t.Fatalf("definition of ComputeTotal missing from context: %v", hitPaths(res.Items))
			}
			if h.Source != "definition" || !strings.Contains(h.Text, "func ComputeTotal(items []Item, rate float64) int") {
				t.Errorf("item = %+v, want the definition's text from source definition", h)
			}
			if res.Items[0].Path != "billing/total.go" {
				t.Errorf("first item is %s, want the callee's file", res.Items[0].Path)
			}
		})
	}
}

func TestContextBudgetAndNoOverlap(t *testing.T) {
	x := newTestIndex(t, nil)
	content := testFiles["billing/invoice.go"]
	for _, budget := range []int{40, 100, 1000} {
		res := contextAt(t, x, "billing/invoice.go", content, "ComputeTotal(", budget)
		sum := 0
		for i, h := range res.Items {
			sum += approxTokens{}.Count(h.Text)
			for _, o := range res.Items[:i] {
				if o.Path == h.Path && h.StartLine <= o.EndLine && o.StartLine <= h.EndLine {
					t.Errorf("budget %d: items overlap: %s:%d-%d and %d-%d", budget, h.Path, h.StartLine, h.EndLine, o.StartLine, o.EndLine)
				}
			}
			if h.Path == "billing/invoice.go" {
				t.Errorf("budget %d: the current file's own text near the cursor was returned: %+v", budget, h)
			}
		}
		if sum != res.Tokens || res.Tokens > budget {
			t.Errorf("budget %d: tokens = %d (items sum %d), must match and fit", budget, res.Tokens, sum)
		}
	}
}

func TestContextUsesFreshBufferDefinitions(t *testing.T) {
	x := newTestIndex(t, nil)
	// A helper defined far above the cursor in the unsaved buffer, not on disk.
	var b strings.Builder
	b.WriteString("package billing\n\nfunc freshHelperFromBuffer(n int) int {\n\treturn n * 3\n}\n")
	for i := range 80 {
		b.WriteString("// filler line ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString("\n")
	}
	b.WriteString("func Use() int {\n\treturn freshHelperFromBuffer(")
	res := contextAt(t, x, "billing/invoice.go", b.String(), "freshHelperFromBuffer(", 400)
	h, ok := findItem(res, "billing/invoice.go", "freshHelperFromBuffer")
	if !ok || !strings.Contains(h.Text, "return n * 3") {
		t.Fatalf("definition from the unsaved buffer missing: %v", hitPaths(res.Items))
	}
}

func TestContextSlowSourceDoesNotHoldOthersUp(t *testing.T) {
	x := newTestIndex(t, fakeEmbedder{dims: 26})
	// Replace the embedder with a slow one after indexing: queries now wait on it.
	x.embedder = fakeEmbedder{dims: 26, delay: 10 * time.Second}
	content := testFiles["billing/invoice.go"]
	off := strings.Index(content, "ComputeTotal(") + len("ComputeTotal(")
	done := make(chan ContextResult, 1)
	go func() {
		res, err := x.Context(context.Background(), ContextRequest{Path: "billing/invoice.go", Content: content, HasContent: true, Offset: off, SourceTimeout: 50 * time.Millisecond})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case res := <-done:
		if _, ok := findItem(res, "billing/total.go", "ComputeTotal"); !ok {
			t.Errorf("definition missing when the semantic source is slow: %v", hitPaths(res.Items))
		}
		for _, h := range res.Items {
			if h.Source == "semantic" {
				t.Errorf("a late source's result was used: %+v", h)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("context assembly waited for the slow embedder")
	}
}

func TestContextCancelled(t *testing.T) {
	x := newTestIndex(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Context(ctx, ContextRequest{Path: "billing/invoice.go", Offset: 10}); err == nil {
		t.Error("Context with a cancelled ctx returned no error")
	}
}

func TestIsTestPath(t *testing.T) {
	for p, want := range map[string]bool{
		"a/b_test.go": true, "a/b.go": false, "pkg/test_x.py": true, "pkg/x_test.py": true, "pkg/x.py": false,
		"src/a.test.ts": true, "src/__tests__/a.js": true, "src/a.js": false,
		"src/main/java/FooTest.java": true, "src/main/java/FooTests.java": true, "x/TestFoo.java": true,
		"src/test/java/Helper.java": true, "x/Testament.java": false, "x/Foo.java": false,
		"tests/it.rs": true, "src/lib.rs": false, "lib/x_unittest.cc": true, "lib/x.cc": false,
		"a/testdata/b.go": true,
	} {
		if got := isTestPath(p); got != want {
			t.Errorf("isTestPath(%q) = %v, want %v", p, got, want)
		}
	}
}

// A loaded index keeps its symbol table through the first change: the first upsert turns the
// loaded form into a map, which once emptied it, and every definition was lost until a rebuild.
func TestLoadedIndexKeepsDefinitionsAfterUpsert(t *testing.T) {
	x := newTestIndex(t, nil)
	file := filepath.Join(t.TempDir(), "test.idx")
	if err := x.Save(file); err != nil {
		t.Fatal(err)
	}
	y, err := Load(file, x.syntax, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := y.Upsert(context.Background(), "notes/other.go", []byte("package notes\n\nfunc Other() {}\n"), FileState{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ComputeTotal", "RenderInvoice", "Other"} {
		if defs := y.Definitions(name, "x.go", ""); len(defs) == 0 {
			t.Errorf("Definitions(%q) after an upsert on a loaded index: none", name)
		}
	}
}

func TestLanguageTable(t *testing.T) {
	for p, want := range map[string][3]string{ // ID, fence, comment
		"a/b.go": {"go", "go", "//"}, "x.py": {"python", "python", "#"}, "BUILD.bazel": {"python", "python", "#"},
		"s.tsx": {"tsx", "tsx", "//"}, "lib.rs": {"rust", "rust", "//"}, "A.java": {"java", "java", "//"},
		"x.h": {"c", "c", "//"}, "x.hpp": {"cpp", "cpp", "//"}, "README": {"text", "", "#"},
	} {
		l := LanguageOf(p)
		if got := [3]string{l.ID, l.Fence, l.Comment}; got != want {
			t.Errorf("LanguageOf(%q) = %v, want %v", p, got, want)
		}
	}
	if got := implicitImports("java"); len(got) != 1 || got[0] != "java/lang" {
		t.Errorf("Java's implicit imports = %v", got)
	}
}
