package prompts

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// realServer returns a client for the real model server of the end-to-end tier (scripts/test
// starts Ollama with the tiny stories260K model and exports RAGLS_TEST_MODEL_URL and
// RAGLS_TEST_MODEL), or skips; under CI a missing server fails the test.
func realServer(t *testing.T) *Client {
	t.Helper()
	url, model := os.Getenv("RAGLS_TEST_MODEL_URL"), os.Getenv("RAGLS_TEST_MODEL")
	if url == "" || model == "" {
		msg := "RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL are not set: run `eval \"$(bash .ci/ollama/serve.sh)\"` first (scripts/test does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.ChatModel, cfg.CompletionModel, cfg.EmbeddingModel = url, model, model, model
	cfg.Temperature = 0
	cfg.Timeout = 2 * time.Minute
	return NewClient(cfg, nil)
}

func TestRealServerStreamsAndHonoursLimits(t *testing.T) {
	c := realServer(t)
	ctx := context.Background()
	var chunks int
	text, err := c.Complete(ctx, CompletionRequest{Prompt: "Once upon a time", MaxTokens: 12}, func(string) { chunks++ })
	if err != nil {
		t.Fatal(err)
	}
	if chunks < 2 || chunks > 12 || text == "" {
		t.Errorf("12-token stream came as %d chunks: %q", chunks, text)
	}
	again, err := c.Complete(ctx, CompletionRequest{Prompt: "Once upon a time", MaxTokens: 12}, nil)
	if err != nil || again != text {
		t.Errorf("the same request at temperature 0, not streamed: %q (%v), streamed: %q", again, err, text)
	}
	stopped, err := c.Complete(ctx, CompletionRequest{Prompt: "Once upon a time", MaxTokens: 200, Stop: []string{"."}}, nil)
	if err != nil || strings.Contains(stopped, ".") || stopped == "" {
		t.Errorf("completion with stop \".\" = %q, %v", stopped, err)
	}
	vecs, err := c.Embed(ctx, []string{"a cat", "a dog", "func main() {}"})
	if err != nil || len(vecs) != 3 || len(vecs[0]) == 0 || len(vecs[0]) != len(vecs[2]) {
		t.Errorf("embeddings: %d vectors, %v", len(vecs), err)
	}
	if _, err := c.Complete(ctx, CompletionRequest{Prompt: "x", Model: "no-such-model", MaxTokens: 4}, nil); !errors.Is(err, KindModelNotFound) || !strings.Contains(err.Error(), "no-such-model") {
		t.Errorf("unknown model: %v", err)
	}
}

// TestCancelStopsRealServerGenerating proves that cancelling a completion stops the model
// server's generation, not only our reading of it: the server (one request at a time) answers
// the next request at once instead of after the thousands of tokens the first one asked for.
//
// The cancelled request is not streamed, as the editor's completions are not. Cancelling a
// stream in its middle can wedge Ollama 0.17.4 for good: its generate handler stops reading
// the channel its producer sends every token on once a write to the client fails, and the
// producer, blocked on an unbuffered send with no select on the request's context, keeps the
// model's only slot (seen in two CI runs of six, the next request waiting out its deadline and
// the one after too). A non-streamed answer is read to the end of that channel whatever
// happens, so its cancel always reaches the model runner.
func TestCancelStopsRealServerGenerating(t *testing.T) {
	c := realServer(t)
	// The server's pace, from a stream read to its end (a stream that ends normally is safe).
	var chunks int
	start := time.Now()
	if _, err := c.Complete(context.Background(), CompletionRequest{Prompt: "Once upon a time", MaxTokens: 300}, func(string) { chunks++ }); err != nil {
		t.Fatal(err)
	}
	rate := float64(chunks) / time.Since(start).Seconds()
	if chunks < 50 {
		t.Fatalf("the pace probe got %d chunks, want most of 300", chunks)
	}
	// Well into the generation: a cancel in the first milliseconds, while the server is still
	// setting the request up, once left Ollama 0.17.4 wedged on a loaded machine.
	after := max(time.Duration(200/rate*float64(time.Second)), 50*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), after)
	defer cancel()
	t0 := time.Now()
	_, err := c.Complete(ctx, CompletionRequest{Prompt: "Once upon a time", MaxTokens: 20000}, nil)
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled completion returned %v, want the context's error", err)
	}
	if d := time.Since(t0); d > after+2*time.Second {
		t.Errorf("the cancelled completion returned %v after its cancel", d-after)
	}
	t1 := time.Now()
	nctx, ncancel := context.WithTimeout(context.Background(), time.Minute)
	defer ncancel()
	_, err = c.Complete(nctx, CompletionRequest{Prompt: "Tom", MaxTokens: 4}, nil)
	next := time.Since(t1)
	// Had the server gone on, the next request would have waited for the rest of 20000 tokens.
	rest := time.Duration(max(20000-rate*after.Seconds(), 0) / rate * float64(time.Second))
	t.Logf("pace %.0f tokens/s; cancelled after %v; next request answered in %v; finishing the cancelled one would have taken ~%v",
		rate, after.Round(time.Millisecond), next.Round(time.Millisecond), rest.Round(time.Second))
	if err != nil {
		t.Fatalf("the request after the cancelled one: %v", err)
	}
	if next > rest/4 {
		t.Errorf("the next request took %v: the server seems to have kept generating (~%v left)", next, rest)
	}
}
