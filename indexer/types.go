// Package indexer turns the files of a workspace root into a searchable index: syntax-aware chunks,
// a symbol table of definitions and identifier uses, a lexical (BM25) index over identifiers, and a
// vector index. It answers the two questions the rest of ragls asks: "which chunks match this
// query?" (search) and "what should a model see at this cursor?" (context assembly).
//
// The package knows nothing of LSP, editors or models: callers hand it file contents and positions.
package indexer

// A Chunk is a contiguous piece of one file that is indexed and returned as a unit: a function, a
// method, a type, part of a long body, or a window of lines for files with no syntax support.
type Chunk struct {
	Path      string // slash-separated, relative to the root
	StartLine int    // 1-based, inclusive
	EndLine   int    // 1-based, inclusive
	// StartByte and EndByte delimit the chunk in the file's content, so that Text need not be
	// stored twice: content[StartByte:EndByte] == Text.
	StartByte int
	EndByte   int
	Kind      string // "function", "method", "type", "class", "interface", "decl", "window", ...
	Symbol    string // the name of the definition this chunk belongs to, "" for windows
	Text      string
}

// A Symbol is a definition found in a file.
type Symbol struct {
	Name      string // the bare identifier, e.g. "ReadFile"
	Kind      string // "function", "method", "type", "class", "interface", "struct", "enum", "const", "var", "field", "macro", "module"
	Container string // receiver type, class or namespace that holds it, "" at top level
	Path      string
	StartLine int // the whole definition, 1-based inclusive
	EndLine   int
	Line      int    // the line of the name itself
	Signature string // the declaration's head on one line, without the body, e.g. "func ReadFile(name string) ([]byte, error)"
	Doc       string // the comment just above (or docstring just inside, for Python), without comment markers; "" if none
}

// Parsed is what the syntax layer extracts from one file.
type Parsed struct {
	Lang   string   // "go", "python", "javascript", "typescript", "tsx", "rust", "java", "c", "cpp", or "text"
	Chunks []Chunk  // in file order, covering every definition; long bodies split
	Defs   []Symbol // in file order
}
