package indexer

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
)

func rustTop(x *extractor, n *ts.Node) []item {
	return []item{x.rustItem(n, "")}
}

// rustItem makes the item for an item at module level (container "") or in an impl or trait.
func (x *extractor) rustItem(n *ts.Node, container string) item {
	switch n.Kind() {
	case "line_comment", "block_comment", "attribute_item":
		return commentItem(n)
	case "function_item", "function_signature_item":
		kind := "function"
		if container != "" {
			kind = "method"
		}
		name, body := x.field(n, "name"), x.field(n, "body")
		sym := x.text(name)
		d := x.addDef(sym, kind, container, n, name, x.head(n, body))
		return x.defItem(n, kind, sym, d, body)
	case "struct_item", "union_item":
		return x.rustNamed(n, "struct", container)
	case "enum_item":
		return x.rustNamed(n, "enum", container)
	case "type_item":
		it := x.rustNamed(n, "type", container)
		it.def = false
		return it
	case "mod_item":
		if x.field(n, "body") == nil {
			return plain(n)
		}
		return x.rustNamed(n, "module", container)
	case "macro_definition":
		return x.rustNamed(n, "macro", container)
	case "const_item", "static_item":
		kind := "const"
		if n.Kind() == "static_item" {
			kind = "var"
		}
		it := x.rustNamed(n, kind, container)
		it.def = false
		return it
	case "trait_item", "impl_item":
		return x.rustContainer(n)
	}
	return plain(n)
}

func (x *extractor) rustNamed(n *ts.Node, kind, container string) item {
	name, body := x.field(n, "name"), x.field(n, "body")
	sym := x.text(name)
	sig := x.head(n, body)
	if kind == "const" || kind == "var" || kind == "type" {
		sig = x.head(n, nil)
	}
	d := x.addDef(sym, kind, container, n, name, sig)
	return x.defItem(n, kind, sym, d, body)
}

// rustContainer lays out a trait or an impl block, whose functions are methods of the trait or
// of the implementing type.
func (x *extractor) rustContainer(n *ts.Node) item {
	body := x.field(n, "body")
	var it item
	var sym string
	if n.Kind() == "trait_item" {
		name := x.field(n, "name")
		sym = x.text(name)
		d := x.addDef(sym, "trait", "", n, name, x.head(n, body))
		it = x.defItem(n, "trait", sym, d, body)
	} else {
		sym = rustTypeName(x.text(x.field(n, "type")))
		it = x.defItem(n, "impl", sym, 0, body)
	}
	if body == nil {
		return it
	}
	bodyRow, _ := rows(body)
	members := []item{{start: it.start, end: bodyRow}}
	for _, c := range x.children(body) {
		m := x.rustItem(&c, sym)
		if m.def && m.kind != "method" {
			m.def = false
		}
		members = append(members, m)
	}
	x.setMembers(&it, members)
	return it
}

// rustTypeName reduces "Foo<T>" or "crate::a::Foo<'a>" to "Foo".
func rustTypeName(s string) string {
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "::"); i >= 0 {
		s = s[i+2:]
	}
	return strings.TrimSpace(strings.TrimLeft(s, "&*"))
}

// rustImport reads "use a::b::{c, d as e}" and "extern crate a as b".
func rustImport(r *importReader, n *ts.Node) bool {
	switch n.Kind() {
	case "use_declaration":
		if arg := r.field(n, "argument"); arg != nil {
			r.rustUse(arg, "")
		}
		return true
	case "extern_crate_declaration":
		name := r.x.text(r.field(n, "name"))
		r.add(name, r.x.text(r.field(n, "alias")), name)
		return true
	}
	return false
}

func (r *importReader) rustUse(n *ts.Node, prefix string) {
	join := func(s string) string {
		if prefix == "" {
			return s
		}
		return prefix + "::" + s
	}
	switch n.Kind() {
	case "use_as_clause":
		p := r.x.text(r.field(n, "path"))
		r.add(join(p), r.x.text(r.field(n, "alias")), p[strings.LastIndex(p, ":")+1:])
	case "scoped_use_list":
		p := join(r.x.text(r.field(n, "path")))
		if list := r.field(n, "list"); list != nil {
			for _, c := range r.x.children(list) {
				r.rustUse(&c, p)
			}
		}
	case "use_list":
		for _, c := range r.x.children(n) {
			r.rustUse(&c, prefix)
		}
	case "use_wildcard":
		t := strings.TrimSuffix(strings.TrimSuffix(r.x.text(n), "*"), "::")
		r.add(join(t), "", "")
	case "self":
		if prefix != "" {
			r.add(prefix, "", "") // "use a::{self, b}" imports a
		}
	case "identifier", "scoped_identifier", "crate", "super":
		r.add(join(r.x.text(n)), "", "")
	}
}
