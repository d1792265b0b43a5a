package workspace

import (
	"bytes"
	"os"
	"path"
	"strings"
)

// A pattern is one line of a gitignore-syntax file, compiled.
type pattern struct {
	glob     string // wildmatch syntax; backslash escapes are kept for the matcher
	negate   bool   // "!pattern": re-include what an earlier line excluded
	dirOnly  bool   // "pattern/": matches directories only
	anchored bool   // the pattern had a leading or middle slash: match the whole relative path
	// Most lines are a plain name or "*.ext"; matching those without the general matcher keeps a
	// walk of a large tree cheap.
	kind int // one of the kind* constants
	lit  string
}

const (
	kindGlob    = iota // needs wildmatch
	kindLiteral        // glob has no special characters: compare lit for equality
	kindSuffix         // glob is "*" + lit and lit has no special characters
)

// parsePattern compiles one line of an ignore file. ok is false for blank lines and comments.
func parsePattern(line string) (p pattern, ok bool) {
	line = strings.TrimSuffix(line, "\r")
	if line == "" || line[0] == '#' {
		return p, false
	}
	// Trailing spaces are dropped unless escaped with a backslash ("foo\ " keeps one space).
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, `\ `) {
		line = line[:len(line)-1]
	}
	if line == "" {
		return p, false
	}
	if line[0] == '!' {
		p.negate = true
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") && !strings.HasSuffix(line, `\/`) {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if strings.HasPrefix(line, "/") {
		p.anchored = true
		line = strings.TrimLeft(line, "/")
	}
	if line == "" {
		return p, false
	}
	if strings.Contains(line, "/") {
		p.anchored = true
	}
	p.glob = line
	switch {
	case !strings.ContainsAny(line, `*?[\`):
		p.kind, p.lit = kindLiteral, line
	case line[0] == '*' && !strings.ContainsAny(line[1:], `*?[\/`):
		p.kind, p.lit = kindSuffix, line[1:]
	}
	return p, true
}

// match reports whether p matches rel, a slash-separated path relative to the directory that
// holds the pattern's file, whose last element is base. Unanchored patterns match base only.
func (p *pattern) match(rel, base string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	name := base
	if p.anchored {
		name = rel
	}
	switch p.kind {
	case kindLiteral:
		return name == p.lit
	case kindSuffix:
		return strings.HasSuffix(name, p.lit) && !strings.Contains(name, "/")
	}
	return wildmatch(p.glob, name)
}

// wildmatch matches text against a gitignore glob: "*" and "?" never match "/", "[...]" is a
// character class ("!" or "^" negates it), a backslash quotes the next character, and "**" as a
// whole path element matches any number of elements ("**/x", "x/**", "a/**/b").
func wildmatch(p, t string) bool {
	var m matcher
	return m.wm(p, t, true)
}

// memoAfter is how many sub-matches a match may try before failures are remembered: ordinary
// patterns never get there and allocate nothing.
const memoAfter = 64

type matcher struct {
	// Several stars can retry the same (pattern, text) suffixes exponentially often: a hostile
	// ignore file ("*a*a*a*a*a*b") must not stall a walk.
	calls  int
	failed map[[2]int]bool // (len of pattern suffix, len of text suffix) known not to match
}

// wm is wildmatch; elemStart says that p starts a path element (the glob's start, or just after a
// "/"), the only place where "**" is special. p and t are always suffixes of the originals, so
// their lengths identify a sub-problem.
func (m *matcher) wm(p, t string, elemStart bool) bool {
	if m.failed == nil {
		if m.calls++; m.calls < memoAfter {
			return m.match(p, t, elemStart)
		}
		m.failed = make(map[[2]int]bool)
	}
	key := [2]int{len(p), len(t)}
	if m.failed[key] {
		return false
	}
	ok := m.match(p, t, elemStart)
	if !ok {
		m.failed[key] = true
	}
	return ok
}

func (m *matcher) match(p, t string, elemStart bool) bool {
	for len(p) > 0 {
		c := p[0]
		switch c {
		case '?':
			if t == "" || t[0] == '/' {
				return false
			}
			p, t = p[1:], t[1:]
		case '*':
			stars := 1
			for stars < len(p) && p[stars] == '*' {
				stars++
			}
			rest := p[stars:]
			if stars >= 2 && elemStart && (rest == "" || rest[0] == '/') {
				if rest == "" {
					return true // "x/**" or a bare "**": everything below
				}
				rest = rest[1:] // "**/": zero or more leading elements
				if m.wm(rest, t, true) {
					return true
				}
				for i := 0; i < len(t); i++ {
					if t[i] == '/' && m.wm(rest, t[i+1:], true) {
						return true
					}
				}
				return false
			}
			// Any other run of stars is one "*": anything within the current element.
			if rest == "" {
				return !strings.Contains(t, "/")
			}
			for i := 0; i <= len(t); i++ {
				if m.wm(rest, t[i:], false) {
					return true
				}
				if i < len(t) && t[i] == '/' {
					break
				}
			}
			return false
		case '[':
			if t == "" || t[0] == '/' {
				return false
			}
			n, ok := matchClass(p, t[0])
			if n == 0 || !ok {
				return false // an unterminated class matches nothing, as in git
			}
			p, t = p[n:], t[1:]
		case '\\':
			if len(p) < 2 || t == "" || t[0] != p[1] {
				return false // a trailing backslash is an invalid pattern and matches nothing
			}
			c = p[1]
			p, t = p[2:], t[1:]
		default:
			if t == "" || t[0] != c {
				return false
			}
			p, t = p[1:], t[1:]
		}
		elemStart = c == '/'
	}
	return t == ""
}

// matchClass matches c against the class that opens p ("[...]"). n is the length of the class
// text, 0 when it is not terminated.
func matchClass(p string, c byte) (n int, ok bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	matched := false
	first := true
	for i < len(p) {
		if p[i] == ']' && !first {
			return i + 1, matched != negate
		}
		first = false
		if strings.HasPrefix(p[i:], "[:") {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				if classContains(p[i+2:i+2+end], c) {
					matched = true
				}
				i += 2 + end + 2
				continue
			}
		}
		lo := p[i]
		if lo == '\\' && i+1 < len(p) {
			i++
			lo = p[i]
		}
		i++
		hi := lo
		if i+1 < len(p) && p[i] == '-' && p[i+1] != ']' {
			hi = p[i+1]
			i += 2
			if hi == '\\' && i < len(p) {
				hi = p[i]
				i++
			}
		}
		if lo <= c && c <= hi {
			matched = true
		}
	}
	return 0, false
}

func classContains(class string, c byte) bool {
	switch class {
	case "alpha":
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	case "digit":
		return '0' <= c && c <= '9'
	case "alnum":
		return classContains("alpha", c) || classContains("digit", c)
	case "upper":
		return 'A' <= c && c <= 'Z'
	case "lower":
		return 'a' <= c && c <= 'z'
	case "space":
		return c == ' ' || '\t' <= c && c <= '\r'
	case "xdigit":
		return classContains("digit", c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
	case "punct":
		return c > ' ' && c < 0x7f && !classContains("alnum", c)
	}
	return false
}

// A ruleSet is the patterns of one ignore source, with where they apply.
type ruleSet struct {
	// base is the directory holding the file, relative to the root ("" for the root itself):
	// a path is matched relative to it. prefix is the root's path relative to a directory above
	// the root (an enclosing repository's .gitignore), prepended to paths instead.
	base, prefix string
	patterns     []pattern
}

// decide reports whether the set has an opinion on rel (relative to the root) and what it is.
func (s *ruleSet) decide(rel string, isDir bool) (ignored, matched bool) {
	local := rel
	if s.base != "" {
		local = rel[len(s.base)+1:]
	}
	local = s.prefix + local
	base := local[strings.LastIndexByte(local, '/')+1:]
	for i := len(s.patterns) - 1; i >= 0; i-- {
		p := &s.patterns[i]
		if p.match(local, base, isDir) {
			return !p.negate, true
		}
	}
	return false, false
}

func parseRules(data []byte, base, prefix string) *ruleSet {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	s := &ruleSet{base: base, prefix: prefix}
	for line := range strings.Lines(string(data)) {
		if p, ok := parsePattern(strings.TrimSuffix(line, "\n")); ok {
			s.patterns = append(s.patterns, p)
		}
	}
	return s
}

// A rules node holds the ignore sources of one directory; parent links lead to the sources of
// the directories above it, which lower levels override. Nodes are immutable once built and
// shared between all directories below them.
type rules struct {
	parent *rules
	sets   []*ruleSet // in increasing precedence
}

// ignored applies every source from the most specific (deepest, last line) to the least;
// the first that matches decides, which is git's "last match wins" across levels.
func (r *rules) ignored(rel string, isDir bool) bool {
	for n := r; n != nil; n = n.parent {
		for i := len(n.sets) - 1; i >= 0; i-- {
			if ign, ok := n.sets[i].decide(rel, isDir); ok {
				return ign
			}
		}
	}
	return false
}

// ignoreFileNames are read in every directory, in increasing precedence: .raglsignore is the
// user's say about indexing and can re-include what git ignores.
var ignoreFileNames = [...]string{".gitignore", ".raglsignore"}

// isIgnoreFile reports whether a change to rel alters the ignore rules.
func isIgnoreFile(rel string) bool {
	name := path.Base(rel)
	for _, n := range ignoreFileNames {
		if name == n {
			return true
		}
	}
	return rel == ".git/info/exclude"
}

// loadDirRules reads the ignore files of directory dir (absolute) whose path relative to the root
// is rel, and returns the node for it, or parent itself when the directory has none.
func loadDirRules(parent *rules, dir, rel string) *rules {
	var sets []*ruleSet
	for _, name := range ignoreFileNames {
		data, err := os.ReadFile(dir + string(os.PathSeparator) + name)
		if err != nil {
			continue // absent or unreadable: no rules, as git does
		}
		if s := parseRules(data, rel, ""); len(s.patterns) > 0 {
			sets = append(sets, s)
		}
	}
	if len(sets) == 0 {
		return parent
	}
	return &rules{parent: parent, sets: sets}
}
