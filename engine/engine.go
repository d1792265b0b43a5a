// Package engine is what ragls does for its users, whichever way they reach it: it ties the
// workspace (roots, files, open buffers, the index) to the prompts and the model, and offers
// the features — context, search, hover, completion, explain, document, refactor, fix, write
// tests — that the language server (package lsp), the command line and any other front end
// call. The engine knows no protocol: front ends translate to and from it.
//
// The engine owns the workspace. Changes of every origin enter through one call,
// DidModifyFiles, as Modifications (path, version, text, kind: Open, Change, Close, Save,
// FileChanged, FileDeleted, Rescan); it applies the ignore and secret rules to buffers as to
// files (see workspace.Session.Classify) and queues the index work for one worker. Reads never
// write: Context, Search, Definitions, Hover, Complete, CompletionPrompt, Explain and Action
// only read the document they are given and the index, whose chunk numbering stays fixed for
// the length of a request. Access and CheckWrite say what may be sent and written; Buffer
// returns an open buffer; Settle waits for queued index work.
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
	// Watch keeps each root's index fresh with a file watcher, as a long-running server must.
	Watch bool
	// HTTPClient talks to the model server; nil means a default client.
	HTTPClient *http.Client
	// SaveAfter is how long the index must be quiet after a change before it is saved; 0
	// means 5 s.
	SaveAfter time.Duration
	// ColdBuild, when set, is called as the first build of a root with no stored index
	// starts, and the function it returns when that build ends. The binary bounds the
	// process's memory with it: a process-wide setting, so the binary's to make, not the
	// engine's.
	ColdBuild func() (done func())
}

// Engine serves one user's workspace. It is safe for concurrent use.
//
// The engine owns the workspace: the roots and their indexes, and the editor's open buffers.
// Every change, whatever its origin, enters through DidModifyFiles, which updates the buffers at
// once and queues the index work for one background worker; queries (Context, Hover, Complete,
// Action...) only read, each from the document it is given and one view of the index.
type Engine struct {
	opts    Options
	syntax  *indexer.Syntax // for the definitions around a cursor in a buffer
	session *workspace.Session
	model   *modelState
	cache   completionCache
	stats   statsState // completions shown and accepted, see stats.go
	pf      prefetcher // the completion after an accepted one, see prefetch.go
	// explanations holds the model's explanations of definitions, shown in later hovers.
	explanations explanations
	bufs         buffers
	work         workQueue
	// modMu orders the changes to the buffers: DidModifyFiles, and the re-judging of every
	// buffer when the roots change, one at a time.
	modMu sync.Mutex

	mu     sync.Mutex
	notify func(Event)                   // guarded by mu
	roots  map[string]context.CancelFunc // guarded by mu; root dir -> stops its watching
	told   map[string]bool               // guarded by mu; paths whose secrecy the user was told of
	bg     sync.WaitGroup
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
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
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{}
	}
	if opts.SaveAfter <= 0 {
		opts.SaveAfter = 5 * time.Second
	}
	e := &Engine{
		opts:   opts,
		syntax: indexer.NewSyntax(),
		notify: func(Event) {},
		roots:  make(map[string]context.CancelFunc),
		told:   make(map[string]bool),
	}
	m, err := newModelState(opts)
	if err != nil {
		return nil, err
	}
	e.model = m
	e.cache.init()
	e.stats.init(opts.CacheDir)
	e.bufs.init()
	e.work.init()
	e.session = workspace.NewSession(workspace.Config{
		CacheDir: opts.CacheDir,
		Logger:   opts.Logger,
		Embedder: m.embedder(),
	})
	e.session.SetOverlay(e.bufs.overlay)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.bg.Add(1)
	go e.runWork(e.ctx)
	e.bg.Add(1)
	go e.flushStatsEvery(e.ctx, statsFlushEvery)
	return e, nil
}

// Close stops indexing and watching, saves the indexes and releases the engine.
func (e *Engine) Close() {
	e.cancel()
	e.bg.Wait()
	if err := e.FlushStats(); err != nil {
		e.opts.Logger.Warn("cannot save completion statistics", "err", err)
	}
	for _, r := range e.session.Roots() {
		if err := r.Save(); err != nil {
			e.opts.Logger.Warn("cannot save index", "root", r.Dir, "err", err)
		}
	}
	e.session.Close()
	e.syntax.Close()
}

// SetNotifier sets the function through which the engine reports indexing progress and
// problems. notify may be called from any goroutine and must not block.
func (e *Engine) SetNotifier(notify func(Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if notify == nil {
		notify = func(Event) {}
	}
	e.notify = notify
	e.model.notify = e.emit
}

func (e *Engine) emit(ev Event) {
	e.mu.Lock()
	n := e.notify
	e.mu.Unlock()
	n(ev)
}

// SetRoots sets the complete list of workspace roots: new roots load their stored index at
// once and are then brought up to date (and, with Options.Watch, watched) in the background;
// roots no longer listed stop being watched.
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
	// Buffers opened before their root was known are judged again.
	e.modMu.Lock()
	e.bufs.reclassify(e)
	e.modMu.Unlock()
	return errors.Join(errs...)
}

// AddRoot opens one root and brings its index up to date before returning: the CLI's way in.
// The scan is the same Rescan that DidModifyFiles queues, run on the caller's goroutine.
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

// keepFresh has a root scanned, and with Options.Watch sends the watcher's changes through
// DidModifyFiles until ctx is done. The watches go in before the scan, so no change falls
// between the two.
func (e *Engine) keepFresh(ctx context.Context, r *workspace.Root) {
	defer e.bg.Done()
	rescan := func() { _ = e.DidModifyFiles(ctx, []Modification{{Path: r.Dir, Kind: Rescan}}) }
	if !e.opts.Watch {
		rescan()
		return
	}
	err := r.WatchChanges(ctx, 50*time.Millisecond, rescan, func(b workspace.Batch) {
		if b.Rescan {
			rescan()
			return
		}
		mods := make([]Modification, 0, len(b.Changes))
		for _, c := range b.Changes {
			k := FileChanged
			if c.Op == workspace.Removed {
				k = FileDeleted
			}
			mods = append(mods, Modification{Path: filepath.Join(r.Dir, filepath.FromSlash(c.Path)), Kind: k})
		}
		_ = e.DidModifyFiles(ctx, mods)
	})
	if err != nil && ctx.Err() == nil {
		// Without a watcher the index still follows the editor's saves.
		e.opts.Logger.Warn("file watching failed; following the editor's saves only", "root", r.Dir, "err", err)
		rescan()
	}
}

// sync brings a root's index up to date, reporting progress.
func (e *Engine) sync(ctx context.Context, r *workspace.Root) {
	key := "index:" + r.Dir
	title := "Indexing " + filepath.Base(r.Dir)
	e.emit(Event{Kind: EventProgress, Key: key, Title: title, Message: "scanning files"})
	if e.opts.ColdBuild != nil && r.Index.Stats().Files == 0 {
		defer e.opts.ColdBuild()()
	}
	sum, err := r.Sync(ctx, func(p workspace.Progress) {
		pct := 0
		if p.Total > 0 {
			pct = 100 * p.Done / p.Total
		}
		e.emit(Event{Kind: EventProgress, Key: key, Title: title, Percent: pct, Message: fmt.Sprintf("%d/%d files", p.Done, p.Total)})
	})
	msg := fmt.Sprintf("%d files, %d chunks, %d symbols in %.1fs", sum.Files, sum.Chunks, sum.Symbols, sum.Seconds)
	if err != nil && ctx.Err() == nil {
		msg = "indexing failed: " + err.Error()
		e.emit(Event{Kind: EventProblem, Key: "index-failed:" + r.Dir, Message: fmt.Sprintf("ragls could not index %s: %v", r.Dir, err)})
	}
	e.emit(Event{Kind: EventProgress, Key: key, Title: title, Percent: 100, Message: msg, Done: true})
}

// Roots returns the engine's roots.
func (e *Engine) Roots() []*workspace.Root { return e.session.Roots() }

// Configure applies the editor's settings, layered over the config file and under the
// environment.
func (e *Engine) Configure(settings json.RawMessage) error {
	return e.model.configure(settings)
}

// Counter is the token counter prompts are budgeted with, for callers that pack context.
func (e *Engine) Counter() indexer.TokenCounter { return e.model.counter }
