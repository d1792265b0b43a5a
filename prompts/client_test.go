package prompts

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestChatRequestShape(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { writeJSON(w, 200, chatJSON("hello")) })
	c := f.client(func(cfg *Config) {
		cfg.APIKey = "sekret"
		cfg.Temperature = 0
		cfg.MaxTokens = 77
		cfg.Stop = []string{"\n\n"}
	})
	res, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleSystem, Content: "sys"}, {Role: RoleUser, Content: "hi"}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "hello" || res.FinishReason != "stop" {
		t.Errorf("result = %+v", res)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/chat/completions" || r.Method != "POST" {
		t.Errorf("request %s %s", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sekret" {
		t.Errorf("Authorization = %q", got)
	}
	b := r.Body
	if b["model"] != DefaultChatModel || b["max_tokens"] != 77.0 || b["stream"] != false {
		t.Errorf("model/max_tokens/stream = %v %v %v", b["model"], b["max_tokens"], b["stream"])
	}
	// go-openai would drop temperature 0 (omitempty); the guard must send it.
	if temp, ok := b["temperature"]; !ok || temp != 0.0 {
		t.Errorf("temperature = %v (present %v), want explicit 0", temp, ok)
	}
	if !reflect.DeepEqual(b["stop"], []any{"\n\n"}) {
		t.Errorf("stop = %#v", b["stop"])
	}
	msgs := b["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["content"] != "hi" {
		t.Errorf("messages = %v", msgs)
	}
	if _, ok := b["response_format"]; ok {
		t.Error("response_format sent without a schema")
	}
}

func TestChatStreaming(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { sse(w, false, true, "Hel", "lo", " world") })
	c := f.client()
	var got []string
	res, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}, Model: "other"}, func(s string) { got = append(got, s) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"Hel", "lo", " world"}) || res.Text != "Hello world" || res.FinishReason != "stop" {
		t.Errorf("deltas %q, result %+v", got, res)
	}
	b := f.requests()[0].Body
	if b["stream"] != true || b["model"] != "other" {
		t.Errorf("stream = %v, model = %v", b["stream"], b["model"])
	}
}

func TestCompleteRequestShape(t *testing.T) {
	for _, stream := range []bool{false, true} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if stream {
				sse(w, true, true, "x := ", "1")
				return
			}
			writeJSON(w, 200, completionJSON("x := 1"))
		})
		c := f.client(func(cfg *Config) { cfg.Temperature = 0.3 })
		zero := float32(0)
		var deltas []string
		var onDelta func(string)
		if stream {
			onDelta = func(s string) { deltas = append(deltas, s) }
		}
		out, err := c.Complete(context.Background(), CompletionRequest{
			Prompt: "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>", Suffix: "sfx", MaxTokens: 32,
			Stop: []string{"<|endoftext|>", "\n\n"}, Temperature: &zero,
		}, onDelta)
		if err != nil {
			t.Fatalf("stream=%v: %v", stream, err)
		}
		if out != "x := 1" {
			t.Errorf("stream=%v: out = %q", stream, out)
		}
		if stream && len(deltas) != 2 {
			t.Errorf("deltas = %q", deltas)
		}
		r := f.requests()[0]
		b := r.Body
		if r.Path != "/v1/completions" || b["model"] != DefaultCompletionModel || b["prompt"] != "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>" ||
			b["suffix"] != "sfx" || b["max_tokens"] != 32.0 || b["stream"] != stream || b["temperature"] != 0.0 ||
			!reflect.DeepEqual(b["stop"], []any{"<|endoftext|>", "\n\n"}) {
			t.Errorf("stream=%v: request %s %v", stream, r.Path, b)
		}
	}
}

// closedURL returns a base URL on which nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1"
}

func TestFaults(t *testing.T) {
	type call int
	const (
		chat call = iota
		chatStream
		complete
		embed
	)
	tests := []struct {
		name    string
		call    call
		handler func(w http.ResponseWriter, r *http.Request, n int)
		kind    ErrorKind
		fix     string // a substring the fix must contain
	}{
		{"500", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 500, `{"error":{"message":"CUDA out of memory","type":"server_error"}}`)
		}, KindServer, "log"},
		{"ollama 404 model (OpenAI shape)", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 404, `{"error":{"message":"model \"qwen2.5-coder:7b-instruct\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`)
		}, KindModelNotFound, "ollama pull qwen2.5-coder:7b-instruct"},
		{"ollama 404 model (native shape)", complete, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 404, `{"error":"model 'qwen2.5-coder:1.5b-base' not found"}`)
		}, KindModelNotFound, "RAGLS_COMPLETION_MODEL"},
		{"openai 404 model", embed, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 404, `{"error":{"message":"The model `+"`nomic-embed-text`"+` does not exist","type":"invalid_request_error","param":null,"code":"model_not_found"}}`)
		}, KindModelNotFound, "RAGLS_EMBEDDING_MODEL"},
		{"vllm 400 model", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 400, `{"object":"error","message":"The model `+"`x`"+` does not exist.","type":"NotFoundError","code":404}`)
		}, KindModelNotFound, "RAGLS_CHAT_MODEL"},
		{"404 endpoint", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(404)
			io.WriteString(w, "404 page not found")
		}, KindEndpoint, "/v1"},
		{"401", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 401, `{"error":{"message":"invalid api key","type":"auth"}}`)
		}, KindAuth, "RAGLS_API_KEY"},
		{"400", complete, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 400, `{"error":{"message":"max_tokens too large","type":"invalid_request_error"}}`)
		}, KindBadRequest, "max tokens"},
		{"malformed JSON", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, `{"choices":[{"message":{"content":"hel`)
		}, KindMalformed, "RAGLS_MODEL_URL"},
		{"HTML page", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><body><h1>Welcome to nginx!</h1></body></html>")
		}, KindContentType, "RAGLS_MODEL_URL"},
		{"HTML page on stream", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>login</html>")
		}, KindContentType, "RAGLS_MODEL_URL"},
		{"truncated stream, no DONE", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			sse(w, false, false, "one", "two")
		}, KindTruncated, "log"},
		{"truncated mid-chunk", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			sse(w, false, false, "one")
			io.WriteString(w, `data: {"choices":[{"delta":{"cont`)
		}, KindTruncated, "log"},
		{"[DONE] in the answer is not the end", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			sse(w, false, false, "[DONE]", "more")
		}, KindTruncated, "log"},
		{"error event in stream", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, `data: {"error":{"message":"model runner has unexpectedly stopped","type":"api_error"}}`+"\n\n")
		}, KindServer, "log"},
		{"empty answer", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, chatJSON("  "))
		}, KindEmpty, "RAGLS_CHAT_MODEL"},
		{"refusal", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, `{"choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"","refusal":"I can't help with that."}}]}`)
		}, KindRefusal, "rephrase"},
		{"no choices", chat, func(w http.ResponseWriter, r *http.Request, n int) {
			writeJSON(w, 200, `{"choices":[]}`)
		}, KindMalformed, "RAGLS_MODEL_URL"},
		{"slow answer, timeout", chatStream, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // hang until the client gives up
		}, KindTimeout, "RAGLS_MODEL_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c := f.client(func(cfg *Config) { cfg.Timeout = 300 * time.Millisecond })
			var err error
			var model string
			msgs := []Message{{Role: RoleUser, Content: "hi"}}
			switch tt.call {
			case chat:
				_, err = c.Chat(context.Background(), ChatRequest{Messages: msgs}, nil)
				model = c.cfg.ChatModel
			case chatStream:
				_, err = c.Chat(context.Background(), ChatRequest{Messages: msgs}, func(string) {})
				model = c.cfg.ChatModel
			case complete:
				_, err = c.Complete(context.Background(), CompletionRequest{Prompt: "x"}, nil)
				model = c.cfg.CompletionModel
			case embed:
				_, err = c.Embed(context.Background(), []string{"x"})
				model = c.cfg.EmbeddingModel
			}
			assertModelError(t, err, tt.kind, f.URL, model, tt.fix)
		})
	}
}

func assertModelError(t *testing.T, err error, kind ErrorKind, url, model, fix string) *ModelError {
	t.Helper()
	var me *ModelError
	if !errors.As(err, &me) {
		t.Fatalf("error %v (%T) is not a *ModelError", err, err)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("kind = %v, want %v (%v)", me.Kind, kind, err)
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") {
		t.Errorf("message is not one line: %q", msg)
	}
	for _, want := range []string{url, model, fix} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	return me
}

func TestConnectionRefused(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = closedURL(t)
	c := NewClient(cfg, nil)
	c.backoff = time.Millisecond
	_, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(string) {})
	assertModelError(t, err, KindUnreachable, cfg.BaseURL, cfg.ChatModel, "ollama serve")
	if !strings.Contains(err.Error(), "RAGLS_MODEL_URL") {
		t.Errorf("fix does not mention RAGLS_MODEL_URL: %v", err)
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name      string
		failures  int // requests answered with status before OK
		status    int
		stream    bool
		wantCalls int
		wantKind  ErrorKind // KindUnknown = success
	}{
		{"503 then OK", 1, 503, false, 2, KindUnknown},
		{"503 then OK, streaming before any token", 1, 503, true, 2, KindUnknown},
		{"429 twice then OK", 2, 429, false, 3, KindUnknown},
		{"503 forever: bounded", 100, 503, false, 3, KindServer},
		{"500 is not retried", 100, 500, false, 1, KindServer},
		{"404 is not retried", 100, 404, false, 1, KindEndpoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= tt.failures {
					writeJSON(w, tt.status, `{"error":{"message":"busy"}}`)
					return
				}
				if tt.stream {
					sse(w, false, true, "ok")
					return
				}
				writeJSON(w, 200, chatJSON("ok"))
			})
			c := f.client()
			var onDelta func(string)
			if tt.stream {
				onDelta = func(string) {}
			}
			res, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, onDelta)
			if got := len(f.requests()); got != tt.wantCalls {
				t.Errorf("%d requests, want %d", got, tt.wantCalls)
			}
			if tt.wantKind == KindUnknown {
				if err != nil || res.Text != "ok" {
					t.Errorf("res %+v, err %v", res, err)
				}
				return
			}
			if !errors.Is(err, tt.wantKind) {
				t.Errorf("err = %v, want kind %v", err, tt.wantKind)
			}
		})
	}
}

// A stream that breaks after tokens were delivered must not be retried: the caller has already
// shown them.
func TestNoRetryAfterTokens(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, false, false, "partial")
	})
	c := f.client()
	var got []string
	_, err := c.Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(s string) { got = append(got, s) })
	if !errors.Is(err, KindTruncated) {
		t.Fatalf("err = %v, want truncated", err)
	}
	if n := len(f.requests()); n != 1 || len(got) != 1 {
		t.Errorf("%d requests, deltas %q; want 1 request, 1 delta", n, got)
	}
}

// slowStream streams a chunk every few milliseconds until the client goes away, and reports the
// disconnect on gone.
func slowStream(gone chan<- struct{}) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				gone <- struct{}{}
				return
			case <-tick.C:
				// Both shapes in one event, so chat and text completions read it.
				io.WriteString(w, `data: {"choices":[{"index":0,"text":"tok ","delta":{"content":"tok "}}]}`+"\n\n")
				fl.Flush()
			}
		}
	}
}

func TestCancelMidStream(t *testing.T) {
	gone := make(chan struct{}, 1)
	f := newFake(t, slowStream(gone))
	c := f.client()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var deltas, afterCancel atomic.Int32
	var canceled atomic.Bool
	_, err := c.Chat(ctx, ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(string) {
		if canceled.Load() {
			afterCancel.Add(1)
		}
		if deltas.Add(1) == 3 {
			cancel()
			canceled.Store(true)
		}
	})
	if !errors.Is(err, KindCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a canceled ModelError wrapping context.Canceled", err)
	}
	if n := afterCancel.Load(); n != 0 {
		t.Errorf("%d deltas delivered after cancel", n)
	}
	select {
	case <-gone:
	case <-time.After(10 * time.Second): // a hang guard, not a speed assertion
		t.Fatal("the server never saw the client disconnect")
	}
}

// Cancelling from another goroutine, as an editor's $/cancelRequest does.
func TestCancelFromOutside(t *testing.T) {
	gone := make(chan struct{}, 1)
	f := newFake(t, slowStream(gone))
	c := f.client()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan struct{})
	var once atomic.Bool
	var after atomic.Int32
	var returned atomic.Bool
	done := make(chan error)
	go func() {
		_, err := c.Complete(ctx, CompletionRequest{Prompt: "x"}, func(string) {
			if returned.Load() {
				after.Add(1)
			}
			if once.CompareAndSwap(false, true) {
				close(first)
			}
		})
		done <- err
	}()
	var err error
	select {
	case <-first:
		cancel()
		err = <-done
	case err = <-done:
		t.Fatalf("Complete returned before any delta: %v", err)
	}
	returned.Store(true)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	<-gone
	if after.Load() != 0 {
		t.Error("delta delivered after Complete returned")
	}
}

func TestEmbed(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		// Out of order on purpose: the client must sort by index.
		writeJSON(w, 200, `{"object":"list","model":"e","data":[{"object":"embedding","index":1,"embedding":[0,1]},{"object":"embedding","index":0,"embedding":[1,0]}]}`)
	})
	vecs, err := f.client().Embed(context.Background(), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(vecs, [][]float32{{1, 0}, {0, 1}}) {
		t.Errorf("vectors = %v", vecs)
	}
	b := f.requests()[0].Body
	if b["model"] != DefaultEmbeddingModel || !reflect.DeepEqual(b["input"], []any{"a", "b"}) {
		t.Errorf("request = %v", b)
	}
	_, err = f.client().Embed(context.Background(), []string{"a", "b", "c"})
	if !errors.Is(err, KindMalformed) {
		t.Errorf("count mismatch: err = %v", err)
	}
}

func TestEmbedBatches(t *testing.T) {
	var f *fakeServer
	f = newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		in, _ := f.requests()[n-1].Body["input"].([]any)
		var data []string
		for i := range in {
			data = append(data, `{"index":`+itoa(i)+`,"embedding":[`+itoa(i)+`]}`)
		}
		writeJSON(w, 200, `{"data":[`+strings.Join(data, ",")+`]}`)
	})
	texts := make([]string, embedBatch+5)
	vecs, err := f.client().Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != len(texts) || len(f.requests()) != 2 {
		t.Fatalf("%d vectors in %d requests", len(vecs), len(f.requests()))
	}
	if vecs[embedBatch-1][0] != float32(embedBatch-1) || vecs[embedBatch][0] != 0 {
		t.Errorf("batch boundary: %v %v", vecs[embedBatch-1], vecs[embedBatch])
	}
}

func TestModelsAndProbe(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/v1/models":
			writeJSON(w, 200, `{"object":"list","data":[{"id":"qwen2.5-coder:7b-instruct","object":"model","owned_by":"library"},{"id":"nomic-embed-text:latest","object":"model","owned_by":"library"}]}`)
		case "/api/version":
			writeJSON(w, 200, `{"version":"0.17.4"}`)
		case "/v1/chat/completions":
			writeJSON(w, 200, chatJSON("O"))
		case "/v1/completions":
			writeJSON(w, 404, `{"error":{"message":"model \"qwen2.5-coder:1.5b-base\" not found, try pulling it first"}}`)
		case "/v1/embeddings":
			writeJSON(w, 200, `{"data":[{"index":0,"embedding":[1]}]}`)
		default:
			http.NotFound(w, r)
		}
	})
	c := f.client()
	names, err := c.Models(context.Background())
	if err != nil || len(names) != 2 {
		t.Fatalf("models %v, err %v", names, err)
	}
	p := c.Probe(context.Background(), true)
	if !p.Reachable || p.Err != nil || p.Server != ServerOllama || p.Version != "0.17.4" {
		t.Errorf("probe = %+v", p)
	}
	if len(p.Checks) != 3 {
		t.Fatalf("checks = %+v", p.Checks)
	}
	byRole := map[string]ModelCheck{}
	for _, mc := range p.Checks {
		byRole[mc.Role] = mc
	}
	if mc := byRole["chat"]; mc.Err != nil || !mc.Listed || mc.Latency <= 0 {
		t.Errorf("chat check = %+v", mc)
	}
	if mc := byRole["embedding"]; mc.Err != nil || !mc.Listed {
		t.Errorf("embedding check (listed as :latest) = %+v", mc)
	}
	if mc := byRole["completion"]; !errors.Is(mc.Err, KindModelNotFound) || mc.Listed {
		t.Errorf("completion check = %+v", mc)
	}
	if p.OK() {
		t.Error("OK() with a missing model")
	}
	var sawMaxTokens bool
	for _, r := range f.requests() {
		if r.Path == "/v1/chat/completions" && r.Body["max_tokens"] == 1.0 {
			sawMaxTokens = true
		}
	}
	if !sawMaxTokens {
		t.Error("the chat check did not ask for a single token")
	}
}

func TestProbeUnreachable(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BaseURL = closedURL(t)
	c := NewClient(cfg, nil)
	c.backoff = time.Millisecond
	p := c.Probe(context.Background(), true)
	if p.Reachable || !errors.Is(p.Err, KindUnreachable) || len(p.Checks) != 0 || p.OK() {
		t.Errorf("probe = %+v", p)
	}
}

func TestProbeRecognisesServers(t *testing.T) {
	tests := []struct {
		path, body, want string
	}{
		{"/props", `{"default_generation_settings":{},"build_info":"b1"}`, ServerLlamaCpp},
		{"/version", `{"version":"0.9.0"}`, ServerVLLM},
		{"/api/v0/models", `{"object":"list","data":[]}`, ServerLMStudio},
		{"/nothing", `{}`, ""},
	}
	for _, tt := range tests {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if r.URL.Path == tt.path {
				writeJSON(w, 200, tt.body)
				return
			}
			http.NotFound(w, r)
		})
		if got, _ := f.client().serverKind(context.Background()); got != tt.want {
			t.Errorf("%s: server = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestCallerDeadlineAndReasoningNames(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("hang") != "" || n == 1 {
			<-r.Context().Done()
			return
		}
		writeJSON(w, 200, chatJSON("ok"))
	})
	c := f.client()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Chat(ctx, ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, nil)
	if !errors.Is(err, KindTimeout) || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "RAGLS_MODEL_TIMEOUT") {
		t.Errorf("caller deadline: %v", err)
	}
	// go-openai refuses max_tokens for names like OpenAI's reasoning models; a local model may
	// have such a name.
	res, err := c.Chat(context.Background(), ChatRequest{Model: "o3-local", MaxTokens: 5, Messages: []Message{{Role: RoleUser, Content: "hi"}}}, nil)
	if err != nil || res.Text != "ok" {
		t.Fatalf("o3-local: %v", err)
	}
	if b := f.requests()[1].Body; b["max_tokens"] != 5.0 || b["model"] != "o3-local" {
		t.Errorf("request %v", b)
	}
}

func TestModelErrorText(t *testing.T) {
	e := &ModelError{Kind: KindModelNotFound, URL: "http://127.0.0.1:11434/v1/completions", Model: "qwen2.5-coder:1.5b-base", Status: 404,
		Msg: `model "qwen2.5-coder:1.5b-base" not found, try pulling it first`, Fix: "pull it"}
	want := `model not found (http://127.0.0.1:11434/v1/completions, model "qwen2.5-coder:1.5b-base", HTTP 404): model "qwen2.5-coder:1.5b-base" not found, try pulling it first; fix: pull it`
	if e.Error() != want {
		t.Errorf("got  %s\nwant %s", e.Error(), want)
	}
	if got := oneLine("a\n\tb  " + strings.Repeat("é", 300)); strings.ContainsAny(got, "\n\t") || len(got) > 210 || !strings.HasSuffix(got, "…") {
		t.Errorf("oneLine = %q", got)
	}
}

// The end marker split across reads must still be seen.
func TestDoneMarkerSplit(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		sse(w, false, false, "a")
		fl := w.(http.Flusher)
		for _, part := range []string{"da", "ta: [DO", "NE]\n\n"} {
			io.WriteString(w, part)
			fl.Flush()
			time.Sleep(time.Millisecond) // separate reads; correctness does not depend on it
		}
	})
	res, err := f.client().Chat(context.Background(), ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}}, func(string) {})
	if err != nil || res.Text != "a" {
		t.Errorf("res %+v, err %v", res, err)
	}
}
