package engine

import (
	"fmt"

	"ragls/workspace"
)

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
	// Note is one line the user should read as the edit lands, such as that it replaced an
	// existing doc comment (which undo restores); "" for none.
	Note string
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

// ModificationKind says what happened to a file or buffer.
type ModificationKind int

// The kinds of Modification, modelled on gopls's didModifyFiles.
const (
	// Open: the editor opened a buffer; Version and Text are the buffer.
	Open ModificationKind = iota + 1
	// Change: the editor changed a buffer; Version and Text are the whole new buffer.
	Change
	// Close: the editor closed the buffer; the file on disk is the truth again.
	Close
	// Save: the editor saved the buffer; Text, if not "", is what was saved.
	Save
	// FileChanged: a file was created or changed on disk (a watcher, didChangeWatchedFiles,
	// a file the engine wrote).
	FileChanged
	// FileDeleted: a file or a directory was deleted on disk.
	FileDeleted
	// Rescan: Path is a root whose files must all be looked at again (events were lost, the
	// ignore rules changed, or the root was just added); "" means every root.
	Rescan
)

func (k ModificationKind) String() string {
	switch k {
	case Open:
		return "open"
	case Change:
		return "change"
	case Close:
		return "close"
	case Save:
		return "save"
	case FileChanged:
		return "file-changed"
	case FileDeleted:
		return "file-deleted"
	case Rescan:
		return "rescan"
	}
	return fmt.Sprintf("ModificationKind(%d)", int(k))
}

// A Modification is one change to the workspace, of any origin. Every change reaches the engine
// as a Modification through Engine.DidModifyFiles, which applies the ignore and secret rules to
// buffers and files alike.
type Modification struct {
	Path    string // absolute file path, or the client's URI for a buffer with no file
	Version int32  // Open, Change: the editor's version of the buffer
	Text    string // Open, Change: the whole buffer; Save: the saved text, or ""
	Kind    ModificationKind
}

// Access says what ragls may do with a document: see the constants.
type Access = workspace.Access

// What ragls may do with a document.
const (
	// AccessIndexed: indexed, and context for other files.
	AccessIndexed = workspace.AccessIndexed
	// AccessPrivate: ignored, too large or outside every root; the model may see it as the
	// current buffer, never as context for another file; never indexed.
	AccessPrivate = workspace.AccessPrivate
	// AccessSecret: never indexed, cached or sent to the model; completions and code actions
	// are off in it.
	AccessSecret = workspace.AccessSecret
)
