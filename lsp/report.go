package lsp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.lsp.dev/protocol"
)

// reporter shows the engine's events to the user: progress bars through $/progress, problems
// through window/showMessage, each problem once until it clears. The engine posts from any
// goroutine without blocking; one goroutine talks to the client, since creating a progress token
// waits for the client's answer.
type reporter struct {
	s    *Server
	wake chan struct{}

	mu    sync.Mutex
	queue []Event // guarded by mu

	// Owned by the run goroutine.
	tokens map[string]protocol.ProgressToken // progress bars begun, by Event.Key
	shown  map[string]bool                   // problems shown and not cleared, by Event.Key
	seq    int
}

// maxQueued bounds the events waiting for the client; progress reports are merged long before.
const maxQueued = 1024

func newReporter(s *Server) *reporter {
	return &reporter{
		s:      s,
		wake:   make(chan struct{}, 1),
		tokens: make(map[string]protocol.ProgressToken),
		shown:  make(map[string]bool),
	}
}

// post queues ev. Consecutive reports on the same task are merged: only the latest matters.
func (r *reporter) post(ev Event) {
	r.mu.Lock()
	if n := len(r.queue); n > 0 && ev.Kind == EventProgress {
		last := &r.queue[n-1]
		if last.Kind == EventProgress && last.Key == ev.Key && !last.Done {
			if ev.Title == "" {
				ev.Title = last.Title
			}
			*last = ev
			r.mu.Unlock()
			r.signal()
			return
		}
	}
	if len(r.queue) < maxQueued {
		r.queue = append(r.queue, ev)
	}
	r.mu.Unlock()
	r.signal()
}

func (r *reporter) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// run delivers events until ctx is done. It starts once the client is initialized: LSP forbids
// sending progress before.
func (r *reporter) run(ctx context.Context) {
	for {
		r.mu.Lock()
		events := r.queue
		r.queue = nil
		r.mu.Unlock()
		for _, ev := range events {
			if ctx.Err() != nil {
				return
			}
			r.deliver(ctx, ev)
		}
		select {
		case <-r.wake:
		case <-ctx.Done():
			return
		}
	}
}

func (r *reporter) deliver(ctx context.Context, ev Event) {
	switch ev.Kind {
	case EventProblem:
		if r.shown[ev.Key] {
			return
		}
		r.shown[ev.Key] = true
		r.s.log.Warn("problem", "key", ev.Key, "message", ev.Message)
		r.s.showMessage(ctx, protocol.MessageTypeWarning, "ragls: "+ev.Message)
	case EventProblemCleared:
		if r.shown[ev.Key] {
			delete(r.shown, ev.Key)
			r.s.log.Info("problem cleared", "key", ev.Key)
			r.s.logMessage(ctx, protocol.MessageTypeInfo, "ragls: resolved: "+ev.Key)
		}
	case EventProgress:
		r.progress(ctx, ev)
	}
}

func (r *reporter) progress(ctx context.Context, ev Event) {
	if !r.s.caps().workDoneProgress {
		r.s.log.Debug("progress", "task", ev.Key, "percent", ev.Percent, "message", ev.Message, "done", ev.Done)
		return
	}
	pct := ptr(uint32(max(0, min(ev.Percent, 100))))
	var msg *string
	if ev.Message != "" {
		msg = ptr(ev.Message)
	}
	tok, begun := r.tokens[ev.Key]
	if !begun {
		r.seq++
		tok = protocol.String(fmt.Sprintf("ragls-%d", r.seq))
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := r.s.client.WorkDoneProgressCreate(cctx, &protocol.WorkDoneProgressCreateParams{Token: tok})
		cancel()
		if err != nil {
			r.s.log.Info("client refused a progress token", "error", err)
			return
		}
		title := ev.Title
		if title == "" {
			title = ev.Key
		}
		r.send(ctx, tok, &protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Message: msg, Percentage: pct})
		if !ev.Done {
			r.tokens[ev.Key] = tok
			return
		}
	} else if !ev.Done {
		r.send(ctx, tok, &protocol.WorkDoneProgressReport{Kind: "report", Message: msg, Percentage: pct})
		return
	}
	delete(r.tokens, ev.Key)
	r.send(ctx, tok, &protocol.WorkDoneProgressEnd{Kind: "end", Message: msg})
}

func (r *reporter) send(ctx context.Context, tok protocol.ProgressToken, value any) {
	raw, err := protocol.Marshal(value)
	if err != nil {
		r.s.log.Error("encoding progress", "error", err)
		return
	}
	if err := r.s.client.Progress(ctx, &protocol.ProgressParams{Token: tok, Value: raw}); err != nil {
		r.s.log.Debug("sending progress", "error", err)
	}
}

func (s *Server) showMessage(ctx context.Context, typ protocol.MessageType, msg string) {
	if err := s.client.ShowMessage(ctx, &protocol.ShowMessageParams{Type: typ, Message: msg}); err != nil {
		s.log.Debug("showMessage", "error", err)
	}
}

func (s *Server) logMessage(ctx context.Context, typ protocol.MessageType, msg string) {
	if err := s.client.LogMessage(ctx, &protocol.LogMessageParams{Type: typ, Message: msg}); err != nil {
		s.log.Debug("logMessage", "error", err)
	}
}
