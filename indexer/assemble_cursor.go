package indexer

import (
	"path"
	"slices"
	"sort"
	"strings"
)

// Offset converts a 1-based line and 1-based byte column to a byte offset in text, clamping
// positions past the end of a line or of the text.
func Offset(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	end := strings.IndexByte(text[off:], '\n')
	if end < 0 {
		end = len(text) - off
	}
	return off + min(max(col-1, 0), end)
}

// current is the file at the cursor, as the editor holds it.
type current struct {
	path    string
	content string
	parsed  *Parsed // non-nil when the buffer differs from the index: a fresh parse of it
	line    int     // the cursor's 1-based line
	// near is the span of lines the model already sees as prefix and suffix; chunks of the
	// current file inside it are never repeated as context.
	nearFrom, nearTo int

	// What the file says of its surroundings, read once per request for every source.
	dir     string            // slash directory of path
	test    bool              // path is a test file
	names   nameRules         // how the file's language spells names
	imports []string          // importHints
	exact   map[string]bool   // relImports
	aliases map[string]string // importAliases

	gen uint64 // the generation of the request's snapshot: every source reads the index at it
}

func (x *Index) current(req ContextRequest, gen uint64) *current {
	x.mu.RLock()
	f := x.fileAtLocked(req.Path, gen)
	x.mu.RUnlock()
	cur := &current{path: req.Path, content: req.Content, gen: gen}
	switch {
	case !req.HasContent && f != nil:
		cur.content = f.content
	case req.HasContent && (f == nil || f.content != req.Content):
		var p Parsed
		if req.Parsed != nil {
			p = *req.Parsed
			p.Defs = slices.Clone(p.Defs) // the caller's stay as they are
		} else {
			p = x.syntax.Parse(req.Path, []byte(req.Content))
		}
		for i := range p.Defs {
			p.Defs[i].Path = req.Path
		}
		cur.parsed = &p
	}
	off := min(max(req.Offset, 0), len(cur.content))
	cur.line = strings.Count(cur.content[:off], "\n") + 1
	// The prompt shows roughly this much of the file around the cursor.
	cur.nearFrom, cur.nearTo = cur.line-60, cur.line+20
	cur.dir, cur.test = path.Dir(cur.path), isTestPath(cur.path)
	cur.names = namesOf(cur.path)
	var imps []Import
	if x.syntax != nil {
		imps = x.syntax.Imports(cur.path, cur.content)
	}
	lang := LangOf(cur.path)
	cur.imports = importHints(lang, imps)
	cur.exact = relImports(lang, imps, cur.dir)
	cur.aliases = importAliases(imps)
	return cur
}

// skipChunk reports whether an index chunk must not be offered: it belongs to the current file
// and either lies near the cursor or is stale because the buffer has changed.
func (x *Index) skipChunkLocked(cur *current, id uint32) bool {
	if !x.liveAtLocked(id, cur.gen) {
		return true
	}
	c := &x.chunks[id]
	if c.file.path != cur.path {
		return false
	}
	if cur.parsed != nil {
		return true
	}
	return c.meta.EndLine >= cur.nearFrom && c.meta.StartLine <= cur.nearTo
}

// lastLines returns the last n lines of s, the last one possibly partial.
func lastLines(s string, n int) string {
	i := len(s)
	for k := 0; k < n; k++ {
		j := strings.LastIndexByte(s[:i], '\n')
		if j < 0 {
			return s
		}
		if k == n-1 {
			return s[j+1:]
		}
		i = j
	}
	return s[i:]
}

// identUse is an identifier near the cursor, with what precedes it.
type identUse struct {
	name      string
	qualifier string // "bytes" in "bytes.NewReader"
	dist      int    // identifiers between it and the cursor; 0 is the closest
}

// nearIdents lists the distinct identifiers of the last lines before the cursor, closest first.
func nearIdents(before string, nr nameRules) []identUse {
	text := lastLines(before, identLinesBefore)
	type occ struct {
		name, qual string
	}
	var all []occ
	nr.scan(text, func(id string, off int) {
		q := ""
		if off > 1 && (text[off-1] == '.' || (off > 2 && text[off-2:off] == "::") || (off > 2 && text[off-2:off] == "->")) {
			end := off - 1
			if text[end] != '.' {
				end = off - 2
			}
			q = nr.last(text[:end])
		}
		all = append(all, occ{id, q})
	})
	seen := map[string]bool{}
	var out []identUse
	for i := len(all) - 1; i >= 0 && len(out) < maxIdents; i-- {
		o := all[i]
		if seen[o.name] || nr.keyword(o.name) {
			continue
		}
		seen[o.name] = true
		out = append(out, identUse{name: o.name, qualifier: o.qual, dist: len(all) - 1 - i})
	}
	return out
}

// enclosingCallee returns the name of the function whose argument list the cursor is in, on
// the cursor's line ("f" in "x := pkg.f(a, b|"), or "".
func enclosingCallee(before string, nr nameRules) string {
	line := before[strings.LastIndexByte(before, '\n')+1:]
	depth := 0
	for i := len(line) - 1; i >= 0; i-- {
		switch line[i] {
		case ')', ']', '}':
			depth++
		case '[', '{':
			depth--
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			return nr.last(strings.TrimRight(line[:i], " \t"))
		}
	}
	return ""
}

// callUses lists the functions called in the lines around the cursor (not on its line), closest
// first: what the code being written is likely to call too.
func callUses(content string, line int, nr nameRules) []identUse {
	type use struct {
		identUse
		d int
	}
	var all []use
	// Only the lines from line-100 to line+50 are read; find where they start.
	first := max(line-100, 1)
	l := first
	window := content[Offset(content, first, 1):Offset(content, line+51, 1)]
	for _, text := range strings.SplitAfter(window, "\n") {
		d := l - line
		if d < 0 {
			d = -d
		} else {
			d = d * 3 / 2
		}
		if l != line && l >= line-100 && l <= line+50 {
			nr.scan(text, func(id string, off int) {
				e := off + len(id)
				for e < len(text) && text[e] == ' ' {
					e++
				}
				if e >= len(text) || text[e] != '(' || nr.keyword(id) {
					return
				}
				q := ""
				if off > 1 && text[off-1] == '.' {
					q = nr.last(text[:off-1])
				}
				all = append(all, use{identUse{name: id, qualifier: q, dist: d}, d})
			})
		}
		l++
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	seen := map[string]bool{}
	var out []identUse
	for _, u := range all {
		if seen[u.name] || len(out) == maxIdents {
			continue
		}
		seen[u.name] = true
		out = append(out, u.identUse)
	}
	return out
}

// nameRules are how a language spells the names the context resolves, where it differs from
// the rules shared by every language (scanIdents, isKeyword): its Dollar and Plain.
type nameRules struct {
	dollar bool            // "$" is an identifier character: $constructor, source$
	free   map[string]bool // words isKeyword drops that are plain identifiers here
}

func namesOf(p string) nameRules {
	l := LanguageOf(p)
	return nameRules{dollar: l.Dollar, free: l.plain}
}

// keyword reports whether s is a keyword, or a word too common to be worth resolving.
func (nr nameRules) keyword(s string) bool { return !nr.free[s] && isKeyword(s) }

// scan calls fn for each identifier of text, as scanIdents does.
func (nr nameRules) scan(text string, fn func(id string, off int)) {
	if !nr.dollar || strings.IndexByte(text, '$') < 0 {
		scanIdents(text, fn)
		return
	}
	// "$" and "_" are one byte each: scanning a copy with one for the other finds the same
	// offsets, and the names are read from the text itself.
	alt := strings.ReplaceAll(text, "$", "_")
	scanIdents(alt, func(id string, off int) { fn(text[off:off+len(id)], off) })
}

// last returns the identifier that ends s, "" if none.
func (nr nameRules) last(s string) string {
	i := len(s)
	for i > 0 && (isIdentPartASCII(s[i-1]) || nr.dollar && s[i-1] == '$') {
		i--
	}
	return s[i:]
}
