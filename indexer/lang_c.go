package indexer

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
)

var cTypeKinds = map[string]string{
	"struct_specifier": "struct",
	"union_specifier":  "struct",
	"class_specifier":  "class",
	"enum_specifier":   "enum",
}

// cTop handles C and C++. Preprocessor conditionals, namespaces and extern "C" blocks are looked
// through: what they hold is laid out as if it were at top level.
func cTop(x *extractor, n *ts.Node) []item {
	return x.cItems(n, "", 0)
}

func (x *extractor) cItems(n *ts.Node, container string, depth int) []item {
	switch k := n.Kind(); k {
	case "comment":
		return []item{commentItem(n)}
	case "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef":
		if depth > 16 {
			return []item{plain(n)}
		}
		var items []item
		for _, c := range x.children(n) {
			items = append(items, x.cItems(&c, container, depth+1)...)
		}
		return items
	case "namespace_definition", "linkage_specification":
		body := x.field(n, "body")
		if body == nil || depth > 16 {
			return []item{plain(n)}
		}
		if k == "namespace_definition" {
			name := x.field(n, "name")
			x.addDef(x.text(name), "module", container, n, name, x.head(n, body))
		}
		bodyRow, _ := rows(body)
		s, _ := rows(n)
		items := []item{{start: s, end: bodyRow}}
		for _, c := range x.children(body) {
			items = append(items, x.cItems(&c, container, depth+1)...)
		}
		return items
	case "template_declaration":
		for _, c := range x.children(n) {
			if c.IsNamed() && c.Kind() != "template_parameter_list" && c.Kind() != "comment" {
				items := x.cItems(&c, container, depth+1)
				if len(items) > 0 {
					items[0].start, _ = rows(n)
				}
				return items
			}
		}
	case "function_definition":
		return []item{x.cFunc(n, container)}
	case "preproc_def", "preproc_function_def":
		name := x.field(n, "name")
		it := plain(n)
		sig := x.head(n, x.field(n, "value"))
		it.docTarget = x.addDef(x.text(name), "macro", "", n, name, sig)
		return []item{it}
	case "type_definition":
		return []item{x.cTypedef(n, container)}
	case "declaration", "field_declaration":
		return []item{x.cDecl(n, container)}
	default:
		if kind, ok := cTypeKinds[k]; ok {
			return []item{x.cType(n, n, kind, container)}
		}
	}
	return []item{plain(n)}
}

func (x *extractor) cFunc(n *ts.Node, container string) item {
	body := x.field(n, "body")
	name, scope, nameNode := x.cDeclName(x.field(n, "declarator"))
	if scope != "" {
		container = scope
	}
	kind := "function"
	if container != "" {
		kind = "method"
	}
	d := x.addDef(name, kind, container, n, nameNode, x.head(n, body))
	return x.defItem(n, kind, name, d, body)
}

// cType records a struct, union, class or enum with a body; outer is the declaration around it.
func (x *extractor) cType(spec, outer *ts.Node, kind, container string) item {
	name, body := x.field(spec, "name"), x.field(spec, "body")
	if body == nil || name == nil {
		return plain(outer)
	}
	sym := x.text(name)
	d := x.addDef(sym, kind, container, outer, name, x.head(spec, body))
	it := x.defItem(outer, kind, sym, d, body)
	if body.Kind() != "field_declaration_list" {
		return it
	}
	bodyRow, _ := rows(body)
	members := []item{{start: it.start, end: bodyRow}}
	for _, c := range x.children(body) {
		for _, m := range x.cItems(&c, sym, 1) {
			if m.def && m.kind != "method" {
				m.def = false
			}
			members = append(members, m)
		}
	}
	x.setMembers(&it, members)
	return it
}

// cTypedef records a typedef; one that defines a struct, union or enum body is a definition with
// a chunk of its own, named by the typedef.
func (x *extractor) cTypedef(n *ts.Node, container string) item {
	it := plain(n)
	name := ""
	if decl := x.field(n, "declarator"); decl != nil {
		var nameNode *ts.Node
		name, _, nameNode = x.cDeclName(decl)
		it.docTarget = x.addDef(name, "type", container, n, nameNode, x.head(n, nil))
	}
	typ := x.field(n, "type")
	if typ == nil {
		return it
	}
	kind, ok := cTypeKinds[typ.Kind()]
	body := x.field(typ, "body")
	if !ok || body == nil {
		return it
	}
	if tag := x.field(typ, "name"); tag != nil {
		x.addDef(x.text(tag), kind, container, n, tag, x.head(typ, body))
		if name == "" {
			name = x.text(tag)
		}
	}
	it.def, it.kind, it.symbol = true, kind, name
	it.body, it.hasBody = *body, true
	return it
}

// cDecl records the names a declaration introduces: prototypes as functions (methods in a
// class), others as variables (fields in a class), and the type it defines, if any.
func (x *extractor) cDecl(n *ts.Node, container string) item {
	if typ := x.field(n, "type"); typ != nil {
		if kind, ok := cTypeKinds[typ.Kind()]; ok && x.field(typ, "body") != nil {
			return x.cType(typ, n, kind, container)
		}
	}
	it := plain(n)
	decl := x.field(n, "declarator")
	if decl == nil {
		return it
	}
	name, scope, nameNode := x.cDeclName(decl)
	kind := "var"
	if container != "" {
		kind = "field"
	}
	if x.isFuncDeclarator(decl) {
		kind = "function"
		if container != "" || scope != "" {
			kind = "method"
		}
	}
	if scope != "" {
		container = scope
	}
	sig := x.head(n, nil)
	if kind == "var" || kind == "field" {
		if v := x.field(decl, "value"); v != nil && decl.Kind() == "init_declarator" {
			sig = strings.TrimRight(x.head(n, v), " \t\n=")
		}
	}
	it.docTarget = x.addDef(name, kind, container, n, nameNode, sig)
	return it
}

func (x *extractor) isFuncDeclarator(n *ts.Node) bool {
	for i := 0; n != nil && i < 8; i++ {
		switch n.Kind() {
		case "function_declarator":
			return true
		case "pointer_declarator", "reference_declarator", "attributed_declarator":
			n = x.declChild(n)
		default:
			return false
		}
	}
	return false
}

// declChild follows a declarator to the declarator inside it.
func (x *extractor) declChild(n *ts.Node) *ts.Node {
	if d := x.field(n, "declarator"); d != nil {
		return d
	}
	for i := uint(0); i < n.NamedChildCount(); i++ {
		c := n.NamedChild(i)
		if c == nil {
			continue
		}
		if k := c.Kind(); strings.HasSuffix(k, "declarator") || strings.HasSuffix(k, "identifier") {
			return c
		}
	}
	return nil
}

// cDeclName digs the declared name out of a declarator: "*foo(int)" gives "foo", and
// "Outer::bar(int)" gives "bar" in scope "Outer".
func (x *extractor) cDeclName(n *ts.Node) (name, scope string, nameNode *ts.Node) {
	for i := 0; n != nil && i < 12; i++ {
		switch n.Kind() {
		case "identifier", "field_identifier", "type_identifier", "destructor_name", "operator_name",
			"primitive_type":
			return x.text(n), scope, n
		case "qualified_identifier":
			if s := x.field(n, "scope"); s != nil {
				scope = rustTypeName(x.text(s))
			}
			n = x.field(n, "name")
		case "template_function", "template_type":
			n = x.field(n, "name")
		case "parenthesized_declarator":
			n = n.NamedChild(0)
		default:
			n = x.declChild(n)
		}
	}
	return "", scope, nil
}

// cImport reads "#include" lines and C++'s "namespace fs = std::filesystem;".
func cImport(r *importReader, n *ts.Node) bool {
	switch n.Kind() {
	case "preproc_include":
		if p := r.field(n, "path"); p != nil {
			r.add(unquote(r.x.text(p)), "", "")
		}
		return true
	case "namespace_alias_definition":
		alias := r.x.text(r.field(n, "name"))
		for _, c := range r.x.children(n) {
			if c.Kind() == "nested_namespace_specifier" || (c.Kind() == "namespace_identifier" && r.x.text(&c) != alias) {
				t := r.x.text(&c)
				r.out = append(r.out, Import{Module: t, Alias: alias, Of: t[strings.LastIndex(t, ":")+1:]})
			}
		}
		return true
	case "function_definition", "class_specifier", "struct_specifier":
		return true // no imports inside
	}
	return false
}
