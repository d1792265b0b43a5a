package engine

import (
	"errors"
	"sync"
	"time"

	"ragls/prompts"
)

// Warm-up: the first completion in a file otherwise pays for loading the model (Ollama loads
// it on first use) and for evaluating the whole prompt. A one-token completion with the file's
// text, sent shortly after the file is opened, pays that while the user is still reading, and
// leaves the prompt's head in the server's cache (llama.cpp's cache_prompt, Ollama's runner).
const (
	warmDelay = 300 * time.Millisecond // opens in a burst (a session restored) settle first
	warmEvery = time.Minute            // at most once per file in this time
	warmPaths = 1024                   // bound on the files remembered as warmed
)

// warmUps schedules the warm-up requests of opened buffers.
type warmUps struct {
	mu     sync.Mutex
	timers map[string]*time.Timer // guarded by mu; pending, by path
	last   map[string]time.Time   // guarded by mu; when each path was last warmed
	// downAt is when a warm-up last found the server unreachable: none is sent for
	// warmEvery after; guarded by mu.
	downAt time.Time
}

// scheduleWarmUp asks for a warm-up of the buffer at path after warmDelay, unless the user
// turned warm-ups off (warmUp: false), or one is pending or was sent within warmEvery. It
// returns at once.
func (e *Engine) scheduleWarmUp(path string) {
	if cfg, _, _ := e.model.current(); !cfg.WarmUp {
		return
	}
	w := &e.bufs.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	if at, ok := w.last[path]; ok && time.Since(at) < warmEvery {
		return
	}
	if t, ok := w.timers[path]; ok {
		t.Reset(warmDelay)
		return
	}
	if w.timers == nil {
		w.timers, w.last = map[string]*time.Timer{}, map[string]time.Time{}
	}
	w.timers[path] = time.AfterFunc(warmDelay, func() { e.warmUp(path) })
}

// cancelWarmUp drops a pending warm-up of path (the buffer was closed).
func (e *Engine) cancelWarmUp(path string) {
	w := &e.bufs.warm
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.timers[path]; ok {
		t.Stop()
		delete(w.timers, path)
	}
}

// warmUp sends the one-token completion for the buffer at path: never for a buffer that is
// not indexable (secret, ignored, too large), never while the model server is known to be
// down, and silently: a failed warm-up is no request of the user's.
func (e *Engine) warmUp(path string) {
	w := &e.bufs.warm
	w.mu.Lock()
	delete(w.timers, path)
	if e.ctx.Err() != nil || time.Since(w.downAt) < warmEvery {
		w.mu.Unlock()
		return
	}
	if len(w.last) >= warmPaths {
		for p, at := range w.last {
			if time.Since(at) >= warmEvery {
				delete(w.last, p)
			}
		}
		if len(w.last) >= warmPaths {
			clear(w.last)
		}
	}
	w.last[path] = time.Now()
	e.bg.Add(1)
	w.mu.Unlock()
	defer e.bg.Done()

	x, ok := e.bufs.get(path)
	cfg, _, _ := e.model.current() // the setting may have changed since it was scheduled
	if !ok || x.place.Access != AccessIndexed || e.model.down() || !cfg.WarmUp || !e.completes(path) {
		return
	}
	ctx := e.ctx
	p, err := e.CompletionPrompt(ctx, x.doc, len(x.doc.Text))
	if err != nil {
		return
	}
	p.MaxTokens = 1
	_, client, _ := e.model.current()
	if _, err := client.Fill(ctx, p, nil); errors.Is(err, prompts.KindUnreachable) {
		w.mu.Lock()
		w.downAt = time.Now()
		w.mu.Unlock()
	}
}

// down reports whether the last model call found the server unreachable (and no call has
// succeeded since).
func (m *modelState) down() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.problems["model:"+prompts.KindUnreachable.Error()]
}
