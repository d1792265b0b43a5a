package engine

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
