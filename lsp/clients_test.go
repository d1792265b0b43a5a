package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// Messages in the shapes real clients send them, each of which an earlier server rejected.

// VS Code (1.139, vscode-languageclient 9.0.1) sends selectedCompletionInfo.range as a
// two-element array of positions while its suggest widget is open.
const vscodeInlineCompletion = `{
	"context": {"triggerKind": 1, "selectedCompletionInfo": {"text": "Println", "range": [{"line": 0, "character": 6}, {"line": 0, "character": 8}]}},
	"textDocument": {"uri": "file:///work/root/c.go"},
	"position": {"line": 0, "character": 8}
}`

func TestInlineCompletionAcceptsVSCodeArrayRange(t *testing.T) {
	h := newHarness(t, &fakeEngine{complete: func(context.Context, Doc, int) (string, error) { return "intln(x)", nil }})
	h.initialize(capsFull)
	h.open("/work/root/c.go", "é fmt.Pr")
	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, vscodeInlineCompletion, &inline)
	if len(inline.Items) != 1 || inline.Items[0].InsertText != protocol.String("intln(x)") {
		t.Errorf("inline completion = %#v", inline)
	}
}

// Neovim 0.7 and VS Code resolve every code action they list, including those that carry a
// command and no data: they resolve to themselves.
func TestResolveActionWithoutData(t *testing.T) {
	h := newHarness(t, &fakeEngine{action: documentAction})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	var list []protocol.CommandOrCodeAction
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams("/work/root/a.go", rng(0, 6, 0, 6), nil), &list)
	var explain *protocol.CodeAction
	for _, item := range list {
		if ca, ok := item.(*protocol.CodeAction); ok && ca.Title == "ragls: Explain function" {
			explain = ca
		}
	}
	if explain == nil {
		t.Fatalf("no Explain action in %d actions", len(list))
	}
	raw, err := protocol.Marshal(explain)
	if err != nil {
		t.Fatal(err)
	}
	var resolved protocol.CodeAction
	h.mustCall(protocol.MethodCodeActionResolve, string(raw), &resolved)
	if resolved.Title != explain.Title || resolved.Command.Command != cmdAction || len(resolved.Command.Arguments) != 1 {
		t.Errorf("resolved = %+v, want the action itself with its command", resolved)
	}
}

func TestTriggerCharactersAdvertised(t *testing.T) {
	h := newHarness(t, &fakeEngine{})
	res := h.initialize(capsFull)
	got := res.Capabilities.CompletionProvider.TriggerCharacters
	for _, want := range []string{".", ":", ">"} {
		if !slices.Contains(got, want) {
			t.Errorf("trigger characters %q lack %q", got, want)
		}
	}
}

func TestTriggerApplies(t *testing.T) {
	for _, tc := range []struct {
		path, before string
		want         bool
	}{
		{"a.go", "req.", true},
		{"a.go", "x := 1.", false}, // a decimal point
		{"a.go", "m[k]:", false},
		{"a.rs", "std::", true},
		{"a.rs", "let x:", false},
		{"a.rs", "Vec<u8>", false},
		{"a.c", "p->", true},
		{"a.c", "a > b >", false},
		{"a.cpp", "std::", true},
		{"a.py", "self.", true},
		{"a.py", "def f(x):", false},
		{"a.ts", "user?.", true},
		{"a.ts", "Array<string>", false},
		{"a.java", "String::", true},
		{"notes.txt", "a.", true},
		{"notes.txt", "a:", false},
	} {
		if got := triggerApplies(tc.path, tc.before); got != tc.want {
			t.Errorf("triggerApplies(%q, %q) = %v, want %v", tc.path, tc.before, got, tc.want)
		}
	}
}

// A completion triggered by a character that is not member access in the file's language asks
// the engine for nothing.
func TestTriggerCharacterFiltered(t *testing.T) {
	calls := 0
	h := newHarness(t, &fakeEngine{complete: func(context.Context, Doc, int) (string, error) { calls++; return "x", nil }})
	h.initialize(capsFull)
	h.open("/work/root/a.rs", "let x:")
	params := func(ch string, col int) string {
		b, _ := json.Marshal(map[string]any{
			"textDocument": map[string]any{"uri": "file:///work/root/a.rs"},
			"position":     map[string]any{"line": 0, "character": col},
			"context":      map[string]any{"triggerKind": 2, "triggerCharacter": ch},
		})
		return string(b)
	}
	var list protocol.CompletionList
	h.mustCall(protocol.MethodTextDocumentCompletion, params(":", 6), &list)
	if len(list.Items) != 0 || calls != 0 {
		t.Errorf("after 'let x:' got %d items, %d engine calls; want none", len(list.Items), calls)
	}
}

// An action that takes a while shows a cancellable progress bar; cancelling it there reaches
// the engine's context, and the bar ends.
func TestActionProgressCancellable(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan struct{})
	h := newHarness(t, &fakeEngine{action: func(ctx context.Context, req ActionRequest) (ActionResult, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return ActionResult{}, ctx.Err()
	}})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	arg, _ := json.Marshal(actionData{Kind: ActionDocument, URI: "file:///work/root/a.go", Version: 1})
	done := make(chan error, 1)
	go func() {
		done <- h.call(protocol.MethodWorkspaceExecuteCommand, jsonObject(map[string]any{"command": cmdAction, "arguments": []json.RawMessage{arg}}), nil)
	}()
	<-started
	created := h.waitFor(protocol.MethodWindowWorkDoneProgressCreate, 1)
	begin := h.waitFor(protocol.MethodProgress, 1)
	var p struct {
		Token string `json:"token"`
		Value struct {
			Kind, Title string
			Cancellable bool
		} `json:"value"`
	}
	if err := json.Unmarshal(begin[0].params, &p); err != nil {
		t.Fatal(err)
	}
	if p.Value.Kind != "begin" || !p.Value.Cancellable || p.Value.Title != "ragls: Writing the doc comment" {
		t.Fatalf("progress = %s (created %s), want a cancellable begin", begin[0].params, created[0].params)
	}
	h.notify(protocol.MethodWindowWorkDoneProgressCancel, jsonObject(map[string]any{"token": p.Token}))
	select {
	case <-cancelled:
	case <-time.After(hangGuard):
		t.Fatal("cancelling the progress did not cancel the action")
	}
	if err := <-done; err == nil {
		t.Error("a cancelled action answered without an error")
	}
	end := h.waitFor(protocol.MethodProgress, 2)
	if !strings.Contains(string(end[1].params), `"end"`) {
		t.Errorf("second progress = %s, want the end", end[1].params)
	}
}

// A quick action shows no progress at all.
func TestQuickActionShowsNoProgress(t *testing.T) {
	h := newHarness(t, &fakeEngine{action: documentAction})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	arg, _ := json.Marshal(actionData{Kind: ActionDocument, URI: "file:///work/root/a.go", Version: 1})
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, jsonObject(map[string]any{"command": cmdAction, "arguments": []json.RawMessage{arg}}), nil)
	time.Sleep(2 * actionProgressDelay)
	if n := h.count(protocol.MethodWindowWorkDoneProgressCreate); n != 0 {
		t.Errorf("a quick action created %d progress tokens", n)
	}
}

// Tests written into another file are shown: the resolved action carries the command that
// opens the file, which the client runs after applying the edit.
func TestWriteTestsShowsTheFile(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, &fakeEngine{action: testAction(dir)})
	h.initialize(capsFull)
	h.open(dir+"/a.go", "package p\n")
	ca := resolveTitle(t, h, dir+"/a.go", "ragls: Write tests")
	if ca.Edit == nil || ca.Command.Command != cmdOpen {
		t.Fatalf("resolved = %+v, want an edit and the %s command", ca, cmdOpen)
	}
	params, _ := protocol.Marshal(&protocol.ExecuteCommandParams{Command: ca.Command.Command, Arguments: ca.Command.Arguments})
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, string(params), nil)
	shown := h.waitFor(protocol.MethodWindowShowDocument, 1)
	if !strings.Contains(string(shown[0].params), "/a_test.go") {
		t.Errorf("showDocument %s, want a_test.go", shown[0].params)
	}
}
