package prompts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFaultWaits injects the faults a local model server shows and measures how long the user
// waits for the answer or the error. The stage timeouts are scaled down (first byte 1 s, idle
// 300 ms, completion 500 ms) so the test is quick; with the defaults the waits scale alike.
func TestFaultWaits(t *testing.T) {
	timeouts := func(cfg *Config) {
		cfg.Timeout = time.Second // also a non-streamed answer's bound and a stream's first byte
		cfg.Timeouts = Timeouts{FirstByte: time.Second, Idle: 300 * time.Millisecond, Completion: 500 * time.Millisecond}
		cfg.MaxTokens = 64
	}
	stream := func(w http.ResponseWriter, completion bool, pieces int, every time.Duration, text string) {
		for i := 0; i < pieces; i++ {
			sse(w, completion, false, text)
			time.Sleep(every)
		}
		sse(w, completion, true, ".")
	}
	hang := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	tests := []struct {
		name    string
		call    string // chatStream, chat, complete, completeStream
		handler func(w http.ResponseWriter, r *http.Request, n int)
		kind    ErrorKind // 0: no error
		msg     string    // in the error, or in the text's check
		minWait time.Duration
		maxWait time.Duration
		check   func(t *testing.T, text string)
	}{
		{name: "stream producing past Config.Timeout is not cut", call: "chatStream",
			handler: func(w http.ResponseWriter, r *http.Request, n int) { stream(w, false, 30, 50*time.Millisecond, "x") },
			minWait: 1400 * time.Millisecond, maxWait: 5 * time.Second,
			check: func(t *testing.T, text string) {
				if len(text) != 31 {
					t.Errorf("got %d bytes of a 31-byte answer", len(text))
				}
			}},
		{name: "stream that stalls", call: "chatStream", kind: KindTimeout, msg: "stalled",
			handler: func(w http.ResponseWriter, r *http.Request, n int) {
				sse(w, false, false, "a", "b")
				hang(w, r)
			}, minWait: 250 * time.Millisecond, maxWait: 900 * time.Millisecond},
		{name: "accepts and never answers a stream", call: "chatStream", kind: KindTimeout, msg: "sent nothing",
			handler: func(w http.ResponseWriter, r *http.Request, n int) { hang(w, r) },
			minWait: 900 * time.Millisecond, maxWait: 2 * time.Second},
		{name: "completion never answers", call: "complete", kind: KindTimeout, msg: "too slow for completions",
			handler: func(w http.ResponseWriter, r *http.Request, n int) { hang(w, r) },
			minWait: 400 * time.Millisecond, maxWait: 1200 * time.Millisecond},
		{name: "completion stream too slow", call: "completeStream", kind: KindTimeout, msg: "too slow for completions",
			handler: func(w http.ResponseWriter, r *http.Request, n int) { stream(w, true, 100, 20*time.Millisecond, "x") },
			minWait: 400 * time.Millisecond, maxWait: 1200 * time.Millisecond},
		{name: "10 MB answer to max_tokens 64, streamed", call: "chatStream",
			handler: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "text/event-stream")
				piece := strings.Repeat("y", 10<<10)
				for i := 0; i < 1000 && r.Context().Err() == nil; i++ {
					sse(w, false, false, piece)
				}
			}, maxWait: 2 * time.Second,
			check: func(t *testing.T, text string) {
				if len(text) > answerCap(64) {
					t.Errorf("%d bytes reached the caller, cap %d", len(text), answerCap(64))
				}
			}},
		{name: "10 MB answer to max_tokens 64, one JSON", call: "chat", kind: KindMalformed, msg: "larger than",
			handler: func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, 200, chatJSON(strings.Repeat("z", 10<<20)))
			}, maxWait: 2 * time.Second},
		{name: "JSON reply to a streaming request", call: "chatStream", kind: KindMalformed, msg: "asked for a stream",
			handler: func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, chatJSON("hello")) },
			maxWait: time.Second},
	}
	var report []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c := f.client(timeouts)
			ctx := context.Background()
			msgs := []Message{{Role: RoleUser, Content: "hi"}}
			var text string
			var err error
			var delivered int
			start := time.Now()
			switch tt.call {
			case "chatStream":
				var res ChatResult
				res, err = c.Chat(ctx, ChatRequest{Messages: msgs}, func(s string) { delivered += len(s) })
				text = res.Text
			case "chat":
				var res ChatResult
				res, err = c.Chat(ctx, ChatRequest{Messages: msgs}, nil)
				text = res.Text
			case "complete":
				text, err = c.Complete(ctx, CompletionRequest{Prompt: "x"}, nil)
			case "completeStream":
				text, err = c.Complete(ctx, CompletionRequest{Prompt: "x"}, func(s string) { delivered += len(s) })
			}
			waited := time.Since(start)
			report = append(report, fmt.Sprintf("%-50s waited %6d ms: %v", tt.name, waited.Milliseconds(), errOrOK(err)))
			if tt.kind == 0 && err != nil {
				t.Fatalf("error %v", err)
			}
			if tt.kind != 0 {
				if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("error %v, want %v with %q", err, tt.kind, tt.msg)
				}
			}
			if waited < tt.minWait || waited > tt.maxWait {
				t.Errorf("waited %v, want %v..%v", waited, tt.minWait, tt.maxWait)
			}
			if tt.check != nil {
				tt.check(t, text)
				if delivered > answerCap(64) {
					t.Errorf("%d bytes were streamed to the caller", delivered)
				}
			}
		})
	}
	t.Log("what the user waits for, per fault:\n" + strings.Join(report, "\n"))
}

func errOrOK(err error) string {
	if err == nil {
		return "answer"
	}
	s := err.Error()
	if i := strings.Index(s, "; fix:"); i > 0 {
		s = s[:i]
	}
	return s
}

// TestLimitsOfHangingServer: a server that accepts and never answers delays the first prompt's
// window discovery by a bounded time, and the ones after it not at all.
func TestLimitsOfHangingServer(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() })
	c := f.client()
	start := time.Now()
	lim := c.Limits(context.Background(), "m")
	first := time.Since(start)
	start = time.Now()
	c.Limits(context.Background(), "m")
	second := time.Since(start)
	t.Logf("window discovery on a hanging server: first %v, then %v; assumed window %d", first.Round(time.Millisecond), second.Round(time.Millisecond), lim.Window)
	if lim.Known || first > 3*time.Second || second > 50*time.Millisecond {
		t.Errorf("discovery took %v then %v (%+v)", first, second, lim)
	}
}
