package eval

import (
	"context"
	"path"
	"slices"
	"strings"
)

// jsModule is what a JavaScript or TypeScript module defines and exports at top level.
type jsModule struct {
	defs    map[string][]int  // "function f", "const f =" (let, var) at top level -> lines of the name
	exports map[string]string // exported name ("default" too) -> local name
}

// jsBinding is what an imported name stands for: an export of a module, or the whole module
// ("* as ns").
type jsBinding struct {
	file   string
	export string // "" for a namespace import
}

// The extensions of each row of the measurement: "js" measures calls in JavaScript files, "ts"
// in TypeScript ones; an import may reach a module of either.
var (
	jsOnlyExts = []string{".js", ".mjs", ".cjs", ".jsx"}
	tsOnlyExts = []string{".ts", ".tsx", ".mts", ".cts"}
	jsExts     = append(slices.Clone(tsOnlyExts), jsOnlyExts...) // TypeScript first, as tsc resolves
)

// isJS reports whether p is a JavaScript or TypeScript module. Declaration files (.d.ts) are
// not: they declare what code elsewhere implements, and hold no call anyone types.
func isJS(p string) bool { return hasExt(p, jsExts) && !isDeclaration(p) }

func isDeclaration(p string) bool {
	return strings.HasSuffix(p, ".d.ts") || strings.HasSuffix(p, ".d.mts") || strings.HasSuffix(p, ".d.cts")
}

func hasExt(p string, exts []string) bool {
	return slices.ContainsFunc(exts, func(e string) bool { return strings.HasSuffix(p, e) })
}

// tsSource maps the JavaScript file an import names to the TypeScript file that compiles to it:
// TypeScript's module resolution lets "./x.js" import ./x.ts (the usual spelling under
// NodeNext), and ./x.mts, ./x.cts, ./x.tsx likewise.
var tsSource = map[string][]string{".js": {".ts", ".tsx"}, ".mjs": {".mts"}, ".cjs": {".cts"}, ".jsx": {".tsx"}}

// jsSites finds, in the files of lang ("js" or "ts"), calls of functions imported by relative
// ES module imports ("import { f } from './x.js'", "import f from './x'", "import * as ns from
// './x'") and defined at top level of the imported file.
func jsSites(ctx context.Context, lang string, files Files) ([]Site, error) {
	rowExts := jsOnlyExts
	if lang == "ts" {
		rowExts = tsOnlyExts
	}
	known := map[string]bool{}
	var paths []string
	for _, p := range files.Paths() {
		if isJS(p) && !isTestData(p) {
			known[p] = true
			paths = append(paths, p)
		}
	}
	toks := map[string][]token{}
	mods := map[string]*jsModule{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, _ := files.Content(p)
		toks[p] = tokenize(src, javascript)
		mods[p] = jsTopLevel(toks[p])
	}
	resolve := func(from, spec string) string {
		if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") {
			return ""
		}
		base := path.Join(dirOf(from), spec)
		if known[base] {
			return base
		}
		if ext := path.Ext(base); tsSource[ext] != nil {
			for _, e := range tsSource[ext] {
				if f := strings.TrimSuffix(base, ext) + e; known[f] {
					return f
				}
			}
		}
		for _, e := range jsExts {
			if known[base+e] {
				return base + e
			}
		}
		for _, e := range jsExts {
			if known[base+"/index"+e] {
				return base + "/index" + e
			}
		}
		return ""
	}
	var sites []Site
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !hasExt(p, rowExts) {
			continue
		}
		src, _ := files.Content(p)
		ts := toks[p]
		binds := jsImports(ts, p, resolve)
		self := mods[p]
		for i := 0; i < len(ts); i++ {
			t := ts[i]
			if t.kind != tIdent || (i > 0 && (isPunct(ts[i-1], ".") || isIdent(ts[i-1], "function"))) {
				continue
			}
			b, ok := binds[t.text]
			if !ok || self.defs[t.text] != nil {
				continue
			}
			export, j, form := b.export, i+1, "import"
			if export == "" {
				if j+2 >= len(ts) || !isPunct(ts[j], ".") || ts[j+1].kind != tIdent {
					continue
				}
				export, j, form = ts[j+1].text, j+2, "ns.f"
			}
			if j >= len(ts) || !isPunct(ts[j], "(") {
				continue
			}
			// "f(a) {" is a method named like the import, not a call of it.
			if k := matchParen(ts, j) + 1; k < len(ts) && isPunct(ts[k], "{") {
				continue
			}
			m := mods[b.file]
			local, ok := m.exports[export]
			if !ok {
				local = export
			}
			var defs []Def
			for _, l := range m.defs[local] {
				defs = append(defs, Def{b.file, l})
			}
			if len(defs) == 0 {
				continue
			}
			sites = append(sites, Site{
				Path:   p,
				Line:   t.line,
				Callee: src[t.off:ts[j].off],
				Name:   local,
				Form:   form,
				Start:  t.off,
				Open:   ts[j].off + 1,
				Defs:   defs,
			})
			i = j
		}
	}
	return sites, nil
}

// jsTopLevel collects the top-level definitions and exports of a module.
func jsTopLevel(ts []token) *jsModule {
	m := &jsModule{defs: map[string][]int{}, exports: map[string]string{}}
	depth := 0
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(depth-1, 0)
			}
			continue
		}
		if depth != 0 || t.kind != tIdent || i+1 >= len(ts) {
			continue
		}
		next := ts[i+1]
		switch t.text {
		case "function":
			if isPunct(next, "*") && i+2 < len(ts) {
				next = ts[i+2]
			}
			if next.kind == tIdent {
				m.defs[next.text] = append(m.defs[next.text], next.line)
			}
		case "const", "let", "var":
			if next.kind == tIdent && i+2 < len(ts) && isPunct(ts[i+2], "=") {
				m.defs[next.text] = append(m.defs[next.text], next.line)
			}
		case "export":
			switch {
			case isIdent(next, "default") && i+2 < len(ts):
				d := ts[i+2]
				if isIdent(d, "async") && i+3 < len(ts) {
					d = ts[i+3]
				}
				if isIdent(d, "function") && i+3 < len(ts) {
					k := i + 3
					if isIdent(ts[i+2], "async") {
						k++
					}
					if k < len(ts) && ts[k].kind == tIdent {
						m.exports["default"] = ts[k].text
					}
				} else if d.kind == tIdent && d.text != "class" {
					m.exports["default"] = d.text
				}
			case isIdent(next, "function"), isIdent(next, "async"), isIdent(next, "const"), isIdent(next, "let"), isIdent(next, "var"):
				k := i + 2
				for k < len(ts) && (isIdent(ts[k], "function") || isPunct(ts[k], "*")) {
					k++
				}
				if k < len(ts) && ts[k].kind == tIdent {
					m.exports[ts[k].text] = ts[k].text
				}
			case isPunct(next, "{"):
				end := matchParen(ts, i+1)
				if end+1 < len(ts) && isIdent(ts[end+1], "from") {
					break // a re-export: its definitions live elsewhere
				}
				for _, part := range splitTokens(ts[i+2:min(end, len(ts))], ",") {
					if len(part) > 0 && part[0].kind == tIdent {
						local, exported := part[0].text, part[0].text
						if len(part) == 3 && isIdent(part[1], "as") {
							exported = part[2].text
						}
						m.exports[exported] = local
					}
				}
			}
		}
	}
	return m
}

// jsImports returns the names the relative imports of file p bind.
func jsImports(ts []token, p string, resolve func(from, spec string) string) map[string]jsBinding {
	binds := map[string]jsBinding{}
	depth := 0
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind == tPunct {
			switch t.text {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(depth-1, 0)
			}
			continue
		}
		if depth != 0 || !isIdent(t, "import") || i+1 >= len(ts) || isPunct(ts[i+1], "(") || isPunct(ts[i+1], ".") {
			continue // not a declaration: import("x"), import.meta
		}
		// Find the end of the statement: "from" followed by a string.
		k := i + 1
		for k+1 < len(ts) && !(isIdent(ts[k], "from") && ts[k+1].kind == tString) && !isPunct(ts[k], ";") && k-i < 400 {
			k++
		}
		if k+1 >= len(ts) || !isIdent(ts[k], "from") || ts[k+1].kind != tString {
			continue
		}
		spec := ts[k+1].text
		file := resolve(p, spec[1:max(len(spec)-1, 1)])
		clause := ts[i+1 : k]
		i = k + 1
		if file == "" || len(clause) == 0 || isIdent(clause[0], "type") {
			continue
		}
		for len(clause) > 0 {
			switch c := clause[0]; {
			case c.kind == tIdent: // default import
				binds[c.text] = jsBinding{file, "default"}
				clause = clause[1:]
			case isPunct(c, "*") && len(clause) >= 3 && isIdent(clause[1], "as"):
				binds[clause[2].text] = jsBinding{file, ""}
				clause = clause[3:]
			case isPunct(c, "{"):
				end := matchParen(clause, 0)
				for _, part := range splitTokens(clause[1:min(end, len(clause))], ",") {
					if len(part) > 0 && isIdent(part[0], "type") && len(part) > 1 {
						continue
					}
					if len(part) > 0 && part[0].kind == tIdent {
						name, local := part[0].text, part[0].text
						if len(part) == 3 && isIdent(part[1], "as") {
							local = part[2].text
						}
						binds[local] = jsBinding{file, name}
					}
				}
				clause = clause[min(end+1, len(clause)):]
			default:
				clause = clause[1:]
			}
		}
	}
	return binds
}
