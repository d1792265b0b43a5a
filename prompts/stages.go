package prompts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Stage timeouts. One deadline for a whole request either cuts a long answer that is still
// arriving or lets a dead server hold the user for minutes; each stage has its own instead:
//
//   - connecting: a local server accepts at once or not at all;
//   - the first byte: model loading and reading the prompt happen before it (Config.Timeout
//     bounds it for chat; a non-streamed answer is all "first byte");
//   - between the bytes of a stream: a server that produces keeps the stream alive however
//     long the answer, one that stalls is reported within seconds;
//   - a completion, asked for on a keystroke, has its own short deadline for everything.
const (
	DefaultConnectTimeout    = 5 * time.Second
	DefaultIdleTimeout       = 10 * time.Second
	DefaultCompletionTimeout = 10 * time.Second
	// DefaultFirstByteTimeout bounds the wait for a streamed answer's first byte (and is
	// never longer than Config.Timeout).
	DefaultFirstByteTimeout = 60 * time.Second
)

// bytesPerToken caps answers: no tokenizer has tokens longer than this on average, so an
// answer longer than maxTokens × bytesPerToken is not what was asked for.
const bytesPerToken = 32

// answerCap is the most text ragls accepts for an answer of maxTokens tokens.
func answerCap(maxTokens int) int { return max(maxTokens, 1)*bytesPerToken + 1024 }

// stages are the limits of one HTTP exchange, passed to the guard in the request's context.
type stages struct {
	firstByte time.Duration // from sending the request to the first byte of the body
	idle      time.Duration // between reads of an event stream; 0 = not a stream
	maxBody   int64         // the body is refused beyond this many bytes
	stream    bool          // the request asked for an event stream
	// completion words a first-byte timeout for what it means to the user typing.
	completion bool
}

type stagesKey struct{}

func withStages(ctx context.Context, s stages) context.Context {
	return context.WithValue(ctx, stagesKey{}, s)
}

// errStage is the cancellation cause when a stage's timer fires.
var errStage = errors.New("stage timeout")

// watch runs one exchange under st: it returns the response with a body that enforces the
// idle and size limits, or the error the first-byte timer caused.
func watch(base http.RoundTripper, req *http.Request, st stages) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	w := &watcher{st: st, cancel: cancel, stage: "the first byte"}
	w.timer = time.AfterFunc(st.firstByte, w.fire)
	resp, err := base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		w.stop()
		if w.fired.Load() {
			return nil, w.timeoutError()
		}
		return nil, err
	}
	resp.Body = &watchedBody{rc: resp.Body, w: w}
	return resp, nil
}

type watcher struct {
	st     stages
	cancel context.CancelCauseFunc
	timer  *time.Timer
	fired  atomic.Bool
	mu     sync.Mutex
	stage  string // what was awaited when the timer fired; guarded by mu
	limit  time.Duration
}

func (w *watcher) fire() {
	w.fired.Store(true)
	w.cancel(errStage)
}

func (w *watcher) stop() {
	w.timer.Stop()
	w.cancel(nil)
}

func (w *watcher) timeoutError() *ModelError {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.limit == 0 && w.st.completion {
		return &ModelError{Kind: KindTimeout, Msg: fmt.Sprintf("the server is too slow for completions: no answer within %s", w.st.firstByte)}
	}
	if w.limit == 0 {
		return &ModelError{Kind: KindTimeout, Msg: fmt.Sprintf("no answer within %s (the server accepted the request but sent nothing)", w.st.firstByte)}
	}
	return &ModelError{Kind: KindTimeout, Msg: fmt.Sprintf("the answer stalled: nothing for %s after %s", w.limit, w.stage)}
}

type watchedBody struct {
	rc    io.ReadCloser
	w     *watcher
	n     int64
	first bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.n += int64(n)
		if !b.first {
			b.first = true
			b.w.mu.Lock()
			b.w.stage, b.w.limit = "the first bytes", b.w.st.idle
			b.w.mu.Unlock()
		} else if b.w.st.idle > 0 {
			b.w.mu.Lock()
			b.w.stage = fmt.Sprintf("%d bytes", b.n)
			b.w.mu.Unlock()
		}
		if b.w.st.idle > 0 {
			b.w.timer.Reset(b.w.st.idle)
		} else {
			b.w.timer.Stop() // a whole JSON document: the call's own deadline bounds the rest
		}
		if b.w.st.maxBody > 0 && b.n > b.w.st.maxBody {
			b.w.stop()
			return 0, &ModelError{Kind: KindMalformed, Msg: fmt.Sprintf("the answer is larger than the %d bytes its max_tokens allows; stopped reading", b.w.st.maxBody)}
		}
	}
	if err != nil && b.w.fired.Load() {
		return n, b.w.timeoutError()
	}
	return n, err
}

func (b *watchedBody) Close() error {
	b.w.stop()
	return b.rc.Close()
}

// defaultTransport is http.DefaultTransport with a connect timeout.
func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: DefaultConnectTimeout, KeepAlive: 30 * time.Second}).DialContext
	return t
}
