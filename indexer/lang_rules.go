package indexer

import (
	"path"
	"strings"
)

// isTestPath reports a test file by its language's conventions (see languages), or a fixture
// under testdata/ or a JavaScript-style .test./.spec. name in any language.
func isTestPath(p string) bool {
	base := path.Base(p)
	stem := strings.TrimSuffix(base, path.Ext(base))
	switch {
	case strings.Contains(p, "/testdata/"), strings.HasPrefix(p, "testdata/"):
		return true
	case strings.Contains(base, ".test."), strings.Contains(base, ".spec."), strings.Contains(p, "/__tests__/"):
		return true
	}
	return LanguageOf(base).Test(p, base, stem)
}

// IsKeyword reports a term (lower-case) that only adds noise to a query made from code of the
// language: one of its keywords, or a word common to code in every language (isKeyword).
func (l *Language) IsKeyword(term string) bool {
	return l.keywords[term] || isKeyword(term)
}

// isKeyword reports the words, keywords or builtins, that code in any of the supported languages
// is full of: they are never definitions and only add noise to a query. Each language's own
// reserved words are in its Keywords.
func isKeyword(s string) bool {
	switch s {
	case "if", "else", "for", "while", "return", "func", "function", "def", "class", "struct",
		"var", "let", "const", "type", "import", "package", "from", "in", "is", "not", "and", "or",
		"nil", "null", "None", "true", "false", "True", "False", "self", "this", "new", "fn", "pub",
		"mut", "impl", "use", "go", "defer", "range", "switch", "case", "break", "continue",
		"static", "public", "private", "protected", "void", "int", "string", "bool", "err",
		"async", "await", "try", "catch", "except", "finally", "with", "as", "pass", "elif",
		"match", "mod", "crate", "super", "typedef", "enum", "interface", "extends", "export",
		"default", "select", "chan", "map", "make", "len", "append":
		return true
	}
	return false
}

// commentPrefix is how a line comment starts in lang, with a space.
func commentPrefix(lang string) string {
	for _, l := range languages {
		if l.ID == lang {
			return l.Comment + " "
		}
	}
	return plainText.Comment + " "
}

// implicitImports are the module directories a language makes available without an import.
func implicitImports(lang string) []string {
	for _, l := range languages {
		if l.ID == lang {
			return l.Implicit
		}
	}
	return nil
}
