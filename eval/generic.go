package eval

import (
	"context"
	"slices"
	"strings"

	"ragls/indexer"
)

// Sites in Rust, Java, C and C++, where there is no import system simple enough to resolve by
// hand: a call "name(" (or "a::name(", "x.name(") is a site when name is defined as a function
// or method in exactly one other file of the root and nowhere in the calling file, so that the
// definition the call reaches is certain without type checking. Definitions are found by the
// tree-sitter grammars ragls itself uses; calls by a lexical scan that skips strings and
// comments, declarations ("int name(", "fn name(") and definitions (a ")" followed by "{").

// genericLangs maps a language of eval to the indexer languages whose files it measures.
var genericLangs = map[string][]string{
	"rust": {"rust"},
	"java": {"java"},
	"c":    {"c"},
	"cpp":  {"cpp"},
}

// notCallee are words followed by "(" that are no call of a defined function.
var notCallee = map[string]bool{
	"if": true, "while": true, "for": true, "switch": true, "return": true, "sizeof": true,
	"match": true, "catch": true, "synchronized": true, "defined": true, "alignof": true,
	"typeof": true, "decltype": true, "static_assert": true, "assert": true, "new": true,
	"super": true, "this": true, "main": true, "fn": true, "loop": true, "else": true,
	"not": true, "all": true, "any": true, // Rust's cfg predicates
}

// declPrev are tokens that, just before "name(", make it a call rather than a declaration.
var declPrev = map[string]bool{
	"return": true, "else": true, "case": true, "throw": true, "await": true, "yield": true,
	"in": true, "do": true, "not": true, "and": true, "or": true, "delete": true, "co_await": true,
}

func genericSites(ctx context.Context, lang string, files Files) ([]Site, error) {
	want := genericLangs[lang]
	syn := indexer.NewSyntax()
	defer syn.Close()
	type def struct {
		path string
		line int
	}
	defs := map[string][]def{}
	local := map[string]map[string]bool{} // path -> names it defines
	var paths []string
	for _, p := range files.Paths() {
		if !slices.Contains(want, indexer.LangOf(p)) || isTestData(p) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, _ := files.Content(p)
		parsed := syn.Parse(p, []byte(src))
		names := map[string]bool{}
		for _, d := range parsed.Defs {
			names[d.Name] = true
			if d.Kind == "function" || d.Kind == "method" {
				// A declaration in a header and its definition are one function to a reader.
				defs[d.Name] = append(defs[d.Name], def{p, d.Line})
			}
		}
		local[p] = names
		paths = append(paths, p)
	}
	var sites []Site
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, _ := files.Content(p)
		ts := tokenize(src, javascript)
		for i := 0; i+1 < len(ts); i++ {
			t := ts[i]
			if t.kind != tIdent || !isPunct(ts[i+1], "(") || notCallee[t.text] || len(t.text) < 3 || local[p][t.text] {
				continue
			}
			ds := defs[t.text]
			if len(ds) == 0 || len(ds) > 2 || (len(ds) == 2 && dirOf(ds[0].path) != dirOf(ds[1].path)) {
				continue // unknown, or ambiguous without types
			}
			if slices.ContainsFunc(ds, func(d def) bool { return d.path == p }) {
				continue
			}
			// Walk back over a qualifier chain: a::b::name, x.name, p->name.
			start, form := i, "F"
			for {
				k := qualifierBefore(ts, start)
				if k < 0 {
					break
				}
				start, form = k, "qualified"
			}
			if attributeLine(src, ts[start].off) {
				continue // #[cfg(...)], #if defined(...), @Annotation(...)
			}
			if start > 0 {
				prev := ts[start-1]
				switch {
				case prev.kind == tIdent && !declPrev[prev.text]:
					continue // "int name(", "fn name(", "void Class::name(": a declaration
				case (lang == "c" || lang == "cpp") && prev.kind == tPunct && (prev.text == "*" || prev.text == "&") &&
					start > 1 && ts[start-2].kind == tIdent && !declPrev[ts[start-2].text] && ts[start-2].line == prev.line:
					continue // "char *name(": a declaration
				case prev.kind == tPunct && (prev.text == "." || prev.text == ":" || prev.text == ">"):
					continue // a qualifier that is no identifier: f().name(, T<U>::name(
				case prev.kind == tPunct && prev.text == "~":
					continue // a destructor
				}
			}
			if end := matchParen(ts, i+1); end+1 < len(ts) && isPunct(ts[end+1], "{") && lang != "rust" {
				continue // a definition
			}
			var sd []Def
			for _, d := range ds {
				sd = append(sd, Def{d.path, d.line})
			}
			sites = append(sites, Site{
				Path:   p,
				Line:   ts[start].line,
				Callee: src[ts[start].off:ts[i+1].off],
				Name:   t.text,
				Form:   form,
				Start:  ts[start].off,
				Open:   ts[i+1].off + 1,
				Defs:   sd,
			})
		}
	}
	return sites, nil
}

// attributeLine reports whether the line holding off is a Rust attribute, a preprocessor line or
// a Java annotation: no call is typed there.
func attributeLine(src string, off int) bool {
	start := strings.LastIndexByte(src[:off], '\n') + 1
	t := strings.TrimLeft(src[start:off], " \t")
	return strings.HasPrefix(t, "#") || strings.HasPrefix(t, "@")
}

// qualifierBefore returns the index of the identifier that qualifies ts[i] ("a" in "a.b",
// "a::b", "a->b"), or -1.
func qualifierBefore(ts []token, i int) int {
	switch {
	case i >= 2 && isPunct(ts[i-1], ".") && ts[i-2].kind == tIdent:
		return i - 2
	case i >= 3 && isPunct(ts[i-1], ":") && isPunct(ts[i-2], ":") && ts[i-3].kind == tIdent:
		return i - 3
	case i >= 3 && isPunct(ts[i-1], ">") && isPunct(ts[i-2], "-") && ts[i-3].kind == tIdent && ts[i-2].off+1 == ts[i-1].off:
		return i - 3
	}
	return -1
}
