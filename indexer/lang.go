package indexer

import (
	"path"
	"strings"
)

// A Language is what ragls knows of one programming language, in one place: how its files are
// named, which grammar parses them, how its comments and Markdown fences are written, which of
// its files are tests, and what it makes available without an import.
type Language struct {
	ID      string   // "go", "python", "javascript", "typescript", "tsx", "rust", "java", "c", "cpp", "text"
	Name    string   // as people write it: "Go", "C++"
	Exts    []string // lower-case file extensions
	Fence   string   // the Markdown fence tag
	Comment string   // how a line comment starts
	// Test reports a test file by the language's conventions, given the slash path, the base
	// name and the base name without its extension.
	Test func(p, base, stem string) bool
	// Implicit are the module directories available without an import (Java's java.lang).
	Implicit []string
}

// languages are the languages ragls parses; the grammar of each is registered under its ID in
// lang_grammars.go.
var languages = []*Language{
	{ID: "go", Name: "Go", Exts: []string{".go"}, Fence: "go", Comment: "//",
		Test: func(_, base, _ string) bool { return strings.HasSuffix(base, "_test.go") }},
	{ID: "python", Name: "Python", Exts: []string{".py", ".pyi", ".pyw"}, Fence: "python", Comment: "#",
		Test: func(_, base, stem string) bool {
			return strings.HasPrefix(base, "test_") || strings.HasSuffix(stem, "_test") || stem == "conftest"
		}},
	{ID: "javascript", Name: "JavaScript", Exts: []string{".js", ".mjs", ".cjs", ".jsx"}, Fence: "javascript", Comment: "//", Test: jsTest},
	{ID: "typescript", Name: "TypeScript", Exts: []string{".ts", ".mts", ".cts"}, Fence: "typescript", Comment: "//", Test: jsTest},
	{ID: "tsx", Name: "TypeScript", Exts: []string{".tsx"}, Fence: "tsx", Comment: "//", Test: jsTest},
	{ID: "rust", Name: "Rust", Exts: []string{".rs"}, Fence: "rust", Comment: "//",
		Test: func(p, _, _ string) bool { return strings.HasPrefix(p, "tests/") || strings.Contains(p, "/tests/") }},
	{ID: "java", Name: "Java", Exts: []string{".java"}, Fence: "java", Comment: "//",
		Test: func(p, _, stem string) bool {
			return strings.HasSuffix(stem, "Test") || strings.HasSuffix(stem, "Tests") ||
				(strings.HasPrefix(stem, "Test") && len(stem) > 4 && stem[4] >= 'A' && stem[4] <= 'Z') ||
				strings.Contains("/"+p, "/src/test/")
		},
		Implicit: []string{"java/lang"}},
	{ID: "c", Name: "C", Exts: []string{".c", ".h"}, Fence: "c", Comment: "//", Test: cTest},
	{ID: "cpp", Name: "C++", Exts: []string{".cc", ".cpp", ".cxx", ".c++", ".cp", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp", ".inl", ".ino"},
		Fence: "cpp", Comment: "//", Test: cTest},
}

// plainText is the language of every other file.
var plainText = &Language{ID: "text", Name: "text", Comment: "#",
	Test: func(_, base, _ string) bool { return strings.HasPrefix(base, "test_") }}

func jsTest(p, base, _ string) bool {
	return strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") || strings.Contains(p, "/__tests__/")
}

func cTest(_, base, stem string) bool {
	return strings.HasSuffix(stem, "_test") || strings.HasSuffix(stem, "_unittest") || strings.HasPrefix(base, "test_")
}

// langByExt maps a lower-case file extension to its language.
var langByExt = func() map[string]*Language {
	m := map[string]*Language{}
	for _, l := range languages {
		for _, e := range l.Exts {
			m[e] = l
		}
	}
	return m
}()

// LanguageOf returns the language of a file by its name. A ".h" header is taken as C, which
// the C++ grammar would also accept, because C headers are the commoner case. Build files of
// Python dialects (SConstruct, BUILD.bazel...) are Python.
func LanguageOf(p string) *Language {
	base := path.Base(strings.ReplaceAll(p, "\\", "/"))
	if l, ok := langByExt[strings.ToLower(path.Ext(base))]; ok {
		return l
	}
	switch base {
	case "SConstruct", "SConscript", "BUILD.bazel", "WORKSPACE", "Tiltfile", "BUCK":
		return langByExt[".py"]
	}
	return plainText
}

// LangOf names the language of a file by its name: "go", "python", "javascript", "typescript",
// "tsx", "rust", "java", "c", "cpp", or "text" for everything else.
func LangOf(p string) string { return LanguageOf(p).ID }
