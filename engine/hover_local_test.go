package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHoverOnLocalVariableShowsNoForeignDefinition: a local variable named like a definition
// of another package (Go) or another module (Python) does not show that definition.
func TestHoverOnLocalVariableShowsNoForeignDefinition(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"stats/count.go": "package stats\n\n// total sums the values.\nfunc total(v []int) int { return len(v) }\n",
		"app/main.go":    "package main\n\nfunc main() {\n\ttotal := 3\n\tprintln(total)\n}\n",
		"app/sum.go":     "package main\n\n// twice doubles.\nfunc twice(x int) int { return 2 * x }\n",
		"lib/rows.py":    "def rows():\n    return []\n",
		"tool/run.py":    "def main(data):\n    rows = data.split()\n    print(rows)\n",
	}
	for p, text := range files {
		abs := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"RAGLS_CONFIG": filepath.Join(root, "no-config.json")}
	e, err := New(Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, _, err := e.AddRoot(context.Background(), root, nil); err != nil {
		t.Fatal(err)
	}
	hover := func(rel, text, at string) string {
		off := strings.LastIndex(text, at) + 1
		h, err := e.Hover(context.Background(), Doc{Path: filepath.Join(root, rel), Version: 1, Text: text}, off)
		if err != nil {
			t.Fatal(err)
		}
		return h.Markdown
	}
	if md := hover("app/main.go", files["app/main.go"], "total)"); strings.Contains(md, "stats/count.go") {
		t.Errorf("hover on a Go local shows another package's definition:\n%s", md)
	}
	if md := hover("tool/run.py", files["tool/run.py"], "rows)"); strings.Contains(md, "lib/rows.py") {
		t.Errorf("hover on a Python local shows another module's definition:\n%s", md)
	}
	// A definition of the same package is still found.
	withCall := "package main\n\nfunc main() {\n\tprintln(twice(2))\n}\n"
	if md := hover("app/main.go", withCall, "twice(2"); !strings.Contains(md, "app/sum.go") {
		t.Errorf("hover on a same-package function lost its definition:\n%s", md)
	}
}
