package eval

import "strings"

// A token of Python or JavaScript source, as much as finding imports, definitions and calls
// needs: identifiers and punctuation, with strings and comments recognised so that code in them
// is never mistaken for a call.
type token struct {
	kind tokKind
	text string
	off  int // byte offset in the source
	line int // 1-based
	col  int // 0-based byte column
}

type tokKind uint8

const (
	tIdent tokKind = iota
	tPunct
	tString
	tNewline // end of a Python logical line
)

type dialect uint8

const (
	python dialect = iota
	javascript
)

// tokenize splits src into tokens. It never fails: an unterminated string or comment runs to the
// end of its line or of the source.
func tokenize(src string, d dialect) []token {
	var toks []token
	line, lineStart, depth := 1, 0, 0
	i, n := 0, len(src)
	newline := func(at int) {
		if d == python && depth == 0 && len(toks) > 0 && toks[len(toks)-1].kind != tNewline {
			toks = append(toks, token{kind: tNewline, off: at, line: line})
		}
	}
	// skipTo advances i to end (exclusive), counting the newlines passed.
	skipTo := func(end int) {
		for j := i; j < end; j++ {
			if src[j] == '\n' {
				line++
				lineStart = j + 1
			}
		}
		i = end
	}
	for i < n {
		c := src[i]
		switch {
		case c == '\n':
			newline(i)
			i++
			line++
			lineStart = i
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case d == python && c == '\\':
			i++ // an explicit line join: the newline after it ends nothing
			for i < n && (src[i] == '\r' || src[i] == ' ') {
				i++
			}
			if i < n && src[i] == '\n' {
				i++
				line++
				lineStart = i
			}
		case d == python && c == '#', d == javascript && c == '/' && i+1 < n && src[i+1] == '/':
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				j = n - i
			}
			i += j
		case d == javascript && c == '/' && i+1 < n && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			end := n
			if j >= 0 {
				end = i + 2 + j + 2
			}
			skipTo(end)
		case d == javascript && c == '/' && regexAllowed(toks):
			skipTo(skipRegex(src, i))
		case c == '"' || c == '\'' || (d == javascript && c == '`'):
			start, l, col := i, line, i-lineStart
			skipTo(skipString(src, i, d))
			toks = append(toks, token{tString, src[start:i], start, l, col})
		case isIdentByte(c):
			j := i
			for j < n && (isIdentByte(src[j]) || (src[j] >= '0' && src[j] <= '9')) {
				j++
			}
			if d == python && j < n && (src[j] == '"' || src[j] == '\'') && isStringPrefix(src[i:j]) {
				start, l, col := i, line, i-lineStart
				i = j
				skipTo(skipString(src, j, d))
				toks = append(toks, token{tString, src[start:i], start, l, col})
				continue
			}
			toks = append(toks, token{tIdent, src[i:j], i, line, i - lineStart})
			i = j
		case c >= '0' && c <= '9':
			for i < n && (isIdentByte(src[i]) || (src[i] >= '0' && src[i] <= '9') || src[i] == '.') {
				i++
			}
		default:
			switch c {
			case '(', '[', '{':
				depth++
			case ')', ']', '}':
				depth = max(depth-1, 0)
			}
			toks = append(toks, token{tPunct, src[i : i+1], i, line, i - lineStart})
			i++
		}
	}
	newline(n)
	return toks
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

// isStringPrefix reports Python string prefixes such as r, b, f, rb and u, in either case.
func isStringPrefix(s string) bool {
	if len(s) > 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'r', 'R', 'b', 'B', 'u', 'U', 'f', 'F':
		default:
			return false
		}
	}
	return true
}

// skipString returns the offset just past the string literal whose quote is at src[i].
func skipString(src string, i int, d dialect) int {
	q := src[i]
	n := len(src)
	if d == python && i+2 < n && src[i+1] == q && src[i+2] == q {
		for j := i + 3; j < n; j++ {
			if src[j] == '\\' {
				j++
				continue
			}
			if src[j] == q && j+2 < n && src[j+1] == q && src[j+2] == q {
				return j + 3
			}
		}
		return n
	}
	braces := 0 // inside ${...} of a template literal
	for j := i + 1; j < n; j++ {
		switch c := src[j]; {
		case c == '\\':
			j++
		case q == '`' && c == '$' && j+1 < n && src[j+1] == '{':
			braces++
			j++
		case q == '`' && braces > 0 && c == '}':
			braces--
		case c == q && braces == 0:
			return j + 1
		case c == '\n' && q != '`':
			return j // unterminated: it ends with its line
		}
	}
	return n
}

// regexAllowed reports whether a '/' after toks starts a regular expression literal rather than
// a division, by the token before it.
func regexAllowed(toks []token) bool {
	if len(toks) == 0 {
		return true
	}
	t := toks[len(toks)-1]
	switch t.kind {
	case tPunct:
		return !strings.Contains(")]}", t.text)
	case tIdent:
		switch t.text {
		case "return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw", "yield", "await":
			return true
		}
	}
	return false
}

// skipRegex returns the offset just past the regular expression literal starting at src[i].
func skipRegex(src string, i int) int {
	inClass := false
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '[':
			inClass = true
		case ']':
			inClass = false
		case '/':
			if !inClass {
				j++
				for j < len(src) && isIdentByte(src[j]) {
					j++ // flags
				}
				return j
			}
		case '\n':
			return j
		}
	}
	return len(src)
}

// matchParen returns the index of the token closing the bracket at toks[i], or len(toks).
func matchParen(toks []token, i int) int {
	depth := 0
	for j := i; j < len(toks); j++ {
		if toks[j].kind != tPunct {
			continue
		}
		switch toks[j].text {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return len(toks)
}
