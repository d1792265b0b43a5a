// Package engine is what ragls does for its users, whichever way they reach it: it ties the
// workspace (roots, files, open buffers, the index) to the prompts and the model, and offers
// the features — context, hover, completion, explain, document, refactor, fix, write tests —
// that the language server (package lsp) and the command line both call. The engine knows no
// protocol: lsp translates to and from it.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"ragls/indexer"
	"ragls/lsp"
	"ragls/workspace"
)

// Options configures an Engine.
type Options struct {
	// CacheDir holds the stored indexes; "" keeps them in memory.
	CacheDir string
	// Getenv reads the environment (RAGLS_* settings); nil means os.Getenv.
	Getenv func(string) string
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Docs holds the buffers open in an editor, shared with the language server; nil means none.
	Docs *workspace.Documents
	// Watch keeps each root's index fresh with a file watcher, as a long-running server must.
	Watch bool
	// HTTPClient talks to the model server; nil means a default client.
	HTTPClient *http.Client
}

// Engine serves one user's workspace. It is safe for concurrent use.
type Engine struct {
	opts    Options
	syntax  *indexer.Syntax // for the definitions around a cursor in a buffer
	session *workspace.Session
	docs    *workspace.Documents
	model   *modelState
	// explanations holds the model's explanations of definitions, shown in later hovers.
	explanations explanations

	mu       sync.Mutex
	notify   func(lsp.Event)               // guarded by mu
	roots    map[string]context.CancelFunc // guarded by mu; root dir -> stops its indexing and watching
	pushedAt map[string]uint64             // guarded by mu; open buffer path -> Seq last put in the index
	bg       sync.WaitGroup
	ctx      context.Context // cancelled by Close
	cancel   context.CancelFunc
}

// New returns an engine with no roots, configured from the environment and the user's config
// file; Configure adds the editor's settings.
func New(opts Options) (*Engine, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Docs == nil {
		opts.Docs = workspace.NewDocuments()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	e := &Engine{
		opts:     opts,
		syntax:   indexer.NewSyntax(),
		docs:     opts.Docs,
		notify:   func(lsp.Event) {},
		roots:    make(map[string]context.CancelFunc),
		pushedAt: make(map[string]uint64),
	}
	m, err := newModelState(opts)
	if err != nil {
		return nil, err
	}
	e.model = m
	e.session = workspace.NewSession(workspace.Config{
		CacheDir: opts.CacheDir,
		Logger:   opts.Logger,
		Embedder: m.embedder(),
	})
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e, nil
}

// Close stops indexing and watching, saves the indexes and releases the engine.
func (e *Engine) Close() {
	e.cancel()
	e.bg.Wait()
	for _, r := range e.session.Roots() {
		if err := r.Save(); err != nil {
			e.opts.Logger.Warn("cannot save index", "root", r.Dir, "err", err)
		}
	}
	e.session.Close()
	e.syntax.Close()
}

// SetNotifier implements lsp.Engine.
func (e *Engine) SetNotifier(notify func(lsp.Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if notify == nil {
		notify = func(lsp.Event) {}
	}
	e.notify = notify
	e.model.notify = e.emit
}

func (e *Engine) emit(ev lsp.Event) {
	e.mu.Lock()
	n := e.notify
	e.mu.Unlock()
	n(ev)
}

// SetRoots implements lsp.Engine: new roots load their stored index at once and are then
// brought up to date (and, with Options.Watch, watched) in the background; roots no longer
// listed stop being watched.
func (e *Engine) SetRoots(ctx context.Context, roots []string) error {
	want := map[string]bool{}
	var errs []error
	for _, dir := range roots {
		r, err := e.session.AddRoot(dir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		want[r.Dir] = true
		e.mu.Lock()
		_, running := e.roots[r.Dir]
		if !running {
			rctx, cancel := context.WithCancel(e.ctx)
			e.roots[r.Dir] = cancel
			e.bg.Add(1)
			go e.keepFresh(rctx, r)
		}
		e.mu.Unlock()
	}
	e.mu.Lock()
	for dir, cancel := range e.roots {
		if !want[dir] {
			cancel()
			delete(e.roots, dir)
			e.session.RemoveRoot(dir)
		}
	}
	e.mu.Unlock()
	return errors.Join(errs...)
}

// AddRoot opens one root and brings its index up to date before returning: the CLI's way in.
func (e *Engine) AddRoot(ctx context.Context, dir string, progress func(workspace.Progress)) (*workspace.Root, workspace.Summary, error) {
	r, err := e.session.AddRoot(dir)
	if err != nil {
		return nil, workspace.Summary{}, err
	}
	sum, err := r.Sync(ctx, progress)
	return r, sum, err
}

// OpenRoot opens one root with its stored index as it is, without scanning the directory.
func (e *Engine) OpenRoot(dir string) (*workspace.Root, error) {
	return e.session.AddRoot(dir)
}

// keepFresh indexes a root, reporting progress, and with Options.Watch keeps it fresh until
// ctx is done. The watches go in before the scan, so no change falls between the two.
func (e *Engine) keepFresh(ctx context.Context, r *workspace.Root) {
	defer e.bg.Done()
	if !e.opts.Watch {
		e.sync(ctx, r)
		return
	}
	err := r.Watch(ctx, 50*time.Millisecond, 10*time.Second, func() { e.sync(ctx, r) }, func(ev workspace.WatchEvent) {
		if ev.Err != nil && ctx.Err() == nil {
			e.opts.Logger.Warn("applying file changes", "root", r.Dir, "err", ev.Err)
		}
	})
	if err != nil && ctx.Err() == nil {
		// Without a watcher the index still follows the editor's saves (FilesChanged).
		e.opts.Logger.Warn("file watching failed; following the editor's saves only", "root", r.Dir, "err", err)
		e.sync(ctx, r)
	}
}

// sync brings a root's index up to date, reporting progress.
func (e *Engine) sync(ctx context.Context, r *workspace.Root) {
	key := "index:" + r.Dir
	title := "Indexing " + filepath.Base(r.Dir)
	e.emit(lsp.Event{Kind: lsp.EventProgress, Key: key, Title: title, Message: "scanning files"})
	sum, err := r.Sync(ctx, func(p workspace.Progress) {
		pct := 0
		if p.Total > 0 {
			pct = 100 * p.Done / p.Total
		}
		e.emit(lsp.Event{Kind: lsp.EventProgress, Key: key, Title: title, Percent: pct, Message: fmt.Sprintf("%d/%d files", p.Done, p.Total)})
	})
	msg := fmt.Sprintf("%d files, %d chunks, %d symbols in %.1fs", sum.Files, sum.Chunks, sum.Symbols, sum.Seconds)
	if err != nil && ctx.Err() == nil {
		msg = "indexing failed: " + err.Error()
		e.emit(lsp.Event{Kind: lsp.EventProblem, Key: "index-failed:" + r.Dir, Message: fmt.Sprintf("ragls could not index %s: %v", r.Dir, err)})
	}
	e.emit(lsp.Event{Kind: lsp.EventProgress, Key: key, Title: title, Percent: 100, Message: msg, Done: true})
}

// FilesChanged implements lsp.Engine: each file is read again, or dropped if it is gone.
func (e *Engine) FilesChanged(paths []string) {
	byRoot := map[*workspace.Root][]workspace.Change{}
	for _, p := range paths {
		if _, open := e.docs.Get(p); !open {
			e.mu.Lock()
			delete(e.pushedAt, p)
			e.mu.Unlock()
		}
		r, rel, ok := e.session.RootOf(p)
		if !ok || rel == "." {
			continue
		}
		op := workspace.Changed
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			op = workspace.Removed
		}
		byRoot[r] = append(byRoot[r], workspace.Change{Path: rel, Op: op})
	}
	for r, changes := range byRoot {
		if _, err := r.Apply(e.ctx, changes); err != nil && e.ctx.Err() == nil {
			e.opts.Logger.Warn("applying file changes", "root", r.Dir, "err", err)
		}
	}
}

// Roots returns the engine's roots.
func (e *Engine) Roots() []*workspace.Root { return e.session.Roots() }

// locate finds the root and index of a document; ok is false for a file outside every root.
// Before answering it puts the unsaved buffers of other open documents into the index, so that
// context reflects what the user sees in every editor tab, not only what is saved.
func (e *Engine) locate(path string) (r *workspace.Root, rel string, ok bool) {
	e.pushOpenBuffers(path)
	return e.session.RootOf(path)
}

// pushOpenBuffers indexes the open buffers (except the one being asked about, which context
// assembly reads directly) that changed since they were last indexed. A closed buffer goes back
// to the file on disk through FilesChanged.
func (e *Engine) pushOpenBuffers(except string) {
	for _, d := range e.docs.All() {
		if d.Path == except {
			continue
		}
		e.mu.Lock()
		seen := e.pushedAt[d.Path] == d.Seq
		e.pushedAt[d.Path] = d.Seq
		e.mu.Unlock()
		if seen {
			continue
		}
		r, rel, ok := e.session.RootOf(d.Path)
		if !ok {
			continue
		}
		// A zero FileState makes the next scan compare with the disk again.
		if _, err := r.Index.Upsert(e.ctx, rel, []byte(d.Text), indexer.FileState{}); err != nil && e.ctx.Err() == nil {
			e.opts.Logger.Warn("indexing open buffer", "path", d.Path, "err", err)
		}
	}
}

// Configure implements lsp.Engine: the editor's settings, layered over the config file and
// under the environment.
func (e *Engine) Configure(settings json.RawMessage) error {
	return e.model.configure(settings)
}

var _ lsp.Engine = (*Engine)(nil)

// Counter is the token counter prompts are budgeted with, for callers that pack context.
func (e *Engine) Counter() indexer.TokenCounter { return e.model.counter }
