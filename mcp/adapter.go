package mcp

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"ragls/engine"
	"ragls/indexer"
	"ragls/workspace"
)

// EngineFor adapts ragls's engine to the server's needs. It takes over the engine's notifier,
// to follow indexing progress: call it before the engine is given its roots.
func EngineFor(e *engine.Engine) Engine {
	a := &adapter{e: e, status: map[string]*rootStatus{}, maps: map[*indexer.Index]*indexer.RepoMap{}}
	e.SetNotifier(a.event)
	return a
}

type adapter struct {
	e *engine.Engine

	mu     sync.Mutex
	status map[string]*rootStatus              // by root directory; guarded by mu
	maps   map[*indexer.Index]*indexer.RepoMap // guarded by mu
}

type rootStatus struct {
	st      Status
	changed chan struct{} // closed and replaced on every change
}

func (a *adapter) statusLocked(dir string) *rootStatus {
	s := a.status[dir]
	if s == nil {
		s = &rootStatus{changed: make(chan struct{})}
		a.status[dir] = s
	}
	return s
}

// event follows the engine's indexing progress ("index:DIR" events, "n/m files" messages).
func (a *adapter) event(ev engine.Event) {
	dir, ok := strings.CutPrefix(ev.Key, "index:")
	if ev.Kind != engine.EventProgress || !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.statusLocked(dir)
	var done, total int
	if _, err := fmt.Sscanf(ev.Message, "%d/%d files", &done, &total); err == nil {
		s.st.Done, s.st.Total = done, total
	}
	if ev.Done {
		s.st.Indexed = true
		if strings.HasPrefix(ev.Message, "indexing failed") {
			s.st.Err = ev.Message
		}
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

func (a *adapter) root(dir string) (*workspace.Root, error) {
	for _, r := range a.e.Roots() {
		if r.Dir == dir {
			return r, nil
		}
	}
	return nil, fmt.Errorf("%s is not a root of this server", dir)
}

func (a *adapter) Roots() []string {
	var out []string
	for _, r := range a.e.Roots() {
		out = append(out, r.Dir)
	}
	return out
}

func (a *adapter) Status(dir string) Status {
	a.mu.Lock()
	st := a.statusLocked(dir).st
	a.mu.Unlock()
	if r, err := a.root(dir); err == nil {
		st.Files = r.Index.Stats().Files
	}
	return st
}

func (a *adapter) WaitIndexed(ctx context.Context, dir string, progress func(Status)) error {
	for {
		a.mu.Lock()
		s := a.statusLocked(dir)
		st, ch := s.st, s.changed
		a.mu.Unlock()
		if progress != nil {
			progress(st)
		}
		if st.Indexed {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (a *adapter) Search(ctx context.Context, dir, query string, k int, keep func(string) bool) ([]indexer.Hit, error) {
	r, err := a.root(dir)
	if err != nil {
		return nil, err
	}
	return r.Index.SearchScoped(ctx, query, k, keep)
}

// Context assembles context through the engine's one context call, the same the editor's
// completions and "ragls context" make: the buffer if given, else the file on disk.
func (a *adapter) Context(ctx context.Context, dir, path string, line, col int, content *string, budget int) (indexer.ContextResult, error) {
	r, err := a.root(dir)
	if err != nil {
		return indexer.ContextResult{}, err
	}
	abs := filepath.Join(r.Dir, filepath.FromSlash(path))
	var text string
	if content != nil {
		text = *content
	} else {
		b, err := os.ReadFile(abs)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return indexer.ContextResult{}, fmt.Errorf("no file %s", path)
			}
			return indexer.ContextResult{}, fmt.Errorf("reading %s: %w", path, err)
		}
		text = string(b)
	}
	c, err := a.e.Context(ctx, engine.Doc{Path: abs, Text: text}, indexer.Offset(text, line, col), engine.ContextOptions{Purpose: engine.ForCompletion, Budget: budget})
	if err != nil {
		return indexer.ContextResult{}, err
	}
	return indexer.ContextResult{Items: c.Items, Tokens: c.Tokens}, nil
}

func (a *adapter) Definitions(dir, name, path, qualifier string) []indexer.Symbol {
	r, err := a.root(dir)
	if err != nil {
		return nil
	}
	return r.Index.Definitions(name, path, qualifier)
}

func (a *adapter) Uses(dir, name string, limit int) ([]indexer.Location, int) {
	r, err := a.root(dir)
	if err != nil {
		return nil, 0
	}
	return r.Index.Uses(name, limit)
}

func (a *adapter) Outline(dir string, keep func(string) bool) iter.Seq[indexer.RankedSymbol] {
	r, err := a.root(dir)
	if err != nil {
		return func(func(indexer.RankedSymbol) bool) {}
	}
	a.mu.Lock()
	m := a.maps[r.Index]
	if m == nil {
		m = indexer.NewRepoMap(r.Index)
		a.maps[r.Index] = m
	}
	a.mu.Unlock()
	return m.Symbols(keep)
}

func (a *adapter) Indexed(dir, path string) (string, bool) {
	r, err := a.root(dir)
	if err != nil {
		return "", false
	}
	return r.Index.Content(path)
}

func (a *adapter) Paths(dir string) []string {
	r, err := a.root(dir)
	if err != nil {
		return nil
	}
	return r.Index.Paths()
}

// Guard applies the rules the index is built with: the ignore and secret rules, and, for a
// file that exists, symlinks leaving the root and the kind of file.
func (a *adapter) Guard(dir string) func(path string, isDir bool) string {
	f, err := workspace.NewFilter(dir, workspace.Options{})
	return func(path string, isDir bool) string {
		if err != nil {
			return "unreadable"
		}
		if reason, skip := f.Skip(path, isDir); skip {
			return string(reason)
		}
		if isDir {
			return ""
		}
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(path))); err != nil {
			return "" // a buffer not saved yet, or a file gone since it was indexed: only the rules apply
		}
		if _, reason := f.Stat(path); reason != "" && reason != workspace.SkipTooLarge {
			return string(reason)
		}
		return ""
	}
}

func (a *adapter) Tokens(s string) int { return a.e.Counter().Count(s) }
