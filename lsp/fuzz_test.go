package lsp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// byteConn feeds a fixed input to the server and throws its output away.
type byteConn struct {
	io.Reader
}

func (byteConn) Write(p []byte) (int, error) { return len(p), nil }
func (byteConn) Close() error                { return nil }

// FuzzFraming feeds arbitrary bytes to the server as its input stream: it must neither panic nor
// hang, and it must stop when the input ends.
func FuzzFraming(f *testing.F) {
	init := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`)
	open := frame(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.go","languageId":"go","version":1,"text":"x😀"}}}`)
	hover := frame(`{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///a.go"},"position":{"line":0,"character":2}}}`)
	f.Add([]byte(init + open + hover))
	f.Add([]byte(init + "Content-Length: 5\r\n\r\n{oops" + hover))
	f.Add([]byte("Content-Length: 999999999\r\n\r\n{}"))
	f.Add([]byte("Content-Length: -1\r\n\r\nContent-Length: 2\r\n\r\n[]"))
	f.Add([]byte(init + frame(`[{"jsonrpc":"2.0","id":3,"method":"shutdown"},{"jsonrpc":"2.0","method":"exit"}]`)))
	f.Add([]byte(init + frame(`{"jsonrpc":"2.0","id":4,"method":"textDocument/completion","params":{"textDocument":{"uri":"file:///a.go"},"position":{"line":0,"character":1}}}`)))
	f.Fuzz(func(t *testing.T, input []byte) {
		eng := &fakeEngine{complete: func(context.Context, Doc, int) (string, error) { return "x", nil }}
		srv := NewServer(eng, Options{Logger: discardLogger(), Debounce: -1})
		done := make(chan error, 1)
		go func() { done <- srv.Run(context.Background(), byteConn{bytes.NewReader(input)}) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("server hung on input %q", input)
		}
	})
}

// fuzzMethods are the handlers whose params FuzzParams feeds; exit and shutdown would end the
// session.
var fuzzMethods = []string{
	protocol.MethodInitialize,
	protocol.MethodInitialized,
	protocol.MethodTextDocumentDidOpen,
	protocol.MethodTextDocumentDidChange,
	protocol.MethodTextDocumentDidClose,
	protocol.MethodTextDocumentDidSave,
	protocol.MethodWorkspaceDidChangeWorkspaceFolders,
	protocol.MethodWorkspaceDidChangeConfiguration,
	protocol.MethodWorkspaceDidChangeWatchedFiles,
	protocol.MethodCancelRequest,
	protocol.MethodTextDocumentHover,
	protocol.MethodTextDocumentCompletion,
	protocol.MethodTextDocumentInlineCompletion,
	protocol.MethodTextDocumentCodeAction,
	protocol.MethodCodeActionResolve,
	protocol.MethodWorkspaceExecuteCommand,
}

// FuzzParams sends arbitrary JSON as the params of every handler, as a request and as a
// notification: the server must answer every request with something other than an internal
// error, and keep serving.
func FuzzParams(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"textDocument": {"uri": "file:///work/root/a.go", "version": 9}, "contentChanges": [{"range": {"start": {"line": 0, "character": 99}, "end": {"line": 0, "character": 1}}, "text": "😀"}]}`,
		`{"textDocument": {"uri": "file:///work/root/a.go"}, "position": {"line": 4294967295, "character": 4294967295}}`,
		`{"textDocument": {"uri": "file:///work/root/a.go"}, "range": {"start": {"line": 0, "character": 3}, "end": {"line": 0, "character": 0}}, "context": {"diagnostics": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "message": "m"}]}}`,
		`{"title": "t", "data": {"kind": "fix", "uri": "file:///work/root/a.go", "version": 1, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}}`,
		`{"command": "ragls.action", "arguments": [{"kind": "document", "uri": "file:///work/root/a.go", "version": 1}]}`,
		`{"command": "ragls.writeFile", "arguments": [{"path": "relative", "content": "x"}]}`,
		`{"id": "abc"}`, `{"event": {"added": [{"uri": "file:///x", "name": "x"}], "removed": null}}`,
		`{"settings": {"ragls": {"model": 1}}}`, `{"changes": [{"uri": "untitled:1", "type": 2}]}`,
	} {
		for i := range fuzzMethods {
			f.Add(uint8(i), []byte(seed))
		}
	}
	eng := &fakeEngine{
		complete: func(context.Context, Doc, int) (string, error) { return "done()", nil },
		action: func(_ context.Context, req ActionRequest) (ActionResult, error) {
			return ActionResult{Edits: []Edit{{Start: req.Start, End: req.End, NewText: "y"}}, Markdown: "m"}, nil
		},
	}
	h := newHarness(f, eng)
	h.initialize(capsFull)
	h.open("/work/root/a.go", "héllo\r\nwörld 😀\n")
	f.Fuzz(func(t *testing.T, which uint8, params []byte) {
		method := fuzzMethods[int(which)%len(fuzzMethods)]
		if bytes.Contains(params, []byte(cmdWriteFile)) {
			return // it creates files wherever it is told to; not something to fuzz on this disk
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.conn.Notify(ctx, method, jsonrpc2.RawMessage(params)); err != nil {
			t.Fatalf("notify %s: %v", method, err)
		}
		if !invalidJSON(params) {
			// A frame that is not JSON is answered with a null id, so a call would wait forever.
			_, err := h.conn.Call(ctx, method, jsonrpc2.RawMessage(params), nil)
			if codeOf(err) == jsonrpc2.InternalError {
				t.Fatalf("%s with %q: internal error %v", method, params, err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s with %q: no answer", method, params)
			}
		}
		// Still serving.
		if _, err := h.conn.Call(ctx, protocol.MethodTextDocumentHover, jsonrpc2.RawMessage(`{"textDocument": {"uri": "file:///work/root/a.go"}, "position": {"line": 0, "character": 0}}`), nil); err != nil && codeOf(err) == 0 {
			t.Fatalf("server stopped serving after %s with %q: %v", method, params, err)
		}
	})
}

// invalidJSON reports whether params make the message unparsable.
func invalidJSON(params []byte) bool {
	_, err := jsonrpc2.DecodeMessage(jsonrpc2.AppendCall(nil, jsonrpc2.NewNumberID(1), "m", params))
	return err != nil
}
