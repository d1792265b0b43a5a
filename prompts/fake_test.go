package prompts

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeServer is an OpenAI-compatible server whose behaviour each test scripts. It records every
// request so tests can assert on exactly what the client sent.
type fakeServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path string
	Header       http.Header
	Body         map[string]any
}

func newFake(t *testing.T, h func(w http.ResponseWriter, r *http.Request, n int)) *fakeServer {
	t.Helper()
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
		_ = json.Unmarshal(data, &rec.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		n := len(f.reqs)
		f.mu.Unlock()
		h(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func (f *fakeServer) client(mod ...func(*Config)) *Client {
	cfg := DefaultConfig()
	cfg.BaseURL = f.URL + "/v1"
	for _, m := range mod {
		m(&cfg)
	}
	c := NewClient(cfg, f.Server.Client())
	c.backoff = time.Millisecond // keep retry tests fast; the delay itself is not under test
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func chatJSON(content string) string {
	b, _ := json.Marshal(map[string]any{
		"id": "x", "object": "chat.completion", "model": "m",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
	})
	return string(b)
}

func completionJSON(text string) string {
	b, _ := json.Marshal(map[string]any{"id": "x", "object": "text_completion", "model": "m",
		"choices": []any{map[string]any{"index": 0, "text": text, "finish_reason": "stop"}}})
	return string(b)
}

// sse writes an event stream of chat deltas (or completion texts when completion is true),
// then "[DONE]" if done.
func sse(w http.ResponseWriter, completion, done bool, pieces ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	for i, p := range pieces {
		var ev any
		finish := any(nil)
		if i == len(pieces)-1 && done {
			finish = "stop"
		}
		if completion {
			ev = map[string]any{"id": "x", "object": "text_completion", "model": "m",
				"choices": []any{map[string]any{"index": 0, "text": p, "finish_reason": finish}}}
		} else {
			ev = map[string]any{"id": "x", "object": "chat.completion.chunk", "model": "m",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": p}, "finish_reason": finish}}}
		}
		b, _ := json.Marshal(ev)
		fmt.Fprintf(w, "data: %s\n\n", b)
		fl.Flush()
	}
	if done {
		io.WriteString(w, "data: [DONE]\n\n")
		fl.Flush()
	}
}

func newServer(h http.HandlerFunc) *httptest.Server { return httptest.NewServer(h) }
