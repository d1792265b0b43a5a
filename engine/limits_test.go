package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A completion cancelled while the server's /api/show stalls returns at once: the discovery
// of the model's limits is not waited for on its behalf (it goes on, bounded, for later
// requests).
func TestCancelledCompletionDoesNotWaitForLimits(t *testing.T) {
	release := make(chan struct{})
	var completions atomic.Int32
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/api/version", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]any{"version": "0.17.4"}) })
	mux.HandleFunc("/api/show", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/v1/completions", func(w http.ResponseWriter, r *http.Request) {
		completions.Add(1)
		reply(w, map[string]any{"choices": []any{map[string]any{"text": "x"}}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	model := &fakeModel{srv: srv}
	e, root := newTestEngineEnv(t, model, map[string]string{"RAGLS_WARM_UP": "0"})
	doc := Doc{Path: filepath.Join(root, "billing/c.go"), Text: "package billing\n\nfunc f() { fmt. }\n"}
	off := strings.Index(doc.Text, "fmt.") + 4

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := e.Complete(ctx, doc, off)
	waited := time.Since(start)
	if waited > 2*time.Second {
		t.Errorf("a cancelled completion returned after %v, while /api/show stalled", waited)
	}
	if err == nil {
		t.Error("a cancelled completion returned no error")
	}
	if n := completions.Load(); n != 0 {
		t.Errorf("the cancelled completion still asked the model (%d requests)", n)
	}
}

// The first completion on llama.cpp, with a /props that answers slowly (the server is busy),
// goes to /infill: the kind is known before the completion is sent.
func TestFirstCompletionOnLlamaCppUsesInfill(t *testing.T) {
	var infills, openai atomic.Int32
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/props", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		reply(w, map[string]any{"default_generation_settings": map[string]any{"n_ctx": 4096}, "build_info": "b5000"})
	})
	mux.HandleFunc("/tokenize", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]any{"tokens": make([]int, 300)}) })
	mux.HandleFunc("/infill", func(w http.ResponseWriter, r *http.Request) {
		infills.Add(1)
		reply(w, map[string]any{"content": "Println(total)"})
	})
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		openai.Add(1)
		reply(w, map[string]any{"choices": []any{map[string]any{"text": "wrong"}}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e, root := newTestEngineEnv(t, &fakeModel{srv: srv}, map[string]string{"RAGLS_WARM_UP": "0"})
	doc := Doc{Path: filepath.Join(root, "billing/c.go"), Text: "package billing\n\nfunc f(total int) {\n\tfmt.\n}\n"}
	got, err := e.Complete(context.Background(), doc, strings.Index(doc.Text, "fmt.")+4)
	if err != nil || got != "Println(total)" {
		t.Fatalf("first completion = %q, %v", got, err)
	}
	if infills.Load() != 1 || openai.Load() != 0 {
		t.Errorf("first completion: %d /infill and %d OpenAI-compatible requests, want 1 and 0", infills.Load(), openai.Load())
	}
}
