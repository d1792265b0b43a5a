package indexer

import (
	"path"
	"strings"
)

// langByExt maps a lower-case file extension to the language that parses it.
var langByExt = map[string]string{
	".go":   "go",
	".py":   "python",
	".pyi":  "python",
	".pyw":  "python",
	".js":   "javascript",
	".mjs":  "javascript",
	".cjs":  "javascript",
	".jsx":  "javascript",
	".ts":   "typescript",
	".mts":  "typescript",
	".cts":  "typescript",
	".tsx":  "tsx",
	".rs":   "rust",
	".java": "java",
	".c":    "c",
	".h":    "c",
	".cc":   "cpp",
	".cpp":  "cpp",
	".cxx":  "cpp",
	".c++":  "cpp",
	".cp":   "cpp",
	".hpp":  "cpp",
	".hh":   "cpp",
	".hxx":  "cpp",
	".h++":  "cpp",
	".ipp":  "cpp",
	".tpp":  "cpp",
	".inl":  "cpp",
	".ino":  "cpp",
}

// LangOf names the language of a file by its name: "go", "python", "javascript", "typescript",
// "tsx", "rust", "java", "c", "cpp", or "text" for everything else. A ".h" header is taken as C,
// which the C++ grammar would also accept, because C headers are the commoner case.
func LangOf(p string) string {
	base := path.Base(strings.ReplaceAll(p, "\\", "/"))
	ext := strings.ToLower(path.Ext(base))
	if l, ok := langByExt[ext]; ok {
		return l
	}
	switch base {
	case "SConstruct", "SConscript", "BUILD.bazel", "WORKSPACE", "Tiltfile", "BUCK":
		return "python"
	}
	return "text"
}
