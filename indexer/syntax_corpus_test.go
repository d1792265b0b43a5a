package indexer

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseInvariantsCorpus checks the chunk invariants on real files of every language, taken
// from RAGLS_SYNTAX_CORPUS (default: the Go module cache, which holds the grammars' own sources
// and those of many other projects), at most perLang files per extension.
func TestParseInvariantsCorpus(t *testing.T) {
	root := os.Getenv("RAGLS_SYNTAX_CORPUS")
	if root == "" {
		// Where the go command keeps modules, wherever GOPATH or GOMODCACHE put it.
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			root = strings.TrimSpace(string(out))
		}
	}
	const perLang = 25
	want := map[string]int{".py": 0, ".js": 0, ".ts": 0, ".tsx": 0, ".rs": 0, ".java": 0, ".c": 0, ".h": 0, ".cc": 0, ".cpp": 0, ".hpp": 0}
	var paths []string
	done := errors.New("done")
	seen := 0
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if seen++; seen > 300000 {
			return done
		}
		if d.IsDir() {
			return nil
		}
		ext := filepath.Ext(p)
		if n, ok := want[ext]; ok && n < perLang {
			if info, err := d.Info(); err == nil && info.Size() < 1<<20 {
				want[ext]++
				paths = append(paths, p)
			}
		}
		return nil
	})
	if len(paths) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no source files under %q (set RAGLS_SYNTAX_CORPUS)", root)
		}
		t.Skipf("no source files under %q (set RAGLS_SYNTAX_CORPUS)", root)
	}
	t.Logf("files per extension: %v", want)
	s := NewSyntax()
	defer s.Close()
	defs := map[string]int{}
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		got := s.Parse(p, src)
		checkChunks(t, p, src, got)
		defs[got.Lang] += len(got.Defs)
	}
	t.Logf("definitions per language: %v", defs)
	for lang, n := range defs {
		if n == 0 && lang != "text" {
			t.Errorf("no definitions at all in the %s files", lang)
		}
	}
}
