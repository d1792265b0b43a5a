package indexer

import (
	"slices"
	"strings"
)

// commentDoc turns the comment lines above a definition into its Doc: comment markers removed,
// lines trimmed, attribute lines (Rust's #[...]) skipped, at most maxDocBytes long.
func commentDoc(b []byte) string {
	var out []string
	inBlock := false
	for _, line := range strings.Split(string(b), "\n") {
		l := strings.TrimSpace(line)
		if !inBlock {
			switch {
			case strings.HasPrefix(l, "#[") || strings.HasPrefix(l, "#!["):
				continue
			case strings.HasPrefix(l, "/*"):
				l = strings.TrimPrefix(strings.TrimLeft(l, "/*"), "!")
				inBlock = true
			case strings.HasPrefix(l, "//"):
				l = strings.TrimLeft(l, "/")
				l = strings.TrimPrefix(l, "!")
			case strings.HasPrefix(l, "#"):
				l = strings.TrimLeft(l, "#")
			}
		}
		if inBlock {
			if i := strings.Index(l, "*/"); i >= 0 {
				l = l[:i]
				inBlock = false
			}
			l = strings.TrimLeft(l, "*")
		}
		out = append(out, strings.TrimSpace(l))
	}
	return capDoc(strings.Join(out, "\n"))
}

func capDoc(s string) string {
	s = strings.TrimSpace(s)
	return strings.TrimSpace(string(capBytes([]byte(s), maxDocBytes)))
}

// pyDocstring cleans a Python string literal used as a docstring: prefix and quotes removed,
// common indentation of the lines after the first removed.
func pyDocstring(lit string) string {
	s := strings.TrimLeft(lit, "rRuUbBfF")
	for _, q := range []string{`"""`, `'''`, `"`, `'`} {
		if len(s) >= 2*len(q) && strings.HasPrefix(s, q) && strings.HasSuffix(s, q) {
			s = s[len(q) : len(s)-len(q)]
			break
		}
	}
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i := range lines {
		if i > 0 && indent > 0 && len(lines[i]) >= indent {
			lines[i] = lines[i][indent:]
		}
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	lines[0] = strings.TrimSpace(lines[0])
	return capDoc(strings.Join(lines, "\n"))
}

// sortDefs puts definitions in file order: members are found after their class.
func sortDefs(defs []Symbol) {
	slices.SortStableFunc(defs, func(a, b Symbol) int {
		if a.StartLine != b.StartLine {
			return a.StartLine - b.StartLine
		}
		return a.Line - b.Line
	})
}
