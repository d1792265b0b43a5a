package indexer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Identifiers and their parts are the vocabulary of the lexical index. Code search works on
// identifiers rather than natural-language words: "readFileHeader" should match a query for
// "read file", "ReadFile" or "file_header", so every identifier is indexed whole and split into
// its camelCase and snake_case parts, all lower-cased.

// scanIdents calls fn for every identifier in text, with its byte offset. An identifier is a
// letter or underscore followed by letters, digits or underscores; non-ASCII letters count, so
// that code written in other scripts is still searchable. Invalid UTF-8 is skipped, never fatal.
func scanIdents(text string, fn func(ident string, off int)) {
	i := 0
	for i < len(text) {
		c := text[i]
		if c < utf8.RuneSelf {
			if !isIdentStartASCII(c) {
				// Skip numbers whole, so that "0x1F" does not yield an identifier "x1F".
				if c >= '0' && c <= '9' {
					for i < len(text) && text[i] < utf8.RuneSelf && isIdentPartASCII(text[i]) {
						i++
					}
					continue
				}
				i++
				continue
			}
		} else {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError || !unicode.IsLetter(r) {
				i += n
				continue
			}
		}
		start := i
		for i < len(text) {
			c := text[i]
			if c < utf8.RuneSelf {
				if !isIdentPartASCII(c) {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
				break
			}
			i += n
		}
		fn(text[start:i], start)
	}
}

func isIdentStartASCII(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPartASCII(c byte) bool {
	return isIdentStartASCII(c) || (c >= '0' && c <= '9')
}

// splitIdent calls fn for each part of an identifier split at underscores, lower-to-upper case
// changes and the end of an acronym ("HTTPServer" -> "HTTP", "Server"; "parse_url2" -> "parse",
// "url2"). Parts keep their case; callers lower-case them.
func splitIdent(ident string, fn func(part string)) {
	start := -1
	var prev rune
	flush := func(end int) {
		if start >= 0 && end > start {
			fn(ident[start:end])
		}
		start = -1
	}
	for i, r := range ident {
		switch {
		case r == '_':
			flush(i)
		case start < 0:
			start = i
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush(i)
			start = i
		case unicode.IsLower(r) && unicode.IsUpper(prev):
			// "HTTPServer": the 'e' closes the acronym before the 'S'.
			_, w := utf8.DecodeLastRuneInString(ident[:i])
			if i-w > start {
				flush(i - w)
				start = i - w
			}
		}
		if r != '_' {
			prev = r
		} else {
			prev = 0
		}
	}
	flush(len(ident))
}

// minTermLen drops one-letter terms ("i", "x"): they match everything and mean nothing.
const minTermLen = 2

// terms calls fn with every lexical term of text: each identifier lower-cased, and, when it has
// more than one part, each part lower-cased. A term may repeat; callers count.
func terms(text string, fn func(term string)) {
	scanIdents(text, func(ident string, _ int) {
		emitTerms(ident, fn)
	})
}

func emitTerms(ident string, fn func(term string)) {
	whole := lower(ident)
	if len(whole) >= minTermLen {
		fn(whole)
	}
	n := 0
	splitIdent(ident, func(string) { n++ })
	if n < 2 {
		return
	}
	splitIdent(ident, func(part string) {
		if len(part) >= minTermLen {
			fn(lower(part))
		}
	})
}

// lower is strings.ToLower without an allocation for the common all-lower-case ASCII identifier.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return strings.ToLower(s)
		}
	}
	return s
}
