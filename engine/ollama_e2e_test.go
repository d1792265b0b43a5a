package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// realModelEngine returns an engine on the real model server of the end-to-end tier
// (scripts/test starts Ollama with the generated test model and exports RAGLS_TEST_MODEL_URL
// and RAGLS_TEST_MODEL), with the repository of the other tests as its root, or skips; under
// CI=true a missing server fails the test.
func realModelEngine(t *testing.T) (*Engine, string) {
	t.Helper()
	url, model := os.Getenv("RAGLS_TEST_MODEL_URL"), os.Getenv("RAGLS_TEST_MODEL")
	if url == "" || model == "" {
		msg := "RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL are not set: run `eval \"$(bash .ci/ollama/serve.sh)\"` first (scripts/test does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	root := t.TempDir()
	for p, text := range repo {
		abs := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"RAGLS_CONFIG": filepath.Join(root, "no-config.json"), "RAGLS_MODEL_URL": url,
		"RAGLS_COMPLETION_MODEL": model, "RAGLS_CHAT_MODEL": model, "RAGLS_MODEL_TIMEOUT": "60s", "RAGLS_WARM_UP": "0"}
	e, err := New(Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if _, _, err := e.AddRoot(context.Background(), root, nil); err != nil {
		t.Fatal(err)
	}
	return e, root
}

// Against real Ollama, which ignores n: the first candidate is the model's answer as
// Complete gives it; asking to cycle adds alternatives sampled with their own seeds (the
// test model's random weights make them differ), all distinct; asking again is answered from
// the cache, identically. Plumbing only: nothing is asserted about what the model writes.
func TestCandidatesRealModel(t *testing.T) {
	e, root := realModelEngine(t)
	path := filepath.Join(root, "billing/c.go")
	text := "package billing\n\nfunc f(total int) int {\n\t\n}\n"
	modify(t, e, Modification{Path: path, Version: 1, Text: text, Kind: Open})
	doc, _ := e.Buffer(path)
	off := strings.Index(text, "{\n\t") + 3
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	first, err := e.Candidates(ctx, doc, off, false)
	if err != nil {
		t.Fatal(err)
	}
	complete, err := e.Complete(ctx, doc, off)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(complete) != "" && (len(first) == 0 || first[0] != complete) {
		t.Errorf("first candidate %q is not Complete's answer %q", first, complete)
	}
	all, err := e.Candidates(ctx, doc, off, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d candidates while typing, %d when cycling", len(first), len(all))
	if len(all) < 2 {
		t.Errorf("cycling gave %d candidates (%q), want alternatives sampled from the model", len(all), all)
	}
	if len(first) > 0 && (len(all) == 0 || all[0] != first[0]) {
		t.Errorf("cycling changed the first candidate: %q, then %q", first, all)
	}
	seen := map[string]bool{}
	for _, c := range all {
		k := strings.TrimRight(c, " \t\r\n")
		if seen[k] {
			t.Errorf("candidate %q offered twice", c)
		}
		seen[k] = true
	}
	again, ok := e.CachedCandidates(doc, off, true)
	if !ok || !slices.Equal(again, all) {
		t.Errorf("asked again: %q (cached %v), want %q", again, ok, all)
	}
}

// Against real Ollama: accepting a completion prefetches the next one, which the request at
// the end of the inserted text then gets from the cache.
func TestPrefetchRealModel(t *testing.T) {
	e, root := realModelEngine(t)
	path := filepath.Join(root, "billing/c.go")
	text := "package billing\n\nfunc f(total int) int {\n\t\n}\n"
	modify(t, e, Modification{Path: path, Version: 1, Text: text, Kind: Open})
	doc, _ := e.Buffer(path)
	off := strings.Index(text, "{\n\t") + 3
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	texts, err := e.Candidates(ctx, doc, off, false)
	if err != nil || len(texts) == 0 {
		t.Fatalf("candidates = %q, %v", texts, err)
	}
	ids := e.CompletionOffered(doc, off, texts, time.Millisecond)
	after := text[:off] + texts[0] + text[off:]
	modify(t, e, Modification{Path: path, Version: 2, Text: after, Kind: Change})
	if !e.CompletionAccepted(ids[0]) {
		t.Fatal("acceptance not counted")
	}
	next := Doc{Path: path, Version: 2, Text: after}
	at := off + len(texts[0])
	deadline := time.Now().Add(time.Minute)
	for {
		if _, ok := e.CachedCompletion(next, at); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the completion after the accepted one was not prefetched within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
