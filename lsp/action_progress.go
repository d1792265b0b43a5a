package lsp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.lsp.dev/protocol"
)

// actionProgressDelay is how long an action runs before it shows progress: a bar that flashes
// for a quick answer is noise, but a model call of several seconds with no sign of life looks
// like nothing happened.
const actionProgressDelay = 300 * time.Millisecond

// actionVerbs title an action's progress bar.
var actionVerbs = map[ActionKind]string{
	ActionExplain:       "Explaining",
	ActionExplainInline: "Writing explanatory comments",
	ActionDocument:      "Writing the doc comment",
	ActionRefactor:      "Refactoring",
	ActionFix:           "Fixing",
	ActionTest:          "Writing tests",
}

// actionProgress is the progress bar of one action: begun after actionProgressDelay on the
// client's token (or one the server creates), cancellable from the editor, ended by stop.
type actionProgress struct {
	s      *Server
	cancel context.CancelFunc
	timer  *time.Timer

	mu    sync.Mutex
	tok   protocol.ProgressToken // guarded by mu; set once begun
	ended bool                   // guarded by mu
}

// startActionProgress shows progress for an action that runs under ctx until the returned
// function is called; the user's cancel button calls cancel. given is the token the client
// sent with the request, if any.
func (s *Server) startActionProgress(ctx context.Context, cancel context.CancelFunc, kind ActionKind, given protocol.ProgressToken) (stop func()) {
	if given == nil && !s.caps().workDoneProgress {
		return func() {}
	}
	p := &actionProgress{s: s, cancel: cancel}
	title := "ragls: " + actionVerbs[kind]
	p.timer = time.AfterFunc(actionProgressDelay, func() { p.begin(ctx, title, given) })
	return p.stop
}

func (p *actionProgress) begin(ctx context.Context, title string, tok protocol.ProgressToken) {
	if tok == nil {
		p.s.mu.Lock()
		p.s.progressSeq++
		tok = protocol.String(fmt.Sprintf("ragls-action-%d", p.s.progressSeq))
		p.s.mu.Unlock()
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := p.s.client.WorkDoneProgressCreate(cctx, &protocol.WorkDoneProgressCreateParams{Token: tok})
		cancel()
		if err != nil {
			p.s.log.Debug("client refused a progress token", "error", err)
			return
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || ctx.Err() != nil {
		return
	}
	p.tok = tok
	p.s.mu.Lock()
	p.s.progressCancels[tokenKey(tok)] = p.cancel
	p.s.mu.Unlock()
	p.s.sendProgress(ctx, tok, &protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Cancellable: ptr(true), Message: ptr("asking the model")})
}

func (p *actionProgress) stop() {
	p.timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended = true
	if p.tok == nil {
		return
	}
	p.s.mu.Lock()
	delete(p.s.progressCancels, tokenKey(p.tok))
	p.s.mu.Unlock()
	// The request's context may be done (cancelled by the user): the end still goes out.
	p.s.sendProgress(context.Background(), p.tok, &protocol.WorkDoneProgressEnd{Kind: "end"})
}

// cancelProgress handles window/workDoneProgress/cancel: the user pressed cancel on a bar.
func (s *Server) cancelProgress(params []byte) error {
	var p protocol.WorkDoneProgressCancelParams
	if err := protocol.Unmarshal(params, &p); err != nil {
		return fmt.Errorf("malformed %s: %w", protocol.MethodWindowWorkDoneProgressCancel, err)
	}
	s.mu.Lock()
	cancel := s.progressCancels[tokenKey(p.Token)]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	return nil
}

// tokenKey names a progress token, which is a string or an integer, as a map key.
func tokenKey(tok protocol.ProgressToken) string { return fmt.Sprintf("%T:%v", tok, tok) }

func (s *Server) sendProgress(ctx context.Context, tok protocol.ProgressToken, value any) {
	raw, err := protocol.Marshal(value)
	if err != nil {
		s.log.Error("encoding progress", "error", err)
		return
	}
	if err := s.client.Progress(ctx, &protocol.ProgressParams{Token: tok, Value: raw}); err != nil {
		s.log.Debug("sending progress", "error", err)
	}
}
