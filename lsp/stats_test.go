package lsp

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.lsp.dev/protocol"

	"ragls/engine"
)

// statsEngine is the fake engine with the real engine's acceptance statistics.
type statsEngine struct {
	*fakeEngine
	real *engine.Engine
}

func (e statsEngine) CompletionOffered(doc Doc, offset int, texts []string, latency time.Duration) []string {
	return e.real.CompletionOffered(doc, offset, texts, latency)
}
func (e statsEngine) CompletionAccepted(id string) bool { return e.real.CompletionAccepted(id) }

// A completion carries the command that counts its acceptance, and running the command the
// client was given counts one acceptance, for the completion's language, once.
func TestCompletionAcceptanceCounted(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"RAGLS_CONFIG": filepath.Join(dir, "none.json")}
	real, err := engine.New(engine.Options{CacheDir: dir, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(real.Close)
	fake := &fakeEngine{complete: func(context.Context, Doc, int) (string, error) { return "intln(x)", nil }}
	h := newHarnessFor(t, statsEngine{fake, real})
	h.eng = fake
	init := h.initialize(capsUTF16NoResolve)
	if cmds := init.Capabilities.ExecuteCommandProvider; !slices.Contains(cmds.Commands, cmdAccepted) {
		t.Errorf("executeCommandProvider = %#v, want %s listed", cmds, cmdAccepted)
	}
	h.open("/work/root/c.go", "fmt.Pr")
	pos := `{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 6}}`

	var list protocol.CompletionList
	h.mustCall(protocol.MethodTextDocumentCompletion, pos, &list)
	if len(list.Items) != 1 {
		t.Fatalf("completion = %+v", list)
	}
	cmd := list.Items[0].Command
	if cmd.Command != cmdAccepted || len(cmd.Arguments) != 1 {
		t.Fatalf("completion item command = %#v, want %s with one argument", cmd, cmdAccepted)
	}
	var arg acceptedArg
	if err := json.Unmarshal(cmd.Arguments[0], &arg); err != nil || arg.ID == "" || arg.Language != "go" {
		t.Fatalf("argument %s: %+v, %v", cmd.Arguments[0], arg, err)
	}

	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, pos, &inline)
	if len(inline.Items) != 1 || inline.Items[0].Command.Command != cmdAccepted {
		t.Fatalf("inline completion = %#v, want the %s command", inline, cmdAccepted)
	}

	exec := func(c protocol.Command) {
		t.Helper()
		raw, _ := json.Marshal(protocol.ExecuteCommandParams{Command: c.Command, Arguments: c.Arguments})
		h.mustCall(protocol.MethodWorkspaceExecuteCommand, string(raw), nil)
	}
	exec(cmd)
	exec(cmd) // a second run of the same command is not a second acceptance

	st, err := real.Stats()
	if err != nil {
		t.Fatal(err)
	}
	g := st.Languages["go"]
	if g.Shown != 2 || g.Accepted != 1 || len(g.LatencyMs) != 2 {
		t.Errorf("go stats = %+v, want 2 shown (item and inline), 1 accepted, 2 latencies", g)
	}

	if err := h.call(protocol.MethodWorkspaceExecuteCommand, `{"command": "ragls.accepted", "arguments": [{"language": "go"}]}`, nil); err == nil {
		t.Error("ragls.accepted without an id succeeded")
	}
}

// In a language the settings disable, completion and inline completion answer nothing and
// the model is never asked; another language still asks it.
func TestDisabledLanguageNoCompletion(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"disabledLanguages": ["python"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"RAGLS_CONFIG": config, "RAGLS_MODEL_URL": srv.URL + "/v1", "RAGLS_MODEL_TIMEOUT": "2s"}
	eng, err := engine.New(engine.Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	h := newHarnessFor(t, eng)
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/a.py", "x = ")
	pos := `{"textDocument": {"uri": "file:///work/root/a.py"}, "position": {"line": 0, "character": 4}}`
	var list protocol.CompletionList
	h.mustCall(protocol.MethodTextDocumentCompletion, pos, &list)
	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, pos, &inline)
	if len(list.Items) != 0 || len(inline.Items) != 0 {
		t.Errorf("completions in a disabled language: %+v, %+v", list, inline)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the model server was asked %d times for a disabled language", n)
	}
	h.open("/work/root/a.go", "x := ")
	h.mustCall(protocol.MethodTextDocumentCompletion, `{"textDocument": {"uri": "file:///work/root/a.go"}, "position": {"line": 0, "character": 5}}`, &list)
	if calls.Load() == 0 {
		t.Error("a Go completion did not reach the model server either: the test proves nothing")
	}
}
