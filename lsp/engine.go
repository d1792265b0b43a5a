package lsp

import (
	"context"
	"encoding/json"

	"ragls/engine"
)

// Engine is everything the language server needs from the rest of ragls: the workspace, its
// open buffers and index, context assembly, prompts and the model. It is declared here, by its
// consumer, in the engine's plain Go types (package engine knows nothing of LSP), so that the
// CLI can drive the same engine directly.
//
// The engine owns the open buffers: the server keeps none. Every change the client reports
// (didOpen, didChange, didClose, didSave, didChangeWatchedFiles) goes to DidModifyFiles, which
// the server calls on the goroutine that reads the client's messages, in wire order, so that a
// request sees every change sent before it; DidModifyFiles must therefore be quick (the engine
// queues its index work). The server calls SetRoots and Configure from one goroutine, in order,
// off the reader. The query methods (Hover, Complete, Action) are called concurrently, each with
// a context that is cancelled when the client cancels the request, when a newer edit makes a
// completion stale, or when the server shuts down; the engine passes it on to the model's HTTP
// request so that cancellation aborts it.
//
// Byte offsets are into Doc.Text, the editor's unsaved buffer as Buffer returns it.
type Engine interface {
	// SetRoots sets the complete list of workspace roots (absolute, clean directory paths),
	// on initialize and whenever the client's workspace folders change. Indexing continues in
	// the background after SetRoots returns, reporting through the notifier.
	SetRoots(ctx context.Context, roots []string) error

	// Configure applies the user's settings: the JSON object the client sends as
	// initializationOptions, as the "ragls" section of workspace/configuration, or in
	// workspace/didChangeConfiguration (all carry the same keys; the server unwraps a
	// {"ragls": {...}} envelope). Unknown keys are ignored; an error is shown to the user.
	Configure(settings json.RawMessage) error

	// DidModifyFiles is the one way changes reach the engine (see engine.Modification).
	DidModifyFiles(ctx context.Context, mods []engine.Modification) error

	// Buffer returns the open buffer at path (the key pathOf makes of the document's URI).
	Buffer(path string) (engine.Doc, bool)

	// Access says what ragls may do with the document at path: in a secret file the server
	// offers no completions and no code actions.
	Access(path string) engine.Access

	// CheckWrite refuses a file a code action must not create or change: outside the
	// workspace roots, or secret.
	CheckWrite(path string) error

	// Hover describes the symbol at offset without calling the model: its definition, signature,
	// doc comment and where it is used, from the index. A zero Hover means nothing to show.
	Hover(ctx context.Context, doc engine.Doc, offset int) (engine.Hover, error)

	// CachedCompletion answers from the engine's completion cache, without the model: the
	// server asks it before debouncing.
	CachedCompletion(doc engine.Doc, offset int) (string, bool)

	// Complete returns the model's completion to insert at offset, "" for none. It is called
	// after the server's debounce and only for the newest edit.
	Complete(ctx context.Context, doc engine.Doc, offset int) (string, error)

	// Action computes a code action the user chose (see engine.ActionKind).
	Action(ctx context.Context, req engine.ActionRequest) (engine.ActionResult, error)

	// SetNotifier gives the engine the function through which it reports indexing progress and
	// problems. It is called once, before the first SetRoots. notify may be called from any
	// goroutine and never blocks.
	SetNotifier(notify func(engine.Event))
}

var _ Engine = (*engine.Engine)(nil)

// The engine's types under the names the server's code uses.
type (
	Doc           = engine.Doc
	Hover         = engine.Hover
	ActionKind    = engine.ActionKind
	ActionRequest = engine.ActionRequest
	ActionResult  = engine.ActionResult
	Edit          = engine.Edit
	FileEdit      = engine.FileEdit
	Event         = engine.Event
	EventKind     = engine.EventKind
)

const (
	ActionExplain       = engine.ActionExplain
	ActionExplainInline = engine.ActionExplainInline
	ActionDocument      = engine.ActionDocument
	ActionRefactor      = engine.ActionRefactor
	ActionFix           = engine.ActionFix
	ActionTest          = engine.ActionTest

	EventProgress       = engine.EventProgress
	EventProblem        = engine.EventProblem
	EventProblemCleared = engine.EventProblemCleared
)
