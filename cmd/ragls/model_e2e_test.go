package main

import (
	"bytes"
	"context"
	"fmt"
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
	for _, want := range []string{"Ollama", "chat model", "completion model", "embeddings built-in", " ms", "All is well",
		"window 2048 tokens (Ollama /api/ps", "× cl100k", "chat prompts: budget 1536 tokens"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out)
		}
	}
	// The default embedding model is not on the server, and the built-in embedder never asks for it.
	if strings.Contains(out, "embedding model") {
		t.Errorf("doctor checked the embedding model the settings do not use:\n%s", out)
	}
	// A window too small for the answer and the instructions is a problem.
	code, out, _ = runWithModel(t, dir, `{"contextWindow": 900}`, "doctor", "--root", dir)
	if code != 1 || !strings.Contains(out, "leaves") || !strings.Contains(out, "window of 900 tokens") {
		t.Errorf("doctor with contextWindow 900 and maxTokens 512: exit %d\n%s", code, out)
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

// ollamaLog returns the log of the test Ollama server (serve.sh exports RAGLS_OLLAMA_LOG), or
// skips; under CI a missing log is a failure.
func ollamaLog(t *testing.T) string {
	t.Helper()
	p := os.Getenv("RAGLS_OLLAMA_LOG")
	if p == "" {
		msg := "RAGLS_OLLAMA_LOG is not set: start the test model server with `eval \"$(bash .ci/ollama/serve.sh)\"`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// logSince returns what was appended to the log at path after offset.
func logSince(t *testing.T, path string, offset int64) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) < offset {
		return string(data)
	}
	return string(data[offset:])
}

func logSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// bigRepo is a repository whose file is far larger than the test model's 2048-token window.
func bigRepo(t *testing.T) (dir, file string) {
	t.Helper()
	dir = testRepo(t)
	var b strings.Builder
	b.WriteString("package lib\n\nimport \"strings\"\n\n")
	for i := 0; i < 120; i++ {
		fmt.Fprintf(&b, "// Join%d joins the parts with separator number %d and trims the result.\nfunc Join%d(parts []string) string {\n\ts := strings.Join(parts, \"-%d-\")\n\tif len(s) > %d {\n\t\treturn strings.TrimSpace(s[:%d])\n\t}\n\treturn s\n}\n\n", i, i, i, i, 100+i, 100+i)
	}
	file = filepath.Join(dir, "lib/join.go")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

// TestNoPromptTruncatedByRealServer sends explain, complete and code actions with default
// settings on a file much larger than the model's window, and checks Ollama's log: the server
// never had to cut a prompt. The same completion with a contextWindow setting that lies about
// the window shows the check can fail.
func TestNoPromptTruncatedByRealServer(t *testing.T) {
	url, model := realModel(t)
	logPath := ollamaLog(t)
	dir, file := bigRepo(t)
	newEngine := func(config string) *engine.Engine {
		cfgFile := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(cfgFile, []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{
			"RAGLS_CONFIG": cfgFile, "RAGLS_MODEL_URL": url, "RAGLS_CACHE_DIR": filepath.Join(dir, ".cache-for-test"),
			"RAGLS_CHAT_MODEL": model, "RAGLS_COMPLETION_MODEL": model, "RAGLS_EMBEDDING_MODEL": model,
		}
		eng, err := engine.New(engine.Options{Getenv: func(k string) string { return vars[k] }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(eng.Close)
		if _, _, err := eng.AddRoot(context.Background(), dir, nil); err != nil {
			t.Fatal(err)
		}
		return eng
	}
	text, _ := os.ReadFile(file)
	doc := engine.Doc{Path: file, Text: string(text)}
	mid := strings.Index(doc.Text, "func Join60(")
	cursor := strings.Index(doc.Text[mid:], "\treturn s\n") + mid + len("\treturn ")
	ctx := context.Background()

	eng := newEngine(`{"temperature": 0}`)
	start := logSize(t, logPath)
	p, err := eng.CompletionPrompt(ctx, doc, cursor)
	if err != nil {
		t.Fatal(err)
	}
	if p.PrefixDropped == 0 {
		t.Fatalf("the completion prompt kept the whole %d-byte prefix: the file is too small to test the window", cursor)
	}
	if _, err := eng.Complete(ctx, doc, cursor); err != nil {
		t.Errorf("complete: %v", err)
	}
	if _, err := eng.Explain(ctx, doc, mid, mid, nil); err != nil {
		t.Errorf("explain: %v", err)
	}
	for _, kind := range []engine.ActionKind{engine.ActionDocument, engine.ActionFix, engine.ActionTest} {
		// The random model's answers need not parse; what matters is what the server was sent.
		if _, err := eng.Action(ctx, engine.ActionRequest{Kind: kind, Doc: doc, Start: mid, End: mid, Diagnostic: "unused variable"}); err != nil {
			t.Logf("%s: %v", kind, err)
		}
	}
	got := logSince(t, logPath, start)
	if n := strings.Count(got, "truncating input prompt"); n > 0 {
		t.Errorf("Ollama truncated %d prompts:\n%s", n, grepLines(got, "truncating input prompt"))
	}
	if !strings.Contains(got, "/v1/completions") || !strings.Contains(got, "/v1/chat/completions") {
		t.Errorf("the log does not show the requests; is RAGLS_OLLAMA_LOG the server's log?\n%s", got)
	}

	// The control: a window setting larger than what the server holds overflows it.
	liar := newEngine(`{"temperature": 0, "contextWindow": 8192, "maxTokens": 16}`)
	start = logSize(t, logPath)
	if _, err := liar.Complete(ctx, doc, cursor); err != nil {
		t.Errorf("complete with contextWindow 8192: %v", err)
	}
	if got := logSince(t, logPath, start); !strings.Contains(got, "truncating input prompt") {
		t.Errorf("an 8192-token budget on a 2048-token server left no truncation in the log: the check cannot fail")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
