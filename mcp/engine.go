package mcp

import (
	"context"
	"iter"

	"ragls/indexer"
)

// Engine is what the MCP server needs from ragls: the roots it serves and, for each root, the
// same search, context, symbol and file rules the language server and the command line use.
// Roots are absolute directories; paths are slash paths relative to their root.
type Engine interface {
	// Roots returns the served roots.
	Roots() []string
	// Status says how far the first indexing of a root has come.
	Status(root string) Status
	// WaitIndexed returns once the first indexing of root is done or ctx is done, calling
	// progress (if not nil) as it advances.
	WaitIndexed(ctx context.Context, root string, progress func(Status)) error

	Search(ctx context.Context, root, query string, k int, keep func(path string) bool) ([]indexer.Hit, error)
	// Context is what ragls gives a model at a 1-based line and column of path; content, if not
	// nil, is the buffer as an editor holds it.
	Context(ctx context.Context, root, path string, line, col int, content *string, budget int) (indexer.ContextResult, error)
	// Definitions returns the definitions named name, ranked for a reader at path ("" for none);
	// qualifier is the package or type before a dot ("bytes" of bytes.NewReader), or "".
	Definitions(root, name, path, qualifier string) []indexer.Symbol
	// Uses returns up to limit places where name is used, and how many there are.
	Uses(root, name string, limit int) ([]indexer.Location, int)
	// Outline yields the definitions of the files keep accepts, best ranked first.
	Outline(root string, keep func(path string) bool) iter.Seq[indexer.RankedSymbol]
	// Indexed returns the indexed text of path.
	Indexed(root, path string) (string, bool)
	// Paths returns the indexed paths of root, sorted.
	Paths(root string) []string
	// Guard returns the rules the index of root is built with: refuse says why a path (a file or
	// directory, which need not exist) must never be read or returned — "secret", "ignored",
	// ... — or "" when it may be. One guard serves one request: it reads ignore files once.
	Guard(root string) (refuse func(path string, isDir bool) string)
	// Tokens counts tokens the way prompts are budgeted.
	Tokens(s string) int
}

// Status is the state of a root's first indexing.
type Status struct {
	Indexed bool // the first full scan is done: the index reflects the files on disk
	Done    int  // files examined so far
	Total   int  // files to examine, 0 while unknown
	Files   int  // files in the index now
	Err     string
}
