package indexer

// These two measure the raw parsers on the same 1000 GOROOT files; they are why Go files go
// through go/parser first (see parseGo).

import (
	"go/parser"
	"go/token"
	"testing"

	ts "github.com/tree-sitter/go-tree-sitter"
	tsgo "github.com/tree-sitter/tree-sitter-go/bindings/go"
)

func BenchmarkParseRawTreeSitterGo(b *testing.B) {
	files, total := loadFiles(b, goSample(b, 1000))
	useLibcAllocator()
	p := ts.NewParser()
	p.SetLanguage(ts.NewLanguage(tsgo.Language()))
	b.SetBytes(total)
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			t := p.Parse(f.src, nil)
			t.Close()
		}
	}
}

func BenchmarkParseRawGoParser(b *testing.B) {
	files, total := loadFiles(b, goSample(b, 1000))
	b.SetBytes(total)
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			fs := token.NewFileSet()
			parser.ParseFile(fs, f.path, f.src, parser.ParseComments|parser.SkipObjectResolution)
		}
	}
}
