package workspace

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ragls/indexer"
)

// Config configures a Session.
type Config struct {
	Options Options
	// CacheDir holds one index file per root; "" keeps indexes in memory only.
	CacheDir string
	// Embedder makes the vectors of the index; nil means the built-in one.
	Embedder indexer.Embedder
	// Workers bounds parallel parsing; 0 means one per CPU.
	Workers int
	Logger  *slog.Logger
}

// DefaultCacheDir is where indexes live unless RAGLS_CACHE_DIR says otherwise: the user's
// cache directory, under "ragls".
func DefaultCacheDir(getenv func(string) string) string {
	if d := getenv("RAGLS_CACHE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "ragls")
	}
	return filepath.Join(os.TempDir(), "ragls-cache")
}

// A Session is the set of workspace roots ragls serves, each with its index. The CLI opens a
// session on one root; the language server on every workspace folder.
type Session struct {
	cfg     Config
	syntax  *indexer.Syntax
	secrets *rules // the secret patterns, for documents judged outside a walk

	mu    sync.Mutex
	roots map[string]*Root // by absolute directory; guarded by mu

	overlay atomic.Pointer[func(real string) ([]byte, bool)]
}

// SetOverlay gives the session the open buffers that are the truth about a file's content
// while they are open: whenever a file is (re)indexed — by a scan, a watcher event or an
// editor's change — the indexer asks overlay first for the file's real path, and reads the
// disk only if it answers false. The overlay must answer only for buffers that may be indexed.
func (s *Session) SetOverlay(overlay func(real string) ([]byte, bool)) {
	s.overlay.Store(&overlay)
}

func (s *Session) buffer(real string) ([]byte, bool) {
	if o := s.overlay.Load(); o != nil {
		return (*o)(real)
	}
	return nil, false
}

// NewSession returns a session with no roots.
func NewSession(cfg Config) *Session {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.NumCPU()
	}
	return &Session{cfg: cfg, syntax: indexer.NewSyntax(), secrets: secretRules(cfg.Options.ExtraSecrets), roots: make(map[string]*Root)}
}

// Close releases the session's parsers. Roots must not be used afterwards.
func (s *Session) Close() { s.syntax.Close() }

// A Root is one workspace folder and its index.
type Root struct {
	Dir       string // absolute, symlinks resolved
	Index     *indexer.Index
	IndexFile string // "" when not persisted
	// LoadNote says why a stored index was not used ("" if it was, or there was none).
	LoadNote string

	session *Session
	syncMu  sync.Mutex // one Sync or Apply at a time; queries do not wait for it
	dirty   bool       // changed since the last save; guarded by syncMu

	filterMu     sync.Mutex
	cachedFilter *Filter // guarded by filterMu; nil until needed or after ignore files changed
}

// AddRoot opens dir as a root, loading its stored index if there is a valid one. It does not
// scan the directory: call Sync for that. Adding a root twice returns the same Root.
func (s *Session) AddRoot(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("workspace root %s: %w", dir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("workspace root: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("workspace root %s is not a directory", abs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.roots[abs]; r != nil {
		return r, nil
	}
	r := &Root{Dir: abs, session: s}
	if s.cfg.CacheDir != "" {
		r.IndexFile = indexFile(s.cfg.CacheDir, abs)
	}
	r.Index, r.LoadNote = s.load(r.IndexFile)
	s.roots[abs] = r
	return r, nil
}

// RemoveRoot forgets a root (its stored index stays for next time).
func (s *Session) RemoveRoot(dir string) {
	abs, _ := filepath.Abs(dir)
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	s.mu.Lock()
	delete(s.roots, abs)
	s.mu.Unlock()
}

// Roots returns the roots, sorted by directory.
func (s *Session) Roots() []*Root {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Root, 0, len(s.roots))
	for _, r := range s.roots {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}

// RootOf finds the root holding the absolute path p (the deepest, for nested roots) and p's
// slash path relative to it. p is judged where it really is, symlinks and ".." resolved: a
// link inside a root that points out of it is outside.
func (s *Session) RootOf(p string) (*Root, string, bool) {
	if !filepath.IsAbs(p) {
		return nil, "", false
	}
	return s.rootOfReal(ResolvePath(p))
}

// indexFile names the index of a root: readable, and unique per absolute path.
func indexFile(cacheDir, root string) string {
	sum := sha256.Sum256([]byte(root))
	base := filepath.Base(root)
	base = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, base)
	return filepath.Join(cacheDir, base+"-"+hex.EncodeToString(sum[:6])+".idx")
}

func (s *Session) load(file string) (*indexer.Index, string) {
	if file == "" {
		return indexer.New(s.syntax, s.cfg.Embedder), ""
	}
	x, err := indexer.Load(file, s.syntax, s.cfg.Embedder)
	switch {
	case err == nil:
		return x, ""
	case errors.Is(err, os.ErrNotExist):
		return indexer.New(s.syntax, s.cfg.Embedder), ""
	default:
		note := fmt.Sprintf("stored index %s not used (%v); rebuilding it", file, err)
		s.cfg.Logger.Warn(note)
		return indexer.New(s.syntax, s.cfg.Embedder), note
	}
}

// Progress reports indexing of one root.
type Progress struct {
	Root  string
	Done  int // files examined so far
	Total int // files to examine
}

// Summary describes one Sync.
type Summary struct {
	Root      string                  `json:"root"`
	IndexFile string                  `json:"index_file,omitempty"`
	Files     int                     `json:"files"`  // files in the index after the sync
	Chunks    int                     `json:"chunks"` // chunks in the index
	Symbols   int                     `json:"symbols"`
	Updated   int                     `json:"updated"`   // files (re)indexed by this sync
	Unchanged int                     `json:"unchanged"` // files whose size and time matched the index
	Removed   int                     `json:"removed"`   // files dropped from the index
	Skipped   map[SkipReason]int      `json:"skipped"`
	Examples  map[SkipReason][]string `json:"skipped_examples,omitempty"`
	Seconds   float64                 `json:"seconds"`
	Notes     []string                `json:"notes,omitempty"`
}

// Sync brings the root's index up to date with the files on disk: new and changed files are
// indexed, deleted ones dropped, unchanged ones (same size and modification time) not even
// read; then the index is saved. The index answers queries throughout.
func (r *Root) Sync(ctx context.Context, progress func(Progress)) (Summary, error) {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	start := time.Now()
	cfg := r.session.cfg
	sum := Summary{Root: r.Dir, IndexFile: r.IndexFile, Skipped: map[SkipReason]int{}}
	if r.LoadNote != "" {
		sum.Notes = append(sum.Notes, r.LoadNote)
		r.LoadNote = ""
		r.dirty = true
	}
	r.forgetFilter() // ignore files may have changed since the last look
	rep, err := Walk(ctx, r.Dir, cfg.Options)
	if err != nil {
		return sum, err
	}
	for k, v := range rep.Skipped {
		sum.Skipped[k] += v
	}
	sum.Examples = rep.Examples

	seen := make(map[string]bool, len(rep.Files))
	var todo []File
	for _, f := range rep.Files {
		seen[f.Path] = true
		if r.Index.Unchanged(f.Path, indexer.FileState{Size: f.Size, ModTime: f.ModTime}) {
			sum.Unchanged++
			continue
		}
		todo = append(todo, f)
	}
	for _, p := range r.Index.Paths() {
		if !seen[p] {
			r.Index.Remove(p)
			sum.Removed++
		}
	}

	var (
		mu   sync.Mutex
		done = sum.Unchanged
		next = make(chan File)
		wg   sync.WaitGroup
	)
	total := len(rep.Files)
	report := func() {
		if progress != nil {
			progress(Progress{Root: r.Dir, Done: done, Total: total})
		}
	}
	report()
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range next {
				changed, reason, err := r.indexFile(ctx, f)
				mu.Lock()
				switch {
				case err != nil && ctx.Err() == nil:
					sum.Skipped[SkipUnreadable]++
					cfg.Logger.Warn("cannot index file", "path", f.Path, "err", err)
				case reason != "":
					sum.Skipped[reason]++
					if sum.Examples == nil {
						sum.Examples = map[SkipReason][]string{}
					}
					if len(sum.Examples[reason]) < maxExamples {
						sum.Examples[reason] = append(sum.Examples[reason], f.Path)
					}
				case changed:
					sum.Updated++
				}
				done++
				if done%64 == 0 {
					report()
				}
				mu.Unlock()
			}
		}()
	}
feed:
	for _, f := range todo {
		select {
		case next <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	report()
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if sum.Updated > 0 || sum.Removed > 0 || len(todo) > 0 {
		r.dirty = true
	}
	st := r.Index.Stats()
	sum.Files, sum.Chunks, sum.Symbols = st.Files, st.Chunks, st.Defs
	if st.EmbedError != "" {
		sum.Notes = append(sum.Notes, "embeddings failed, search is lexical only: "+st.EmbedError)
	}
	if err := r.saveLocked(); err != nil {
		sum.Notes = append(sum.Notes, err.Error())
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// indexFile reads one file and indexes it, or drops it from the index if it is no longer text.
func (r *Root) indexFile(ctx context.Context, f File) (changed bool, reason SkipReason, err error) {
	abs := filepath.Join(r.Dir, filepath.FromSlash(f.Path))
	text, open := r.session.buffer(abs)
	st := indexer.FileState{Size: f.Size, ModTime: f.ModTime}
	if open {
		// A zero state makes the next scan read the disk again once the buffer is closed.
		st = indexer.FileState{}
	} else {
		text, reason, err = ReadText(f.Abs, r.session.cfg.Options.maxFileSize())
	}
	if err == nil && reason == "" && IsSecretContent(f.Path, string(text)) {
		reason = SkipSecret
	}
	if err != nil || reason != "" {
		if r.Index.Remove(f.Path) {
			changed = true
		}
		return changed, reason, err
	}
	changed, err = r.Index.Upsert(ctx, f.Path, text, st)
	return changed, "", err
}

// Save writes the index if it changed since it was last saved.
func (r *Root) Save() error {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	return r.saveLocked()
}

func (r *Root) saveLocked() error {
	if r.IndexFile == "" || !r.dirty {
		return nil
	}
	if err := r.Index.Save(r.IndexFile); err != nil {
		return err
	}
	r.dirty = false
	return nil
}

// Apply brings the index up to date with changes to files under the root, from the watcher or
// from an editor's didChangeWatchedFiles and saves: every kind of change goes through here.
// Changed files are read again (and dropped if they are now ignored, binary or too large);
// removed files and directories are dropped. A change whose content hash matches the index
// costs a read and a hash, so hearing of the same change twice is cheap. It returns how many
// files changed in the index.
func (r *Root) Apply(ctx context.Context, changes []Change) (int, error) {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	filter, err := NewFilter(r.Dir, r.session.cfg.Options)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		switch {
		case c.Op == Removed:
			// A path reported gone may have been a directory: drop what was under it too.
			if r.Index.Remove(c.Path) {
				n++
			}
			if c.Path != "" || c.Dir {
				n += r.Index.RemoveTree(c.Path)
			}
		default:
			if isIgnoreFile(c.Path) {
				r.forgetFilter()
			}
			if text, open := r.session.buffer(filepath.Join(r.Dir, filepath.FromSlash(c.Path))); open {
				// An open buffer the rules allow is the truth, saved or not (it may not
				// exist on disk yet).
				changed, err := r.Index.Upsert(ctx, c.Path, text, indexer.FileState{})
				if err != nil && ctx.Err() == nil {
					r.session.cfg.Logger.Warn("cannot index buffer", "path", c.Path, "err", err)
				}
				if changed {
					n++
				}
				continue
			}
			f, reason := filter.Stat(c.Path)
			if reason != "" {
				if r.Index.Remove(c.Path) {
					n++
				}
				continue
			}
			changed, _, err := r.indexFile(ctx, f)
			if err != nil && ctx.Err() == nil {
				r.session.cfg.Logger.Warn("cannot index file", "path", c.Path, "err", err)
			}
			if changed {
				n++
			}
		}
	}
	if n > 0 {
		r.dirty = true
	}
	return n, ctx.Err()
}

// WatchEvent tells a watcher's caller what a batch of file changes did.
type WatchEvent struct {
	Root    string
	Changed int  // files changed in the index
	Rescan  bool // the watcher lost events and the root was scanned again
	Err     error
}

// Watch keeps the root's index fresh until ctx is done: it watches the directory tree, applies
// every batch of changes, rescans after lost events, and saves the index once changes have
// settled for saveAfter (0 means 5 s). ready, if not nil, is called once every directory is
// watched: a Sync started then misses no change. onEvent, if not nil, hears of every batch.
//
// A server that owns open buffers uses WatchChanges instead and sends each batch through its
// own funnel.
func (r *Root) Watch(ctx context.Context, debounce, saveAfter time.Duration, ready func(), onEvent func(WatchEvent)) error {
	if saveAfter <= 0 {
		saveAfter = 5 * time.Second
	}
	save := time.AfterFunc(time.Hour, func() {
		if err := r.Save(); err != nil {
			r.session.cfg.Logger.Warn("cannot save index", "err", err)
		}
	})
	save.Stop()
	defer func() {
		save.Stop()
		if err := r.Save(); err != nil {
			r.session.cfg.Logger.Warn("cannot save index", "err", err)
		}
	}()
	return r.WatchChanges(ctx, debounce, ready, func(b Batch) {
		ev := WatchEvent{Root: r.Dir, Rescan: b.Rescan}
		if b.Rescan {
			sum, err := r.Sync(ctx, nil)
			ev.Changed, ev.Err = sum.Updated+sum.Removed, err
		} else {
			ev.Changed, ev.Err = r.Apply(ctx, b.Changes)
		}
		if ev.Changed > 0 {
			save.Reset(saveAfter)
		}
		if onEvent != nil {
			onEvent(ev)
		}
	})
}

// WatchChanges watches the root's directory tree until ctx is done and hands every batch of
// changes to emit, without applying it. ready is as for Watch.
func (r *Root) WatchChanges(ctx context.Context, debounce time.Duration, ready func(), emit func(Batch)) error {
	w, err := NewWatcher(r.Dir, r.session.cfg.Options, debounce)
	if err != nil {
		return fmt.Errorf("watching %s: %w", r.Dir, err)
	}
	// ready runs beside the watch loop, and WatchChanges returns only after it has: a caller
	// may do long work there (an initial Sync) that must not outlive the watch.
	var readyDone sync.WaitGroup
	defer readyDone.Wait()
	if ready != nil {
		readyDone.Add(1)
		go func() {
			defer readyDone.Done()
			select {
			case <-w.Ready():
				ready()
			case <-ctx.Done():
			}
		}()
	}
	return w.Run(ctx, emit)
}
