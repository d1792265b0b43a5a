package indexer

import (
	"path"
	"slices"
	"strings"
)

// importAliases maps the names a file gives its imports to what they name: "_re" -> "re" for
// Python's "import re as _re", "rr" -> "recursive_repr" for "from reprlib import recursive_repr
// as rr", "ns" -> "strings" for JavaScript's "import * as ns from './strings.js'", "str" ->
// "strings" for Go's `import str "strings"`.
func importAliases(content string) map[string]string {
	out := map[string]string{}
	base := func(s string) string {
		s = strings.Trim(s, "\"'`; ")
		switch path.Ext(s) {
		case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".py":
			s = strings.TrimSuffix(s, path.Ext(s))
		}
		if strings.Contains(s, "/") {
			return qualBase(s) // math/rand/v2 -> rand
		}
		return s[strings.LastIndexByte(s, '.')+1:] // os.path -> path
	}
	inGoBlock := false
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		t := strings.TrimSpace(line)
		f := strings.Fields(strings.NewReplacer(",", " , ", "{", " { ", "}", " } ").Replace(t))
		switch {
		case t == "import (":
			inGoBlock = true
		case inGoBlock && t == ")":
			inGoBlock = false
		case inGoBlock && len(f) == 2 && strings.HasPrefix(f[1], "\""):
			out[f[0]] = base(f[1])
		case len(f) == 3 && f[0] == "import" && strings.HasPrefix(f[2], "\""):
			out[f[1]] = base(f[2]) // Go: import str "strings"
		case len(f) >= 2 && (f[0] == "import" || f[0] == "from"):
			// Python "import a.b as c" and "from m import a as b, c as d"; JavaScript
			// "import { a as b } from" and "import * as ns from 'm'".
			for i := 1; i+2 < len(f); i++ {
				if f[i+1] != "as" {
					continue
				}
				orig, alias := base(f[i]), strings.Trim(f[i+2], ",;")
				if f[i] == "*" {
					if j := slices.Index(f, "from"); j >= 0 && j+1 < len(f) {
						orig = base(f[j+1])
					}
				}
				if orig != "" && alias != "" && orig != alias {
					out[alias] = orig
				}
			}
		}
	}
	return out
}

// importHints returns the module paths a file imports, normalized to slash paths without
// extension ("encoding/json", "os/path", "./util" -> "util"), whatever its language.
func importHints(content string) []string {
	var out []string
	add := func(s string) {
		s = strings.Trim(s, "\"'`<> ;")
		s = strings.TrimPrefix(s, "./")
		for strings.HasPrefix(s, "../") {
			s = s[3:]
		}
		switch path.Ext(s) {
		case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".h", ".hpp", ".hh", ".py", ".rs", ".go", ".java", ".c", ".cc", ".cpp":
			s = strings.TrimSuffix(s, path.Ext(s))
		}
		s = strings.ReplaceAll(s, ".", "/")
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	inGoBlock := false
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		t := strings.TrimSpace(line)
		switch {
		case inGoBlock:
			if t == ")" {
				inGoBlock = false
			} else if i := strings.IndexByte(t, '"'); i >= 0 {
				add(t[i:])
			}
		case t == "import (":
			inGoBlock = true
		case strings.HasPrefix(t, "import \""), strings.HasPrefix(t, "#include"):
			add(strings.TrimSpace(t[strings.IndexAny(t, " \t"):]))
		case strings.HasPrefix(t, "from ") && strings.Contains(t, " import"):
			add(strings.Fields(t)[1])
		case strings.HasPrefix(t, "import ") && !strings.Contains(t, "\""):
			if f := strings.Fields(strings.TrimSuffix(t, ";")); len(f) >= 2 && !strings.Contains(t, " from ") {
				add(f[1])
			}
		}
		if i := strings.Index(t, " from "); i >= 0 && (strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "export ")) {
			add(t[i+6:])
		}
		if i := strings.Index(t, "require("); i >= 0 {
			add(strings.TrimSuffix(t[i+8:], ")"))
		}
		if strings.HasPrefix(t, "use ") {
			add(strings.ReplaceAll(strings.TrimSuffix(t[4:], ";"), "::", "/"))
		}
	}
	return out
}

// relImports returns the files that relative imports of content name exactly, resolved from dir:
// "./toDate.js" -> "date-fns/toDate.js".
func relImports(content, dir string) map[string]bool {
	out := map[string]bool{}
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		for _, q := range []string{"'./", "\"./", "'../", "\"../"} {
			i := strings.Index(line, q)
			if i < 0 {
				continue
			}
			rest := line[i+1:]
			j := strings.IndexByte(rest, line[i])
			if j < 0 {
				continue
			}
			p := path.Join(dir, rest[:j])
			out[p] = true
			for _, e := range []string{".js", ".ts", ".mjs", ".tsx", "/index.js", "/index.ts"} {
				out[p+e] = true
			}
		}
	}
	return out
}
