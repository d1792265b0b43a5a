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

