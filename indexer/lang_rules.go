package indexer

import (
	"path"
	"strings"
)

// isTestPath reports a test file by each language's own convention: Go's _test.go, Python's
// test_*.py and *_test.py, JavaScript's *.test.* and *.spec.* and __tests__ directories, Java's
// FooTest.java, FooTests.java, TestFoo.java and Maven's src/test tree (ragls itself writes
// FooTest.java), Rust's tests/ directory, and fixtures under testdata/.
func isTestPath(p string) bool {
	base := path.Base(p)
	ext := path.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	switch {
	case strings.Contains(p, "/testdata/"), strings.HasPrefix(p, "testdata/"):
		return true
	case strings.Contains(base, ".test."), strings.Contains(base, ".spec."), strings.Contains(p, "/__tests__/"):
		return true
	}
	switch LangOf(base) {
	case "go":
		return strings.HasSuffix(base, "_test.go")
	case "python":
		return strings.HasPrefix(base, "test_") || strings.HasSuffix(stem, "_test") || stem == "conftest"
	case "java":
		return strings.HasSuffix(stem, "Test") || strings.HasSuffix(stem, "Tests") ||
			(strings.HasPrefix(stem, "Test") && len(stem) > 4 && stem[4] >= 'A' && stem[4] <= 'Z') ||
			strings.Contains("/"+p, "/src/test/")
	case "rust":
		return strings.HasPrefix(p, "tests/") || strings.Contains(p, "/tests/")
	case "c", "cpp":
		return strings.HasSuffix(stem, "_test") || strings.HasSuffix(stem, "_unittest") || strings.HasPrefix(base, "test_")
	}
	return strings.HasPrefix(base, "test_")
}

// isKeyword reports common keywords of the supported languages: they are never definitions and
// only add noise to a query.
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

// commentPrefix is how a line comment starts in lang.
func commentPrefix(lang string) string {
	if lang == "python" {
		return "# "
	}
	return "// "
}

// implicitImports are the module directories a language makes available without an import:
// Java's java.lang.
func implicitImports(lang string) []string {
	if lang == "java" {
		return []string{"java/lang"}
	}
	return nil
}
