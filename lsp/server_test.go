package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

func TestInitializeNegotiatesEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		caps string
		want protocol.PositionEncodingKind
	}{
		{"utf-8 offered", capsFull, protocol.PositionEncodingKindUTF8},
		{"nothing offered", capsUTF16NoResolve, protocol.PositionEncodingKindUTF16},
		{"only utf-16 offered", `{"general": {"positionEncodings": ["utf-16"]}}`, protocol.PositionEncodingKindUTF16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			res := h.initialize(tc.caps)
			c := res.Capabilities
			if c.PositionEncoding != tc.want {
				t.Errorf("positionEncoding = %q, want %q", c.PositionEncoding, tc.want)
			}
			sync, ok := c.TextDocumentSync.(*protocol.TextDocumentSyncOptions)
			if !ok || sync.Change == nil || *sync.Change != protocol.TextDocumentSyncKindIncremental || sync.OpenClose == nil || !*sync.OpenClose {
				t.Errorf("textDocumentSync = %#v, want incremental with open/close", c.TextDocumentSync)
			}
			ca, ok := c.CodeActionProvider.(*protocol.CodeActionOptions)
			if !ok || ca.ResolveProvider == nil || !*ca.ResolveProvider || !slices.Contains(ca.CodeActionKinds, protocol.CodeActionKindQuickFix) {
				t.Errorf("codeActionProvider = %#v, want resolvable with quickfix", c.CodeActionProvider)
			}
			if c.HoverProvider != protocol.Boolean(true) || c.InlineCompletionProvider != protocol.Boolean(true) || c.CompletionProvider == nil {
				t.Errorf("hover/completion/inlineCompletion not all advertised: %#v %#v %#v", c.HoverProvider, c.CompletionProvider, c.InlineCompletionProvider)
			}
			if !slices.Contains(c.ExecuteCommandProvider.Commands, cmdAction) {
				t.Errorf("commands = %v, want %s", c.ExecuteCommandProvider.Commands, cmdAction)
			}
			if w := c.Workspace; w == nil || w.WorkspaceFolders == nil || w.WorkspaceFolders.Supported == nil || !*w.WorkspaceFolders.Supported {
				t.Errorf("workspace folders not advertised: %#v", c.Workspace)
			}
		})
	}
}

func TestInitializeConfiguresThenSetsRoots(t *testing.T) {
	h := newHarness(t, nil)
	h.initialize(capsFull)
	// The configuration pull and the watcher registration follow initialized.
	h.waitFor(protocol.MethodWorkspaceConfiguration, 1)
	h.waitFor(protocol.MethodClientRegisterCapability, 1)
	waitUntil(t, func() bool {
		h.eng.mu.Lock()
		defer h.eng.mu.Unlock()
		return len(h.eng.settings) == 2 && len(h.eng.roots) == 1
	})
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	if want := []string{`{"model": "m"}`, `{"model":"from-pull"}`}; !slices.Equal(h.eng.settings, want) {
		t.Errorf("settings = %q, want %q", h.eng.settings, want)
	}
	if want := []string{"/work/root"}; !slices.Equal(h.eng.roots[0], want) {
		t.Errorf("roots = %q, want %q", h.eng.roots[0], want)
	}
}

func TestWorkspaceFoldersChange(t *testing.T) {
	h := newHarness(t, nil)
	h.initialize(capsFull)
	h.notify(protocol.MethodWorkspaceDidChangeWorkspaceFolders, `{"event": {"added": [{"uri": "file:///b", "name": "b"}], "removed": [{"uri": "file:///work/root", "name": "root"}]}}`)
	waitUntil(t, func() bool {
		h.eng.mu.Lock()
		defer h.eng.mu.Unlock()
		return len(h.eng.roots) == 2
	})
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	if got := h.eng.roots[1]; !slices.Equal(got, []string{"/b"}) {
		t.Errorf("roots after change = %q, want [/b]", got)
	}
}

// waitUntil polls cond; the deadline only guards against hanging.
func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hangGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never became true")
		}
		time.Sleep(time.Millisecond)
	}
}

// A request sent right after didOpen must see the document: notifications apply in wire order.
func TestRequestSeesPrecedingNotifications(t *testing.T) {
	h := newHarness(t, nil)
	h.initialize(capsFull)
	for i := range 300 {
		path := fmt.Sprintf("/work/root/f%d.go", i)
		text := fmt.Sprintf("package p // %d", i)
		h.open(path, text)
		var hover protocol.Hover
		h.mustCall(protocol.MethodTextDocumentHover, fmt.Sprintf(`{"textDocument": {"uri": "file://%s"}, "position": {"line": 0, "character": 0}}`, path), &hover)
		mc, ok := hover.Contents.(*protocol.MarkupContent)
		if !ok || mc.Value != text {
			t.Fatalf("run %d: hover saw %#v, want the text just opened", i, hover.Contents)
		}
		var actions []protocol.CommandOrCodeAction
		h.mustCall(protocol.MethodTextDocumentCodeAction, fmt.Sprintf(`{"textDocument": {"uri": "file://%s"}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 3}}, "context": {"diagnostics": []}}`, path), &actions)
		if len(actions) == 0 {
			t.Fatalf("run %d: no code actions right after didOpen", i)
		}
	}
}

func TestIncrementalEditsWithNonASCII(t *testing.T) {
	for _, tc := range []struct {
		name  string
		caps  string
		start int // character of the 'b' after the emoji
	}{
		{"utf-16", capsUTF16NoResolve, 3}, // a=1, 😀=2 units
		{"utf-8", capsFull, 5},            // a=1, 😀=4 bytes
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.initialize(tc.caps)
			h.open("/work/root/e.go", "a😀b\r\n中é!\n")
			// Replace "b" with "XY", then in the same event insert "Z" after "é" on line 1 (which
			// sees the result of the first change).
			eAfter := map[string]int{"utf-16": 2, "utf-8": 5}[tc.name]
			h.notify(protocol.MethodTextDocumentDidChange, jsonObject(map[string]any{
				"textDocument": map[string]any{"uri": "file:///work/root/e.go", "version": 2},
				"contentChanges": []any{
					map[string]any{"range": rng(0, tc.start, 0, tc.start+1), "text": "XY"},
					map[string]any{"range": rng(1, eAfter, 1, eAfter), "text": "Z"},
				},
			}))
			doc := hoverText(t, h, "/work/root/e.go")
			if want := "a😀XY\r\n中éZ!\n"; doc != want {
				t.Errorf("text = %q, want %q", doc, want)
			}
			got, _ := h.eng.Buffer("/work/root/e.go")
			if got.Version != 2 {
				t.Errorf("version = %d, want 2", got.Version)
			}
			// A whole-document change replaces everything.
			h.notify(protocol.MethodTextDocumentDidChange, `{"textDocument": {"uri": "file:///work/root/e.go", "version": 3}, "contentChanges": [{"text": "new"}]}`)
			if doc := hoverText(t, h, "/work/root/e.go"); doc != "new" {
				t.Errorf("after full change text = %q, want %q", doc, "new")
			}
		})
	}
}

func rng(l1, c1, l2, c2 int) map[string]any {
	return map[string]any{"start": map[string]any{"line": l1, "character": c1}, "end": map[string]any{"line": l2, "character": c2}}
}

func hoverText(t *testing.T, h *harness, path string) string {
	t.Helper()
	var hover protocol.Hover
	h.mustCall(protocol.MethodTextDocumentHover, fmt.Sprintf(`{"textDocument": {"uri": "file://%s"}, "position": {"line": 0, "character": 0}}`, path), &hover)
	mc, ok := hover.Contents.(*protocol.MarkupContent)
	if !ok {
		t.Fatalf("hover contents = %#v", hover.Contents)
	}
	return mc.Value
}

func TestHoverMarkdown(t *testing.T) {
	eng := &fakeEngine{hover: func(_ context.Context, doc Doc, offset int) (Hover, error) {
		if offset != 5 {
			return Hover{}, nil
		}
		return Hover{Markdown: "**Foo** `func Foo()`", Start: 5, End: 8}, nil
	}}
	h := newHarness(t, eng)
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/h.go", "é := Foo()")
	var hover protocol.Hover
	// "é" is 2 bytes but 1 UTF-16 unit: character 4 is byte offset 5.
	h.mustCall(protocol.MethodTextDocumentHover, `{"textDocument": {"uri": "file:///work/root/h.go"}, "position": {"line": 0, "character": 4}}`, &hover)
	mc, ok := hover.Contents.(*protocol.MarkupContent)
	if !ok || mc.Kind != protocol.MarkupKindMarkdown || mc.Value != "**Foo** `func Foo()`" {
		t.Fatalf("hover = %#v", hover.Contents)
	}
	if hover.Range == nil || hover.Range.Start.Character != 4 || hover.Range.End.Character != 7 {
		t.Errorf("hover range = %+v, want 0:4-0:7", hover.Range)
	}
	var none json.RawMessage
	h.mustCall(protocol.MethodTextDocumentHover, `{"textDocument": {"uri": "file:///work/root/h.go"}, "position": {"line": 0, "character": 0}}`, &none)
	if string(none) != "null" {
		t.Errorf("empty hover = %s, want null", none)
	}
}

func codeActionParams(path string, r map[string]any, diags []any) string {
	return jsonObject(map[string]any{
		"textDocument": map[string]any{"uri": "file://" + path},
		"range":        r,
		"context":      map[string]any{"diagnostics": diags},
	})
}

func documentAction(_ context.Context, req ActionRequest) (ActionResult, error) {
	if req.Kind != ActionDocument {
		return ActionResult{}, fmt.Errorf("unexpected %s", req.Kind)
	}
	return ActionResult{Edits: []Edit{{Start: 0, End: 0, NewText: "// F does things.\n"}}}, nil
}

func TestCodeActionListAndResolve(t *testing.T) {
	h := newHarness(t, &fakeEngine{action: documentAction})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	var list []protocol.CommandOrCodeAction
	diag := map[string]any{"range": rng(0, 5, 0, 6), "message": "undefined: x\nmore"}
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams("/work/root/a.go", rng(0, 6, 0, 6), []any{diag}), &list)
	titles := map[string]*protocol.CodeAction{}
	for _, item := range list {
		ca, ok := item.(*protocol.CodeAction)
		if !ok {
			t.Fatalf("got %T, want code action literals", item)
		}
		titles[ca.Title] = ca
	}
	for _, want := range []string{"ragls: Fix: undefined: x", "ragls: Explain function", "ragls: Explain inline (comments)", "ragls: Document function", "ragls: Write tests"} {
		if titles[want] == nil {
			t.Errorf("missing action %q; have %v", want, keys(titles))
		}
	}
	if titles["ragls: Refactor selection"] != nil {
		t.Error("refactor offered without a selection")
	}
	if fix := titles["ragls: Fix: undefined: x"]; fix != nil && (fix.Kind == nil || *fix.Kind != protocol.CodeActionKindQuickFix || len(fix.Diagnostics) != 1) {
		t.Errorf("fix action = %+v, want a quickfix carrying its diagnostic", fix)
	}
	doc := titles["ragls: Document function"]
	if doc == nil || doc.Edit != nil || len(doc.Data) == 0 {
		t.Fatalf("document action = %+v, want data and no edit before resolve", doc)
	}

	raw, err := protocol.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var resolved protocol.CodeAction
	h.mustCall(protocol.MethodCodeActionResolve, string(raw), &resolved)
	if resolved.Edit == nil || len(resolved.Edit.DocumentChanges) != 1 {
		t.Fatalf("resolved edit = %+v", resolved.Edit)
	}
	tde, ok := resolved.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if !ok || tde.TextDocument.Version == nil || *tde.TextDocument.Version != 1 || len(tde.Edits) != 1 {
		t.Fatalf("document change = %#v", resolved.Edit.DocumentChanges[0])
	}
	te, ok := tde.Edits[0].(*protocol.TextEdit)
	if !ok || te.NewText != "// F does things.\n" || te.Range != (protocol.Range{}) {
		t.Errorf("edit = %#v", tde.Edits[0])
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestCodeActionOnlyFilter(t *testing.T) {
	h := newHarness(t, &fakeEngine{})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "x")
	var list []protocol.CommandOrCodeAction
	params := jsonObject(map[string]any{
		"textDocument": map[string]any{"uri": "file:///work/root/a.go"},
		"range":        rng(0, 0, 0, 1),
		"context":      map[string]any{"diagnostics": []any{map[string]any{"range": rng(0, 0, 0, 1), "message": "bad"}}, "only": []string{"quickfix"}},
	})
	h.mustCall(protocol.MethodTextDocumentCodeAction, params, &list)
	if len(list) != 1 || list[0].(*protocol.CodeAction).Title != "ragls: Fix: bad" {
		t.Errorf("only quickfix: got %d actions %+v", len(list), list)
	}
}

// Clients that cannot resolve get a command; running it sends workspace/applyEdit.
func TestExecuteCommandAppliesEdit(t *testing.T) {
	h := newHarness(t, &fakeEngine{action: documentAction})
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/a.go", "func F() {}\n")
	var list []protocol.CommandOrCodeAction
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams("/work/root/a.go", rng(0, 6, 0, 6), nil), &list)
	var cmd *protocol.Command
	for _, item := range list {
		if ca := item.(*protocol.CodeAction); ca.Title == "ragls: Document function" {
			if len(ca.Data) != 0 {
				t.Error("data sent to a client without resolve support")
			}
			cmd = &ca.Command
		}
	}
	if cmd == nil || cmd.Command != cmdAction {
		t.Fatalf("no ragls.action command in %+v", list)
	}
	params, err := protocol.Marshal(&protocol.ExecuteCommandParams{Command: cmd.Command, Arguments: cmd.Arguments})
	if err != nil {
		t.Fatal(err)
	}
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, string(params), nil)
	got := h.waitFor(protocol.MethodWorkspaceApplyEdit, 1)
	var p protocol.ApplyWorkspaceEditParams
	if err := protocol.Unmarshal(got[0].params, &p); err != nil {
		t.Fatal(err)
	}
	edits := p.Edit.Changes["file:///work/root/a.go"]
	if len(edits) != 1 || edits[0].NewText != "// F does things.\n" {
		t.Errorf("applyEdit = %s", got[0].params)
	}
}

func TestExplainShownAsDocument(t *testing.T) {
	h := newHarness(t, &fakeEngine{action: func(_ context.Context, req ActionRequest) (ActionResult, error) {
		return ActionResult{Markdown: "# F\nIt does " + req.Doc.Text[req.Start:req.End]}, nil
	}})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	var list []protocol.CommandOrCodeAction
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams("/work/root/a.go", rng(0, 0, 0, 4), nil), &list)
	var cmd protocol.Command
	for _, item := range list {
		if ca := item.(*protocol.CodeAction); ca.Title == "ragls: Explain selection" {
			cmd = ca.Command
		}
	}
	params, _ := protocol.Marshal(&protocol.ExecuteCommandParams{Command: cmd.Command, Arguments: cmd.Arguments})
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, string(params), nil)
	got := h.waitFor(protocol.MethodWindowShowDocument, 1)
	var p protocol.ShowDocumentParams
	if err := protocol.Unmarshal(got[0].params, &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(p.URI), ".md") {
		t.Errorf("showDocument uri = %s, want a markdown file", p.URI)
	}
}

func TestStaleVersionRefused(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := newHarness(t, &fakeEngine{action: func(ctx context.Context, req ActionRequest) (ActionResult, error) {
		close(started)
		<-release
		return documentAction(ctx, req)
	}})
	h.initialize(capsFull)
	h.open("/work/root/a.go", "func F() {}\n")
	var list []protocol.CommandOrCodeAction
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams("/work/root/a.go", rng(0, 6, 0, 6), nil), &list)
	var doc *protocol.CodeAction
	for _, item := range list {
		if ca := item.(*protocol.CodeAction); ca.Title == "ragls: Document function" {
			doc = ca
		}
	}
	raw, _ := protocol.Marshal(doc)

	// The buffer changes while the engine computes: the edit must not be sent.
	errc := make(chan error, 1)
	go func() { errc <- h.call(protocol.MethodCodeActionResolve, string(raw), nil) }()
	<-started
	h.notify(protocol.MethodTextDocumentDidChange, `{"textDocument": {"uri": "file:///work/root/a.go", "version": 2}, "contentChanges": [{"text": "package changed\n"}]}`)
	hoverText(t, h, "/work/root/a.go") // the change has been applied once this returns
	close(release)
	if err := <-errc; codeOf(err) != protocol.CodeContentModified {
		t.Errorf("resolve after change: %v, want ContentModified", err)
	}

	// And an action listed for version 1 is refused outright now.
	if err := h.call(protocol.MethodCodeActionResolve, string(raw), nil); codeOf(err) != protocol.CodeContentModified {
		t.Errorf("resolve of stale action: %v, want ContentModified", err)
	}
}

func TestCompletionItem(t *testing.T) {
	h := newHarness(t, &fakeEngine{complete: func(_ context.Context, doc Doc, offset int) (string, error) {
		if doc.Text[:offset] != "é fmt.Pr" {
			return "", fmt.Errorf("offset %d in %q", offset, doc.Text)
		}
		return "intln(x)\nreturn", nil
	}})
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/c.go", "é fmt.Pr")
	var list protocol.CompletionList
	h.mustCall(protocol.MethodTextDocumentCompletion, `{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 8}}`, &list)
	if !list.IsIncomplete || len(list.Items) != 1 {
		t.Fatalf("completion = %+v", list)
	}
	it := list.Items[0]
	if it.Label != "Println(x) …" {
		t.Errorf("label = %q", it.Label)
	}
	te, ok := it.TextEdit.(*protocol.TextEdit)
	if !ok || te.NewText != "Println(x)\nreturn" || te.Range != (protocol.Range{Start: protocol.Position{Character: 6}, End: protocol.Position{Character: 8}}) {
		t.Errorf("textEdit = %#v", it.TextEdit)
	}
	if st, _ := it.SortText.Get(); st != completionSortText {
		t.Errorf("sortText = %q", st)
	}

	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 8}, "context": {"triggerKind": 1}}`, &inline)
	if len(inline.Items) != 1 || inline.Items[0].InsertText != protocol.String("intln(x)\nreturn") || inline.Items[0].Range == nil || inline.Items[0].Range.Start.Character != 8 {
		t.Errorf("inline completion = %#v", inline)
	}
}

// Cancelling a completion must reach the context the engine was given.
func TestCompletionCancelReachesEngine(t *testing.T) {
	entered := make(chan struct{})
	cancelled := make(chan error, 1)
	h := newHarness(t, &fakeEngine{complete: func(ctx context.Context, _ Doc, _ int) (string, error) {
		close(entered)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return "", ctx.Err()
	}})
	h.initialize(capsFull)
	h.open("/work/root/c.go", "x")
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		// protocol.Call sends $/cancelRequest when ctx is cancelled.
		errc <- protocol.Call(ctx, h.conn, protocol.MethodTextDocumentCompletion, jsonrpc2.RawMessage(`{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 1}}`), nil)
	}()
	<-entered
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("engine ctx err = %v, want Canceled", err)
	}
	<-errc
	// The server keeps serving.
	if got := hoverText(t, h, "/work/root/c.go"); got != "x" {
		t.Errorf("hover after cancel = %q", got)
	}
}

func TestNewerChangeCancelsCompletion(t *testing.T) {
	entered := make(chan struct{})
	cause := make(chan error, 1)
	h := newHarness(t, &fakeEngine{complete: func(ctx context.Context, _ Doc, _ int) (string, error) {
		close(entered)
		<-ctx.Done()
		cause <- context.Cause(ctx)
		return "", ctx.Err()
	}})
	h.initialize(capsFull)
	h.open("/work/root/c.go", "x")
	res := make(chan protocol.CompletionList, 1)
	go func() {
		var list protocol.CompletionList
		if err := h.call(protocol.MethodTextDocumentCompletion, `{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 1}}`, &list); err != nil {
			t.Errorf("completion: %v", err)
		}
		res <- list
	}()
	<-entered
	h.notify(protocol.MethodTextDocumentDidChange, `{"textDocument": {"uri": "file:///work/root/c.go", "version": 2}, "contentChanges": [{"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}}, "text": "y"}]}`)
	if err := <-cause; !errors.Is(err, errStale) {
		t.Errorf("engine ctx cause = %v, want errStale", err)
	}
	if list := <-res; !list.IsIncomplete || len(list.Items) != 0 {
		t.Errorf("stale completion answered %+v, want an empty incomplete list", list)
	}
}

// The engine's cache answers before the debounce and without a model call.
func TestCompletionFromEngineCache(t *testing.T) {
	calls := 0
	h := newHarness(t, &fakeEngine{
		complete: func(context.Context, Doc, int) (string, error) { calls++; return "wrong", nil },
		cached: func(doc Doc, offset int) (string, bool) {
			return "ntln()", doc.Text[:offset] == "fmt.Pri"
		},
	})
	h.initialize(capsFull)
	h.open("/work/root/c.go", "fmt.Pri\n")
	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 7}, "context": {"triggerKind": 2}}`, &inline)
	if calls != 0 {
		t.Errorf("engine asked the model %d times, want 0 (answer from cache)", calls)
	}
	if len(inline.Items) != 1 || inline.Items[0].InsertText != protocol.String("ntln()") {
		t.Errorf("completion = %#v, want the cached one", inline.Items)
	}
}

func TestProgressAndProblems(t *testing.T) {
	h := newHarness(t, nil)
	h.initialize(capsFull)
	waitUntil(t, func() bool { return h.eng.notifier() != nil })
	notify := h.eng.notifier()
	notify(Event{Kind: EventProgress, Key: "index:/work/root", Title: "Indexing root", Percent: 0})
	h.waitFor(protocol.MethodProgress, 1) // consecutive reports are merged; this one must begin
	notify(Event{Kind: EventProgress, Key: "index:/work/root", Percent: 50, Message: "5/10 files"})
	h.waitFor(protocol.MethodProgress, 2)
	for range 5 {
		notify(Event{Kind: EventProblem, Key: "model-down", Message: "model server unreachable"})
	}
	notify(Event{Kind: EventProgress, Key: "index:/work/root", Percent: 100, Done: true})
	progress := h.waitFor(protocol.MethodProgress, 3)
	var kinds []string
	for _, m := range progress {
		var p struct {
			Value struct {
				Kind       string `json:"kind"`
				Percentage *int   `json:"percentage"`
			} `json:"value"`
		}
		if err := json.Unmarshal(m.params, &p); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, p.Value.Kind)
	}
	if kinds[0] != "begin" || kinds[len(kinds)-1] != "end" || !slices.Contains(kinds, "report") {
		t.Errorf("progress kinds = %v, want begin, report..., end", kinds)
	}
	if n := h.count(protocol.MethodWindowWorkDoneProgressCreate); n != 1 {
		t.Errorf("%d progress tokens created, want 1", n)
	}

	// Everything posted before the end of the progress bar has been delivered: one message.
	if n := h.count(protocol.MethodWindowShowMessage); n != 1 {
		t.Errorf("problem shown %d times, want once", n)
	}
	notify(Event{Kind: EventProblemCleared, Key: "model-down"})
	notify(Event{Kind: EventProblem, Key: "model-down", Message: "model server unreachable"})
	h.waitFor(protocol.MethodWindowShowMessage, 2)
}

func TestErrors(t *testing.T) {
	eng := &fakeEngine{hover: func(_ context.Context, doc Doc, _ int) (Hover, error) {
		if doc.Text == "boom" {
			panic("engine bug")
		}
		return Hover{Markdown: doc.Text}, nil
	}}
	h := newHarness(t, eng)
	if err := h.call(protocol.MethodTextDocumentHover, `{}`, nil); codeOf(err) != jsonrpc2.ServerNotInitialized {
		t.Errorf("before initialize: %v, want ServerNotInitialized", err)
	}
	h.initialize(capsFull)
	for _, tc := range []struct {
		method, params string
		want           jsonrpc2.Code
	}{
		{"textDocument/definition", `{}`, jsonrpc2.MethodNotFound},
		{"ragls/unknown", ``, jsonrpc2.MethodNotFound},
		{protocol.MethodTextDocumentHover, `{"textDocument": 5}`, jsonrpc2.InvalidParams},
		{protocol.MethodTextDocumentHover, ``, jsonrpc2.InvalidParams},
		{protocol.MethodTextDocumentCompletion, `[1,2]`, jsonrpc2.InvalidParams},
		{protocol.MethodCodeActionResolve, `{"title": "x", "data": {"kind": "nope"}}`, jsonrpc2.InvalidParams},
		{protocol.MethodWorkspaceExecuteCommand, `{"command": "ragls.nope", "arguments": [1]}`, jsonrpc2.InvalidParams},
		{protocol.MethodInitialize, `{"capabilities": {}}`, jsonrpc2.InvalidRequest},
	} {
		if err := h.call(tc.method, tc.params, nil); codeOf(err) != tc.want {
			t.Errorf("%s %s: %v, want code %d", tc.method, tc.params, err, tc.want)
		}
	}
	// Malformed notifications are dropped, not fatal.
	h.notify(protocol.MethodTextDocumentDidOpen, `{"textDocument": "nope"}`)
	h.notify(protocol.MethodTextDocumentDidChange, `{"textDocument": {"uri": "file:///not/open", "version": 1}, "contentChanges": []}`)

	h.open("/work/root/p.go", "boom")
	if err := h.call(protocol.MethodTextDocumentHover, `{"textDocument": {"uri": "file:///work/root/p.go"}, "position": {"line": 0, "character": 0}}`, nil); codeOf(err) != jsonrpc2.InternalError {
		t.Errorf("engine panic: %v, want InternalError", err)
	}
	h.open("/work/root/q.go", "fine")
	if got := hoverText(t, h, "/work/root/q.go"); got != "fine" {
		t.Errorf("after panic hover = %q, want the server still serving", got)
	}
}

func TestShutdownExit(t *testing.T) {
	for _, tc := range []struct {
		name     string
		shutdown bool
		wantErr  bool
	}{
		{"shutdown then exit", true, false},
		{"exit without shutdown", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.initialize(capsFull)
			if tc.shutdown {
				h.mustCall(protocol.MethodShutdown, "", nil)
				if err := h.call(protocol.MethodTextDocumentHover, `{}`, nil); codeOf(err) != jsonrpc2.InvalidRequest {
					t.Errorf("request after shutdown: %v, want InvalidRequest", err)
				}
			}
			h.notify(protocol.MethodExit, `null`)
			select {
			case err := <-h.runErr:
				if (err != nil) != tc.wantErr || (err != nil && !errors.Is(err, ErrNoShutdown)) {
					t.Errorf("Run = %v, want error %v", err, tc.wantErr)
				}
				h.runErr <- err // for the cleanup
			case <-time.After(hangGuard):
				t.Fatal("Run did not return after exit")
			}
		})
	}
}

// A malformed frame is answered and skipped; the session goes on.
func TestMalformedFrames(t *testing.T) {
	srvEnd, cliEnd := net.Pipe()
	srv := NewServer(&fakeEngine{}, Options{Logger: discardLogger()})
	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background(), srvEnd) }()
	out := jsonrpc2.NewHeaderStream(cliEnd)
	go func() {
		frames := []string{
			"Content-Length: 9\r\n\r\nnot json!",
			"Bogus header\r\n\r\n",
			"Content-Length: 2\r\n\r\n{}",
			frame(`{"jsonrpc":"2.0","id":7,"method":"shutdown"}`),
		}
		for _, f := range frames {
			if _, err := cliEnd.Write([]byte(f)); err != nil {
				t.Errorf("write: %v", err)
				return
			}
		}
	}()
	var codes []jsonrpc2.Code
	for {
		msg, _, err := out.Read(context.Background())
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		resp := msg.(*jsonrpc2.Response)
		if resp.ID().IsValid() {
			// shutdown before initialize: not initialized, but answered.
			if codeOf(resp.Err()) != jsonrpc2.ServerNotInitialized {
				t.Errorf("shutdown answered %v", resp.Err())
			}
			break
		}
		codes = append(codes, codeOf(resp.Err()))
	}
	if !slices.Equal(codes, []jsonrpc2.Code{jsonrpc2.ParseError, jsonrpc2.InvalidRequest}) {
		t.Errorf("error codes = %v, want ParseError then InvalidRequest", codes)
	}
	cliEnd.Close()
	if err := <-done; !errors.Is(err, ErrNoShutdown) {
		t.Errorf("Run = %v", err)
	}
}

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

func testAction(dir string) func(context.Context, ActionRequest) (ActionResult, error) {
	return func(_ context.Context, req ActionRequest) (ActionResult, error) {
		return ActionResult{NewFile: &FileEdit{
			Path:   dir + "/a_test.go",
			Create: true,
			Edits:  []Edit{{Start: 0, End: 0, NewText: "package p\n\nfunc TestF(t *testing.T) {}\n"}},
		}}, nil
	}
}

func resolveTitle(t *testing.T, h *harness, path, title string) protocol.CodeAction {
	t.Helper()
	var list []protocol.CommandOrCodeAction
	h.mustCall(protocol.MethodTextDocumentCodeAction, codeActionParams(path, rng(0, 0, 0, 0), nil), &list)
	for _, item := range list {
		if ca := item.(*protocol.CodeAction); ca.Title == title {
			raw, err := protocol.Marshal(ca)
			if err != nil {
				t.Fatal(err)
			}
			var resolved protocol.CodeAction
			h.mustCall(protocol.MethodCodeActionResolve, string(raw), &resolved)
			return resolved
		}
	}
	t.Fatalf("no %q action", title)
	return protocol.CodeAction{}
}

// A new test file becomes CreateFile plus an edit when the client can create files.
func TestWriteTestsCreatesFile(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, &fakeEngine{action: testAction(dir)})
	h.initialize(capsFull)
	h.open(dir+"/a.go", "package p\n")
	ca := resolveTitle(t, h, dir+"/a.go", "ragls: Write tests")
	if ca.Edit == nil || len(ca.Edit.DocumentChanges) != 2 {
		t.Fatalf("edit = %+v, want create + edit", ca.Edit)
	}
	create, ok := ca.Edit.DocumentChanges[0].(*protocol.CreateFile)
	if !ok || !strings.HasSuffix(string(create.URI), "/a_test.go") {
		t.Errorf("first change = %#v, want CreateFile of a_test.go", ca.Edit.DocumentChanges[0])
	}
	edit, ok := ca.Edit.DocumentChanges[1].(*protocol.TextDocumentEdit)
	if !ok || edit.TextDocument.Version != nil || len(edit.Edits) != 1 {
		t.Errorf("second change = %#v, want an unversioned edit of the new file", ca.Edit.DocumentChanges[1])
	}
}

// Without resource operations the server writes the new file itself, through a command.
func TestWriteTestsWithoutCreateSupport(t *testing.T) {
	dir := t.TempDir()
	h := newHarness(t, &fakeEngine{action: testAction(dir)})
	h.initialize(strings.Replace(capsFull, `"resourceOperations": ["create"]`, `"resourceOperations": []`, 1))
	h.open(dir+"/a.go", "package p\n")
	ca := resolveTitle(t, h, dir+"/a.go", "ragls: Write tests")
	if ca.Edit != nil || ca.Command.Command != cmdWriteFile {
		t.Fatalf("resolved = %+v, want the %s command", ca, cmdWriteFile)
	}
	params, _ := protocol.Marshal(&protocol.ExecuteCommandParams{Command: ca.Command.Command, Arguments: ca.Command.Arguments})
	h.mustCall(protocol.MethodWorkspaceExecuteCommand, string(params), nil)
	got, err := os.ReadFile(dir + "/a_test.go")
	if err != nil || !strings.Contains(string(got), "func TestF") {
		t.Errorf("test file: %q, %v", got, err)
	}
	// Running it again must not overwrite.
	if err := h.call(protocol.MethodWorkspaceExecuteCommand, string(params), nil); err == nil {
		t.Error("second write of an existing file succeeded")
	}
}

func TestFilesChangedReachEngine(t *testing.T) {
	h := newHarness(t, nil)
	h.initialize(capsFull)
	h.open("/work/root/a.go", "x")
	h.notify(protocol.MethodTextDocumentDidSave, `{"textDocument": {"uri": "file:///work/root/a.go"}}`)
	h.notify(protocol.MethodWorkspaceDidChangeWatchedFiles, `{"changes": [{"uri": "file:///work/root/b.go", "type": 2}, {"uri": "untitled:1", "type": 1}]}`)
	h.notify(protocol.MethodTextDocumentDidClose, `{"textDocument": {"uri": "file:///work/root/a.go"}}`)
	waitUntil(t, func() bool {
		h.eng.mu.Lock()
		defer h.eng.mu.Unlock()
		return len(h.eng.changed) == 3
	})
	h.eng.mu.Lock()
	defer h.eng.mu.Unlock()
	if want := []string{"/work/root/a.go", "/work/root/b.go", "/work/root/a.go"}; !slices.Equal(h.eng.changed, want) {
		t.Errorf("FilesChanged got %q, want %q", h.eng.changed, want)
	}
	if _, open := h.eng.Buffer("/work/root/a.go"); open {
		t.Error("document still open after didClose")
	}
}

func TestDebounceOnlyWhileTyping(t *testing.T) {
	srv := NewServer(&fakeEngine{}, Options{Logger: discardLogger(), Debounce: time.Hour})
	if d := srv.debounceFor("/a"); d != 0 {
		t.Errorf("first request waits %v, want 0", d)
	}
	if d := srv.debounceFor("/a"); d != time.Hour {
		t.Errorf("request right after another waits %v, want the debounce", d)
	}
	if d := srv.debounceFor("/b"); d != 0 {
		t.Errorf("first request for another file waits %v, want 0", d)
	}
}
