package workspace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long a Watcher waits after the last event before it reports a batch:
// long enough to merge an editor's save (several events) and a tool rewriting many files.
const DefaultDebounce = 150 * time.Millisecond

// maxDelayFactor bounds how long a steady stream of events can hold a batch back: after
// debounce*maxDelayFactor since the first event of a batch it is reported anyway.
const maxDelayFactor = 10

// An Op is what happened to a path.
type Op int

// Ops of a Change.
const (
	Changed Op = iota + 1 // created or written: read it again
	Removed               // gone (deleted, or renamed away)
)

func (o Op) String() string {
	switch o {
	case Changed:
		return "changed"
	case Removed:
		return "removed"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// A Change is the net effect of a burst of events on one path.
type Change struct {
	Path string // slash-separated, relative to the root
	Op   Op
	// Dir is set on a Removed change for a directory: everything below Path is gone too.
	Dir bool
}

// A Batch is what a Watcher reports after a quiet period.
type Batch struct {
	Root string // absolute, as the Watcher was given it
	// Changes are sorted by Path, one per path, the last operation winning. The one exception: a
	// directory removed and replaced by a file of the same name gives a Removed Dir change and then
	// a Changed one for that path. Apply changes in order.
	Changes []Change
	// Rescan is set when events were lost (the kernel queue overflowed) or the ignore rules changed:
	// Changes may be incomplete and the caller must Walk the root again.
	Rescan bool
	// Errors are problems that did not stop the watcher, such as a directory that could not be
	// watched; worded for a log.
	Errors []error
}

// A Watcher reports changes below one root, filtered by the same rules as Walk. It watches
// every directory that Walk would enter, and new ones as they appear. Files whose content may
// still be refused (too large, binary) are reported: the caller's ReadText decides, which also
// lets it drop a file that grew over the limit.
type Watcher struct {
	root     string
	opt      Options
	debounce time.Duration

	started   atomic.Bool
	ready     chan struct{}
	readyOnce sync.Once

	// The fields below belong to the goroutine running Run (or to a test driving the handlers).
	filter  *Filter
	scan    *scanner
	fsw     *fsnotify.Watcher // nil when handlers are driven without Run
	watched map[string]string // directory relative path -> absolute path given to fsnotify
	pending map[changeKey]*pendingChange
	known   map[string]bool // files the caller knows of: listed by a walk or reported Changed
	rescan  bool
	errs    []error
	entered map[string]bool // directories met by the walk in progress (resync)
}

// changeKey separates a directory's removal from changes to a file that took its name.
type changeKey struct {
	path   string
	dirDel bool
}

type pendingChange struct {
	op Op
	// born is set when the path was unknown before this batch: if it goes away before the batch
	// is reported, the caller never needs to hear of it (an editor's temporary file). A Create
	// event alone cannot tell: a rename over an existing file is a Create too.
	born bool
}

// NewWatcher prepares a watcher for root with the rules of opt, reporting batches after
// debounce of quiet (0 means DefaultDebounce). Nothing is watched until Run.
func NewWatcher(root string, opt Options, debounce time.Duration) (*Watcher, error) {
	f, err := NewFilter(root, opt)
	if err != nil {
		return nil, err
	}
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	w := &Watcher{
		root:     f.root,
		opt:      opt,
		debounce: debounce,
		ready:    make(chan struct{}),
		filter:   f,
		watched:  make(map[string]string),
		pending:  make(map[changeKey]*pendingChange),
		known:    make(map[string]bool),
	}
	w.scan = &scanner{f: f, enter: w.enter}
	return w, nil
}

// Ready is closed once Run has put its watches in place (or has returned). A caller that walks
// the root itself should walk after Ready, so that no change falls between the walk and the
// watch.
func (w *Watcher) Ready() <-chan struct{} { return w.ready }

// Run watches the root until ctx is done, calling emit with each batch from Run's goroutine;
// emit should hand the batch on and return quickly, as events queue meanwhile. Run returns nil
// when ctx is done, and an error when watching cannot start or fsnotify fails. It releases every
// watch before returning. A Watcher runs once.
func (w *Watcher) Run(ctx context.Context, emit func(Batch)) error {
	defer w.readyOnce.Do(func() { close(w.ready) })
	if !w.started.CompareAndSwap(false, true) {
		return errors.New("workspace: a Watcher can run only once")
	}
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watching %s: %w", w.root, err)
	}
	defer fsw.Close()
	w.fsw = fsw
	if err := fsw.Add(w.root); err != nil {
		return fmt.Errorf("watching %s: %w", w.root, watchErr(err))
	}
	w.watched[""] = w.root
	w.resync(ctx)
	// .git is never walked, but its info/exclude holds ignore rules.
	if info := filepath.Join(gitDir(w.root), "info"); statIsDir(info) {
		if err := fsw.Add(info); err != nil {
			w.errs = append(w.errs, fmt.Errorf("watching %s: %w", info, watchErr(err)))
		}
	}
	w.readyOnce.Do(func() { close(w.ready) })

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var first time.Time // when the oldest unreported event arrived; zero when none
	arm := func() {
		now := time.Now()
		if first.IsZero() {
			first = now
		}
		wait := w.debounce
		if limit := first.Add(w.debounce * maxDelayFactor); now.Add(wait).After(limit) {
			wait = max(limit.Sub(now), 0)
		}
		timer.Reset(wait)
	}
	if len(w.errs) > 0 {
		arm()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-fsw.Events:
			if !ok {
				return fmt.Errorf("watching %s: the event stream closed", w.root)
			}
			w.handleEvent(ctx, ev)
			arm()
		case err, ok := <-fsw.Errors:
			if !ok {
				return fmt.Errorf("watching %s: the error stream closed", w.root)
			}
			w.handleError(err)
			arm()
		case <-timer.C:
			first = time.Time{}
			if b, ok := w.flush(ctx); ok {
				emit(b)
			}
		}
	}
}

// watchErr explains the one fsnotify failure users can fix themselves.
func watchErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("%w (the system's limit of inotify watches is reached; raise fs.inotify.max_user_watches)", err)
	}
	return err
}

// enter is the scanner's hook: watch a directory before it is read, so that a file created
// after the read is seen as an event and one created before it is seen by the read.
func (w *Watcher) enter(rel, abs string) error {
	if w.entered != nil {
		w.entered[rel] = true
	}
	if _, ok := w.watched[rel]; ok {
		return nil
	}
	if w.fsw != nil {
		if err := w.fsw.Add(abs); err != nil {
			err = fmt.Errorf("watching %s: %w", abs, watchErr(err))
			w.errs = append(w.errs, err)
			return err
		}
	}
	w.watched[rel] = abs
	return nil
}

// resync walks the whole root again: it watches directories that appeared unseen (lost events)
// or became visible (ignore rules changed), and drops watches on those that are gone or now
// skipped.
func (w *Watcher) resync(ctx context.Context) {
	w.entered = make(map[string]bool)
	defer func() { w.entered = nil }()
	w.scan.seenDirs = nil
	known := make(map[string]bool)
	w.scan.file = func(f File) { known[f.Path] = true }
	w.scan.skip = func(SkipReason, string) {}
	defer func() { w.scan.file = nil }()
	if err := w.scan.walk(ctx, ""); err != nil {
		w.errs = append(w.errs, err)
		return // cancelled: keep every watch rather than drop the ones not reached
	}
	// The disk is the truth now, with this batch's pending changes applied on top.
	for k, p := range w.pending {
		if !k.dirDel {
			if p.op == Changed {
				known[k.path] = true
			} else {
				delete(known, k.path)
			}
		}
	}
	w.known = known
	for rel, abs := range w.watched {
		if !w.entered[rel] && rel != "" {
			w.unwatch(rel, abs)
		}
	}
}

func (w *Watcher) unwatch(rel, abs string) {
	delete(w.watched, rel)
	if w.fsw != nil {
		// The kernel drops the watch of a deleted directory by itself; a failure here only means
		// that happened first.
		_ = w.fsw.Remove(abs)
	}
}

// handleError takes an error from fsnotify. An overflow means events were lost: only a full
// rescan can tell what changed.
func (w *Watcher) handleError(err error) {
	if errors.Is(err, fsnotify.ErrEventOverflow) {
		w.rescan = true
		return
	}
	w.errs = append(w.errs, fmt.Errorf("watching %s: %w", w.root, err))
}

// handleEvent folds one fsnotify event into the pending batch.
func (w *Watcher) handleEvent(ctx context.Context, ev fsnotify.Event) {
	rel, ok := w.filter.Rel(ev.Name)
	if !ok {
		return
	}
	if rel == "" {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.rescan = true
			w.errs = append(w.errs, fmt.Errorf("workspace root %s was removed or renamed", w.root))
		}
		return
	}
	if isIgnoreFile(rel) {
		w.reloadFilter()
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		w.removed(rel)
	}
	if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) {
		w.changed(ctx, rel)
	}
	// Chmod alone changes nothing worth reindexing.
}

// reloadFilter rereads every ignore file and asks for a rescan: which files are worth indexing
// may have changed anywhere below the ignore file.
func (w *Watcher) reloadFilter() {
	f, err := NewFilter(w.root, w.opt)
	if err != nil {
		w.errs = append(w.errs, fmt.Errorf("reloading ignore rules: %w", err))
		return
	}
	w.filter = f
	w.scan.f = f
	w.rescan = true
}

// changed handles a path that was created or written.
func (w *Watcher) changed(ctx context.Context, rel string) {
	e, reason := w.filter.inspect(rel)
	switch reason {
	case "":
	case SkipUnreadable:
		if _, err := os.Lstat(w.filter.abs(rel)); errors.Is(err, fs.ErrNotExist) {
			// Gone already (an editor's temporary file renamed away, or an event under a
			// directory's old name): the event that removed it tells the rest.
			return
		}
		w.put(rel, Changed) // the caller's ReadText gives the verdict and the reason
		return
	case SkipTooLarge, SkipSpecial, SkipSymlinkOutside, SkipSymlinkLoop:
		// The path now names something Walk would not list: gone, for a caller that held it.
		if w.known[rel] {
			w.put(rel, Removed)
		}
		return
	default: // ignored, secret: never reported
		return
	}
	if !e.isDir {
		w.put(rel, Changed)
		return
	}
	if _, ok := w.watched[rel]; ok {
		return // a write to a watched directory: its entries report themselves
	}
	// A new directory (created, or moved in with its contents): events for what it holds were
	// never delivered, so walk it and report every file.
	w.scan.file = func(f File) { w.put(f.Path, Changed) }
	w.scan.skip = func(SkipReason, string) {}
	defer func() { w.scan.file = nil }()
	if err := w.scan.walk(ctx, rel); err != nil {
		w.errs = append(w.errs, err)
	}
}

// removed handles a path that was deleted or renamed away.
func (w *Watcher) removed(rel string) {
	if _, ok := w.watched[rel]; ok {
		prefix := rel + "/"
		for r, abs := range w.watched {
			if r == rel || strings.HasPrefix(r, prefix) {
				w.unwatch(r, abs)
			}
		}
		w.filter.forget(rel)
		for real, r := range w.scan.seenDirs {
			if r == rel || strings.HasPrefix(r, prefix) {
				delete(w.scan.seenDirs, real)
			}
		}
		for k := range w.pending {
			if strings.HasPrefix(k.path, prefix) {
				delete(w.pending, k)
			}
		}
		for p := range w.known {
			if strings.HasPrefix(p, prefix) {
				delete(w.known, p)
			}
		}
		delete(w.pending, changeKey{path: rel})
		w.pending[changeKey{path: rel, dirDel: true}] = &pendingChange{op: Removed}
		return
	}
	fileKey := changeKey{path: rel}
	p := w.pending[fileKey]
	if p == nil && w.pending[changeKey{path: rel, dirDel: true}] != nil {
		return // the directory's own echo of a removal already recorded
	}
	if reason, skip := w.filter.Skip(rel, false); skip && (reason == SkipIgnored || reason == SkipSecret) {
		return
	}
	if p != nil && p.born {
		delete(w.pending, fileKey) // created and gone within one batch
		delete(w.known, rel)
		return
	}
	if p == nil && !w.known[rel] {
		return // never listed, never reported: nothing for the caller to drop
	}
	w.put(rel, Removed)
}

// put records op for the file at rel and keeps the known set in step.
func (w *Watcher) put(rel string, op Op) {
	k := changeKey{path: rel}
	if p, ok := w.pending[k]; ok {
		p.op = op
	} else {
		w.pending[k] = &pendingChange{op: op, born: !w.known[rel]}
	}
	if op == Changed {
		w.known[rel] = true
	} else {
		delete(w.known, rel)
	}
}

// flush turns the pending state into a Batch; ok is false when there is nothing to report.
func (w *Watcher) flush(ctx context.Context) (b Batch, ok bool) {
	if w.rescan {
		w.resync(ctx)
	}
	if len(w.pending) == 0 && !w.rescan && len(w.errs) == 0 {
		return Batch{}, false
	}
	b = Batch{Root: w.root, Rescan: w.rescan, Errors: w.errs}
	for k, p := range w.pending {
		b.Changes = append(b.Changes, Change{Path: k.path, Op: p.op, Dir: k.dirDel})
	}
	slices.SortFunc(b.Changes, func(x, y Change) int {
		if c := strings.Compare(x.Path, y.Path); c != 0 {
			return c
		}
		// A directory's removal comes before what replaced it.
		return cmp.Compare(boolInt(!x.Dir), boolInt(!y.Dir))
	})
	w.pending = make(map[changeKey]*pendingChange)
	w.rescan = false
	w.errs = nil
	return b, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
