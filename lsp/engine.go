package lsp

import (
	"context"
	"encoding/json"
)

// Engine is everything the language server needs from the rest of ragls: the workspace index,
// context assembly, prompts and the model. It is declared here, by its consumer, in plain Go
// types, so that the engine knows nothing of LSP and the CLI can drive the same engine directly.
//
// The server calls the methods that change state (SetRoots, Configure, FilesChanged) from one
// goroutine, in the order the client's notifications arrived, but never from the goroutine that
// reads the client's messages: they may take a while. The query methods (Hover, Complete, Action)
// are called concurrently, each with a context that is cancelled when the client cancels the
// request, when a newer edit makes a completion stale, or when the server shuts down; an engine
// must pass that context on to the model's HTTP request so that cancellation aborts it.
//
// Byte offsets are into Doc.Text, which is the editor's unsaved buffer: the engine must prefer it
// to the file on disk. Other open buffers are in the *workspace.Documents given to NewServer.
type Engine interface {
	// SetRoots sets the complete list of workspace roots (absolute, clean directory paths),
	// on initialize and whenever the client's workspace folders change. Indexing is expected to
	// continue in the background after SetRoots returns, reporting through the notifier.
	SetRoots(ctx context.Context, roots []string) error

	// Configure applies the user's settings: the JSON object the client sends as
	// initializationOptions, as the "ragls" section of workspace/configuration, or in
	// workspace/didChangeConfiguration (all carry the same keys; the server unwraps a
	// {"ragls": {...}} envelope). Unknown keys should be ignored; an error is shown to the user.
	Configure(settings json.RawMessage) error

	// FilesChanged tells the engine that files were created, changed, saved, deleted or closed
	// (a closed buffer's unsaved text no longer counts). The engine's own file watcher may have
	// seen the same change: the engine is expected to dedup by content hash, so double
	// notification is cheap.
	FilesChanged(paths []string)

	// Hover describes the symbol at offset without calling the model: its definition, signature,
	// doc comment and where it is used, from the index. A zero Hover means nothing to show.
	Hover(ctx context.Context, doc Doc, offset int) (Hover, error)

	// Complete returns the model's completion to insert at offset, "" for none. It is called
	// after the server's debounce and only for the newest edit.
	Complete(ctx context.Context, doc Doc, offset int) (string, error)

	// Action computes a code action the user chose (see ActionKind).
	Action(ctx context.Context, req ActionRequest) (ActionResult, error)

	// SetNotifier gives the engine the function through which it reports indexing progress and
	// model problems. It is called once, before the first SetRoots. notify may be called from any
	// goroutine and never blocks.
	SetNotifier(notify func(Event))
}

// Doc is a snapshot of the document a request is about.
type Doc struct {
	Path    string // absolute file path, or the client's URI for documents not on disk
	Version int32  // the editor's version of the buffer
	Text    string // the editor's unsaved buffer
}

// Hover is the answer to a hover request.
type Hover struct {
	Markdown string // "" means no hover
	// Start and End delimit the symbol the hover is about, as byte offsets into the Doc's text,
	// for the client to highlight; Start == End means no particular range.
	Start, End int
}

// ActionKind names a code action.
type ActionKind string

// The code actions ragls offers. In an ActionRequest, Start == End means the cursor is in a
// function and the engine should act on the function that encloses it.
const (
	// ActionExplain explains the selection or the enclosing function: ActionResult.Markdown.
	ActionExplain ActionKind = "explain"
	// ActionExplainInline inserts explanatory comments into the code: ActionResult.Edits.
	ActionExplainInline ActionKind = "explain-inline"
	// ActionDocument writes the doc comment of the enclosing function: ActionResult.Edits.
	ActionDocument ActionKind = "document"
	// ActionRefactor rewrites the selection, following Instruction if given: ActionResult.Edits.
	ActionRefactor ActionKind = "refactor"
	// ActionFix fixes the problem described by Diagnostic at Start..End: ActionResult.Edits.
	ActionFix ActionKind = "fix"
	// ActionTest writes tests for the enclosing function: usually ActionResult.NewFile (the test
	// file to create or extend), or Edits when tests live in the same file.
	ActionTest ActionKind = "test"
)

// ActionRequest asks the engine for one code action.
type ActionRequest struct {
	Kind       ActionKind
	Doc        Doc
	Start, End int    // byte offsets of the selection in Doc.Text; equal for a bare cursor
	Diagnostic string // ActionFix: the diagnostic's message (its range is Start..End)
	// Instruction is free text from the user (ActionRefactor), "" if none.
	Instruction string
}

// ActionResult is what a code action produces. Any combination may be set; the server checks
// that Doc is still at the version the action was computed for before it sends an edit.
type ActionResult struct {
	Edits    []Edit    // edits to ActionRequest.Doc.Text
	NewFile  *FileEdit // another file to create or change, e.g. a test file
	Markdown string    // an explanation to show the user
}

// Edit replaces Text[Start:End] with NewText; offsets are in bytes. Edits in one list must not
// overlap; all offsets refer to the original text.
type Edit struct {
	Start, End int
	NewText    string
}

// FileEdit changes or creates a file other than the one the action was asked about.
type FileEdit struct {
	Path   string // absolute
	Create bool   // the file does not exist yet; Edits apply to the empty text
	// Base is the content the Edits were computed on: the open buffer if the file is open in the
	// editor, else the file on disk; "" when Create. The server refuses the edit if the buffer
	// no longer matches.
	Base  string
	Edits []Edit
}

// EventKind says what an Event reports.
type EventKind int

const (
	// EventProgress reports progress of a long task, such as indexing a root.
	EventProgress EventKind = iota
	// EventProblem reports a problem the user should know about (model server down, slow,
	// answering garbage). The server shows each Problem key once until it is cleared.
	EventProblem
	// EventProblemCleared says the problem with the same key is gone.
	EventProblemCleared
)

// Event is something the engine reports to the user while working in the background.
type Event struct {
	Kind EventKind
	// Key identifies the task (EventProgress; e.g. "index:/abs/root") or the kind of problem
	// (EventProblem*, e.g. "model-unreachable"). Progress events with the same Key form one
	// progress bar: the first begins it, one with Done ends it.
	Key     string
	Title   string // EventProgress: shown when the task begins, e.g. "Indexing myproject"
	Message string // e.g. "1200/5000 files", or the problem, worded for the user
	Percent int    // EventProgress: 0-100
	Done    bool   // EventProgress: the task is finished
}
