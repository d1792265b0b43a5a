package lsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Options tunes a Server. The zero value is ready to use.
type Options struct {
	// Logger receives the server's log; nil logs to stderr (stdout carries the protocol).
	Logger *slog.Logger
	// Debounce is how long a completion request that follows another one closely (the user is
	// typing) waits before the model is asked; 0 means the default of 120 ms, a negative value
	// no wait. The first request after a pause never waits.
	Debounce time.Duration
	// Version is reported to the client in serverInfo.
	Version string
}

const defaultDebounce = 120 * time.Millisecond

// Server is one LSP session over one connection. Create it with NewServer and call Run once.
type Server struct {
	engine   Engine
	log      *slog.Logger
	debounce time.Duration
	version  string

	conn   jsonrpc2.Conn   // set by Run before the first message is read
	client protocol.Client // server-to-client calls over conn
	ctx    context.Context // Run's context: cancelled when the session ends
	bg     sync.WaitGroup  // goroutines started by the session

	sess atomic.Pointer[session] // set by initialize; immutable afterwards

	shutdown        atomic.Bool // shutdown request received
	initializedOnce atomic.Bool // initialized notification handled
	exitOnce        sync.Once
	exited          chan struct{} // closed by the exit notification

	engineJobs jobQueue  // state changes for the engine, in wire order
	reports    *reporter // progress and problems for the user

	mu              sync.Mutex
	roots           []string                                    // guarded by mu
	uris            map[string]uri.URI                          // guarded by mu; open path -> URI as the client spelled it
	inflight        map[jsonrpc2.ID]context.CancelFunc          // guarded by mu; requests being handled
	pending         map[string]map[*int]context.CancelCauseFunc // guarded by mu; path -> running completions
	lastCompletion  map[string]time.Time                        // guarded by mu; path -> last completion request
	tmpDir          string                                      // guarded by mu; holds explanations shown as files
	tmpSeq          int                                         // guarded by mu
	progressSeq     int                                         // guarded by mu; numbers the action progress tokens
	progressCancels map[string]context.CancelFunc               // guarded by mu; action progress token -> cancels the action
}

// session is what initialize negotiated.
type session struct {
	enc  encoding
	caps clientCaps
}

// clientCaps are the client capabilities the server acts on.
type clientCaps struct {
	workDoneProgress  bool
	showDocument      bool
	applyEdit         bool
	documentChanges   bool
	createFiles       bool
	resolveEdits      bool // codeAction/resolve can fill in "edit"
	codeActionLiteral bool
	configuration     bool
	watchFilesDynamic bool
	hoverPlainOnly    bool
}

// NewServer returns a server that answers from engine, which owns the open buffers.
func NewServer(engine Engine, opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	debounce := opts.Debounce
	if debounce == 0 {
		debounce = defaultDebounce
	}
	s := &Server{
		engine:          engine,
		log:             log,
		debounce:        max(debounce, 0),
		version:         opts.Version,
		exited:          make(chan struct{}),
		uris:            make(map[string]uri.URI),
		inflight:        make(map[jsonrpc2.ID]context.CancelFunc),
		progressCancels: make(map[string]context.CancelFunc),
		pending:         make(map[string]map[*int]context.CancelCauseFunc),
		lastCompletion:  make(map[string]time.Time),
	}
	s.engineJobs.init()
	s.reports = newReporter(s)
	return s
}

// ErrNoShutdown is returned by Run when the connection ended without a shutdown request: the
// process should exit with status 1.
var ErrNoShutdown = errors.New("connection ended without a shutdown request")

// Run serves the LSP over rwc until the client sends exit, the connection ends or ctx is
// cancelled. It returns nil after an orderly shutdown and exit (exit status 0), ErrNoShutdown
// (possibly wrapped) otherwise (exit status 1).
func (s *Server) Run(ctx context.Context, rwc io.ReadWriteCloser) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := newStream(rwc, s.log)
	s.conn = jsonrpc2.NewConn(st, jsonrpc2.WithCodec(codec{}))
	s.client = protocol.ClientDispatcher(s.conn)
	s.ctx = ctx
	s.goBackground(func() { s.engineJobs.run(ctx, s.log) })
	s.conn.Go(ctx, s.handle)

	var why error
	select {
	case <-s.exited:
	case <-st.ended:
		why = errors.New("client closed the connection")
	case <-ctx.Done():
		why = ctx.Err()
	}
	// Cancelling first lets every running request and background call return, so that Close,
	// which waits for them, cannot hang.
	cancel()
	closed := make(chan struct{})
	go func() {
		if err := s.conn.Close(); err != nil {
			s.log.Debug("closing connection", "error", err)
		}
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		s.log.Warn("connection did not close within 2s; exiting anyway")
	}
	s.bg.Wait()
	s.removeTemp()

	if s.shutdown.Load() {
		return nil
	}
	if why == nil {
		return ErrNoShutdown
	}
	return fmt.Errorf("%w: %w", ErrNoShutdown, why)
}

func (s *Server) goBackground(f func()) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer s.recoverGoroutine()
		f()
	}()
}

func (s *Server) recoverGoroutine() {
	if r := recover(); r != nil {
		s.log.Error("internal error in background work", "panic", r, "stack", string(debug.Stack()))
	}
}

// handle is the jsonrpc2 handler. jsonrpc2 calls it on the goroutine that reads the connection,
// one message at a time, in wire order. Notifications are applied right here, so everything a
// request observes reflects all notifications sent before it; they must be quick and must never
// wait for the engine or the client. Requests do their quick part (decoding, snapshotting the
// document) here too, then release the reader with jsonrpc2.Async and run concurrently.
func (s *Server) handle(ctx context.Context, req *jsonrpc2.Request) (any, error) {
	if !req.IsCall() {
		s.notification(ctx, req.Method(), req.Params())
		return nil, nil // an error here would end the connection
	}
	return s.call(ctx, req.ID(), req.Method(), req.Params())
}

// notification applies one notification, logging rather than returning failures: there is no one
// to answer, and jsonrpc2 would end the connection on an error.
func (s *Server) notification(ctx context.Context, method string, params []byte) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("internal error handling notification", "method", method, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	if method == protocol.MethodExit {
		s.exitOnce.Do(func() { close(s.exited) })
		return
	}
	if method == protocol.MethodCancelRequest {
		s.cancelRequest(params)
		return
	}
	if s.sess.Load() == nil || s.shutdown.Load() {
		s.log.Debug("dropping notification outside an active session", "method", method)
		return
	}
	var err error
	switch method {
	case protocol.MethodInitialized:
		s.initialized()
	case protocol.MethodTextDocumentDidOpen:
		err = s.didOpen(params)
	case protocol.MethodTextDocumentDidChange:
		err = s.didChange(params)
	case protocol.MethodTextDocumentDidClose:
		err = s.didClose(params)
	case protocol.MethodTextDocumentDidSave:
		err = s.didSave(params)
	case protocol.MethodWorkspaceDidChangeWorkspaceFolders:
		err = s.didChangeWorkspaceFolders(params)
	case protocol.MethodWorkspaceDidChangeConfiguration:
		err = s.didChangeConfiguration(params)
	case protocol.MethodWorkspaceDidChangeWatchedFiles:
		err = s.didChangeWatchedFiles(params)
	case protocol.MethodWindowWorkDoneProgressCancel:
		err = s.cancelProgress(params)
	default:
		// $/setTrace, $/progress and unknown notifications need
		// nothing from ragls; LSP lets servers ignore them.
		s.log.Debug("ignoring notification", "method", method)
	}
	if err != nil {
		s.log.Warn("could not apply notification", "method", method, "error", err)
	}
}

// call answers one request. It recovers a panic into an InternalError answer, so that a bug in
// one handler (or in the engine) costs one request, not the session.
func (s *Server) call(ctx context.Context, id jsonrpc2.ID, method string, params []byte) (result any, err error) {
	// method and params borrow the connection's read buffer, which the next message overwrites
	// once the request is released; the method is needed after that, in errors and logs. Params
	// are decoded (from a copy) before release.
	method = strings.Clone(method)
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("internal error handling request", "method", method, "panic", r, "stack", string(debug.Stack()))
			result, err = nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "ragls: internal error in %s: %v", method, r)
		}
	}()

	switch {
	case method == protocol.MethodInitialize:
		return s.initialize(params)
	case s.sess.Load() == nil:
		return nil, jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, "ragls: the server has not been initialized")
	case s.shutdown.Load():
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "ragls: %s after shutdown", method)
	case method == protocol.MethodShutdown:
		s.shutdown.Store(true)
		return nil, nil
	}

	// Register before anything can release the reader, so that a $/cancelRequest that follows
	// this request on the wire always finds it.
	//
	// The request's context derives from the session's, not from jsonrpc2's: jsonrpc2 recycles
	// its per-request context when a synchronous handler returns, which races with the goroutine
	// the context package starts to watch a foreign parent. jsonrpc2's context is kept only to
	// release the reader.
	ctx, cancel := context.WithCancel(context.WithValue(s.ctx, rpcContextKey{}, ctx))
	s.mu.Lock()
	s.inflight[id] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.inflight, id)
		s.mu.Unlock()
		cancel()
	}()

	switch method {
	case protocol.MethodTextDocumentHover:
		result, err = s.hover(ctx, params)
	case protocol.MethodTextDocumentCompletion:
		result, err = s.completion(ctx, params)
	case protocol.MethodTextDocumentInlineCompletion:
		result, err = s.inlineCompletion(ctx, params)
	case protocol.MethodTextDocumentCodeAction:
		result, err = s.codeAction(ctx, params)
	case protocol.MethodCodeActionResolve:
		result, err = s.resolveCodeAction(ctx, params)
	case protocol.MethodWorkspaceExecuteCommand:
		result, err = s.executeCommand(ctx, params)
	default:
		return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "ragls does not implement %q", method)
	}
	if err != nil && ctx.Err() != nil && s.ctx.Err() == nil {
		// The client cancelled: say so rather than reporting whatever the engine made of it.
		return nil, protocol.ErrRequestCancelled
	}
	return result, err
}

type rpcContextKey struct{}

// release lets the request run concurrently with the messages that follow it (jsonrpc2.Async):
// called once the request has read everything it needs from the state that those messages may
// change. It may be called at most once per request.
func release(ctx context.Context) {
	if rpc, ok := ctx.Value(rpcContextKey{}).(context.Context); ok {
		jsonrpc2.Async(rpc)
	}
}

func (s *Server) cancelRequest(params []byte) {
	var p protocol.CancelParams
	if err := protocol.Unmarshal(params, &p); err != nil {
		s.log.Debug("malformed $/cancelRequest", "error", err)
		return
	}
	var id jsonrpc2.ID
	switch v := p.ID.(type) {
	case protocol.Integer:
		id = jsonrpc2.NewNumberID(int64(v))
	case protocol.String:
		id = jsonrpc2.NewStringID(string(v))
	default:
		return
	}
	s.mu.Lock()
	cancel := s.inflight[id]
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// decode unmarshals params, answering InvalidParams when they do not fit.
func decode(method string, params []byte, v any) error {
	if len(params) == 0 {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: missing params", method)
	}
	// Decoded strings may alias the input, and params alias the connection's read buffer, which
	// the next message overwrites once the request is released: decode from a copy.
	if err := protocol.Unmarshal(bytes.Clone(params), v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: invalid params: %v", method, err)
	}
	return nil
}

// pathOf maps a document URI to the key under which its buffer is stored: the clean file path for
// file URIs, the URI itself for anything else (untitled buffers and the like).
func pathOf(u uri.URI) (string, error) {
	if u == "" {
		return "", jsonrpc2.NewError(jsonrpc2.InvalidParams, "missing document URI")
	}
	if u.IsFile() {
		p := u.FsPath()
		if p == "" || !filepath.IsAbs(p) {
			return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "document URI %q has no absolute path", string(u))
		}
		return filepath.Clean(p), nil
	}
	return string(u), nil
}

// filePath is pathOf for URIs that must name a file on disk.
func filePath(u uri.URI) (string, bool) {
	if !u.IsFile() {
		return "", false
	}
	p, err := pathOf(u)
	return p, err == nil
}

// uriOf returns the URI the client used for path, or a file URI for paths it never opened.
func (s *Server) uriOf(path string) uri.URI {
	s.mu.Lock()
	u, ok := s.uris[path]
	s.mu.Unlock()
	if ok {
		return u
	}
	if strings.HasPrefix(path, "/") || filepath.IsAbs(path) {
		return uri.File(path)
	}
	return uri.URI(path)
}

// openDoc returns the open buffer for u, as the engine holds it.
func (s *Server) openDoc(u uri.URI) (Doc, error) {
	path, err := pathOf(u)
	if err != nil {
		return Doc{}, err
	}
	doc, ok := s.engine.Buffer(path)
	if !ok {
		return Doc{}, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s is not open", string(u))
	}
	return doc, nil
}

func (s *Server) enc() encoding {
	if sess := s.sess.Load(); sess != nil {
		return sess.enc
	}
	return utf16
}

func (s *Server) caps() clientCaps {
	if sess := s.sess.Load(); sess != nil {
		return sess.caps
	}
	return clientCaps{}
}

// codec marshals payloads with the protocol package, which knows how to encode and decode its
// union types; it mirrors the codec protocol.NewServer installs, which is not exported.
type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	if m, ok := v.(jsonrpc2.RawMessage); ok {
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	}
	return protocol.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	// Some decoders alias their input, and data may be jsonrpc2's read buffer: decode a copy.
	return protocol.Unmarshal(bytes.Clone(data), v)
}

// jobQueue runs functions one at a time, in the order they were pushed, on its own goroutine.
type jobQueue struct {
	mu   sync.Mutex
	jobs []func(context.Context) // guarded by mu
	wake chan struct{}
}

func (q *jobQueue) init() { q.wake = make(chan struct{}, 1) }

func (q *jobQueue) push(job func(context.Context)) {
	q.mu.Lock()
	q.jobs = append(q.jobs, job)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *jobQueue) run(ctx context.Context, log *slog.Logger) {
	for {
		q.mu.Lock()
		jobs := q.jobs
		q.jobs = nil
		q.mu.Unlock()
		for _, job := range jobs {
			if ctx.Err() != nil {
				return
			}
			func() {
				defer func() {
					if r := recover(); r != nil {
						log.Error("internal error in engine", "panic", r, "stack", string(debug.Stack()))
					}
				}()
				job(ctx)
			}()
		}
		select {
		case <-q.wake:
		case <-ctx.Done():
			return
		}
	}
}
