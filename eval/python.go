package eval

import (
	"context"
	"path"
	"strings"
)

// pyModule is what a Python file binds at top level.
type pyModule struct {
	defs  map[string][]int // top-level "def name(" (and "async def") -> lines of the name
	bound map[string]bool  // names bound at top level by def, class or assignment
}

// pyBinding is what an imported name stands for in the importing file.
type pyBinding struct {
	module string // the module's slash path without extension ("os", "email/utils")
	fn     string // for "from m import f": the function f of module; "" when the name is a module
}

// pythonSites finds, in every .py file, calls of functions defined at top level of another
// module under the root, reached through "import m" + "m.f(", "from p import m" + "m.f(" or
// "from m import f" + "f(". Only imports at top level count, as only they bind for the whole file.
func pythonSites(ctx context.Context, files Files) ([]Site, error) {
	modules := map[string]string{} // module slash path -> file
	var paths []string
	for _, p := range files.Paths() {
		if !strings.HasSuffix(p, ".py") || isTestData(p) {
			continue
		}
		paths = append(paths, p)
		mod := strings.TrimSuffix(p, ".py")
		if path.Base(mod) == "__init__" {
			mod = dirOf(mod)
		}
		modules[mod] = p
	}
	parsed := map[string]*pyModule{}
	toks := map[string][]token{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, _ := files.Content(p)
		toks[p] = tokenize(src, python)
		parsed[p] = pyTopLevel(toks[p])
	}
	funcDefs := func(mod, fn string) []Def {
		file, ok := modules[mod]
		if !ok {
			return nil
		}
		var defs []Def
		for _, l := range parsed[file].defs[fn] {
			defs = append(defs, Def{file, l})
		}
		return defs
	}
	var sites []Site
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, _ := files.Content(p)
		ts := toks[p]
		binds := pyImports(ts, p, modules)
		self := parsed[p]
		for i := 0; i < len(ts); i++ {
			t := ts[i]
			if t.kind != tIdent || (i > 0 && (isPunct(ts[i-1], ".") || isIdent(ts[i-1], "def") || isIdent(ts[i-1], "class") || isIdent(ts[i-1], "import"))) {
				continue
			}
			b, ok := binds[t.text]
			if !ok || self.bound[t.text] {
				continue
			}
			// Follow name(.name)* to the call's "(", walking into submodules.
			mod, fn, form := b.module, b.fn, "from-import"
			j := i + 1
			if fn == "" {
				form = "mod.f"
				for j+1 < len(ts) && isPunct(ts[j], ".") && ts[j+1].kind == tIdent {
					next := ts[j+1].text
					j += 2
					if _, isMod := modules[mod+"/"+next]; isMod && j < len(ts) && isPunct(ts[j], ".") {
						mod += "/" + next
						continue
					}
					fn = next
					break
				}
			}
			if fn == "" || j >= len(ts) || !isPunct(ts[j], "(") {
				continue
			}
			defs := funcDefs(mod, fn)
			if len(defs) == 0 || defs[0].Path == p {
				continue
			}
			sites = append(sites, Site{
				Path:   p,
				Line:   t.line,
				Callee: src[t.off:ts[j].off],
				Name:   fn,
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

func isPunct(t token, s string) bool { return t.kind == tPunct && t.text == s }
func isIdent(t token, s string) bool { return t.kind == tIdent && t.text == s }

// stmtStarts calls fn with the index of every token that starts a top-level statement: at
// column 0, first on its logical line.
func stmtStarts(ts []token, fn func(i int)) {
	for i, t := range ts {
		if t.kind != tNewline && t.col == 0 && (i == 0 || ts[i-1].kind == tNewline) {
			fn(i)
		}
	}
}

// pyTopLevel collects the top-level definitions and bindings of a module.
func pyTopLevel(ts []token) *pyModule {
	m := &pyModule{defs: map[string][]int{}, bound: map[string]bool{}}
	stmtStarts(ts, func(i int) {
		if isIdent(ts[i], "async") && i+1 < len(ts) {
			i++
		}
		t := ts[i]
		if t.kind != tIdent || i+1 >= len(ts) {
			return
		}
		next := ts[i+1]
		switch {
		case t.text == "def" && next.kind == tIdent:
			m.defs[next.text] = append(m.defs[next.text], next.line)
			m.bound[next.text] = true
		case t.text == "class" && next.kind == tIdent:
			m.bound[next.text] = true
		case isPunct(next, "=") || isPunct(next, ":"): // NAME = ..., NAME: T = ...
			m.bound[t.text] = true
		}
	})
	return m
}

// pyImports returns the names the top-level imports of file p bind to modules under the root
// and to functions of them.
func pyImports(ts []token, p string, modules map[string]string) map[string]pyBinding {
	binds := map[string]pyBinding{}
	// The package a relative import starts from: the directory of the file.
	pkgDir := dirOf(p)
	stmtStarts(ts, func(i int) {
		end := i
		for end < len(ts) && ts[end].kind != tNewline {
			end++
		}
		st := ts[i:end]
		switch {
		case len(st) > 1 && isIdent(st[0], "import"):
			// import a.b.c [as x], d
			for _, part := range splitTokens(st[1:], ",") {
				names, alias := dotted(part)
				if len(names) == 0 {
					continue
				}
				mod := strings.Join(names, "/")
				if _, ok := modules[mod]; !ok {
					continue
				}
				if alias != "" {
					binds[alias] = pyBinding{module: mod}
				} else if _, ok := modules[names[0]]; ok {
					binds[names[0]] = pyBinding{module: names[0]}
				}
			}
		case len(st) > 3 && isIdent(st[0], "from"):
			k := 1
			dots := 0
			for k < len(st) && isPunct(st[k], ".") {
				dots++
				k++
			}
			imp := k
			for imp < len(st) && !isIdent(st[imp], "import") {
				imp++
			}
			if imp >= len(st) {
				return
			}
			names, _ := dotted(st[k:imp])
			base := strings.Join(names, "/")
			if dots > 0 {
				dir := pkgDir
				for range dots - 1 {
					dir = dirOf(dir)
				}
				base = strings.Trim(join(dir, base), "/")
			}
			if _, ok := modules[base]; !ok {
				return
			}
			rest := st[imp+1:]
			if len(rest) > 0 && isPunct(rest[0], "(") {
				rest = rest[1:]
			}
			for _, part := range splitTokens(rest, ",") {
				if len(part) == 0 || part[0].kind != tIdent {
					continue
				}
				name, local := part[0].text, part[0].text
				if len(part) == 3 && isIdent(part[1], "as") && part[2].kind == tIdent {
					local = part[2].text
				}
				if sub := join(base, name); modules[sub] != "" {
					binds[local] = pyBinding{module: sub}
				} else {
					binds[local] = pyBinding{module: base, fn: name}
				}
			}
		}
	})
	return binds
}

// splitTokens splits a statement's tokens at a punctuation mark, dropping closing parentheses.
func splitTokens(ts []token, sep string) [][]token {
	var out [][]token
	var cur []token
	for _, t := range ts {
		switch {
		case isPunct(t, sep):
			out = append(out, cur)
			cur = nil
		case isPunct(t, ")"):
		default:
			cur = append(cur, t)
		}
	}
	return append(out, cur)
}

// dotted parses "a . b . c [as x]".
func dotted(ts []token) (names []string, alias string) {
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		switch {
		case isIdent(t, "as") && i+1 < len(ts):
			return names, ts[i+1].text
		case t.kind == tIdent:
			names = append(names, t.text)
		case isPunct(t, "."):
		default:
			return nil, ""
		}
	}
	return names, ""
}
