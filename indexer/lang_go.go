package indexer

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
)

func goTop(x *extractor, n *ts.Node) []item {
	switch n.Kind() {
	case "comment":
		return []item{commentItem(n)}
	case "function_declaration", "method_declaration":
		name, body := x.field(n, "name"), x.field(n, "body")
		kind, container := "function", ""
		if recv := x.field(n, "receiver"); recv != nil {
			kind, container = "method", goReceiverType(x.text(recv))
		}
		sym := x.text(name)
		d := x.addDef(sym, kind, container, n, name, x.head(n, body))
		return []item{x.defItem(n, kind, sym, d, body)}
	case "type_declaration":
		first, firstDef := "", 0
		for _, c := range x.children(n) {
			if k := c.Kind(); k != "type_spec" && k != "type_alias" {
				continue
			}
			name, typ := x.field(&c, "name"), x.field(&c, "type")
			kind := "type"
			sig := "type " + x.text(&c)
			if typ != nil {
				switch typ.Kind() {
				case "struct_type":
					kind = "struct"
				case "interface_type":
					kind = "interface"
				}
				if kind != "type" {
					sig = "type " + x.head(&c, nil)
					if i := strings.IndexByte(sig, '{'); i >= 0 {
						sig = sig[:i]
					}
				}
			}
			d := x.addDef(x.text(name), kind, "", &c, name, sig)
			if kind == "interface" {
				for _, m := range x.children(typ) {
					if m.Kind() == "method_elem" {
						mn := x.field(&m, "name")
						x.addDef(x.text(mn), "method", x.text(name), &m, mn, x.text(&m))
					}
				}
			}
			if first == "" {
				first, firstDef = x.text(name), d
			}
		}
		return []item{x.defItem(n, "type", first, firstDef, nil)}
	case "const_declaration", "var_declaration":
		kw, kind := "const ", "const"
		if n.Kind() == "var_declaration" {
			kw, kind = "var ", "var"
		}
		it := plain(n)
		x.goSpecs(n, kw, kind, &it)
		return []item{it}
	}
	return []item{plain(n)}
}

// goSpecs records every name of a const or var declaration; the first one takes the doc comment.
func (x *extractor) goSpecs(n *ts.Node, kw, kind string, it *item) {
	for _, c := range x.children(n) {
		switch c.Kind() {
		case "var_spec_list":
			x.goSpecs(&c, kw, kind, it)
		case "const_spec", "var_spec":
			sig := kw + x.text(&c)
			for _, id := range x.children(&c) {
				if id.Kind() != "identifier" {
					continue
				}
				d := x.addDef(x.text(&id), kind, "", &c, &id, sig)
				if it.docTarget == 0 {
					it.docTarget = d
				}
			}
		}
	}
}

// goReceiverType extracts the type name from a receiver such as "(b *Buffer[T])".
func goReceiverType(recv string) string {
	s := recv
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	s = strings.Trim(strings.TrimSpace(s), "()")
	if f := strings.Fields(s); len(f) > 0 {
		s = f[len(f)-1]
	}
	return strings.Trim(s, "*()")
}
