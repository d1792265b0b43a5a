package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"ragls/engine"
)

// hangGuard only keeps a broken test from hanging the suite; no test asserts on timing.
const hangGuard = 20 * time.Second

// fakeEngine is an Engine whose answers the tests choose.
type fakeEngine struct {
	mu       sync.Mutex
	roots    [][]string
	settings []string
	changed  []string
	notify   func(Event)

	hover    func(ctx context.Context, doc Doc, offset int) (Hover, error)
	complete func(ctx context.Context, doc Doc, offset int) (string, error)
	action   func(ctx context.Context, req ActionRequest) (ActionResult, error)
	cached   func(doc Doc, offset int) (string, bool)
	access   func(path string) engine.Access
	write    func(path string) error

	bufMu sync.Mutex
	bufs  map[string]Doc // guarded by bufMu
}

// DidModifyFiles keeps the buffers as the real engine does, and records every change that is
// not an edit of a buffer.
func (e *fakeEngine) DidModifyFiles(_ context.Context, mods []engine.Modification) error {
	for _, m := range mods {
		e.bufMu.Lock()
		if e.bufs == nil {
			e.bufs = map[string]Doc{}
		}
		switch m.Kind {
		case engine.Open, engine.Change:
			e.bufs[m.Path] = Doc{Path: m.Path, Version: m.Version, Text: m.Text}
		case engine.Close:
			delete(e.bufs, m.Path)
		}
		e.bufMu.Unlock()
		if m.Kind != engine.Open && m.Kind != engine.Change {
			e.mu.Lock()
			e.changed = append(e.changed, m.Path)
			e.mu.Unlock()
		}
	}
	return nil
}

func (e *fakeEngine) Buffer(path string) (Doc, bool) {
	e.bufMu.Lock()
	defer e.bufMu.Unlock()
	d, ok := e.bufs[path]
	return d, ok
}

func (e *fakeEngine) Access(path string) engine.Access {
	if e.access == nil {
		return engine.AccessIndexed
	}
	return e.access(path)
}

func (e *fakeEngine) CheckWrite(path string) error {
	if e.write == nil {
		return nil
	}
	return e.write(path)
}

func (e *fakeEngine) CachedCompletion(doc Doc, offset int) (string, bool) {
	if e.cached == nil {
		return "", false
	}
	return e.cached(doc, offset)
}

func (e *fakeEngine) SetRoots(_ context.Context, roots []string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.roots = append(e.roots, roots)
	return nil
}

func (e *fakeEngine) Configure(settings json.RawMessage) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.settings = append(e.settings, string(settings))
	return nil
}

func (e *fakeEngine) Hover(ctx context.Context, doc Doc, offset int) (Hover, error) {
	if e.hover == nil {
		return Hover{Markdown: doc.Text}, nil
	}
	return e.hover(ctx, doc, offset)
}

func (e *fakeEngine) Complete(ctx context.Context, doc Doc, offset int) (string, error) {
	if e.complete == nil {
		return "", nil
	}
	return e.complete(ctx, doc, offset)
}

func (e *fakeEngine) Action(ctx context.Context, req ActionRequest) (ActionResult, error) {
	if e.action == nil {
		return ActionResult{}, errors.New("no action")
	}
	return e.action(ctx, req)
}

func (e *fakeEngine) SetNotifier(notify func(Event)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.notify = notify
}

func (e *fakeEngine) notifier() func(Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.notify
}

// message is something the server sent the client.
type message struct {
	method string
	params json.RawMessage
}

// harness runs a Server over a real pipe and drives it with a jsonrpc2 client.
type harness struct {
	t    testing.TB
	eng  *fakeEngine
	srv  *Server
	conn jsonrpc2.Conn

	mu       sync.Mutex
	received []message // guarded by mu
	arrived  chan struct{}
	// answers maps a server-to-client request method to the JSON result the client sends.
	answers map[string]string

	runErr chan error
}

func newHarness(t testing.TB, eng *fakeEngine) *harness {
	t.Helper()
	if eng == nil {
		eng = &fakeEngine{}
	}
	h := newHarnessFor(t, eng)
	h.eng = eng
	return h
}

// newHarnessFor runs a server on any engine, such as a real one.
func newHarnessFor(t testing.TB, eng Engine) *harness {
	t.Helper()
	serverEnd, clientEnd := net.Pipe()
	h := &harness{
		t:       t,
		arrived: make(chan struct{}, 1),
		answers: map[string]string{
			protocol.MethodWorkspaceApplyEdit:           `{"applied":true}`,
			protocol.MethodWindowShowDocument:           `{"success":true}`,
			protocol.MethodWorkspaceConfiguration:       `[{"model":"from-pull"}]`,
			protocol.MethodClientRegisterCapability:     `null`,
			protocol.MethodWindowWorkDoneProgressCreate: `null`,
		},
		runErr: make(chan error, 1),
	}
	h.srv = NewServer(eng, Options{Logger: discardLogger(), Debounce: -1})
	go func() { h.runErr <- h.srv.Run(context.Background(), serverEnd) }()
	h.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(clientEnd), jsonrpc2.WithCodec(codec{}))
	h.conn.Go(context.Background(), h.handle)
	t.Cleanup(func() {
		h.conn.Close()
		select {
		case <-h.runErr:
		case <-time.After(hangGuard):
			t.Error("server did not stop after the client closed the connection")
		}
	})
	return h
}

func (h *harness) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	h.mu.Lock()
	h.received = append(h.received, message{strings.Clone(req.Method()), json.RawMessage(strings.Clone(string(req.Params())))})
	answer, ok := h.answers[req.Method()]
	h.mu.Unlock()
	select {
	case h.arrived <- struct{}{}:
	default:
	}
	if !req.IsCall() {
		return nil, nil
	}
	// Recorded in wire order above; the answer is written off the reading goroutine, as a real
	// editor does, so that neither side's reader ever waits for the other's writes.
	jsonrpc2.Async(ctx)
	if !ok {
		return nil, jsonrpc2.ErrMethodNotFound
	}
	return jsonrpc2.RawMessage(answer), nil
}

// waitFor waits until the server has sent n messages with the given method and returns them.
func (h *harness) waitFor(method string, n int) []message {
	h.t.Helper()
	deadline := time.After(hangGuard)
	for {
		h.mu.Lock()
		var got []message
		for _, m := range h.received {
			if m.method == method {
				got = append(got, m)
			}
		}
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.arrived:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("server sent %d %s messages, want %d", len(got), method, n)
		}
	}
}

func (h *harness) count(method string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.received {
		if m.method == method {
			n++
		}
	}
	return n
}

func (h *harness) call(method, params string, result any) error {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
	defer cancel()
	var p any
	if params != "" {
		p = jsonrpc2.RawMessage(params)
	}
	_, err := h.conn.Call(ctx, method, p, result)
	return err
}

func (h *harness) mustCall(method, params string, result any) {
	h.t.Helper()
	if err := h.call(method, params, result); err != nil {
		h.t.Fatalf("%s: %v", method, err)
	}
}

func (h *harness) notify(method, params string) {
	h.t.Helper()
	if err := h.conn.Notify(context.Background(), method, jsonrpc2.RawMessage(params)); err != nil {
		h.t.Fatalf("notify %s: %v", method, err)
	}
}

// Client capabilities used by the tests.
const (
	capsFull = `{
		"general": {"positionEncodings": ["utf-8", "utf-16"]},
		"window": {"workDoneProgress": true, "showDocument": {"support": true}},
		"workspace": {"applyEdit": true, "configuration": true, "workspaceFolders": true,
			"workspaceEdit": {"documentChanges": true, "resourceOperations": ["create"]},
			"didChangeWatchedFiles": {"dynamicRegistration": true}},
		"textDocument": {"codeAction": {"dataSupport": true, "resolveSupport": {"properties": ["edit"]},
			"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor"]}}}}
	}`
	capsUTF16NoResolve = `{
		"window": {"workDoneProgress": true},
		"workspace": {"applyEdit": true},
		"textDocument": {"codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "refactor"]}}}}
	}`
)

func (h *harness) initialize(caps string) protocol.InitializeResult {
	h.t.Helper()
	var res protocol.InitializeResult
	h.mustCall(protocol.MethodInitialize, `{"processId": null, "rootUri": "file:///work/root", "capabilities": `+caps+`,
		"initializationOptions": {"ragls": {"model": "m"}}}`, &res)
	h.notify(protocol.MethodInitialized, `{}`)
	return res
}

func (h *harness) open(path, text string) {
	h.t.Helper()
	h.notify(protocol.MethodTextDocumentDidOpen, jsonObject(map[string]any{
		"textDocument": map[string]any{"uri": "file://" + path, "languageId": "go", "version": 1, "text": text},
	}))
}

func jsonObject(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// codeOf returns the JSON-RPC error code of err, or 0.
func codeOf(err error) jsonrpc2.Code {
	var werr *jsonrpc2.Error
	if errors.As(err, &werr) {
		return werr.Code
	}
	return 0
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
