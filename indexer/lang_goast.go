package indexer

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// parseGo chunks a Go file with the standard library's parser, which measured about eight times
// faster than tree-sitter's Go grammar on GOROOT/src. It reports ok=false when the file has
// syntax errors, so that the caller can fall back to tree-sitter, whose error recovery keeps the
// good definitions of a broken file.
func parseGo(path string, src []byte) (Parsed, bool) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "", src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil || file == nil {
		return Parsed{}, false
	}
	tf := fset.File(file.Package)
	if tf == nil || tf.Size() != len(src) {
		return Parsed{}, false
	}
	g := &goAST{extractor: extractor{src: src, path: path, lines: newLineIndex(src)}, tf: tf}
	items := g.items(file)
	spans := g.layout(items, 0, g.lines.count()-1, "decl", "")
	chunks := g.chunks(spans)
	sortDefs(g.defs)
	return Parsed{Lang: "go", Chunks: chunks, Defs: g.defs}, true
}

type goAST struct {
	extractor
	tf *token.File
}

func (g *goAST) row(p token.Pos) int { return g.tf.Line(p) - 1 }
func (g *goAST) off(p token.Pos) int { return g.tf.Offset(p) }
func (g *goAST) endRow(n ast.Node) int {
	// End is just past the node; the last byte is on the row we want.
	return g.tf.Line(n.End()-1) - 1
}

func (g *goAST) slice(from, to token.Pos) string {
	s, e := g.off(from), g.off(to)
	if e-s > 4*maxSigBytes {
		e = s + 4*maxSigBytes
	}
	return string(g.src[s:e])
}

// add records a definition spanning n, named by name.
func (g *goAST) add(name *ast.Ident, kind, container string, n ast.Node, sig string, doc *ast.CommentGroup) int {
	if name == nil || name.Name == "" {
		return 0
	}
	d := Symbol{
		Name: name.Name, Kind: kind, Container: container, Path: g.path,
		StartLine: g.row(n.Pos()) + 1, EndLine: g.endRow(n) + 1, Line: g.row(name.Pos()) + 1,
		Signature: oneLine(sig, maxSigBytes),
	}
	if doc != nil {
		d.Doc = capDoc(doc.Text())
	}
	g.defs = append(g.defs, d)
	return len(g.defs)
}

func (g *goAST) items(file *ast.File) []item {
	out := make([]item, 0, len(file.Decls)+len(file.Comments)+1)
	out = append(out, item{start: g.row(file.Package), end: g.endRow(file.Name)})
	ci := 0
	comments := file.Comments
	for _, d := range file.Decls {
		for ci < len(comments) && comments[ci].Pos() < d.Pos() {
			c := comments[ci]
			out = append(out, item{start: g.row(c.Pos()), end: g.endRow(c), comment: true})
			ci++
		}
		for ci < len(comments) && comments[ci].Pos() < d.End() {
			ci++ // inside the declaration
		}
		out = append(out, g.decl(d))
	}
	for ; ci < len(comments); ci++ {
		c := comments[ci]
		out = append(out, item{start: g.row(c.Pos()), end: g.endRow(c), comment: true})
	}
	// The package clause may come after leading comments; keep file order.
	for i := 1; i < len(out) && out[i].start < out[i-1].start; i++ {
		out[i], out[i-1] = out[i-1], out[i]
	}
	return out
}

func (g *goAST) decl(d ast.Decl) item {
	it := item{start: g.row(d.Pos()), end: g.endRow(d)}
	switch d := d.(type) {
	case *ast.FuncDecl:
		kind, container := "function", ""
		if d.Recv != nil && len(d.Recv.List) > 0 {
			kind, container = "method", goRecvName(d.Recv.List[0].Type)
		}
		end := d.End()
		if d.Body != nil {
			end = d.Body.Lbrace
		}
		sig := g.slice(d.Pos(), end)
		it.def, it.kind, it.symbol = true, kind, d.Name.Name
		it.docTarget = g.add(d.Name, kind, container, d, sig, d.Doc)
		if d.Body != nil && it.end-it.start+1 > MaxLines {
			for _, s := range d.Body.List {
				it.cuts = append(it.cuts, g.row(s.Pos()))
			}
		}
	case *ast.GenDecl:
		switch d.Tok {
		case token.TYPE:
			for _, s := range d.Specs {
				ts := s.(*ast.TypeSpec)
				kind := "type"
				var iface *ast.InterfaceType
				sig := "type " + g.slice(ts.Pos(), ts.End())
				switch t := ts.Type.(type) {
				case *ast.StructType:
					kind, sig = "struct", "type "+g.slice(ts.Pos(), t.Fields.Opening)
				case *ast.InterfaceType:
					kind, sig = "interface", "type "+g.slice(ts.Pos(), t.Methods.Opening)
					iface = t
				}
				doc := ts.Doc
				if doc == nil && len(d.Specs) == 1 {
					doc = d.Doc
				}
				var n int
				if len(d.Specs) == 1 {
					n = g.add(ts.Name, kind, "", d, sig, doc)
				} else {
					n = g.add(ts.Name, kind, "", ts, sig, doc)
				}
				if iface != nil {
					g.interfaceMethods(ts.Name.Name, iface)
				}
				if !it.def {
					it.def, it.kind, it.symbol, it.docTarget = true, "type", ts.Name.Name, n
				}
			}
			if it.end-it.start+1 > MaxLines && len(d.Specs) == 1 {
				if st, ok := d.Specs[0].(*ast.TypeSpec).Type.(*ast.StructType); ok {
					for _, f := range st.Fields.List {
						it.cuts = append(it.cuts, g.row(f.Pos()))
					}
				}
			}
		case token.CONST, token.VAR:
			kind := "const"
			if d.Tok == token.VAR {
				kind = "var"
			}
			for _, s := range d.Specs {
				vs := s.(*ast.ValueSpec)
				sig := kind + " " + g.slice(vs.Pos(), vs.End())
				doc := vs.Doc
				if doc == nil && len(d.Specs) == 1 {
					doc = d.Doc
				}
				for _, name := range vs.Names {
					n := g.add(name, kind, "", vs, sig, doc)
					if it.docTarget == 0 {
						it.docTarget = n
					}
				}
				if it.end-it.start+1 > MaxLines {
					it.cuts = append(it.cuts, g.row(vs.Pos()))
				}
			}
		}
	}
	return it
}

// interfaceMethods records the methods an interface declares, with the interface as container.
func (g *goAST) interfaceMethods(container string, t *ast.InterfaceType) {
	for _, f := range t.Methods.List {
		if _, ok := f.Type.(*ast.FuncType); !ok {
			continue
		}
		for _, name := range f.Names {
			g.add(name, "method", container, f, g.slice(f.Pos(), f.End()), f.Doc)
		}
	}
}

// goRecvName extracts the type name from a receiver type such as *Buffer[T].
func goRecvName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.ParenExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// goImports reads Go's imports with go/parser, which stops after them.
func goImports(src []byte) []Import {
	file, _ := parser.ParseFile(token.NewFileSet(), "", src, parser.ImportsOnly|parser.SkipObjectResolution)
	if file == nil {
		return nil
	}
	var out []Import
	for _, spec := range file.Imports {
		mod, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		imp := Import{Module: mod}
		if spec.Name != nil && spec.Name.Name != "_" && spec.Name.Name != "." {
			imp.Alias, imp.Of = spec.Name.Name, moduleBase(mod)
		}
		out = append(out, imp)
	}
	return out
}
