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
	// Keywords are the language's reserved words, lower-case: never a definition, and only
	// noise in a query made from code of that language.
	Keywords []string
	// Dollar is true where "$" is an identifier character ($constructor, source$).
	Dollar bool
	// Plain are words the list common to every language (isKeyword) drops, as keywords or
	// builtins elsewhere, that this language's code defines and calls as its own functions.
	Plain []string

	keywords map[string]bool // Keywords, for lookup
	plain    map[string]bool // Plain, for lookup
}

// languages are the languages ragls parses. The grammar of each, the handler that chunks its
// syntax tree and the reader of its imports (from the tree: go/ast for Go) are registered under
// its ID in lang_grammars.go, and written in its lang_<language>.go.
var languages = []*Language{
	{ID: "go", Name: "Go", Exts: []string{".go"}, Fence: "go", Comment: "//",
		Test:     func(_, base, _ string) bool { return strings.HasSuffix(base, "_test.go") },
		Keywords: strings.Fields("break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var")},
	{ID: "python", Name: "Python", Exts: []string{".py", ".pyi", ".pyw"}, Fence: "python", Comment: "#",
		Test: func(_, base, stem string) bool {
			return strings.HasPrefix(base, "test_") || strings.HasSuffix(stem, "_test") || stem == "conftest"
		},
		Keywords: strings.Fields("false none true and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield")},
	{ID: "javascript", Name: "JavaScript", Exts: []string{".js", ".mjs", ".cjs", ".jsx"}, Fence: "javascript", Comment: "//", Test: jsTest, Keywords: jsKeywords, Dollar: true, Plain: jsPlain},
	{ID: "typescript", Name: "TypeScript", Exts: []string{".ts", ".mts", ".cts"}, Fence: "typescript", Comment: "//", Test: jsTest, Keywords: tsKeywords, Dollar: true, Plain: jsPlain},
	{ID: "tsx", Name: "TypeScript", Exts: []string{".tsx"}, Fence: "tsx", Comment: "//", Test: jsTest, Keywords: tsKeywords, Dollar: true, Plain: jsPlain},
	{ID: "rust", Name: "Rust", Exts: []string{".rs"}, Fence: "rust", Comment: "//",
		Test:     func(p, _, _ string) bool { return strings.HasPrefix(p, "tests/") || strings.Contains(p, "/tests/") },
		Keywords: strings.Fields("as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self static struct super trait true type unsafe use where while")},
	{ID: "java", Name: "Java", Exts: []string{".java"}, Fence: "java", Comment: "//",
		Test: func(p, _, stem string) bool {
			return strings.HasSuffix(stem, "Test") || strings.HasSuffix(stem, "Tests") ||
				(strings.HasPrefix(stem, "Test") && len(stem) > 4 && stem[4] >= 'A' && stem[4] <= 'Z') ||
				strings.Contains("/"+p, "/src/test/")
		},
		Implicit: []string{"java/lang"},
		Keywords: strings.Fields("abstract assert boolean break byte case catch char class const continue default do double else enum extends final finally float for goto if implements import instanceof int interface long native new package private protected public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null var record yield")},
	{ID: "c", Name: "C", Exts: []string{".c", ".h"}, Fence: "c", Comment: "//", Test: cTest, Keywords: cKeywords},
	{ID: "cpp", Name: "C++", Exts: []string{".cc", ".cpp", ".cxx", ".c++", ".cp", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".tpp", ".inl", ".ino"},
		Fence: "cpp", Comment: "//", Test: cTest,
		Keywords: append(strings.Fields("alignas alignof bool catch class constexpr const_cast decltype delete dynamic_cast explicit export false friend mutable namespace new noexcept nullptr operator private protected public reinterpret_cast static_assert static_cast template this throw true try typeid typename using virtual concept requires co_await co_return co_yield override final"), cKeywords...)},
}

var (
	jsKeywords = strings.Fields("break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null return super switch this throw true try typeof var void while with yield async await of static get set undefined")
	tsKeywords = append(strings.Fields("abstract any as asserts boolean declare enum implements infer interface is keyof module namespace never number object private protected public readonly satisfies string symbol type unique unknown"), jsKeywords...)
	// jsPlain: rxjs's map, from and defer, a parser's match, ... (Go, Python and Rust words).
	jsPlain   = strings.Fields("map from defer match range select make len append use go mod is not and or pass def fn chan impl pub crate elif except")
	cKeywords = strings.Fields("auto break case char const continue default do double else enum extern float for goto if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while null")
)

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
		l.keywords = make(map[string]bool, len(l.Keywords))
		for _, k := range l.Keywords {
			l.keywords[k] = true
		}
		l.plain = make(map[string]bool, len(l.Plain))
		for _, k := range l.Plain {
			l.plain[k] = true
		}
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
