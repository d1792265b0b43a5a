package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeModel is an OpenAI-compatible server for tests: it records the requests it gets and
// answers /v1/completions with completion and /v1/chat/completions with chat.
type fakeModel struct {
	srv        *httptest.Server
	mu         sync.Mutex
	requests   []map[string]any
	completion string
	chat       string
	status     int
}

func newFakeModel(t *testing.T) *fakeModel {
	f := &fakeModel{completion: "items, 0.2)", chat: "It adds prices.", status: 200}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req map[string]any
		json.Unmarshal(body, &req)
		f.mu.Lock()
		f.requests = append(f.requests, req)
		status, completion, chat := f.status, f.completion, f.chat
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if status != 200 {
			w.WriteHeader(status)
			fmt.Fprint(w, `{"error":{"message":"boom"}}`)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/completions") && !strings.HasSuffix(r.URL.Path, "/chat/completions"):
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"text": completion, "index": 0, "finish_reason": "stop"}}})
			w.Write(b)
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			if req["stream"] == true {
				w.Header().Set("Content-Type", "text/event-stream")
				for _, piece := range strings.SplitAfter(chat, " ") {
					b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}}}})
					fmt.Fprintf(w, "data: %s\n\n", b)
				}
				b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}})
				fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", b)
				return
			}
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": chat}, "finish_reason": "stop"}}})
			w.Write(b)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) last() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil
	}
	return f.requests[len(f.requests)-1]
}

var repo = map[string]string{
	"billing/total.go": `package billing

// ComputeTotal adds up the price of every item, applying the discount rate.
func ComputeTotal(items []Item, rate float64) int {
	sum := 0
	for _, it := range items {
		sum += it.Price
	}
	return int(float64(sum) * (1 - rate))
}

// Item is one line of an invoice.
type Item struct {
	Name  string
	Price int
}
`,
	"billing/invoice.go": `package billing

func RenderInvoice(items []Item) int {
	return ComputeTotal(items, 0.1)
}
`,
	"tools/report.py": `def summarize(rows):
    return len(rows)
`,
}

// openEngine is an engine reading its settings from env only, with root added and indexed.
func openEngine(t *testing.T, root string, env map[string]string) *Engine {
	t.Helper()
	e, err := New(Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if _, _, err := e.AddRoot(context.Background(), root, nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// problemsOf records the problems e tells the user from now on; the function returned gives
// those told so far.
func problemsOf(e *Engine) func() []string {
	var mu sync.Mutex
	var problems []string
	e.SetNotifier(func(ev Event) {
		if ev.Kind == EventProblem {
			mu.Lock()
			problems = append(problems, ev.Message)
			mu.Unlock()
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// newTestEngine indexes repo in a temporary root and points the engine at a fake model.
func newTestEngine(t *testing.T, model *fakeModel) (*Engine, string) {
	t.Helper()
	root := t.TempDir()
	for p, text := range repo {
		abs := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"RAGLS_CONFIG": filepath.Join(root, "no-config.json")}
	if model != nil {
		env["RAGLS_MODEL_URL"] = model.srv.URL + "/v1"
		env["RAGLS_COMPLETION_MODEL"] = "qwen2.5-coder:1.5b-base"
		env["RAGLS_CHAT_MODEL"] = "chat-model"
	}
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

func docOf(t *testing.T, root, rel string) Doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return Doc{Path: filepath.Join(root, rel), Version: 1, Text: string(b)}
}

func TestHoverFromIndex(t *testing.T) {
	e, root := newTestEngine(t, nil)
	doc := docOf(t, root, "billing/invoice.go")
	off := strings.Index(doc.Text, "ComputeTotal(") + 3
	h, err := e.Hover(context.Background(), doc, off)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"func ComputeTotal(items []Item, rate float64) int", "adds up the price", "billing/total.go:4", "billing/invoice.go:4"} {
		if !strings.Contains(h.Markdown, want) {
			t.Errorf("hover lacks %q:\n%s", want, h.Markdown)
		}
	}
	if doc.Text[h.Start:h.End] != "ComputeTotal" {
		t.Errorf("hover range = %q", doc.Text[h.Start:h.End])
	}
	if h, _ := e.Hover(context.Background(), doc, strings.Index(doc.Text, "0.1")); h.Markdown != "" {
		t.Errorf("hover on a number = %q, want nothing", h.Markdown)
	}
}

func TestCompleteSendsRepositoryContext(t *testing.T) {
	model := newFakeModel(t)
	e, root := newTestEngine(t, model)
	doc := docOf(t, root, "billing/invoice.go")
	doc.Text = strings.Replace(doc.Text, "ComputeTotal(items, 0.1)", "ComputeTotal(", 1)
	off := strings.Index(doc.Text, "ComputeTotal(") + len("ComputeTotal(")
	got, err := e.Complete(context.Background(), doc, off)
	if err != nil {
		t.Fatal(err)
	}
	if got != "items, 0.2)" {
		t.Errorf("completion = %q", got)
	}
	req := model.last()
	prompt, _ := req["prompt"].(string)
	for _, want := range []string{"<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "func ComputeTotal(items []Item, rate float64) int", "billing/total.go"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("completion prompt lacks %q:\n%s", want, prompt)
		}
	}
	if req["model"] != "qwen2.5-coder:1.5b-base" {
		t.Errorf("model = %v", req["model"])
	}
}

func TestModelProblemReportedOnceAndCleared(t *testing.T) {
	model := newFakeModel(t)
	e, root := newTestEngine(t, model)
	var mu sync.Mutex
	var events []Event
	e.SetNotifier(func(ev Event) {
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
	})
	doc := docOf(t, root, "billing/invoice.go")
	model.mu.Lock()
	model.status = 500
	model.mu.Unlock()
	for range 3 {
		if _, err := e.Complete(context.Background(), doc, 10); err == nil {
			t.Fatal("a 500 from the server was not an error")
		}
	}
	model.mu.Lock()
	model.status = 200
	model.mu.Unlock()
	if _, err := e.Complete(context.Background(), doc, 10); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	var problems, cleared int
	for _, ev := range events {
		switch ev.Kind {
		case EventProblem:
			problems++
			if !strings.Contains(ev.Message, model.srv.URL) {
				t.Errorf("problem message does not name the server: %q", ev.Message)
			}
		case EventProblemCleared:
			cleared++
		}
	}
	if problems != 1 || cleared != 1 {
		t.Errorf("got %d problem and %d cleared events, want 1 and 1: %+v", problems, cleared, events)
	}
}

func TestActionsProduceEdits(t *testing.T) {
	model := newFakeModel(t)
	e, root := newTestEngine(t, model)
	ctx := context.Background()
	goDoc := docOf(t, root, "billing/invoice.go")
	inFunc := strings.Index(goDoc.Text, "return")
	pyDoc := docOf(t, root, "tools/report.py")
	commented := goDoc
	commented.Text = strings.Replace(goDoc.Text, "func RenderInvoice", "// RenderInvoice old words.\n// More old words.\nfunc RenderInvoice", 1)
	pyDocumented := pyDoc
	pyDocumented.Text = strings.Replace(pyDoc.Text, "def summarize(rows):\n", "def summarize(rows):\n    \"\"\"Old\n    words.\"\"\"\n", 1)
	tests := []struct {
		name  string
		req   ActionRequest
		chat  string
		check func(t *testing.T, res ActionResult)
	}{
		{"document go", ActionRequest{Kind: ActionDocument, Doc: goDoc, Start: inFunc, End: inFunc},
			`{"doc": "RenderInvoice returns the invoice total.\nIt applies a 10% discount."}`,
			func(t *testing.T, res ActionResult) {
				got := apply(t, goDoc.Text, res.Edits)
				if !strings.Contains(got, "// RenderInvoice returns the invoice total.\n// It applies a 10% discount.\nfunc RenderInvoice") {
					t.Errorf("doc comment not inserted above the function:\n%s", got)
				}
			}},
		{"document python", ActionRequest{Kind: ActionDocument, Doc: pyDoc, Start: 30, End: 30},
			`{"doc": "Count the rows."}`,
			func(t *testing.T, res ActionResult) {
				got := apply(t, pyDoc.Text, res.Edits)
				if !strings.Contains(got, "def summarize(rows):\n    \"\"\"Count the rows.\"\"\"\n    return len(rows)") {
					t.Errorf("docstring not inserted:\n%s", got)
				}
			}},
		{"document go, replacing a comment", ActionRequest{Kind: ActionDocument, Doc: commented, Start: strings.Index(commented.Text, "return"), End: strings.Index(commented.Text, "return")},
			`{"doc": "RenderInvoice returns the invoice total."}`,
			func(t *testing.T, res ActionResult) {
				got := apply(t, commented.Text, res.Edits)
				if strings.Contains(got, "old words") || !strings.Contains(got, "// RenderInvoice returns the invoice total.\nfunc RenderInvoice") {
					t.Errorf("old comment not replaced:\n%s", got)
				}
				if !strings.Contains(res.Note, "replaced the existing doc comment of RenderInvoice (2 lines)") {
					t.Errorf("note = %q, want it to say the comment was replaced", res.Note)
				}
			}},
		{"document python, replacing a docstring", ActionRequest{Kind: ActionDocument, Doc: pyDocumented, Start: 60, End: 60},
			`{"doc": "Count the rows."}`,
			func(t *testing.T, res ActionResult) {
				got := apply(t, pyDocumented.Text, res.Edits)
				if strings.Count(got, `"""`) != 2 || !strings.Contains(got, "def summarize(rows):\n    \"\"\"Count the rows.\"\"\"\n    return len(rows)") {
					t.Errorf("docstring not replaced:\n%s", got)
				}
				if !strings.Contains(res.Note, "docstring") {
					t.Errorf("note = %q", res.Note)
				}
			}},
		{"refactor", ActionRequest{Kind: ActionRefactor, Doc: goDoc, Start: inFunc, End: inFunc, Instruction: "use a named discount"},
			"{\"code\": \"func RenderInvoice(items []Item) int {\\n\\tconst discount = 0.1\\n\\treturn ComputeTotal(items, discount)\\n}\", \"explanation\": \"named the constant\"}",
			func(t *testing.T, res ActionResult) {
				got := apply(t, goDoc.Text, res.Edits)
				want := "package billing\n\nfunc RenderInvoice(items []Item) int {\n\tconst discount = 0.1\n\treturn ComputeTotal(items, discount)\n}\n"
				if got != want {
					t.Errorf("refactored text:\n%s\nwant:\n%s", got, want)
				}
			}},
		{"test", ActionRequest{Kind: ActionTest, Doc: goDoc, Start: inFunc, End: inFunc},
			"{\"path\": \"billing/invoice_test.go\", \"code\": \"import \\\"testing\\\"\\n\\nfunc TestRenderInvoice(t *testing.T) {}\"}",
			func(t *testing.T, res ActionResult) {
				f := res.NewFile
				if f == nil || f.Path != filepath.Join(root, "billing/invoice_test.go") || !f.Create {
					t.Fatalf("new file = %+v", f)
				}
				got := apply(t, "", f.Edits)
				if !strings.HasPrefix(got, "package billing\n\nimport \"testing\"") {
					t.Errorf("test file:\n%s", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			model.mu.Lock()
			model.chat = tt.chat
			model.mu.Unlock()
			res, err := e.Action(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, res)
		})
	}
}

func TestExplainStreams(t *testing.T) {
	model := newFakeModel(t)
	model.chat = "This function totals the invoice."
	e, root := newTestEngine(t, model)
	doc := docOf(t, root, "billing/invoice.go")
	var deltas []string
	text, err := e.Explain(context.Background(), doc, 30, 30, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatal(err)
	}
	if text != model.chat || len(deltas) < 2 || strings.Join(deltas, "") != text {
		t.Errorf("explain = %q in %d deltas %q", text, len(deltas), deltas)
	}
	msgs, _ := json.Marshal(model.last()["messages"])
	if !strings.Contains(string(msgs), "func RenderInvoice") || !strings.Contains(string(msgs), "ComputeTotal adds up") {
		t.Errorf("explain prompt lacks the code or its callee's definition: %s", msgs)
	}
}

func TestSetRootsIndexesInBackgroundWithProgress(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n\nfunc Alpha() {}\n"), 0o644)
	e, err := New(Options{Getenv: func(string) string { return "" }, Watch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	events := make(chan Event, 100)
	e.SetNotifier(func(ev Event) {
		select {
		case events <- ev:
		default:
		}
	})
	if err := e.SetRoots(context.Background(), []string{root}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case ev := <-events:
			done = ev.Kind == EventProgress && ev.Done
		case <-deadline:
			t.Fatal("indexing never reported completion")
		}
	}
	doc := Doc{Path: filepath.Join(root, "b.go"), Text: "package a\n\nfunc B() { Alpha() }\n"}
	if h, _ := e.Hover(context.Background(), doc, strings.Index(doc.Text, "Alpha")); !strings.Contains(h.Markdown, "func Alpha()") {
		t.Errorf("hover after background indexing = %q", h.Markdown)
	}
	// Edited on disk and announced by the editor: the index follows at once.
	os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n\nfunc Alpha(n int) {}\n"), 0o644)
	modify(t, e, Modification{Path: filepath.Join(root, "a.go"), Kind: FileChanged})
	if h, _ := e.Hover(context.Background(), doc, strings.Index(doc.Text, "Alpha")); !strings.Contains(h.Markdown, "func Alpha(n int)") {
		t.Errorf("hover after FilesChanged = %q", h.Markdown)
	}
	if err := e.SetRoots(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if len(e.Roots()) != 0 {
		t.Errorf("roots after SetRoots(nil) = %v", e.Roots())
	}
}

// apply applies non-overlapping byte edits to text.
func apply(t *testing.T, text string, edits []Edit) string {
	t.Helper()
	out := text
	for i := len(edits) - 1; i >= 0; i-- {
		ed := edits[i]
		if ed.Start < 0 || ed.End > len(out) || ed.Start > ed.End {
			t.Fatalf("edit out of range: %+v", ed)
		}
		out = out[:ed.Start] + ed.NewText + out[ed.End:]
	}
	return out
}

func TestUnsavedBuffersOfOtherFilesFeedContext(t *testing.T) {
	e, root := newTestEngine(t, nil)
	helper := filepath.Join(root, "billing/helper.go")
	// A function that exists only in another tab's unsaved buffer.
	modify(t, e, Modification{Path: helper, Version: 1, Kind: Open, Text: "package billing\n\nfunc UnsavedHelper(n int) int { return n + 1 }\n"})
	doc := Doc{Path: filepath.Join(root, "billing/use.go"), Text: "package billing\n\nfunc use() int {\n\treturn UnsavedHelper("}
	h, err := e.Hover(context.Background(), doc, len(doc.Text)-3)
	if err != nil || !strings.Contains(h.Markdown, "func UnsavedHelper(n int) int") {
		t.Fatalf("hover on a function from an unsaved buffer = %q, %v", h.Markdown, err)
	}
	// Closed without saving: the buffer no longer counts.
	modify(t, e, Modification{Path: helper, Kind: Close})
	if h, _ := e.Hover(context.Background(), doc, len(doc.Text)-3); h.Markdown != "" {
		t.Errorf("hover after the unsaved buffer was closed = %q", h.Markdown)
	}
}

func TestHoverShowsModelExplanationWhenReady(t *testing.T) {
	model := newFakeModel(t)
	model.chat = "ComputeTotal sums the prices and applies the discount."
	e, root := newTestEngine(t, model)
	doc := docOf(t, root, "billing/invoice.go")
	off := strings.Index(doc.Text, "ComputeTotal(") + 3
	first, err := e.Hover(context.Background(), doc, off)
	if err != nil || strings.Contains(first.Markdown, model.chat) {
		t.Fatalf("first hover must answer from the index alone: %q %v", first.Markdown, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		h, _ := e.Hover(context.Background(), doc, off)
		if strings.Contains(h.Markdown, model.chat) && strings.Contains(h.Markdown, "func ComputeTotal") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the model's explanation never reached the hover: %q", h.Markdown)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Turned off by the editor: no model call for a hover.
	if err := e.Configure(json.RawMessage(`{"ragls": {"hoverExplain": false}}`)); err != nil {
		t.Fatal(err)
	}
	n := len(model.requests)
	e.Hover(context.Background(), doc, strings.Index(doc.Text, "RenderInvoice"))
	time.Sleep(50 * time.Millisecond)
	model.mu.Lock()
	defer model.mu.Unlock()
	if len(model.requests) != n {
		t.Errorf("a hover asked the model although hoverExplain is false")
	}
}

// modify sends modifications through the engine's funnel and waits for the index work.
func modify(t *testing.T, e *Engine, mods ...Modification) {
	t.Helper()
	if err := e.DidModifyFiles(context.Background(), mods); err != nil {
		t.Fatal(err)
	}
	if err := e.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A completion the user types through is answered from the cache: no second model call.
func TestCompletionCacheTypedThrough(t *testing.T) {
	model := newFakeModel(t)
	model.completion = "Println()"
	e, root := newTestEngine(t, model)
	doc := Doc{Path: filepath.Join(root, "billing/c.go"), Text: "package billing\n\nfunc f() { fmt. }\n"}
	off := strings.Index(doc.Text, "fmt.") + 4
	if got, err := e.Complete(context.Background(), doc, off); err != nil || got != "Println()" {
		t.Fatalf("first completion = %q, %v", got, err)
	}
	n := len(model.requests)
	typed := Doc{Path: doc.Path, Text: doc.Text[:off] + "Pri" + doc.Text[off:]}
	got, ok := e.CachedCompletion(typed, off+3)
	if !ok || got != "ntln()" {
		t.Errorf("typed-through cache = %q %v, want the rest of the cached one", got, ok)
	}
	if got, _ := e.Complete(context.Background(), typed, off+3); got != "ntln()" || len(model.requests) != n {
		t.Errorf("typed-through completion = %q after %d more model calls", got, len(model.requests)-n)
	}
}

func TestColdBuildHookOnlyForRootsWithoutAnIndex(t *testing.T) {
	root, cache := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n\nfunc Alpha() {}\n"), 0o644)
	for _, tt := range []struct {
		name      string
		wantCalls int
	}{
		{"first build", 1},
		{"stored index", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var started, ended atomic.Int32
			e, err := New(Options{CacheDir: cache, Getenv: func(string) string { return "" }, SaveAfter: time.Millisecond,
				ColdBuild: func() func() { started.Add(1); return func() { ended.Add(1) } }})
			if err != nil {
				t.Fatal(err)
			}
			events := make(chan Event, 100)
			e.SetNotifier(func(ev Event) {
				if ev.Kind == EventProgress && ev.Done {
					events <- ev
				}
			})
			if err := e.SetRoots(context.Background(), []string{root}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-events:
			case <-time.After(10 * time.Second):
				t.Fatal("indexing never reported completion")
			}
			e.Close()
			if s, d := started.Load(), ended.Load(); int(s) != tt.wantCalls || s != d {
				t.Errorf("cold-build hook started %d and ended %d times, want %d", s, d, tt.wantCalls)
			}
		})
	}
}
