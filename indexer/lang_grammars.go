package indexer

import (
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
	tscpp "github.com/tree-sitter/tree-sitter-cpp/bindings/go"
	tsgo "github.com/tree-sitter/tree-sitter-go/bindings/go"
	tsjava "github.com/tree-sitter/tree-sitter-java/bindings/go"
	tsjs "github.com/tree-sitter/tree-sitter-javascript/bindings/go"
	tspy "github.com/tree-sitter/tree-sitter-python/bindings/go"
	tsrust "github.com/tree-sitter/tree-sitter-rust/bindings/go"
	tsts "github.com/tree-sitter/tree-sitter-typescript/bindings/go"
)

// grammars are the tree-sitter languages by the names LangOf returns. Read-only.
var grammars = map[string]func() *ts.Language{
	"go":         lang(tsgo.Language),
	"python":     lang(tspy.Language),
	"javascript": lang(tsjs.Language),
	"typescript": lang(tsts.LanguageTypescript),
	"tsx":        lang(tsts.LanguageTSX),
	"rust":       lang(tsrust.Language),
	"java":       lang(tsjava.Language),
	"c":          lang(tsc.Language),
	"cpp":        lang(tscpp.Language),
}

// topHandlers turn one top-level node into layout items, recording definitions on the way.
// Read-only.
var topHandlers = map[string]func(x *extractor, n *ts.Node) []item{
	"go":         goTop,
	"python":     pyTop,
	"javascript": jsTop,
	"typescript": jsTop,
	"tsx":        jsTop,
	"rust":       rustTop,
	"java":       javaTop,
	"c":          cTop,
	"cpp":        cTop,
}

// importReaders read one node of each language's tree.
// Read-only.
var importReaders = map[string]func(r *importReader, n *ts.Node) bool{
	"python":     pyImport,
	"javascript": jsImport,
	"typescript": jsImport,
	"tsx":        jsImport,
	"rust":       rustImport,
	"java":       javaImport,
	"c":          cImport,
	"cpp":        cImport,
}

func lang(f func() unsafe.Pointer) func() *ts.Language {
	return func() *ts.Language { return ts.NewLanguage(f()) }
}
