package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// Commands served by workspace/executeCommand, for clients that cannot resolve code actions.
const (
	cmdAction    = "ragls.action"    // argument: the code action's data; computes and applies it
	cmdMarkdown  = "ragls.show"      // argument: Markdown text to show the user
	cmdWriteFile = "ragls.writeFile" // arguments: path, content; creates a file the client cannot
	cmdOpen      = "ragls.open"      // argument: absolute path of a file an action changed; shows it
	cmdAccepted  = "ragls.accepted"  // argument: {"id": ...} of a completion the user accepted; counts it
)

// Code action kinds. Fixes are plain quickfixes so that editors list them with the diagnostic.
const (
	kindExplain       protocol.CodeActionKind = "refactor.ragls.explain"
	kindExplainInline protocol.CodeActionKind = "refactor.rewrite.ragls.explainInline"
	kindDocument      protocol.CodeActionKind = "refactor.rewrite.ragls.document"
	kindRefactor      protocol.CodeActionKind = "refactor.rewrite.ragls.refactor"
	kindTest          protocol.CodeActionKind = "refactor.ragls.test"
	kindFix                                   = protocol.CodeActionKindQuickFix
)

// section is the configuration section ragls reads from workspace/configuration.
const section = "ragls"

func (s *Server) initialize(params []byte) (any, error) {
	if s.sess.Load() != nil {
		return nil, jsonrpc2.NewError(jsonrpc2.InvalidRequest, "ragls: initialize sent twice")
	}
	var p protocol.InitializeParams
	if err := decode(protocol.MethodInitialize, params, &p); err != nil {
		return nil, err
	}
	sess := &session{enc: utf16, caps: readCaps(&p.Capabilities)}
	if g := p.Capabilities.General; g != nil && slices.Contains(g.PositionEncodings, protocol.PositionEncodingKindUTF8) {
		sess.enc = utf8Bytes
	}
	roots := initialRoots(&p)
	s.mu.Lock()
	s.roots = roots
	s.mu.Unlock()
	s.sess.Store(sess)

	// The engine gets its settings before its roots so that the first indexing already honours
	// them; all of it runs off the reading goroutine.
	s.engineJobs.push(func(context.Context) { s.engine.SetNotifier(s.reports.post) })
	if settings := unwrapSettings(p.InitializationOptions); settings != nil {
		s.engineJobs.push(func(context.Context) { s.configure(settings) })
	}
	s.engineJobs.push(func(ctx context.Context) { s.setRoots(ctx, roots) })

	s.log.Info("initialized", "client", p.ClientInfo.Name, "roots", roots, "positionEncoding", sess.enc.kind())
	return &protocol.InitializeResult{
		Capabilities: serverCapabilities(sess.enc),
		ServerInfo:   serverInfo(s.version),
	}, nil
}

// serverCapabilities promises exactly what the handlers serve.
func serverCapabilities(enc encoding) protocol.ServerCapabilities {
	incremental := protocol.TextDocumentSyncKindIncremental
	return protocol.ServerCapabilities{
		PositionEncoding: enc.kind(),
		TextDocumentSync: &protocol.TextDocumentSyncOptions{
			OpenClose: ptr(true),
			Change:    &incremental,
			Save:      &protocol.SaveOptions{IncludeText: ptr(false)},
		},
		CompletionProvider: &protocol.CompletionOptions{ResolveProvider: ptr(false), TriggerCharacters: triggerCharacters},
		HoverProvider:      protocol.Boolean(true),
		CodeActionProvider: &protocol.CodeActionOptions{
			CodeActionKinds: []protocol.CodeActionKind{
				kindFix, protocol.CodeActionKindRefactor, protocol.CodeActionKindRefactorRewrite,
				kindExplain, kindExplainInline, kindDocument, kindRefactor, kindTest,
			},
			ResolveProvider: ptr(true),
		},
		ExecuteCommandProvider:   protocol.ExecuteCommandOptions{Commands: []string{cmdAction, cmdMarkdown, cmdWriteFile, cmdOpen, cmdAccepted}},
		InlineCompletionProvider: protocol.Boolean(true),
		Workspace: &protocol.WorkspaceOptions{
			WorkspaceFolders: &protocol.WorkspaceFoldersServerCapabilities{
				Supported:           ptr(true),
				ChangeNotifications: protocol.Boolean(true),
			},
		},
	}
}

func readCaps(c *protocol.ClientCapabilities) clientCaps {
	var caps clientCaps
	if w := c.Window; w != nil {
		caps.workDoneProgress = w.WorkDoneProgress != nil && *w.WorkDoneProgress
		caps.showDocument = w.ShowDocument != nil && w.ShowDocument.Support
	}
	if w := c.Workspace; w != nil {
		caps.applyEdit = w.ApplyEdit != nil && *w.ApplyEdit
		if we := w.WorkspaceEdit; we != nil {
			caps.documentChanges = we.DocumentChanges != nil && *we.DocumentChanges
			caps.createFiles = caps.documentChanges && slices.Contains(we.ResourceOperations, protocol.ResourceOperationKindCreate)
		}
		caps.configuration = w.Configuration != nil && *w.Configuration
		caps.watchFilesDynamic = w.DidChangeWatchedFiles != nil && w.DidChangeWatchedFiles.DynamicRegistration != nil && *w.DidChangeWatchedFiles.DynamicRegistration
	}
	if td := c.TextDocument; td != nil {
		if ca := td.CodeAction; ca != nil {
			caps.codeActionLiteral = len(ca.CodeActionLiteralSupport.CodeActionKind.ValueSet) > 0
			caps.resolveEdits = ca.DataSupport != nil && *ca.DataSupport && slices.Contains(ca.ResolveSupport.Properties, "edit")
		}
		if h := td.Hover; h != nil && len(h.ContentFormat) > 0 {
			caps.hoverPlainOnly = !slices.Contains(h.ContentFormat, protocol.MarkupKindMarkdown)
		}
	}
	return caps
}

// initialRoots returns the workspace roots from initialize: its folders, else rootUri, else the
// deprecated rootPath.
func initialRoots(p *protocol.InitializeParams) []string {
	var roots []string
	if folders, ok := p.WorkspaceFolders.Get(); ok && len(folders) > 0 {
		for _, f := range folders {
			if path, ok := filePath(f.URI); ok {
				roots = addRoot(roots, path)
			}
		}
		return roots
	}
	if p.RootURI != nil {
		if path, ok := filePath(*p.RootURI); ok {
			return addRoot(roots, path)
		}
	}
	if rp, ok := p.RootPath.Get(); ok && rp != "" {
		if path, ok := filePath(uri.File(rp)); ok {
			return addRoot(roots, path)
		}
	}
	return roots
}

func addRoot(roots []string, path string) []string {
	if slices.Contains(roots, path) {
		return roots
	}
	return append(roots, path)
}

func (s *Server) setRoots(ctx context.Context, roots []string) {
	if err := s.engine.SetRoots(ctx, roots); err != nil {
		s.log.Error("could not open workspace", "roots", roots, "error", err)
		s.showMessage(ctx, protocol.MessageTypeError, "ragls: "+err.Error())
	}
}

func (s *Server) configure(settings json.RawMessage) {
	if err := s.engine.Configure(settings); err != nil {
		s.log.Warn("invalid settings", "error", err)
		s.showMessage(s.ctx, protocol.MessageTypeWarning, "ragls settings: "+err.Error())
	}
}

// unwrapSettings returns the ragls settings in v, which may be them or {"ragls": them}; nil if
// there are none.
func unwrapSettings(v []byte) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil
	}
	var env map[string]json.RawMessage
	if json.Unmarshal(v, &env) == nil {
		if inner, ok := env[section]; ok {
			return unwrapSettings(inner)
		}
	}
	return json.RawMessage(bytes.Clone(v))
}

// initialized starts what needs the client's cooperation: reports, file watching and settings.
// Each step waits for the client, so none of them runs on the reading goroutine.
func (s *Server) initialized() {
	if !s.initializedOnce.CompareAndSwap(false, true) {
		return // a second initialized would start everything twice
	}
	caps := s.caps()
	s.goBackground(func() { s.reports.run(s.ctx) })
	if caps.watchFilesDynamic {
		s.goBackground(func() { s.registerWatchers(s.ctx) })
	}
	if caps.configuration {
		s.engineJobs.push(s.pullConfiguration)
	}
}

func (s *Server) registerWatchers(ctx context.Context) {
	opts, err := protocol.Marshal(&protocol.DidChangeWatchedFilesRegistrationOptions{
		Watchers: []protocol.FileSystemWatcher{{GlobPattern: protocol.Pattern("**/*")}},
	})
	if err != nil {
		s.log.Error("encoding watcher registration", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err = s.client.RegisterCapability(ctx, &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID:              "ragls-watch",
		Method:          protocol.MethodWorkspaceDidChangeWatchedFiles,
		RegisterOptions: opts,
	}}})
	if err != nil {
		s.log.Info("client declined file watching; relying on ragls's own watcher", "error", err)
	}
}

// pullConfiguration asks the client for the "ragls" section and applies it.
func (s *Server) pullConfiguration(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	sec := section
	res, err := s.client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: &sec}}})
	if err != nil {
		s.log.Info("client did not answer workspace/configuration", "error", err)
		return
	}
	if len(res) == 0 {
		return
	}
	if settings := unwrapSettings(res[0]); settings != nil {
		s.configure(settings)
	}
}

func ptr[T any](v T) *T { return &v }

func serverInfo(version string) protocol.ServerInfo {
	info := protocol.ServerInfo{Name: "ragls"}
	if version != "" {
		info.Version = protocol.NewOptional(version)
	}
	return info
}
