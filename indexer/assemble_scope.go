package indexer

import (
	"math"
	"slices"
	"strings"
)

// The scope source: every name the buffer makes available — identifiers used anywhere above and
// below the cursor, names it imports — resolved through the symbol table and ranked by how
// likely the code being written is to call them next. Its items are signatures with their doc
// line, so that the budget holds dozens of candidates rather than a few bodies.

// sigBase numbers signature items of a request apart from chunk IDs and fresh chunks.
const sigBase = 1 << 30

// weightScope weighs the scope's signatures in the fusion: below definitions of what the cursor
// touches, above lexical neighbours.
const weightScope = 1.6

// maxScopeSigs bounds the signatures the scope source offers; the budget decides how many fit.
const maxScopeSigs = 80

// maxScopeRefs is the most definitions a name may have for the scope to pick one.
const maxScopeRefs = 64

// scopeName is what the buffer says of one identifier.
type scopeName struct {
	name      string
	qualifier string  // the qualifier of its closest occurrence ("strings" in strings.Index)
	count     int     // occurrences
	called    int     // occurrences followed by "("
	dist      float64 // closest occurrence in lines; below the cursor counts 1.5 times as far
	above     bool    // occurs before the cursor
	imported  bool    // occurs on an import line
}

// scopeNames gathers the identifiers of the whole buffer but the cursor's line, with their
// counts and closest distance to the cursor.
func scopeNames(content string, line int, aliases map[string]string, nr nameRules) []*scopeName {
	byName := map[string]*scopeName{}
	var order []*scopeName
	l := 1
	start := 0
	for start <= len(content) {
		end := strings.IndexByte(content[start:], '\n')
		if end < 0 {
			end = len(content)
		} else {
			end += start
		}
		text := content[start:end]
		if l != line && len(text) < 1000 {
			t := strings.TrimSpace(text)
			imp := strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "from ") || strings.HasPrefix(t, "use ") ||
				strings.HasPrefix(t, "#include") || strings.Contains(t, "require(") ||
				(strings.HasPrefix(t, "\"") && l < 200) // Go's import block lines
			comment := strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "#include") || strings.HasPrefix(t, "*") || strings.HasPrefix(t, "/*")
			d := float64(line - l)
			if d < 0 {
				d = -1.5 * d
			}
			if !comment {
				nr.scan(text, func(id string, off int) {
					if len(id) < 2 || nr.keyword(id) {
						return
					}
					q := ""
					if off > 1 && text[off-1] == '.' {
						q = nr.last(text[:off-1])
					} else if off > 2 && (text[off-2:off] == "::" || text[off-2:off] == "->") {
						q = nr.last(text[:off-2])
					}
					if o, ok := aliases[q]; ok {
						q = o
					}
					name := id
					if o, ok := aliases[id]; ok && q == "" {
						name = o
					}
					s := byName[name]
					if s == nil {
						s = &scopeName{name: name, dist: math.Inf(1)}
						byName[name] = s
						order = append(order, s)
					}
					s.count++
					e := off + len(id)
					for e < len(text) && text[e] == ' ' {
						e++
					}
					if e < len(text) && (text[e] == '(' || text[e] == '<' || text[e] == '!') {
						s.called++
					}
					if d < s.dist {
						s.dist, s.qualifier = d, q
					}
					if l < line {
						s.above = true
					}
					if imp {
						s.imported = true
					}
				})
			}
		}
		l++
		start = end + 1
	}
	return order
}

// scopeSignatures resolves the buffer's names to definitions in other files (and in the current
// file away from the cursor) and ranks them as signature items.
func (x *Index) scopeSignatures(cur *current, used map[string]bool) ([]scored, []Symbol) {
	names := scopeNames(cur.content, cur.line, cur.aliases, cur.names)
	for _, n := range names {
		used[n.name] = true
	}
	nearby := map[string]bool{}
	for _, n := range names {
		if n.dist < 30 {
			nearby[n.name] = true
		}
	}
	// Names the buffer defines itself are in the prompt or in the fresh parse.
	local := map[string]bool{}
	if cur.parsed != nil {
		for _, d := range cur.parsed.Defs {
			local[d.Name] = true
		}
	}
	type cand struct {
		d     Symbol
		score float64
	}
	var cands []cand
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, n := range names {
		if local[n.name] {
			continue
		}
		refs := x.symsAtLocked(n.name, cur.gen)
		if len(refs) == 0 || len(refs) > maxScopeRefs {
			continue // unknown, or a name like "get" that no file alone can resolve
		}
		u := identUse{name: n.name, qualifier: n.qualifier}
		best, bestScore := -1, math.Inf(-1)
		for i, ref := range refs {
			d := &ref.file.defs[ref.i]
			if !callable(d.Kind) || d.Signature == "" {
				continue
			}
			if ref.file.path == cur.path {
				continue // the current file's own definitions come from its parse or its chunks
			}
			if sc := x.plausibility(d, u, cur, nearby); sc > bestScore {
				best, bestScore = i, sc
			}
		}
		if best < 0 {
			continue
		}
		// A name with many definitions needs a reason to pick this one: its directory, an
		// import or a qualifier.
		if bestScore < 2 && len(refs) > 3 {
			continue
		}
		s := bestScore
		s += 1.5 * math.Log2(1+float64(n.called))
		s += 0.5 * math.Log2(1+float64(n.count))
		s += 3 / (1 + n.dist/15)
		if n.imported {
			s += 2
		}
		if !n.above {
			s -= 0.5
		}
		if n.called == 0 && !n.imported {
			s -= 2 // a name only read or assigned is seldom what gets called next
		}
		ref := refs[best]
		cands = append(cands, cand{ref.file.defs[ref.i], s})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.d.Path, b.d.Path)
	})
	if len(cands) > maxScopeSigs {
		cands = cands[:maxScopeSigs]
	}
	out := make([]scored, len(cands))
	syms := make([]Symbol, len(cands))
	for i, c := range cands {
		out[i] = scored{id: sigBase + uint32(i), score: c.score}
		syms[i] = c.d
	}
	return out, syms
}

// callable reports the kinds of definition a call can reach: functions, methods, and the types
// and classes whose names construct values.
func callable(kind string) bool {
	switch kind {
	case "function", "method", "class", "struct", "type", "macro", "interface", "enum", "trait":
		return true
	}
	return false
}

// signatureChunk renders a definition as its doc line and signature, located at the name's line.
func signatureChunk(d Symbol) Chunk {
	text := d.Signature
	if doc := firstLine(d.Doc); doc != "" {
		text = commentPrefix(LangOf(d.Path)) + doc + "\n" + text
	}
	return Chunk{Path: d.Path, StartLine: d.Line, EndLine: d.Line, Kind: "signature", Symbol: d.Name, Text: text}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160]
	}
	return s
}

// defOfChunkLocked returns the definition a chunk of the index belongs to, for packing it as a
// signature.
func (x *Index) defOfChunkLocked(id uint32) (Symbol, bool) {
	c := &x.chunks[id]
	if c.file == nil || c.meta.Symbol == "" {
		return Symbol{}, false
	}
	for _, d := range c.file.defs {
		if d.Name == c.meta.Symbol && d.StartLine <= c.meta.EndLine && c.meta.StartLine <= d.EndLine && d.Signature != "" {
			return d, true
		}
	}
	return Symbol{}, false
}
