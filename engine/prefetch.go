package engine

import (
	"context"
	"hash/maphash"
	"strings"
	"sync"
)

// Prefetch: once the user accepts a completion, the next keystroke-free request is the one at
// the end of the inserted text. Computing it in the background, on the buffer as it will be
// after the insertion, puts it in the completion cache before the client asks. One prefetch
// runs at a time (a newer one cancels it), an edit that makes its buffer stale cancels it, and
// it goes through Complete's policy: nothing for a secret file or a disabled language, nothing
// while the server is known to be down. A request for the same place while it runs waits for
// it instead of asking the model twice.
type prefetcher struct {
	mu  sync.Mutex
	cur *prefetch // guarded by mu; the one running, nil if none
}

type prefetch struct {
	doc    Doc
	offset int
	cancel context.CancelFunc
	done   chan struct{} // closed when it has finished
}

// prefetchAfter starts the prefetch after text, a candidate of o, was accepted. The client may
// have sent the insertion before the acceptance or after it: the buffer must be either the
// document o was offered for, or that document with text inserted. Otherwise the user has
// moved on and there is nothing to predict.
func (e *Engine) prefetchAfter(o offer, text string) {
	x, ok := e.bufs.get(o.path)
	if !ok || text == "" {
		return
	}
	cur := x.doc.Text
	seed := e.stats.seed
	var next string
	switch {
	case len(cur) == o.size && o.offset <= len(cur) && maphash.String(seed, cur) == o.doc:
		next = cur[:o.offset] + text + cur[o.offset:] // the insertion has not arrived yet
	case len(cur) == o.size+len(text) && o.offset <= o.size && strings.HasPrefix(cur[o.offset:], text):
		var h maphash.Hash
		h.SetSeed(seed)
		h.WriteString(cur[:o.offset])
		h.WriteString(cur[o.offset+len(text):])
		if h.Sum64() != o.doc {
			return
		}
		next = cur // it has
	default:
		return
	}
	e.startPrefetch(Doc{Path: o.path, Version: x.doc.Version, Text: next}, o.offset+len(text))
}

// startPrefetch computes the completion of doc at offset in the background, into the cache.
func (e *Engine) startPrefetch(doc Doc, offset int) {
	if e.ctx.Err() != nil || !e.completes(doc.Path) || e.model.down() || e.placeOf(doc).Access == AccessSecret {
		return
	}
	if _, ok := e.cache.get(doc.Path, doc.Text, offset); ok {
		return
	}
	ctx, cancel := context.WithCancel(e.ctx)
	pf := &prefetch{doc: doc, offset: offset, cancel: cancel, done: make(chan struct{})}
	e.pf.mu.Lock()
	old := e.pf.cur
	e.pf.cur = pf
	e.bg.Add(1)
	e.pf.mu.Unlock()
	if old != nil {
		old.cancel()
	}
	go func() {
		defer e.bg.Done()
		defer close(pf.done)
		defer cancel()
		_, _ = e.complete(ctx, doc, offset, true)
		e.pf.mu.Lock()
		if e.pf.cur == pf {
			e.pf.cur = nil
		}
		e.pf.mu.Unlock()
	}()
}

// stalePrefetch cancels the prefetch for path unless text (path's buffer now, "" when it was
// closed) is the buffer it predicted.
func (e *Engine) stalePrefetch(path, text string, closed bool) {
	e.pf.mu.Lock()
	pf := e.pf.cur
	if pf == nil || pf.doc.Path != path || (!closed && pf.doc.Text == text) {
		e.pf.mu.Unlock()
		return
	}
	e.pf.cur = nil
	e.pf.mu.Unlock()
	pf.cancel()
}

// runningPrefetch returns the prefetch computing the completion of doc at offset, if any.
func (e *Engine) runningPrefetch(doc Doc, offset int) *prefetch {
	e.pf.mu.Lock()
	defer e.pf.mu.Unlock()
	if pf := e.pf.cur; pf != nil && pf.doc.Path == doc.Path && pf.offset == offset && pf.doc.Text == doc.Text {
		return pf
	}
	return nil
}
