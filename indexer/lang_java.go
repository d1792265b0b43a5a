package indexer

import (
	"strings"

	ts "github.com/tree-sitter/go-tree-sitter"
)

var javaTypeKinds = map[string]string{
	"class_declaration":           "class",
	"interface_declaration":       "interface",
	"enum_declaration":            "enum",
	"record_declaration":          "class",
	"annotation_type_declaration": "interface",
}

func javaTop(x *extractor, n *ts.Node) []item {
	switch k := n.Kind(); k {
	case "line_comment", "block_comment":
		return []item{commentItem(n)}
	default:
		if kind, ok := javaTypeKinds[k]; ok {
			return []item{x.javaType(n, kind, "")}
		}
	}
	return []item{plain(n)}
}

// javaType records a class, interface, enum or record and lays out its members.
func (x *extractor) javaType(n *ts.Node, kind, container string) item {
	name, body := x.field(n, "name"), x.field(n, "body")
	sym := x.text(name)
	d := x.addDef(sym, kind, container, n, name, javaSig(x.head(n, body)))
	it := x.defItem(n, kind, sym, d, body)
	if body == nil {
		return it
	}
	bodyRow, _ := rows(body)
	x.setMembers(&it, x.javaMembers(body, sym, []item{{start: it.start, end: bodyRow}}))
	return it
}

func (x *extractor) javaMembers(body *ts.Node, sym string, members []item) []item {
	for _, c := range x.children(body) {
		switch k := c.Kind(); k {
		case "line_comment", "block_comment":
			members = append(members, commentItem(&c))
		case "method_declaration", "constructor_declaration", "compact_constructor_declaration",
			"annotation_type_element_declaration":
			name, mb := x.field(&c, "name"), x.field(&c, "body")
			m := x.text(name)
			d := x.addDef(m, "method", sym, &c, name, javaSig(x.head(&c, mb)))
			members = append(members, x.defItem(&c, "method", m, d, mb))
		case "field_declaration", "constant_declaration":
			it := plain(&c)
			for _, v := range x.children(&c) {
				if v.Kind() != "variable_declarator" {
					continue
				}
				name := x.field(&v, "name")
				d := x.addDef(x.text(name), "field", sym, &c, name, javaSig(x.head(&c, nil)))
				if it.docTarget == 0 {
					it.docTarget = d
				}
			}
			members = append(members, it)
		case "enum_body_declarations":
			members = x.javaMembers(&c, sym, members)
		default:
			if kind, ok := javaTypeKinds[k]; ok {
				m := x.javaType(&c, kind, sym)
				m.members = nil
				members = append(members, m)
				continue
			}
			members = append(members, plain(&c))
		}
	}
	return members
}

// javaSig drops the annotations in front of a declaration head: "@Override public int f()"
// reads better as "public int f()".
func javaSig(s string) string {
	s = oneLine(s, 4*maxSigBytes)
	for strings.HasPrefix(s, "@") {
		i := 1
		for i < len(s) && s[i] != ' ' && s[i] != '(' {
			i++
		}
		if i < len(s) && s[i] == '(' {
			depth := 0
			for ; i < len(s); i++ {
				if s[i] == '(' {
					depth++
				} else if s[i] == ')' {
					depth--
					if depth == 0 {
						i++
						break
					}
				}
			}
		}
		s = strings.TrimSpace(s[i:])
	}
	return s
}

// javaImport reads "import a.b.C;", "import a.b.*;" and "import static a.b.C.m;".
func javaImport(r *importReader, n *ts.Node) bool {
	if n.Kind() != "import_declaration" {
		return n.Kind() == "class_declaration" || n.Kind() == "interface_declaration"
	}
	static, wild := false, false
	var name string
	for _, c := range r.x.children(n) {
		switch c.Kind() {
		case "static":
			static = true
		case "asterisk":
			wild = true
		case "scoped_identifier", "identifier":
			name = r.x.text(&c)
		}
	}
	if name == "" {
		return true
	}
	if static && !wild {
		name = name[:max(strings.LastIndexByte(name, '.'), 0)] // the class of the member
	}
	if wild {
		name += ".*"
	}
	r.add(name, "", "")
	return true
}
