package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ragls/engine"
)

// realModel returns the URL and model name of the real model server the end-to-end tests use
// (scripts/test starts Ollama serving the tiny stories260K model and exports both), or skips.
// Under CI a missing server is a failure: the end-to-end tier must never silently stop running.
func realModel(t *testing.T) (url, model string) {
	t.Helper()
	url, model = os.Getenv("RAGLS_TEST_MODEL_URL"), os.Getenv("RAGLS_TEST_MODEL")
	if url == "" || model == "" {
		msg := "RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL are not set: start the test model server with " +
			"`eval \"$(bash .ci/ollama/serve.sh)\"` (scripts/test does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return url, model
}

// runWithModel runs ragls in-process against the real model server, with settings from a
// config file written for the test.
func runWithModel(t *testing.T, dir, config string, args ...string) (int, string, string) {
	t.Helper()
	url, model := realModel(t)
	cfgFile := filepath.Join(dir, "ragls-config.json")
	if config == "" {
		config = "{}"
	}
	if err := os.WriteFile(cfgFile, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"RAGLS_EMBEDDER":         os.Getenv("RAGLS_TEST_EMBEDDER"),
		"RAGLS_CACHE_DIR":        filepath.Join(dir, ".cache-for-test"),
		"RAGLS_CONFIG":           cfgFile,
		"RAGLS_MODEL_URL":        url,
		"RAGLS_CHAT_MODEL":       model,
		"RAGLS_COMPLETION_MODEL": model,
		"RAGLS_EMBEDDING_MODEL":  model,
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: func(k string) string { return vars[k] }})
	return code, out.String(), errOut.String()
}

func TestDoctorAgainstRealServer(t *testing.T) {
	dir := testRepo(t)
	if code, _, errOut := runWithModel(t, dir, "", "index", "--root", dir); code != 0 {
		t.Fatalf("index: %s", errOut)
	}
	code, out, errOut := runWithModel(t, dir, "", "doctor", "--root", dir)
	if code != 0 {
		t.Fatalf("doctor exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Ollama", "chat model", "completion model", "embedding model", " ms", "All is well"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
}

func TestExplainAndCompleteAgainstRealServer(t *testing.T) {
	dir := testRepo(t)
	code, out, errOut := runWithModel(t, dir, `{"maxTokens": 24, "temperature": 0}`, "explain", "--root", dir, filepath.Join(dir, "lib/math.go")+":4-6")
	if code != 0 || strings.TrimSpace(out) == "" {
		t.Fatalf("explain exit %d, output %q, stderr %s", code, out, errOut)
	}
	// The same call twice at temperature 0 gives the same answer: the settings reach the server.
	_, again, _ := runWithModel(t, dir, `{"maxTokens": 24, "temperature": 0}`, "explain", "--root", dir, filepath.Join(dir, "lib/math.go")+":4-6")
	if again != out {
		t.Errorf("explain at temperature 0 is not deterministic:\n%q\n%q", out, again)
	}

	pos := filepath.Join(dir, "app/main.go") + ":6:20"
	code, out, errOut = runWithModel(t, dir, `{"maxTokens": 8, "temperature": 0}`, "complete", "--root", dir, pos)
	if code != 0 {
		t.Fatalf("complete exit %d: %s", code, errOut)
	}
	if n := len(strings.Fields(out)); n > 8 {
		t.Errorf("completion with maxTokens 8 has %d words: %q", n, out)
	}
	// A stop sequence the tiny model always writes ends the completion before it.
	code, out, errOut = runWithModel(t, dir, `{"maxTokens": 64, "temperature": 0, "stop": ["."]}`, "complete", "--root", dir, pos)
	if code != 0 || strings.Contains(out, ".") {
		t.Errorf("completion with stop \".\": exit %d, %q %s", code, out, errOut)
	}
	code, out, _ = runWithModel(t, dir, "", "complete", "--prompt", "--root", dir, pos)
	if code != 0 || !strings.Contains(out, "func Scale(v, factor int) int") {
		t.Errorf("the completion prompt lacks the callee's definition from another file:\n%s", out)
	}
}

func TestExplainStreamsChunksFromRealServer(t *testing.T) {
	url, model := realModel(t)
	dir := testRepo(t)
	vars := map[string]string{
		"RAGLS_CONFIG": filepath.Join(dir, "none.json"), "RAGLS_MODEL_URL": url,
		"RAGLS_CHAT_MODEL": model, "RAGLS_COMPLETION_MODEL": model,
	}
	eng, err := engine.New(engine.Options{Getenv: func(k string) string { return vars[k] }})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, _, err := eng.AddRoot(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(filepath.Join(dir, "lib/math.go"))
	doc := engine.Doc{Path: filepath.Join(dir, "lib/math.go"), Text: string(text)}
	var deltas int
	var first time.Duration
	start := time.Now()
	out, err := eng.Explain(context.Background(), doc, 40, 40, func(string) {
		if deltas == 0 {
			first = time.Since(start)
		}
		deltas++
	})
	if err != nil {
		t.Fatal(err)
	}
	if deltas < 3 || out == "" {
		t.Errorf("explanation came in %d chunks (%q); want it streamed", deltas, out)
	}
	t.Logf("%d chunks, first after %v, all after %v", deltas, first, time.Since(start))
}

// TestModelEmbeddingsAgainstRealServer indexes with the model server's /v1/embeddings and
// searches the chromem-go vector index with them.
func TestModelEmbeddingsAgainstRealServer(t *testing.T) {
	t.Setenv("RAGLS_TEST_EMBEDDER", "model")
	dir := testRepo(t)
	code, out, errOut := runWithModel(t, dir, "", "index", "--root", dir, "--json")
	if code != 0 || strings.Contains(out, "embeddings failed") {
		t.Fatalf("index with model embeddings: exit %d %s %s", code, out, errOut)
	}
	// No word of this query is in the repository: only vectors can answer it.
	code, out, errOut = runWithModel(t, dir, "", "search", "--root", dir, "--json", "-k", "3", "zzyzx qwv")
	if code != 0 || !strings.Contains(out, `"kind":"semantic"`) {
		t.Errorf("vector search with model embeddings: exit %d %s %s", code, out, errOut)
	}
}
