package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nodeResult is what testdata/client.js prints: a session plus what the failure scenarios
// measure.
type nodeResult struct {
	session
	MessageTypes    []int             `json:"messageTypes"`
	ProgressTitles  []string          `json:"progressTitles"`
	Inline          []string          `json:"inline"`
	Created         map[string]string `json:"created"`
	CompletionItems []struct {
		Label   string `json:"label"`
		Detail  string `json:"detail"`
		NewText string `json:"newText"`
	} `json:"completionItems"`
	Completion1  *completionOutcome `json:"completion1"`
	Completion2  *completionOutcome `json:"completion2"`
	ResolveError *string            `json:"resolveError"`
	Steps        map[string]int     `json:"steps"`
	Respelled    []string           `json:"respelled"`
	Stderr       string             `json:"stderr"`
	PyHover      string             `json:"pyHover"`
	Shown        []struct {
		URI  string `json:"uri"`
		Text string `json:"text"`
	} `json:"shown"`
}

type completionOutcome struct {
	Items int    `json:"items"`
	Error string `json:"error"`
	Code  int    `json:"code"`
	MS    int    `json:"ms"`
}

// nodePlan is the scenario client.js plays.
type nodePlan struct {
	Server      []string       `json:"server"`
	Root        string         `json:"root"`
	File        string         `json:"file"`
	Mode        string         `json:"mode"` // "happy" or "failure"
	Settings    map[string]any `json:"settings"`
	Hover       pos            `json:"hover"`
	HoverAfter  pos            `json:"hoverAfter"`
	Action      pos            `json:"action"`
	Completion  pos            `json:"completion"`
	Diagnostic  map[string]any `json:"diagnostic"`
	RunTests    bool           `json:"runTests"`
	RunExplain  bool           `json:"runExplain"`
	PyFile      string         `json:"pyFile,omitempty"` // also open this Python file and hover at PyHover
	PyHover     pos            `json:"pyHover"`
	CancelAfter int            `json:"cancelAfter,omitempty"` // ms after which completions are cancelled
	Resolve     bool           `json:"resolve,omitempty"`     // failure mode: also resolve an action
}

func runNode(t *testing.T, m model, mode string, tweak func(*nodePlan)) nodeResult {
	t.Helper()
	node := tool(t, "RAGLS_NODE", "node")
	modules := nodeModules(t)
	root := workspace(t)
	plan := nodePlan{
		Server:     []string{ragls(t), "serve"},
		Root:       root,
		File:       filepath.Join(root, "cart.go"),
		Mode:       mode,
		Settings:   m.settings(),
		Hover:      hoverAt,
		HoverAfter: hoverAfterEdit,
		Action:     actionAt,
		Completion: completeAt,
		Diagnostic: fakeDiagnostic,
	}
	if tweak != nil {
		tweak(&plan)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "client.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, mustJSON(t, plan))
	cmd.Env = append(environ(t), "NODE_PATH="+modules)
	out := run(t, 60*time.Second, cmd)
	var res nodeResult
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("client.js printed %q: %v", out, err)
	}
	t.Logf("steps (ms): %v; window/showMessage: %q", res.Steps, res.Messages)
	for _, r := range res.Respelled {
		// A client that compares URIs as strings would not find its document in the edit.
		t.Errorf("the server re-spelled a document URI: %s", r)
	}
	if t.Failed() || testing.Verbose() {
		t.Logf("ragls serve stderr:\n%s", res.Stderr)
	}
	return res
}

// TestNodeRealModel plays a whole editing session against the real model server, with
// completions through a FIM prompt on /v1/completions and through the chat fallback.
func TestNodeRealModel(t *testing.T) {
	t.Parallel()
	for _, fim := range []string{"starcoder", "chat"} {
		t.Run(fim, func(t *testing.T) {
			t.Parallel()
			m := realModel(t)
			m.FIM = fim
			res := runNode(t, m, "happy", nil)
			res.check(t, true)
			if len(res.ProgressTitles) == 0 || !strings.Contains(res.ProgressTitles[0], "Indexing") {
				t.Errorf("progress titles = %q, want an \"Indexing ...\" one", res.ProgressTitles)
			}
			for _, it := range res.CompletionItems {
				if it.Detail != "ragls" {
					t.Errorf("completion item %q has detail %q, want \"ragls\"", it.Label, it.Detail)
				}
			}
			if len(res.Inline) == 0 || res.Inline[0] == "" {
				t.Errorf("inline completion = %q, want the model's text", res.Inline)
			}
			if len(res.Messages) > 0 {
				t.Errorf("window/showMessage with a working model server: %q", res.Messages)
			}
		})
	}
}

// TestNodeFakeModel checks exact edits with a fake model server that answers fixed JSON: the doc
// comment lands above the function, the completion item carries the model's text, and "Write
// tests" through workspace/executeCommand creates the test file by workspace/applyEdit.
func TestNodeFakeModel(t *testing.T) {
	t.Parallel()
	fake := newFakeModel(t, "ok")
	res := runNode(t, fake.model(), "happy", func(p *nodePlan) {
		p.RunTests = true
		p.RunExplain = true
		p.PyFile = filepath.Join(p.Root, "slug.py")
		p.PyHover = pyHoverAt
	})
	res.check(t, true)
	// Write tests shows the test file it wrote; Explain function shows its answer.
	if len(res.Shown) != 2 || !strings.HasSuffix(res.Shown[0].URI, "/cart_test.go") ||
		!strings.HasSuffix(res.Shown[1].URI, ".md") || !strings.Contains(res.Shown[1].Text, strings.TrimSpace(fakeCompletion)) {
		t.Errorf("shown documents %+v, want the test file Write tests wrote, then one Markdown document with the model's answer", res.Shown)
	}
	if !strings.Contains(res.PyHover, "slugify(title)") || !strings.Contains(res.PyHover, "lower case") {
		t.Errorf("hover on the call to slugify in slug.py = %q, want its signature and docstring", res.PyHover)
	}
	if want := documented(); res.After != want {
		t.Errorf("after Document function:\n%s\nwant:\n%s", res.After, want)
	}
	if len(res.Inline) != 1 || res.Inline[0] != fakeCompletion {
		t.Errorf("inline completion = %q, want [%q]", res.Inline, fakeCompletion)
	}
	if len(res.CompletionItems) != 1 || res.CompletionItems[0].NewText != fakeCompletion {
		t.Errorf("completion items = %+v, want one inserting %q", res.CompletionItems, fakeCompletion)
	}
	var test string
	for u, text := range res.Created {
		if strings.HasSuffix(u, "/cart_test.go") {
			test = text
		}
	}
	if !strings.HasPrefix(test, "package shop\n") || !strings.Contains(test, "func TestCheckout(t *testing.T) {}") {
		t.Errorf("Write tests created %v, want cart_test.go in package shop with TestCheckout", res.Created)
	}
}

// TestNodePlainCommand: editors may start plain `ragls` with pipes for stdin and stdout; it
// serves the LSP as `ragls serve` does.
func TestNodePlainCommand(t *testing.T) {
	t.Parallel()
	fake := newFakeModel(t, "ok")
	res := runNode(t, fake.model(), "happy", func(p *nodePlan) { p.Server = p.Server[:1] })
	res.check(t, true)
}

// TestNodeModelDown: with nothing listening at the model URL, completions come back empty
// without an error, the user is told once, naming the URL, and hover still answers.
func TestNodeModelDown(t *testing.T) {
	t.Parallel()
	fake := newFakeModel(t, "down")
	res := runNode(t, fake.model(), "failure", nil)
	checkFailure(t, res)
	for _, c := range []*completionOutcome{res.Completion1, res.Completion2} {
		if c == nil || c.Error != "" || c.Items != 0 {
			t.Errorf("completion with the model server down = %+v, want an empty list", c)
		}
	}
	host := strings.TrimPrefix(strings.TrimSuffix(fake.URL, "/v1"), "http://")
	if len(res.Messages) != 1 || !strings.Contains(res.Messages[0], host) {
		t.Errorf("window/showMessage = %q, want exactly one naming %s", res.Messages, host)
	}
}

// TestNodeModelSlow: a completion the model server never answers is cancelled by
// $/cancelRequest and answers promptly, and the server hangs up on the model server; without a
// cancel, the model timeout ends it, and the user is told once.
func TestNodeModelSlow(t *testing.T) {
	t.Parallel()
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		fake := newFakeModel(t, "slow")
		const cancelAfter = 300
		res := runNode(t, fake.model(), "failure", func(p *nodePlan) { p.CancelAfter = cancelAfter })
		checkFailure(t, res)
		for _, c := range []*completionOutcome{res.Completion1, res.Completion2} {
			// vscode-jsonrpc rejects a cancelled request with code -32800 (RequestCancelled).
			if c == nil || c.Code != -32800 {
				t.Errorf("cancelled completion = %+v, want error code -32800 (RequestCancelled)", c)
				continue
			}
			// Generous for a loaded 2-core machine; without cancellation it would take the 20 s
			// model timeout.
			if c.MS > cancelAfter+3000 {
				t.Errorf("cancelled completion answered after %d ms, want soon after the cancel at %d ms", c.MS, cancelAfter)
			}
		}
		if !waitFor(3*time.Second, func() bool { return fake.abortedRequests() >= 2 }) {
			t.Errorf("the model server saw %d aborted requests, want 2: cancellation must reach the HTTP call", fake.abortedRequests())
		}
		if len(res.Messages) > 0 {
			t.Errorf("cancelling is not a problem to show the user, got window/showMessage %q", res.Messages)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		fake := newFakeModel(t, "slow")
		m := fake.model()
		m.Timeout = time.Second
		res := runNode(t, m, "failure", nil)
		checkFailure(t, res)
		for _, c := range []*completionOutcome{res.Completion1, res.Completion2} {
			if c == nil || c.Error != "" || c.Items != 0 {
				t.Errorf("completion past the model timeout = %+v, want an empty list", c)
			}
		}
		if len(res.Messages) != 1 || !strings.Contains(strings.ToLower(res.Messages[0]), "timed out") {
			t.Errorf("window/showMessage = %q, want exactly one saying the model timed out", res.Messages)
		}
	})
}

// TestNodeModelGarbage: a web page or cut-off JSON instead of an answer gives empty completions,
// one clear message, and a code action that fails with an error naming the action.
func TestNodeModelGarbage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		mode string
		says []string // the message names one of these
	}{
		{"html", []string{"content type", "html"}},
		{"badjson", []string{"malformed", "truncated", "json"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			fake := newFakeModel(t, tc.mode)
			res := runNode(t, fake.model(), "failure", func(p *nodePlan) { p.Resolve = true })
			checkFailure(t, res)
			for _, c := range []*completionOutcome{res.Completion1, res.Completion2} {
				if c == nil || c.Error != "" || c.Items != 0 {
					t.Errorf("completion with a garbage model server = %+v, want an empty list", c)
				}
			}
			if len(res.Messages) != 1 {
				t.Errorf("window/showMessage = %q, want exactly one", res.Messages)
			} else if !containsAny(strings.ToLower(res.Messages[0]), tc.says) {
				t.Errorf("window/showMessage %q names none of %q", res.Messages[0], tc.says)
			}
			if res.ResolveError == nil || !strings.Contains(*res.ResolveError, "document") {
				t.Errorf("resolving Document function against garbage: error %v, want one naming the action", res.ResolveError)
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// checkFailure asserts what every failure scenario shares: the server keeps serving hovers
// from the index and exits cleanly.
func checkFailure(t *testing.T, res nodeResult) {
	t.Helper()
	for _, e := range res.Errors {
		t.Errorf("client.js: %s", e)
	}
	if !strings.Contains(res.Hover, totalSignature) || !strings.Contains(res.HoverAfter, totalSignature) {
		t.Errorf("hover before/after the failures = %q / %q, want both to show %q", res.Hover, res.HoverAfter, totalSignature)
	}
	if res.ServerExit == nil || *res.ServerExit != 0 {
		t.Errorf("ragls serve exit status = %s, want 0", ptrString(res.ServerExit))
	}
	for _, typ := range res.MessageTypes {
		if typ != 1 && typ != 2 {
			t.Errorf("showMessage type %d for a model problem, want error (1) or warning (2)", typ)
		}
	}
}
