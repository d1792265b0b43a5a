package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
)

// waitLimit bounds every wait for the watcher; it is a deadline against hangs, not a timing
// assertion: tests finish as soon as the expected change arrives.
const waitLimit = 10 * time.Second

// startWatcher runs a Watcher on root until the test ends, and returns its batches.
func startWatcher(t *testing.T, root string, opt Options, debounce time.Duration) (*Watcher, <-chan Batch) {
	t.Helper()
	w, err := NewWatcher(root, opt, debounce)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	batches := make(chan Batch, 64)
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(b Batch) {
			select {
			case batches <- b:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-w.Ready():
	case <-time.After(waitLimit):
		t.Fatal("watcher not ready")
	}
	return w, batches
}

// history is what a test has received so far.
type history struct {
	batches []Batch
	last    map[string]Change // the latest change per path, across batches
}

func (h *history) seen(path string, op Op) bool {
	c, ok := h.last[path]
	return ok && c.Op == op
}

func (h *history) mentions(path string) bool {
	for _, b := range h.batches {
		for _, c := range b.Changes {
			if c.Path == path {
				return true
			}
		}
	}
	return false
}

// collect receives batches until done says the history is complete.
func collect(t *testing.T, h *history, batches <-chan Batch, done func(*history) bool) {
	t.Helper()
	if h.last == nil {
		h.last = make(map[string]Change)
	}
	deadline := time.After(waitLimit)
	for !done(h) {
		select {
		case b := <-batches:
			h.batches = append(h.batches, b)
			for _, c := range b.Changes {
				h.last[c.Path] = c
			}
		case <-deadline:
			t.Fatalf("gave up waiting; received %+v", h.batches)
		}
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWatchNewFile(t *testing.T) {
	root := t.TempDir()
	_, batches := startWatcher(t, root, Options{}, 50*time.Millisecond)
	mustWrite(t, filepath.Join(root, "a.go"), "package a")
	var h history
	collect(t, &h, batches, func(h *history) bool { return h.seen("a.go", Changed) })
	if b := h.batches[0]; b.Root != root || b.Rescan {
		t.Errorf("batch = %+v, want Root %s and no rescan", b, root)
	}
}

func TestWatchNewNestedDir(t *testing.T) {
	root := t.TempDir()
	_, batches := startWatcher(t, root, Options{}, 50*time.Millisecond)
	// Created in one go: the files exist before the watcher can add watches for a/b/c, so only
	// its walk of the new directory can find them.
	mustWrite(t, filepath.Join(root, "a", "b", "c", "x.go"), "package c")
	mustWrite(t, filepath.Join(root, "a", "y.go"), "package a")
	var h history
	collect(t, &h, batches, func(h *history) bool {
		return h.seen("a/b/c/x.go", Changed) && h.seen("a/y.go", Changed)
	})
	// The new directories are watched now.
	mustWrite(t, filepath.Join(root, "a", "b", "c", "later.go"), "package c")
	collect(t, &h, batches, func(h *history) bool { return h.seen("a/b/c/later.go", Changed) })
	for _, b := range h.batches {
		for _, c := range b.Changes {
			if c.Path == "a" || c.Path == "a/b" || c.Path == "a/b/c" {
				t.Errorf("a directory was reported as a change: %+v", c)
			}
		}
	}
}

func TestWatchAtomicSave(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "main.go")
	mustWrite(t, target, "package main // v1")
	_, batches := startWatcher(t, root, Options{}, 200*time.Millisecond)
	tmp := filepath.Join(root, ".main.go.tmp123")
	mustWrite(t, tmp, "package main // v2")
	if err := os.Rename(tmp, target); err != nil {
		t.Fatal(err)
	}
	var h history
	collect(t, &h, batches, func(h *history) bool { return h.seen("main.go", Changed) })
	if h.mentions(".main.go.tmp123") {
		t.Errorf("the temporary file was reported: %+v", h.batches)
	}
	if got := h.batches[len(h.batches)-1].Changes; !slices.Equal(got, []Change{{Path: "main.go", Op: Changed}}) {
		t.Errorf("save reported as %+v, want one Changed for main.go", got)
	}
}

func TestWatchDeleteAndRename(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"gone.go": "x", "old.go": "y", "dir/moved.go": "z"})
	_, batches := startWatcher(t, root, Options{}, 50*time.Millisecond)
	if err := os.Remove(filepath.Join(root, "gone.go")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "old.go"), filepath.Join(root, "new.go")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "dir", "moved.go"), filepath.Join(root, "moved.go")); err != nil {
		t.Fatal(err)
	}
	var h history
	collect(t, &h, batches, func(h *history) bool {
		return h.seen("gone.go", Removed) && h.seen("old.go", Removed) && h.seen("new.go", Changed) &&
			h.seen("dir/moved.go", Removed) && h.seen("moved.go", Changed)
	})
	for p, c := range h.last {
		if c.Dir {
			t.Errorf("%s reported as a directory: %+v", p, c)
		}
	}
}

func TestWatchDirRemovalAndMove(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"d/e/f.go": "x", "d/g.go": "y", "m/n/o.go": "z", "keep.go": "k"})
	w, batches := startWatcher(t, root, Options{}, 50*time.Millisecond)
	if err := os.RemoveAll(filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, "m"), filepath.Join(root, "m2")); err != nil {
		t.Fatal(err)
	}
	var h history
	collect(t, &h, batches, func(h *history) bool {
		d, m := h.last["d"], h.last["m"]
		return d.Op == Removed && d.Dir && m.Op == Removed && m.Dir && h.seen("m2/n/o.go", Changed)
	})
	for _, p := range w.fsw.WatchList() {
		if rel, _ := filepath.Rel(root, p); rel == "d" || strings.HasPrefix(rel, "d/") || rel == "m" || strings.HasPrefix(rel, "m/") {
			t.Errorf("still watching %s after its removal", p)
		}
	}
	// The moved directory is watched under its new name.
	mustWrite(t, filepath.Join(root, "m2", "n", "p.go"), "new")
	collect(t, &h, batches, func(h *history) bool { return h.seen("m2/n/p.go", Changed) })
	if h.mentions("m/n/p.go") {
		t.Error("an event was reported under the directory's old name")
	}
}

func TestWatchDebounceMerges(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "log.txt")
	mustWrite(t, p, "")
	_, batches := startWatcher(t, root, Options{}, 100*time.Millisecond)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const writes = 50
	for i := range writes {
		fmt.Fprintf(f, "line %d\n", i)
	}
	f.Close()
	mustWrite(t, filepath.Join(root, "sentinel.txt"), "after the writes")
	var h history
	collect(t, &h, batches, func(h *history) bool { return h.seen("sentinel.txt", Changed) })
	n := 0
	for _, b := range h.batches {
		for _, c := range b.Changes {
			if c.Path == "log.txt" {
				n++
			}
		}
	}
	if n == 0 || n >= writes {
		t.Errorf("%d writes reported %d times, want them merged", writes, n)
	}
}

func TestWatchFiltersSkippedPaths(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeTree(t, root, map[string]string{".gitignore": "*.log\nbuild/\n"})
	_, batches := startWatcher(t, root, Options{ExtraSecrets: []string{"*.token"}}, 50*time.Millisecond)
	mustWrite(t, filepath.Join(root, "debug.log"), "ignored")
	mustWrite(t, filepath.Join(root, "build", "out", "x.go"), "ignored dir")
	mustWrite(t, filepath.Join(root, ".env"), "secret")
	mustWrite(t, filepath.Join(root, "api.token"), "user secret")
	mustWrite(t, filepath.Join(root, ".git", "HEAD"), "ref: x")
	symlink(t, outside, filepath.Join(root, "out_link"))
	mustWrite(t, filepath.Join(root, "ok.go"), "package ok")
	var h history
	collect(t, &h, batches, func(h *history) bool { return h.seen("ok.go", Changed) })
	for _, p := range []string{"debug.log", "build", "build/out", "build/out/x.go", ".env", "api.token", ".git", ".git/HEAD", "out_link"} {
		if h.mentions(p) {
			t.Errorf("%s was reported: %+v", p, h.batches)
		}
	}
}

func TestWatchIgnoreFileChange(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"gen/a.go": "x", ".gitignore": "*.log\n"})
	_, batches := startWatcher(t, root, Options{}, 50*time.Millisecond)
	mustWrite(t, filepath.Join(root, ".gitignore"), "*.log\ngen/\n")
	var h history
	collect(t, &h, batches, func(h *history) bool {
		return slices.ContainsFunc(h.batches, func(b Batch) bool { return b.Rescan })
	})
	mustWrite(t, filepath.Join(root, "gen", "b.go"), "now ignored")
	mustWrite(t, filepath.Join(root, "ok.go"), "sentinel")
	collect(t, &h, batches, func(h *history) bool { return h.seen("ok.go", Changed) })
	if h.mentions("gen/b.go") {
		t.Errorf("a file in a newly ignored directory was reported: %+v", h.batches)
	}
}

func TestWatchMultiRoot(t *testing.T) {
	root1, root2 := t.TempDir(), t.TempDir()
	_, b1 := startWatcher(t, root1, Options{}, 50*time.Millisecond)
	_, b2 := startWatcher(t, root2, Options{}, 50*time.Millisecond)
	mustWrite(t, filepath.Join(root1, "one.go"), "1")
	mustWrite(t, filepath.Join(root2, "two.go"), "2")
	var h1, h2 history
	collect(t, &h1, b1, func(h *history) bool { return h.seen("one.go", Changed) })
	collect(t, &h2, b2, func(h *history) bool { return h.seen("two.go", Changed) })
	for _, tt := range []struct {
		h     *history
		root  string
		other string
	}{{&h1, root1, "two.go"}, {&h2, root2, "one.go"}} {
		for _, b := range tt.h.batches {
			if b.Root != tt.root {
				t.Errorf("batch for %s has Root %s", tt.root, b.Root)
			}
		}
		if tt.h.mentions(tt.other) {
			t.Errorf("watcher of %s reported %s", tt.root, tt.other)
		}
	}
}

func TestWatchStopsCleanly(t *testing.T) {
	before := runtime.NumGoroutine()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a/b/c.go": "x"})
	w, err := NewWatcher(root, Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if w.debounce != DefaultDebounce {
		t.Errorf("debounce 0 gave %v, want %v", w.debounce, DefaultDebounce)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(Batch) {}) }()
	<-w.Ready()
	if err := w.Run(ctx, func(Batch) {}); err == nil {
		t.Error("a second Run succeeded")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after cancel")
	}
	if got := w.fsw.WatchList(); len(got) != 0 {
		t.Errorf("watches left after Run: %q", got)
	}
	deadline := time.Now().Add(waitLimit)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestNewWatcherBadRoot(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := NewWatcher(missing, Options{}, 0); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("NewWatcher(missing) = %v, want an error naming it", err)
	}
}

// The tests below drive the event handlers directly with the events fsnotify would deliver,
// which makes the batching rules exact instead of dependent on timing.

func newTestWatcher(t *testing.T, root string) *Watcher {
	t.Helper()
	w, err := NewWatcher(root, Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.resync(context.Background()) // as Run does, minus fsnotify
	return w
}

func ev(root, rel string, op fsnotify.Op) fsnotify.Event {
	return fsnotify.Event{Name: filepath.Join(root, filepath.FromSlash(rel)), Op: op}
}

func TestWatchBatching(t *testing.T) {
	ctx := context.Background()
	type step struct {
		disk  func(root string) // what happens on disk before the event
		event string
		op    fsnotify.Op
	}
	write := func(rel string) func(string) {
		return func(root string) { writeTree(t, root, map[string]string{rel: "x"}) }
	}
	remove := func(rel string) func(string) {
		return func(root string) { os.RemoveAll(filepath.Join(root, rel)) }
	}
	rename := func(from, to string) func(string) {
		return func(root string) { os.Rename(filepath.Join(root, from), filepath.Join(root, to)) }
	}
	tests := []struct {
		name    string
		initial map[string]string
		steps   []step
		want    []Change
	}{
		{
			name:    "atomic save",
			initial: map[string]string{"main.go": "v1"},
			steps: []step{
				{write(".main.go.swx"), ".main.go.swx", fsnotify.Create},
				{nil, ".main.go.swx", fsnotify.Write},
				{rename(".main.go.swx", "main.go"), ".main.go.swx", fsnotify.Rename},
				{nil, "main.go", fsnotify.Create},
			},
			want: []Change{{Path: "main.go", Op: Changed}},
		},
		{
			name:    "backup-rename save",
			initial: map[string]string{"main.go": "v1"},
			steps: []step{
				{rename("main.go", "main.go~"), "main.go", fsnotify.Rename},
				{nil, "main.go~", fsnotify.Create},
				{write("main.go"), "main.go", fsnotify.Create},
				{nil, "main.go", fsnotify.Write},
				{remove("main.go~"), "main.go~", fsnotify.Remove},
			},
			want: []Change{{Path: "main.go", Op: Changed}},
		},
		{
			name:    "many writes",
			initial: map[string]string{"a.txt": ""},
			steps:   slices.Repeat([]step{{write("a.txt"), "a.txt", fsnotify.Write}}, 30),
			want:    []Change{{Path: "a.txt", Op: Changed}},
		},
		{
			name:  "created and deleted",
			steps: []step{{write("t.go"), "t.go", fsnotify.Create}, {remove("t.go"), "t.go", fsnotify.Remove}},
			want:  nil,
		},
		{
			name:    "deleted and recreated",
			initial: map[string]string{"a.go": "v1"},
			steps:   []step{{remove("a.go"), "a.go", fsnotify.Remove}, {write("a.go"), "a.go", fsnotify.Create}},
			want:    []Change{{Path: "a.go", Op: Changed}},
		},
		{
			name:    "directory removed, with the echo of its own watch",
			initial: map[string]string{"d/e/f.go": "x", "d/g.go": "y"},
			steps: []step{
				{remove("d"), "d/e/f.go", fsnotify.Remove},
				{nil, "d/g.go", fsnotify.Remove},
				{nil, "d/e", fsnotify.Remove},
				{nil, "d", fsnotify.Remove},
				{nil, "d", fsnotify.Rename},
			},
			want: []Change{{Path: "d", Op: Removed, Dir: true}},
		},
		{
			name:    "directory replaced by a file",
			initial: map[string]string{"d/f.go": "x"},
			steps:   []step{{remove("d"), "d", fsnotify.Remove}, {write("d"), "d", fsnotify.Create}},
			want:    []Change{{Path: "d", Op: Removed, Dir: true}, {Path: "d", Op: Changed}},
		},
		{
			name:    "directory replaced by one with other ignore rules",
			initial: map[string]string{"n/.gitignore": "*.txt\n", "n/old.md": "x"},
			steps: []step{
				{remove("n"), "n", fsnotify.Remove},
				{func(root string) {
					writeTree(t, root, map[string]string{"n/.gitignore": "*.md\n", "n/a.txt": "x", "n/b.md": "y"})
				}, "n", fsnotify.Create},
			},
			want: []Change{{Path: "n", Op: Removed, Dir: true}, {Path: "n/.gitignore", Op: Changed}, {Path: "n/a.txt", Op: Changed}},
		},
		{
			name:  "directory created with contents",
			steps: []step{{write("n/m/x.go"), "n", fsnotify.Create}, {nil, "n/m", fsnotify.Create}, {nil, "n/m/x.go", fsnotify.Create}},
			want:  []Change{{Path: "n/m/x.go", Op: Changed}},
		},
		{
			name:  "ignored and secret",
			steps: []step{{write(".env"), ".env", fsnotify.Create}, {write(".git/index"), ".git/index", fsnotify.Write}},
			want:  nil,
		},
		{
			name:    "file replaced by a fifo",
			initial: map[string]string{"p": "x"},
			steps: []step{{func(root string) {
				os.Remove(filepath.Join(root, "p"))
				if err := mkfifo(filepath.Join(root, "p")); err != nil {
					t.Fatal(err)
				}
			}, "p", fsnotify.Create}},
			want: []Change{{Path: "p", Op: Removed}},
		},
		{
			name:  "chmod only",
			steps: []step{{write("c.go"), "c.go", fsnotify.Chmod}},
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.initial)
			w := newTestWatcher(t, root)
			for _, s := range tt.steps {
				if s.disk != nil {
					s.disk(root)
				}
				w.handleEvent(ctx, ev(root, s.event, s.op))
			}
			b, ok := w.flush(ctx)
			if ok != (tt.want != nil) || !slices.Equal(b.Changes, tt.want) {
				t.Errorf("batch %+v (ok %v), want changes %+v", b, ok, tt.want)
			}
			if b.Rescan {
				t.Errorf("unexpected rescan")
			}
		})
	}
}

// TestWatchOverflow injects fsnotify's overflow error: the batch must ask for a rescan, and the
// watcher must pick up directories whose creation it never heard of.
func TestWatchOverflow(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.go": "x"})
	w := newTestWatcher(t, root)
	w.handleEvent(ctx, ev(root, "a.go", fsnotify.Write))
	writeTree(t, root, map[string]string{"unseen/sub/b.go": "y"})
	w.handleError(fmt.Errorf("reading events: %w", fsnotify.ErrEventOverflow))
	b, ok := w.flush(ctx)
	if !ok || !b.Rescan || len(b.Errors) != 0 {
		t.Fatalf("after overflow: %+v, %v; want a rescan batch", b, ok)
	}
	for _, dir := range []string{"unseen", "unseen/sub"} {
		if _, ok := w.watched[dir]; !ok {
			t.Errorf("%s not watched after the rescan", dir)
		}
	}
	if b, ok := w.flush(ctx); ok {
		t.Errorf("a second flush reported %+v", b)
	}
	// Any other error is passed on without a rescan.
	w.handleError(os.ErrPermission)
	if b, ok := w.flush(ctx); !ok || b.Rescan || len(b.Errors) != 1 {
		t.Errorf("after another error: %+v, %v; want it reported alone", b, ok)
	}
}

func TestWatchIgnoreFileReload(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"gen/a.go": "x", "src/b.go": "y"})
	w := newTestWatcher(t, root)
	if _, ok := w.watched["gen"]; !ok {
		t.Fatal("gen not watched at start")
	}
	writeTree(t, root, map[string]string{".raglsignore": "gen/\n"})
	w.handleEvent(ctx, ev(root, ".raglsignore", fsnotify.Create))
	b, ok := w.flush(ctx)
	if !ok || !b.Rescan {
		t.Fatalf("after .raglsignore appeared: %+v, %v; want a rescan", b, ok)
	}
	if _, ok := w.watched["gen"]; ok {
		t.Error("gen still watched after it became ignored")
	}
	if _, ok := w.watched["src"]; !ok {
		t.Error("src no longer watched")
	}

	// The repository's info/exclude is an ignore source too.
	writeTree(t, root, map[string]string{".git/info/exclude": "src/\n"})
	w.handleEvent(ctx, ev(root, ".git/info/exclude", fsnotify.Write))
	if b, ok := w.flush(ctx); !ok || !b.Rescan || len(b.Changes) != 0 {
		t.Fatalf("after info/exclude changed: %+v, %v; want a rescan and no changes", b, ok)
	}
	if _, ok := w.watched["src"]; ok {
		t.Error("src still watched after info/exclude ignored it")
	}
}
