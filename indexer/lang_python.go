package indexer

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
)

func pyTop(x *extractor, n *ts.Node) []item {
	return []item{x.pyStatement(n, "")}
}

// pyStatement makes the item for a statement at module level (container "") or in a class body.
func (x *extractor) pyStatement(n *ts.Node, container string) item {
	switch n.Kind() {
	case "comment":
		return commentItem(n)
	case "function_definition":
		return x.pyFunc(n, n, container)
	case "class_definition":
		return x.pyClass(n, n, container)
	case "decorated_definition":
		if def := x.field(n, "definition"); def != nil {
			switch def.Kind() {
			case "function_definition":
				return x.pyFunc(def, n, container)
			case "class_definition":
				return x.pyClass(def, n, container)
			}
		}
	case "expression_statement":
		it := plain(n)
		if container != "" {
			return it
		}
		if a := n.NamedChild(0); a != nil && a.Kind() == "assignment" {
			if left := x.field(a, "left"); left != nil && left.Kind() == "identifier" {
				it.docTarget = x.addDef(x.text(left), "var", "", n, left, x.text(n))
			}
		}
		return it
	}
	return plain(n)
}

// pyFunc records a function or method; outer is the decorated definition around it, if any.
func (x *extractor) pyFunc(def, outer *ts.Node, container string) item {
	name, body := x.field(def, "name"), x.field(def, "body")
	kind := "function"
	if container != "" {
		kind = "method"
	}
	sym := x.text(name)
	d := x.addDef(sym, kind, container, outer, name, x.head(def, body))
	if d > 0 && body != nil {
		x.defs[d-1].Doc = x.pyDoc(body.NamedChild(0))
	}
	return x.defItem(outer, kind, sym, d, body)
}

func (x *extractor) pyClass(def, outer *ts.Node, container string) item {
	name, body := x.field(def, "name"), x.field(def, "body")
	sym := x.text(name)
	d := x.addDef(sym, "class", container, outer, name, x.head(def, body))
	it := x.defItem(outer, "class", sym, d, body)
	if body == nil {
		return it
	}
	kids := x.children(body)
	if d > 0 && len(kids) > 0 {
		x.defs[d-1].Doc = x.pyDoc(&kids[0])
	}
	bodyRow, _ := rows(body)
	head := item{start: it.start, end: max(it.start, bodyRow-1)}
	members := []item{head}
	for i := range kids {
		m := x.pyStatement(&kids[i], sym)
		if m.def && m.kind == "class" {
			m.members = nil // nested classes are laid out whole or split by lines
		}
		members = append(members, m)
	}
	x.setMembers(&it, members)
	return it
}

// pyDoc returns the docstring if n is a statement made of a string alone.
func (x *extractor) pyDoc(n *ts.Node) string {
	if n == nil || n.Kind() != "expression_statement" {
		return ""
	}
	s := n.NamedChild(0)
	if s == nil || s.Kind() != "string" {
		return ""
	}
	return pyDocstring(x.text(s))
}

// pyImport reads "import a.b as c" and "from m import a as b" (m possibly relative: ".", "..m").
func pyImport(r *importReader, n *ts.Node) bool {
	switch n.Kind() {
	case "import_statement":
		for _, c := range r.fieldAll(n, "name") {
			if c.Kind() == "aliased_import" {
				mod := r.x.text(r.field(&c, "name"))
				r.add(mod, r.x.text(r.field(&c, "alias")), moduleBase(mod))
			} else {
				r.add(r.x.text(&c), "", "")
			}
		}
		return true
	case "import_from_statement":
		mod := r.x.text(r.field(n, "module_name"))
		if strings.Trim(mod, ".") == "" {
			// "from . import sib": the names are the package's modules.
			for _, c := range r.fieldAll(n, "name") {
				name := &c
				alias := ""
				if c.Kind() == "aliased_import" {
					name, alias = r.field(&c, "name"), r.x.text(r.field(&c, "alias"))
				}
				r.add(mod+r.x.text(name), alias, moduleBase(r.x.text(name)))
			}
			return true
		}
		r.add(mod, "", "")
		for _, c := range r.fieldAll(n, "name") {
			if c.Kind() == "aliased_import" {
				name := r.x.text(r.field(&c, "name"))
				r.out = append(r.out, Import{Module: mod, Alias: r.x.text(r.field(&c, "alias")), Of: moduleBase(name)})
			}
		}
		return true
	}
	return false
}
