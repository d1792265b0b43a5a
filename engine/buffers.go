package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"ragls/workspace"
)

// buffers are the editor's open documents, owned by the engine. Each is an immutable value
// replaced whole on every change, so a request that took one reads a consistent buffer however
// the user goes on typing.
type buffers struct {
	mu     sync.RWMutex
	byPath map[string]*buffer // guarded by mu; by the path the editor gave
	byReal map[string]*buffer // guarded by mu; indexable buffers by real path, for the overlay
	edits  editLog            // recent edits of indexable buffers, for completion prompts
	warm   warmUps            // warm-up requests of opened buffers
}

type buffer struct {
	doc   Doc
	path  workspace.Place // what the path alone decides, judged on open
	place workspace.Place // with the text judged too
}

func (b *buffers) init() {
	b.byPath = make(map[string]*buffer)
	b.byReal = make(map[string]*buffer)
}

func (b *buffers) get(path string) (*buffer, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	x, ok := b.byPath[path]
	return x, ok
}

func (b *buffers) put(x *buffer) (old *buffer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old = b.byPath[x.doc.Path]
	if old != nil && old.place.Real != "" && b.byReal[old.place.Real] == old {
		delete(b.byReal, old.place.Real)
	}
	b.byPath[x.doc.Path] = x
	if x.place.Access == AccessIndexed && x.place.Real != "" {
		b.byReal[x.place.Real] = x
	}
	return old
}

func (b *buffers) remove(path string) (old *buffer) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old = b.byPath[path]
	if old == nil {
		return nil
	}
	delete(b.byPath, path)
	if old.place.Real != "" && b.byReal[old.place.Real] == old {
		delete(b.byReal, old.place.Real)
	}
	return old
}

// overlay answers the indexer's question "is this file open, and may its buffer be indexed?".
func (b *buffers) overlay(real string) ([]byte, bool) {
	b.mu.RLock()
	x, ok := b.byReal[real]
	b.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return []byte(x.doc.Text), true
}

func (b *buffers) all() []*buffer {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*buffer, 0, len(b.byPath))
	for _, x := range b.byPath {
		out = append(out, x)
	}
	return out
}

// reclassify judges every buffer again, after the roots or the ignore rules changed, and
// queues what changed. The caller holds e.modMu, so no edit slips in between.
func (b *buffers) reclassify(e *Engine) {
	for _, x := range b.all() {
		e.putBuffer(x.doc, nil)
	}
}

// DidModifyFiles is the one way changes enter the engine: the editor's didOpen, didChange,
// didClose and didSave, watched-file notifications, the engine's own file watcher and rescans
// all arrive here as Modifications. It updates the open buffers before returning, so that a
// request made afterwards sees them, and queues the index work (which applies the ignore and
// secret rules, the size limit and the roots' bounds to buffers and files alike) for the
// engine's worker; Settle waits for it. It is quick and never calls the model, so a language
// server may call it on the goroutine that reads the client's messages.
func (e *Engine) DidModifyFiles(ctx context.Context, mods []Modification) error {
	e.modMu.Lock()
	defer e.modMu.Unlock()
	for _, m := range mods {
		switch m.Kind {
		case Open:
			e.putBuffer(Doc{Path: m.Path, Version: m.Version, Text: m.Text}, nil)
			e.scheduleWarmUp(m.Path)
		case Change:
			var path *workspace.Place
			if old, ok := e.bufs.get(m.Path); ok {
				path = &old.path // a keystroke does not move the file
			}
			e.putBuffer(Doc{Path: m.Path, Version: m.Version, Text: m.Text}, path)
			e.stalePrefetch(m.Path, m.Text, false)
		case Close:
			e.stalePrefetch(m.Path, "", true)
			e.cache.forget(m.Path)
			e.bufs.edits.forget(m.Path)
			e.cancelWarmUp(m.Path)
			if old := e.bufs.remove(m.Path); old != nil && old.place.Root != nil {
				// The unsaved text, if any, is gone: the file on disk is the truth again.
				e.work.add(old.place.Root, workspace.Change{Path: old.place.Rel, Op: workspace.Changed})
			} else {
				e.queueFile(m.Path, workspace.Changed)
			}
		case Save:
			if x, ok := e.bufs.get(m.Path); ok {
				doc := x.doc
				if m.Text != "" {
					doc.Text = m.Text
				}
				e.putBuffer(doc, nil) // the saved text may differ
			}
			e.rulesChanged(m.Path)
			e.queueFile(m.Path, workspace.Changed)
		case FileChanged:
			e.rulesChanged(m.Path)
			e.queueFile(m.Path, workspace.Changed)
		case FileDeleted:
			e.rulesChanged(m.Path)
			e.queueFile(m.Path, workspace.Removed)
		case Rescan:
			for _, r := range e.session.Roots() {
				if m.Path == "" || r.Dir == workspace.ResolvePath(m.Path) {
					e.work.rescan(r)
				}
			}
		default:
			return fmt.Errorf("unknown modification kind %v for %s", m.Kind, m.Path)
		}
	}
	return nil
}

// rulesChanged judges every open buffer again when path is an ignore file.
func (e *Engine) rulesChanged(path string) {
	switch filepath.Base(path) {
	case ".gitignore", ".raglsignore", "exclude":
	default:
		return
	}
	for _, r := range e.session.Roots() {
		r.ReloadRules()
	}
	e.bufs.reclassify(e)
}

// putBuffer records an open buffer as the rules judge it and queues its indexing. path, if not
// nil, is the verdict on its path from before, which a change of text does not alter.
func (e *Engine) putBuffer(doc Doc, path *workspace.Place) {
	edit := path != nil
	var pp workspace.Place
	if path != nil {
		pp = *path
	} else {
		pp = e.session.ClassifyPath(doc.Path)
	}
	pl := e.session.JudgeText(pp, doc.Path, doc.Text)
	old := e.bufs.put(&buffer{doc: doc, path: pp, place: pl})
	if edit && old != nil && old.place.Access == AccessIndexed && pl.Access == AccessIndexed {
		e.bufs.edits.record(doc.Path, pl.Rel, old.doc.Text, doc.Text)
	} else if pl.Access != AccessIndexed {
		e.bufs.edits.forget(doc.Path)
	}
	if pl.Access == AccessSecret {
		e.cache.forget(doc.Path)
		e.tellSecret(doc.Path)
	}
	if pl.Root != nil {
		// Indexable: the buffer goes in. Otherwise the change makes the worker look again, and
		// drop the file if it is now secret or ignored.
		if edit {
			// Typing: index the buffer once the user pauses, not at every keystroke.
			e.work.addLater(pl.Root, workspace.Change{Path: pl.Rel, Op: workspace.Changed}, bufferDelay)
		} else {
			e.work.add(pl.Root, workspace.Change{Path: pl.Rel, Op: workspace.Changed})
		}
	}
	if old != nil && old.place.Root != nil && (old.place.Root != pl.Root || old.place.Rel != pl.Rel) {
		e.work.add(old.place.Root, workspace.Change{Path: old.place.Rel, Op: workspace.Changed})
	}
}

// queueFile queues a change to a file on disk for the root that really holds it.
func (e *Engine) queueFile(path string, op workspace.Op) {
	r, rel, ok := e.session.RootOf(path)
	if !ok || rel == "" {
		return
	}
	e.work.add(r, workspace.Change{Path: rel, Op: op})
}

// tellSecret tells the user, once per file, why ragls does nothing in it.
func (e *Engine) tellSecret(path string) {
	e.mu.Lock()
	told := e.told[path]
	e.told[path] = true
	e.mu.Unlock()
	if told {
		return
	}
	e.emit(Event{Kind: EventProblem, Key: "secret:" + path, Message: fmt.Sprintf(
		"%s looks like a file that holds secrets (keys, passwords, tokens): ragls never indexes it or sends any of it to the model, so it offers no completions or code actions there.",
		filepath.Base(path))})
}

// Buffer returns the open buffer at path as the engine holds it.
func (e *Engine) Buffer(path string) (Doc, bool) {
	x, ok := e.bufs.get(path)
	if !ok {
		return Doc{}, false
	}
	return x.doc, true
}

// Access says what ragls may do with the document at path: an open buffer as last judged, a
// file by its name and content on disk otherwise.
func (e *Engine) Access(path string) Access {
	return e.placeOf(Doc{Path: path}).Access
}

// placeOf judges a document: the open buffer's verdict when doc is that buffer, else doc's
// own text (read from disk when doc has none).
func (e *Engine) placeOf(doc Doc) workspace.Place {
	if x, ok := e.bufs.get(doc.Path); ok && (doc.Text == "" || doc.Text == x.doc.Text) {
		return x.place
	}
	text := doc.Text
	if text == "" && filepath.IsAbs(doc.Path) {
		if t, ok := e.currentText(doc.Path); ok {
			text = t
		}
	}
	return e.session.Classify(doc.Path, text)
}

// CheckWrite refuses a path a code action must not write: outside every root (symlinks and
// ".." resolved), or a secret file.
func (e *Engine) CheckWrite(path string) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("ragls writes only files with an absolute path, not %q", path)
	}
	if _, _, ok := e.session.Contains(path); !ok {
		return fmt.Errorf("ragls writes only inside the workspace folders; %s is outside them", path)
	}
	if e.session.Classify(path, "").Access == AccessSecret {
		return fmt.Errorf("ragls does not write secret files such as %s", filepath.Base(path))
	}
	return nil
}

// Settle waits until the index work queued so far is done: for tests, and for callers that
// must read what they just changed.
func (e *Engine) Settle(ctx context.Context) error {
	return e.work.wait(ctx)
}

// workQueue collects the index work DidModifyFiles queues, per root, coalesced: a path changed
// ten times while the worker was busy is looked at once, as it is when the worker gets to it.
type workQueue struct {
	mu      sync.Mutex
	pending map[*workspace.Root]*rootWork // guarded by mu
	queued  uint64                        // guarded by mu; batches queued so far
	done    uint64                        // guarded by mu; batches finished
	settled chan struct{}                 // guarded by mu; closed and replaced when done grows
	wake    chan struct{}
	// notBefore is when the pending work may start, if all of it is buffer edits that wait
	// for a pause in typing; zero when some pending work is urgent. Guarded by mu.
	notBefore time.Time
	urgent    bool // guarded by mu; some pending work must not wait
}

// bufferDelay is how long after a keystroke a buffer is indexed: long enough that typing costs
// one update per pause, not one per key (each may embed chunks through the model server).
const bufferDelay = 300 * time.Millisecond

type rootWork struct {
	rescan  bool
	order   []string
	changes map[string]workspace.Change
}

func (q *workQueue) init() {
	q.pending = make(map[*workspace.Root]*rootWork)
	q.settled = make(chan struct{})
	q.wake = make(chan struct{}, 1)
}

func (q *workQueue) entry(r *workspace.Root) *rootWork {
	w := q.pending[r]
	if w == nil {
		w = &rootWork{changes: map[string]workspace.Change{}}
		q.pending[r] = w
	}
	return w
}

func (q *workQueue) add(r *workspace.Root, c workspace.Change) {
	q.mu.Lock()
	q.urgent = true
	q.mu.Unlock()
	q.addLater(r, c, 0)
}

// addLater queues c to be done no sooner than delay from now, unless urgent work comes first.
func (q *workQueue) addLater(r *workspace.Root, c workspace.Change, delay time.Duration) {
	q.mu.Lock()
	if t := time.Now().Add(delay); t.After(q.notBefore) {
		q.notBefore = t
	}
	w := q.entry(r)
	if _, ok := w.changes[c.Path]; !ok {
		w.order = append(w.order, c.Path)
	}
	w.changes[c.Path] = c
	q.queued++
	q.mu.Unlock()
	q.poke()
}

func (q *workQueue) rescan(r *workspace.Root) {
	q.mu.Lock()
	q.urgent = true
	q.entry(r).rescan = true
	q.queued++
	q.mu.Unlock()
	q.poke()
}

func (q *workQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns the pending work and the count of batches it covers, or, when all of it may
// still wait, how long.
func (q *workQueue) take() (map[*workspace.Root]*rootWork, uint64, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if wait := time.Until(q.notBefore); !q.urgent && wait > 0 && len(q.pending) > 0 {
		return nil, 0, wait
	}
	q.urgent, q.notBefore = false, time.Time{}
	p := q.pending
	q.pending = make(map[*workspace.Root]*rootWork)
	return p, q.queued, 0
}

func (q *workQueue) finished(upTo uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.done = upTo
	close(q.settled)
	q.settled = make(chan struct{})
}

func (q *workQueue) wait(ctx context.Context) error {
	q.mu.Lock()
	target := q.queued
	for q.done < target {
		ch := q.settled
		q.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
	q.mu.Unlock()
	return nil
}

// runWork is the engine's one index worker: it applies queued changes root by root, in the
// order they were queued, and saves an index once it has been quiet for Options.SaveAfter.
func (e *Engine) runWork(ctx context.Context) {
	defer e.bg.Done()
	save := time.NewTimer(time.Hour)
	save.Stop()
	later := time.NewTimer(time.Hour)
	later.Stop()
	dirty := map[*workspace.Root]bool{}
	for {
		select {
		case <-e.work.wake:
		case <-later.C:
		case <-save.C:
			for r := range dirty {
				if err := r.Save(); err != nil {
					e.opts.Logger.Warn("cannot save index", "root", r.Dir, "err", err)
				}
			}
			clear(dirty)
			continue
		case <-ctx.Done():
			save.Stop()
			later.Stop()
			return
		}
		pending, upTo, wait := e.work.take()
		if wait > 0 {
			later.Reset(wait)
			continue
		}
		for r, w := range pending {
			if ctx.Err() != nil {
				return
			}
			if w.rescan {
				e.sync(ctx, r) // Sync reads open buffers through the overlay, and saves
			}
			if len(w.order) == 0 {
				continue
			}
			changes := make([]workspace.Change, 0, len(w.order))
			for _, p := range w.order {
				changes = append(changes, w.changes[p])
			}
			n, err := r.Apply(ctx, changes)
			if err != nil && ctx.Err() == nil {
				e.opts.Logger.Warn("applying file changes", "root", r.Dir, "err", err)
			}
			if n > 0 {
				dirty[r] = true
				save.Reset(e.opts.SaveAfter)
			}
		}
		e.work.finished(upTo)
	}
}
