package indexer

import (
	ts "github.com/tree-sitter/go-tree-sitter"
)

// jsTop handles JavaScript, TypeScript and TSX, whose grammars share their node kinds.
func jsTop(x *extractor, n *ts.Node) []item {
	switch n.Kind() {
	case "comment", "html_comment":
		return []item{commentItem(n)}
	case "export_statement", "ambient_declaration":
		decl := x.field(n, "declaration")
		if decl == nil {
			for _, c := range x.children(n) {
				if c.IsNamed() && c.Kind() != "comment" && c.Kind() != "decorator" {
					decl = &c
					break
				}
			}
		}
		if decl == nil {
			return []item{plain(n)}
		}
		it := x.jsDecl(decl)
		it.start, it.end = rows(n)
		return []item{it}
	}
	return []item{x.jsDecl(n)}
}

func (x *extractor) jsDecl(n *ts.Node) item {
	switch n.Kind() {
	case "function_declaration", "generator_function_declaration", "function_signature":
		return x.jsFunc(n, "function", "")
	case "class_declaration", "abstract_class_declaration", "class":
		return x.jsClass(n)
	case "interface_declaration":
		return x.jsNamed(n, "interface", "interface")
	case "enum_declaration":
		return x.jsNamed(n, "enum", "enum")
	case "type_alias_declaration":
		return x.jsNamed(n, "type", "type")
	case "internal_module", "module":
		return x.jsNamed(n, "module", "module")
	case "lexical_declaration", "variable_declaration":
		return x.jsVars(n)
	}
	return plain(n)
}

// jsNamed records a named declaration that gets a chunk of its own.
func (x *extractor) jsNamed(n *ts.Node, kind, chunkKind string) item {
	name, body := x.field(n, "name"), x.field(n, "body")
	sym := x.text(name)
	sig := x.head(n, body)
	if kind == "type" {
		sig = x.head(n, nil)
	}
	d := x.addDef(sym, kind, "", n, name, sig)
	return x.defItem(n, chunkKind, sym, d, body)
}

func (x *extractor) jsFunc(n *ts.Node, kind, container string) item {
	name, body := x.field(n, "name"), x.field(n, "body")
	sym := x.text(name)
	d := x.addDef(sym, kind, container, n, name, x.head(n, body))
	return x.defItem(n, kind, sym, d, body)
}

func (x *extractor) jsClass(n *ts.Node) item {
	name, body := x.field(n, "name"), x.field(n, "body")
	sym := x.text(name)
	d := x.addDef(sym, "class", "", n, name, x.head(n, body))
	it := x.defItem(n, "class", sym, d, body)
	if body == nil {
		return it
	}
	bodyRow, _ := rows(body)
	members := []item{{start: it.start, end: bodyRow}}
	for _, c := range x.children(body) {
		switch c.Kind() {
		case "comment":
			members = append(members, commentItem(&c))
		case "method_definition", "method_signature", "abstract_method_signature":
			members = append(members, x.jsFunc(&c, "method", sym))
		case "field_definition", "public_field_definition":
			m := plain(&c)
			name := x.field(&c, "property")
			if name == nil {
				name = x.field(&c, "name")
			}
			m.docTarget = x.addDef(x.text(name), "field", sym, &c, name, x.text(&c))
			members = append(members, m)
		default:
			members = append(members, plain(&c))
		}
	}
	x.setMembers(&it, members)
	return it
}

// jsVars records the names of a const/let/var declaration. One that binds a function or class
// is a definition with a chunk of its own; others are merged with their neighbours.
func (x *extractor) jsVars(n *ts.Node) item {
	kind, kw := "var", "var "
	if s, _ := n.ByteRange(); int(s)+6 <= len(x.src) {
		switch w := string(x.src[s : s+6]); {
		case w == "const ":
			kind, kw = "const", w
		case w[:4] == "let ":
			kw = w[:4]
		}
	}
	it := plain(n)
	for _, c := range x.children(n) {
		if c.Kind() != "variable_declarator" {
			continue
		}
		name, value := x.field(&c, "name"), x.field(&c, "value")
		sym := x.text(name)
		k, sig := kind, kw+x.text(&c)
		var body *ts.Node
		if value != nil {
			switch value.Kind() {
			case "arrow_function", "function_expression", "function", "generator_function":
				k, body = "function", x.field(value, "body")
				sig = x.head(n, body)
			case "class":
				k, body = "class", x.field(value, "body")
				sig = x.head(n, body)
			}
		}
		d := x.addDef(sym, k, "", n, name, sig)
		if it.docTarget == 0 {
			it.docTarget = d
		}
		if k == "function" || k == "class" {
			if !it.def {
				it.def, it.kind, it.symbol = true, k, sym
				if body != nil {
					it.body, it.hasBody = *body, true
				}
			}
		}
	}
	return it
}

// jsImport reads ES imports and re-exports, "import x = require()" and require calls.
func jsImport(r *importReader, n *ts.Node) bool {
	switch n.Kind() {
	case "import_statement", "export_statement":
		src := r.field(n, "source")
		if src == nil {
			if n.Kind() == "import_statement" {
				// TypeScript's "import fs = require('fs')".
				for _, c := range r.x.children(n) {
					if c.Kind() == "import_require_clause" {
						if s := r.field(&c, "source"); s != nil {
							r.add(unquote(r.x.text(s)), "", "")
						}
					}
				}
				return true
			}
			return false // an export of a declaration: may hold require calls
		}
		mod := unquote(r.x.text(src))
		r.add(mod, "", "")
		r.jsSpecifiers(n, mod)
		return true
	case "call_expression":
		if f := r.field(n, "function"); f != nil && r.x.text(f) == "require" {
			if args := r.field(n, "arguments"); args != nil {
				for _, a := range r.x.children(args) {
					if a.Kind() == "string" {
						r.add(unquote(r.x.text(&a)), "", "")
						break
					}
				}
			}
			return true
		}
	}
	return false
}

// jsSpecifiers records the renamings of an import or export clause: "{ a as b }", "* as ns".
func (r *importReader) jsSpecifiers(n *ts.Node, mod string) {
	for _, c := range r.x.children(n) {
		switch c.Kind() {
		case "import_clause", "named_imports", "export_clause":
			r.jsSpecifiers(&c, mod)
		case "namespace_import":
			for _, id := range r.x.children(&c) {
				if id.Kind() == "identifier" {
					r.out = append(r.out, Import{Module: mod, Alias: r.x.text(&id), Of: moduleBase(mod)})
				}
			}
		case "import_specifier", "export_specifier":
			name, alias := r.x.text(r.field(&c, "name")), r.x.text(r.field(&c, "alias"))
			if alias != "" && name != alias {
				r.out = append(r.out, Import{Module: mod, Alias: alias, Of: name})
			}
		}
	}
}
