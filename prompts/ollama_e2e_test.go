package prompts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
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
func TestCancelStopsRealServerGenerating(t *testing.T) {
	c := realServer(t)
	// Ollama 0.17.4 now and then goes on with a sequence whose client has gone (seen once in
	// five CI runs, never in 120 runs alone): a trial whose next request waits is repeated, and
	// the test fails only when no trial shows the server stopping. A client that never reached
	// the server with its cancel fails every trial.
	var failures []string
	for trial := range 3 {
		stopped, msg := cancelTrial(t, c)
		t.Logf("trial %d: %s", trial+1, msg)
		if stopped {
			return
		}
		failures = append(failures, msg)
	}
	t.Errorf("in every trial the server seems to have kept generating after the cancel: %v", failures)
}

// cancelTrial cancels a long completion well into its stream and reports whether the next
// request was answered in much less time than finishing the cancelled one would have taken.
func cancelTrial(t *testing.T, c *Client) (stopped bool, msg string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var received, afterCancel atomic.Int64
	var cancelled atomic.Bool
	start := time.Now()
	_, err := c.Complete(ctx, CompletionRequest{Prompt: "Once upon a time", MaxTokens: 20000}, func(string) {
		if cancelled.Load() {
			afterCancel.Add(1)
		}
		// Well into the generation: a cancel in the first milliseconds, while the server is
		// still setting the request up, once left Ollama 0.17.4 wedged on a loaded machine.
		if received.Add(1) == 200 {
			cancelled.Store(true)
			cancel()
		}
	})
	streamed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled completion returned %v, want context.Canceled", err)
	}
	if n := afterCancel.Load(); n > 0 {
		t.Errorf("%d chunks were delivered after cancel", n)
	}
	rate := float64(received.Load()) / streamed.Seconds()
	t0 := time.Now()
	nctx, ncancel := context.WithTimeout(context.Background(), time.Minute)
	defer ncancel()
	_, err = c.Complete(nctx, CompletionRequest{Prompt: "Tom", MaxTokens: 4}, nil)
	next := time.Since(t0)
	// Had the server gone on, the next request would have waited for ~20000 tokens.
	rest := time.Duration(float64(20000-received.Load()) / rate * float64(time.Second))
	msg = fmt.Sprintf("%d chunks in %v (%.0f/s); next request answered in %v (err %v); finishing the cancelled one would have taken ~%v",
		received.Load(), streamed.Round(time.Millisecond), rate, next.Round(time.Millisecond), err, rest.Round(time.Second))
	return err == nil && next <= rest/4, msg
}
