package lsp

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
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

func (e statsEngine) CompletionShown(path string, latency time.Duration) string {
	return e.real.CompletionShown(path, latency)
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
