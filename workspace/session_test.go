package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, text := range files {
		abs := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func newTestSession(t *testing.T) (*Session, string) {
	t.Helper()
	cache := t.TempDir()
	s := NewSession(Config{CacheDir: cache})
	t.Cleanup(s.Close)
	return s, cache
}

func searchPaths(t *testing.T, r *Root, q string) []string {
	t.Helper()
	hits, err := r.Index.Search(context.Background(), q, 10)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, h.Path)
	}
	return out
}

func hasPath(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSyncIsIncrementalAndPersistent(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"a.go":         "package a\n\nfunc AlphaFunction() int { return 1 }\n",
		"b/b.go":       "package b\n\nfunc BetaFunction() int { return 2 }\n",
		".env":         "API_KEY=hunter2-very-secret\n",
		"keys/id_rsa":  "-----BEGIN OPENSSH PRIVATE KEY-----\nsecretbits\n",
		"blob.bin":     "ab\x00cd",
		".gitignore":   "build/\n",
		"build/out.go": "package build\n\nfunc IgnoredFunction() {}\n",
	})
	s, _ := newTestSession(t)
	r, err := s.AddRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sum, err := r.Sync(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 3 || sum.Files != 3 { // a.go, b/b.go, .gitignore
		t.Errorf("first sync: %+v, want 3 files indexed", sum)
	}
	if sum.Skipped[SkipSecret] != 2 || sum.Skipped[SkipBinary] != 1 || sum.Skipped[SkipIgnored] == 0 {
		t.Errorf("skipped = %v, want 2 secret, 1 binary, some ignored", sum.Skipped)
	}
	for _, q := range []string{"hunter2", "secretbits", "IgnoredFunction"} {
		for _, p := range searchPaths(t, r, q) {
			if p == ".env" || p == "keys/id_rsa" || p == "build/out.go" {
				t.Errorf("search %q found %s: secret or ignored content was indexed", q, p)
			}
		}
	}
	if got := r.Index.Paths(); len(got) != 3 {
		t.Errorf("indexed paths = %v, want a.go, b/b.go, .gitignore", got)
	}

	sum, err = r.Sync(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 0 || sum.Unchanged != 3 {
		t.Errorf("second sync: %+v, want nothing re-indexed", sum)
	}

	// A new session loads the stored index and sees the changes made meanwhile.
	writeFiles(t, root, map[string]string{"b/b.go": "package b\n\nfunc GammaFunction() int { return 3 }\n"})
	later := time.Now().Add(time.Second)
	os.Chtimes(filepath.Join(root, "b/b.go"), later, later)
	os.Remove(filepath.Join(root, "a.go"))
	s2 := NewSession(Config{CacheDir: s.cfg.CacheDir})
	defer s2.Close()
	r2, err := s2.AddRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Index.Stats().Files != 3 {
		t.Fatalf("stored index not loaded: %+v", r2.Index.Stats())
	}
	sum, err = r2.Sync(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 1 || sum.Removed != 1 || sum.Unchanged != 1 {
		t.Errorf("sync after edits: %+v, want 1 updated, 1 removed, 1 unchanged", sum)
	}
	if got := searchPaths(t, r2, "GammaFunction"); !hasPath(got, "b/b.go") {
		t.Errorf("changed file not re-indexed: %v", got)
	}
	if got := searchPaths(t, r2, "AlphaFunction"); hasPath(got, "a.go") {
		t.Errorf("deleted file still indexed: %v", got)
	}
}

func TestDamagedStoredIndexIsRebuilt(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.go": "package a\n\nfunc AlphaFunction() {}\n"})
	s, _ := newTestSession(t)
	r, _ := s.AddRoot(root)
	if _, err := r.Sync(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(r.IndexFile)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.WriteFile(r.IndexFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s2 := NewSession(Config{CacheDir: s.cfg.CacheDir})
	defer s2.Close()
	r2, err := s2.AddRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r2.LoadNote, "rebuilding") || r2.Index.Stats().Files != 0 {
		t.Fatalf("damaged index trusted: note %q, stats %+v", r2.LoadNote, r2.Index.Stats())
	}
	sum, err := r2.Sync(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Files != 1 || len(sum.Notes) == 0 {
		t.Errorf("rebuild summary %+v: want the file indexed and a note saying why", sum)
	}
}

func TestApplyChanges(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"pkg/a.go": "package pkg\n\nfunc AlphaFunction() {}\n",
		"pkg/b.go": "package pkg\n\nfunc BetaFunction() {}\n",
		"c.go":     "package main\n\nfunc CharlieFunction() {}\n",
	})
	s, _ := newTestSession(t)
	r, _ := s.AddRoot(root)
	ctx := context.Background()
	if _, err := r.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, map[string]string{"c.go": "package main\n\nfunc DeltaFunction() {}\n", ".env.local": "TOKEN=x"})
	n, err := r.Apply(ctx, []Change{{Path: "c.go", Op: Changed}, {Path: "c.go", Op: Changed}, {Path: ".env.local", Op: Changed}, {Path: "pkg", Op: Removed, Dir: true}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Apply changed %d files, want 3 (c.go once, pkg/a.go, pkg/b.go)", n)
	}
	if got := r.Index.Paths(); len(got) != 1 || got[0] != "c.go" {
		t.Errorf("paths after Apply = %v, want [c.go]", got)
	}
	if got := searchPaths(t, r, "DeltaFunction"); !hasPath(got, "c.go") {
		t.Errorf("changed file not re-indexed: %v", got)
	}
}

func TestWatchKeepsIndexFresh(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"a.go": "package a\n\nfunc AlphaFunction() {}\n"})
	s, _ := newTestSession(t)
	r, _ := s.AddRoot(root)
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := r.Sync(ctx, nil); err != nil {
		t.Fatal(err)
	}
	events := make(chan WatchEvent, 16)
	done := make(chan error, 1)
	go func() { done <- r.Watch(ctx, 20*time.Millisecond, time.Hour, nil, func(e WatchEvent) { events <- e }) }()

	// The watcher needs a moment to register its watches; keep writing until it reports.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	writeFiles(t, root, map[string]string{"sub/new.go": "package sub\n\nfunc EpsilonFunction() {}\n"})
wait:
	for {
		select {
		case e := <-events:
			if e.Err != nil {
				t.Fatal(e.Err)
			}
			if hasPath(searchPaths(t, r, "EpsilonFunction"), "sub/new.go") {
				break wait
			}
		case <-tick.C:
			writeFiles(t, root, map[string]string{"sub/new.go": "package sub\n\nfunc EpsilonFunction() { _ = 1 }\n"})
		case <-deadline:
			t.Fatal("a new file in a new directory never reached the index")
		}
	}
	cancel()
	if err := <-done; err != nil && err != context.Canceled {
		t.Errorf("Watch returned %v", err)
	}
	// Watch saves on the way out.
	s2 := NewSession(Config{CacheDir: s.cfg.CacheDir})
	defer s2.Close()
	r2, _ := s2.AddRoot(root)
	if !hasPath(r2.Index.Paths(), "sub/new.go") {
		t.Errorf("index not saved when the watch ended: %v", r2.Index.Paths())
	}
}

func TestRootOfPicksDeepestRoot(t *testing.T) {
	outer := t.TempDir()
	inner := filepath.Join(outer, "nested")
	writeFiles(t, outer, map[string]string{"x.go": "package x", "nested/y.go": "package y"})
	s := NewSession(Config{})
	defer s.Close()
	if _, err := s.AddRoot(outer); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRoot(inner); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, wantRoot, wantRel string
		ok                      bool
	}{
		{filepath.Join(outer, "x.go"), outer, "x.go", true},
		{filepath.Join(inner, "y.go"), inner, "y.go", true},
		{filepath.Join(t.TempDir(), "z.go"), "", "", false},
	}
	for _, tt := range tests {
		r, rel, ok := s.RootOf(tt.path)
		if ok != tt.ok || (ok && (r.Dir != mustReal(t, tt.wantRoot) || rel != tt.wantRel)) {
			t.Errorf("RootOf(%s) = %v %q %v", tt.path, r, rel, ok)
		}
	}
	if _, err := s.AddRoot(filepath.Join(outer, "x.go")); err == nil {
		t.Error("a file was accepted as a root")
	}
}

func mustReal(t *testing.T, p string) string {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
