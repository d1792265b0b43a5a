package prompts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// kindServer fakes the endpoints one server kind answers for window discovery and
// tokenization; tokensPerByte sets how the fake model's tokenizer counts.
func kindServer(t *testing.T, kind string, window int, tokensPerByte float64) *httptest.Server {
	t.Helper()
	count := func(s string) int { return int(float64(len(s)) * tokensPerByte) }
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	body := func(r *http.Request) map[string]any {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		return m
	}
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		d := map[string]any{"id": "m", "object": "model"}
		if kind == ServerVLLM {
			d["max_model_len"] = window
		}
		reply(w, map[string]any{"object": "list", "data": []any{d}})
	})
	mux.HandleFunc("/v1/completions", func(w http.ResponseWriter, r *http.Request) {
		p, _ := body(r)["prompt"].(string)
		reply(w, map[string]any{"choices": []any{map[string]any{"text": "x", "finish_reason": "length"}},
			"usage": map[string]any{"prompt_tokens": count(p), "completion_tokens": 1}})
	})
	switch kind {
	case ServerOllama:
		mux.HandleFunc("/api/version", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]any{"version": "0.17.4"}) })
		mux.HandleFunc("/api/show", func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"model_info": map[string]any{"llama.context_length": 8192}, "parameters": "temperature 0"})
		})
		mux.HandleFunc("/api/ps", func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"models": []any{map[string]any{"name": "m:latest", "model": "m:latest", "context_length": window}}})
		})
	case ServerLlamaCpp:
		mux.HandleFunc("/props", func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"default_generation_settings": map[string]any{"n_ctx": window}, "build_info": "b1"})
		})
		mux.HandleFunc("/tokenize", func(w http.ResponseWriter, r *http.Request) {
			c, _ := body(r)["content"].(string)
			reply(w, map[string]any{"tokens": make([]int, count(c))})
		})
	case ServerVLLM:
		mux.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]any{"version": "0.9"}) })
		mux.HandleFunc("/tokenize", func(w http.ResponseWriter, r *http.Request) {
			p, _ := body(r)["prompt"].(string)
			reply(w, map[string]any{"count": count(p)})
		})
	case ServerLMStudio:
		mux.HandleFunc("/api/v0/models", func(w http.ResponseWriter, r *http.Request) {
			reply(w, map[string]any{"data": []any{map[string]any{"id": "m", "state": "loaded", "max_context_length": 32768, "loaded_context_length": window}}})
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestLimitsPerServerKind(t *testing.T) {
	cn, err := NewCounter()
	if err != nil {
		t.Fatal(err)
	}
	// The fake tokenizer needs 0.5 tokens a byte: about twice cl100k's count for this text.
	n := len(calibrationText)
	want := float64(int(float64(n)*0.5)) / float64(cn.raw(calibrationText))
	for _, tc := range []struct {
		kind, source, ratioSource string
	}{
		{ServerOllama, "Ollama /api/ps", "probe"},
		{ServerLlamaCpp, "llama.cpp /props", "llama.cpp /tokenize"},
		{ServerVLLM, "vLLM /v1/models", "vLLM /tokenize"},
		{ServerLMStudio, "LM Studio /api/v0/models loaded_context_length", "probe"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			srv := kindServer(t, tc.kind, 3000, 0.5)
			cfg := DefaultConfig()
			cfg.BaseURL = srv.URL + "/v1"
			c := NewClient(cfg, nil)
			lim := c.Limits(context.Background(), "m")
			if lim.Window != 3000 || !lim.Known || !strings.Contains(lim.WindowSource, tc.source) {
				t.Errorf("window %d from %q (known %v), want 3000 from %s", lim.Window, lim.WindowSource, lim.Known, tc.source)
			}
			if lim.Ratio < want*0.99 || lim.Ratio > want*1.01 || !strings.Contains(lim.RatioSource, tc.ratioSource) {
				t.Errorf("ratio %.2f from %q, want %.2f from %s", lim.Ratio, lim.RatioSource, want, tc.ratioSource)
			}
			if lim.Ratio < 1.5 {
				t.Errorf("ratio %.2f: the fake tokenizer needs about twice cl100k's tokens", lim.Ratio)
			}

			cfg.ContextWindow = 1000
			over := NewClient(cfg, nil).Limits(context.Background(), "m")
			if over.Window != 1000 || !strings.Contains(over.WindowSource, "contextWindow") {
				t.Errorf("the contextWindow setting did not override: %d from %q", over.Window, over.WindowSource)
			}
		})
	}
}

func TestLimitsOfSilentOrDownServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	lim := NewClient(cfg, nil).Limits(context.Background(), "m")
	if lim.Known || lim.Window != assumedWindow || lim.Ratio != assumedRatio {
		t.Errorf("silent server: %+v", lim)
	}
	srv.Close()
	lim = NewClient(cfg, nil).Limits(context.Background(), "m")
	if lim.Known || lim.Window != assumedWindow {
		t.Errorf("server down: %+v", lim)
	}
}

// TestPromptsFitTheModelsTokens: with a server whose model needs twice cl100k's tokens, the
// prompts built stay inside its window counted by that model's tokenizer; a cl100k budget
// would overflow it.
func TestPromptsFitTheModelsTokens(t *testing.T) {
	const window = 2048
	srv := kindServer(t, ServerLlamaCpp, window, 0.5)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	cfg.CompletionModel = "qwen2.5-coder:1.5b-base"
	p, err := NewPrompter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.Use(NewClient(cfg, nil))
	var b strings.Builder
	for i := 0; b.Len() < 40000; i++ {
		b.WriteString("func helper(x int) int {\n\treturn x * 2 // doubles the value\n}\n\n")
	}
	src := b.String()
	prompt, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Language: "go", Prefix: src, Suffix: src})
	if err != nil {
		t.Fatal(err)
	}
	modelTokens := len(prompt.Text) / 2
	if modelTokens+cfg.MaxTokens > window {
		t.Errorf("completion prompt needs %d model tokens + %d for the answer > window %d", modelTokens, cfg.MaxTokens, window)
	}
	if modelTokens+cfg.MaxTokens < window/2 {
		t.Errorf("completion prompt of %d model tokens uses less than half the window", modelTokens)
	}
	msgs, err := p.Render(ActionExplain, ActionInput{Language: "go", Path: "a.go", Code: src[:400], Before: src, After: src})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		n += len(m.Content) / 2
	}
	if n+cfg.MaxTokens > window {
		t.Errorf("explain prompt needs %d model tokens + %d > window %d", n, cfg.MaxTokens, window)
	}
}

func TestUsageRaisesTheRatio(t *testing.T) {
	srv := kindServer(t, ServerOllama, 4096, 0.5)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	c := NewClient(cfg, nil)
	before := c.Limits(context.Background(), "m").Ratio
	// An answer whose prompt cost far more tokens than the calibration text suggested.
	text := strings.Repeat("日本語のテキスト ", 40)
	c.observeUsage("m", []string{text}, 4*len(text))
	after, _ := c.CachedLimits("m")
	if after.Ratio <= before {
		t.Errorf("ratio %.2f after an expensive prompt, was %.2f", after.Ratio, before)
	}
	c.observeUsage("m", []string{"short"}, 1000)
	if again, _ := c.CachedLimits("m"); again.Ratio != after.Ratio {
		t.Errorf("a prompt too short to measure changed the ratio to %.2f", again.Ratio)
	}
}

// TestLimitsCancelledWhileShowStalls: a caller whose request is cancelled while Ollama's
// /api/show stalls returns at once with the assumed limits; the one discovery goes on, and
// what it learns is shared by the callers after it, who do not start another.
func TestLimitsCancelledWhileShowStalls(t *testing.T) {
	release := make(chan struct{})
	var shows atomic.Int32
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("/api/version", func(w http.ResponseWriter, r *http.Request) { reply(w, map[string]any{"version": "0.17.4"}) })
	mux.HandleFunc("/api/show", func(w http.ResponseWriter, r *http.Request) {
		shows.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		reply(w, map[string]any{"model_info": map[string]any{"llama.context_length": 8192}})
	})
	mux.HandleFunc("/api/ps", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"models": []any{map[string]any{"name": "m:latest", "model": "m:latest", "context_length": 3000}}})
	})
	mux.HandleFunc("/v1/completions", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"choices": []any{map[string]any{"text": "x"}}, "usage": map[string]any{"prompt_tokens": 200}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	c := NewClient(cfg, nil)

	for range 3 { // three keystrokes, each cancelled while the discovery waits on /api/show
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		lim := c.Limits(ctx, "m")
		waited := time.Since(start)
		cancel()
		if waited > time.Second {
			t.Errorf("a cancelled caller waited %v for the stalled discovery", waited)
		}
		if lim.Known || lim.Window != assumedWindow {
			t.Errorf("cancelled caller got %+v, want the assumed limits", lim)
		}
	}
	if n := shows.Load(); n != 1 {
		t.Errorf("/api/show asked %d times, want once: one discovery shared by every caller", n)
	}
	release <- struct{}{}
	lim := c.Limits(context.Background(), "m")
	if !lim.Known || lim.Window != 3000 {
		t.Errorf("after the discovery: %+v, want the running window 3000", lim)
	}
	if n := shows.Load(); n != 1 {
		t.Errorf("/api/show asked %d times, want once", n)
	}
}
