package lsp

import (
	"strings"

	"ragls/indexer"
)

// triggerCharacters are the characters after which the client asks for a completion without
// waiting for an identifier: member access in every language ragls knows. LSP registers one set
// for all files, so the set is the union and triggerApplies decides per language.
var triggerCharacters = []string{".", ":", ">"}

// memberAccess lists, per language, the operators after which a completion is worth asking the
// model for. The last character of each is a trigger character.
var memberAccess = map[string][]string{
	"go":         {"."},
	"python":     {"."},
	"javascript": {".", "?."},
	"typescript": {".", "?."},
	"tsx":        {".", "?."},
	"java":       {".", "::"},
	"rust":       {".", "::"},
	"c":          {".", "->"},
	"cpp":        {".", "->", "::"},
}

// triggerApplies reports whether before, the buffer up to the cursor, ends in a member-access
// operator of path's language: a ':' that is not "::" in Rust, or a '>' that closes a generic
// rather than "->", is not worth a model call. Files of other languages accept only '.'.
func triggerApplies(path, before string) bool {
	ops, ok := memberAccess[indexer.LangOf(path)]
	if !ok {
		ops = []string{"."}
	}
	for _, op := range ops {
		if strings.HasSuffix(before, op) {
			// A '.' right after a digit is a decimal point, not member access.
			if op == "." && len(before) >= 2 && before[len(before)-2] >= '0' && before[len(before)-2] <= '9' {
				return false
			}
			return true
		}
	}
	return false
}
