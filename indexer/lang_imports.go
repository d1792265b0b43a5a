package indexer

import (
	"path"
	"slices"
	"strings"
	"unsafe"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// An Import is one module a file imports, read from its syntax tree, with the name the file
// binds to it (or to one of its names) when it renames it.
type Import struct {
	// Module is the module as written, unquoted: "encoding/json", "./util.js", "os.path",
	// "..pkg.mod", "std::io::Read", "java.util.List", "stdio.h".
	Module string
	// Alias is the name the file binds when it renames: "np" in "import numpy as np", "b" in
	// "import { a as b } from", "z" in "use x::y as z"; "" when nothing is renamed.
	Alias string
	// Of is what Alias stands for, as definitions name it: "numpy", "a", "y".
	Of string
}

// maxImportLines bounds how far into a file imports are looked for: they open a file (or a
// function), and what is parsed at each request must stay small.
const maxImportLines = 400

// Imports reads the imports of a file from its syntax tree: Go's with go/parser (which stops
// after the import declarations), the other languages' with tree-sitter over the file's import
// statements (see importSource). A language without a grammar has none.
func (s *Syntax) Imports(p, content string) []Import {
	lang := LangOf(p)
	if lang == "go" {
		return goImports(unsafe.Slice(unsafe.StringData(content), len(content)))
	}
	spec := s.langs[lang]
	if spec == nil || importReaders[lang] == nil {
		return nil
	}
	src := importSource(content)
	if len(src) == 0 {
		return nil
	}
	var out []Import
	func() {
		defer func() { _ = recover() }() // a grammar's surprise costs the imports, not the request
		parser := spec.get()
		defer spec.put(parser)
		//lint:ignore SA1019 see langSpec.parse
		parser.SetTimeoutMicros(uint64(parseBaseMicros + len(src)*parseMicrosPerByte))
		tree := parser.Parse(src, nil)
		if tree == nil {
			return
		}
		defer tree.Close()
		cur := tree.Walk()
		defer cur.Close()
		r := &importReader{x: extractor{lang: spec, src: src, cur: cur}, read: importReaders[lang]}
		r.walk(tree.RootNode(), 0)
		out = r.out
	}()
	return out
}

// importSource gathers the statements of content, among its first maxImportLines lines, that
// may be imports: each line that starts like one, dedented (an import inside a function), with
// the lines that continue it until its brackets close. The grammar then parses them exactly;
// parsing the whole buffer at every request would cost a millisecond or more, this costs tens
// of microseconds. Like any such cut, a docstring line that reads like an import is taken for
// one.
func importSource(content string) []byte {
	var out []byte
	depth, cont := 0, 0
	for off, line := 0, 0; off < len(content) && line < maxImportLines; line++ {
		next := len(content)
		if nl := strings.IndexByte(content[off:], '\n'); nl >= 0 {
			next = off + nl + 1
		}
		t := strings.TrimLeft(content[off:next], " \t")
		off = next
		switch {
		case depth > 0 && cont < 30:
			cont++
		case importLike(t):
			depth, cont = 0, 0
		default:
			depth = 0
			continue
		}
		for i := 0; i < len(t); i++ {
			switch t[i] {
			case '(', '{', '[':
				depth++
			case ')', '}', ']':
				depth--
			}
		}
		out = append(out, t...)
		if !strings.HasSuffix(t, "\n") {
			out = append(out, '\n')
		}
	}
	return out
}

// importLike reports a line that may begin an import in one of the languages.
func importLike(t string) bool {
	for _, p := range []string{"import", "from ", "use ", "pub use ", "pub(crate) use ", "extern crate ", "#include", "# include", "#import"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	switch {
	case strings.HasPrefix(t, "export ") && strings.Contains(t, " from "):
		return true // a re-export
	case strings.HasPrefix(t, "namespace ") && strings.Contains(t, "="):
		return true // a C++ namespace alias
	}
	return strings.Contains(t, "require(")
}

// importReader collects the imports of one tree.
type importReader struct {
	x    extractor
	read func(r *importReader, n *ts.Node) bool // reports whether n was an import
	out  []Import
}

func (r *importReader) walk(n *ts.Node, depth int) {
	if depth > 0 && r.read(r, n) {
		return
	}
	if depth > 12 {
		return
	}
	for _, c := range r.x.children(n) {
		r.walk(&c, depth+1)
	}
}

func (r *importReader) add(module, alias, of string) {
	imp := Import{Module: module}
	if alias != "" && of != "" && alias != of {
		imp.Alias, imp.Of = alias, of
	}
	r.out = append(r.out, imp)
}

func (r *importReader) field(n *ts.Node, name string) *ts.Node {
	return n.ChildByFieldName(name)
}

// fieldAll returns every child of n in the field name.
func (r *importReader) fieldAll(n *ts.Node, name string) []ts.Node {
	return n.ChildrenByFieldName(name, r.x.cur)
}

// unquote strips a string literal's quotes or a system include's angle brackets.
func unquote(s string) string {
	return strings.Trim(s, "\"'`<>")
}

// moduleBase is the name code uses for a module: "rand" for "math/rand/v2", "path" for
// "os.path", "strings" for "./strings.js".
func moduleBase(s string) string {
	s = unquote(s)
	switch path.Ext(s) {
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".py":
		s = strings.TrimSuffix(s, path.Ext(s))
	}
	if strings.Contains(s, "/") {
		return qualBase(s)
	}
	return s[strings.LastIndexAny(s, ".:")+1:]
}

// importAliases maps the names a file gives its imports to what they name: "np" -> "numpy".
func importAliases(imps []Import) map[string]string {
	out := map[string]string{}
	for _, imp := range imps {
		if imp.Alias != "" && imp.Of != "" && imp.Alias != imp.Of {
			out[imp.Alias] = imp.Of
		}
	}
	return out
}

// importHints returns the module paths a file imports, normalized to slash paths without
// extension ("encoding/json", "os/path", "./util" -> "util", "crate::a::B" -> "a/B"), whatever
// its language.
func importHints(lang string, imps []Import) []string {
	var out []string
	for _, imp := range imps {
		s := imp.Module
		switch lang {
		case "rust":
			for _, p := range []string{"crate::", "self::", "super::"} {
				for strings.HasPrefix(s, p) {
					s = s[len(p):]
				}
			}
			if s == "crate" || s == "self" || s == "super" {
				continue // the crate's own modules: no hint of which
			}
			s = strings.ReplaceAll(s, "::", "/")
		case "python":
			s = strings.TrimLeft(s, ".")
		case "java":
			s = strings.TrimSuffix(s, ".*")
		case "cpp", "c":
			if imp.Alias != "" {
				continue // a namespace alias names no file
			}
		}
		s = strings.TrimPrefix(s, "./")
		for strings.HasPrefix(s, "../") {
			s = s[3:]
		}
		switch path.Ext(s) {
		case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".h", ".hpp", ".hh", ".py", ".rs", ".go", ".java", ".c", ".cc", ".cpp":
			s = strings.TrimSuffix(s, path.Ext(s))
		}
		if lang != "go" {
			s = strings.ReplaceAll(s, ".", "/")
		}
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// relImports returns the files that relative imports name exactly, resolved from dir:
// "./toDate.js" -> "date-fns/toDate.js", "from .m import x" -> "dir/m.py". A C include is left
// out: the header it names declares what the code calls, and the definition is elsewhere.
func relImports(lang string, imps []Import, dir string) map[string]bool {
	out := map[string]bool{}
	for _, imp := range imps {
		m := imp.Module
		switch {
		case strings.HasPrefix(m, "./") || strings.HasPrefix(m, "../"):
			p := path.Join(dir, m)
			out[p] = true
			for _, e := range []string{".js", ".ts", ".mjs", ".tsx", "/index.js", "/index.ts"} {
				out[p+e] = true
			}
		case lang == "python" && strings.HasPrefix(m, "."):
			rest := strings.TrimLeft(m, ".")
			d := dir
			for range len(m) - len(rest) - 1 {
				d = path.Dir(d)
			}
			p := path.Join(d, strings.ReplaceAll(rest, ".", "/"))
			out[p+".py"] = true
			out[p+"/__init__.py"] = true
		}
	}
	return out
}
