package indexer

import (
	"math"
	"slices"
	"strings"
)

// The similar-calls source answers for names not yet seen in the buffer from the repository's
// own code: the chunks most like the lines before the cursor (the lexical source's ranking) are
// code doing what the user is writing, and the functions they call are what the user is about
// to call. Each called name, weighed by how many similar chunks call it and how similar they
// are, is resolved through the symbol table to its definition.

// weightSimilarCalls weighs the definitions similar code calls in the fusion: just above the
// neighbours (on the evaluation's not-named calls it finds about twice as many in every
// language), below the names of the buffer itself.
const weightSimilarCalls = 1.5

// How many of the similar chunks are read, how many called names are looked at, and how many
// definitions are offered.
const (
	maxSimilarChunks = 12
	maxSimilarNames  = 48
	maxSimilarCalls  = 16
)

// similarCalls resolves the functions that the chunks of lex (best first) call and that the
// buffer does not name, to the chunks defining them, best first.
func (x *Index) similarCalls(cur *current, lex []scored) []scored {
	if len(lex) == 0 {
		return nil
	}
	type callee struct {
		name, qualifier string
		score, best     float64 // summed, and of the best chunk calling it
		first           int     // order of first sight, for a stable ranking
	}
	byName := map[string]*callee{}
	var order []*callee
	x.mu.RLock()
	defer x.mu.RUnlock()
	top := lex[0].score
	for r, h := range lex[:min(len(lex), maxSimilarChunks)] {
		if !x.liveAtLocked(h.id, cur.gen) || top <= 0 {
			continue
		}
		// A chunk's similarity, relative to the best, decides how much its calls count; each
		// name counts once per chunk.
		w := h.score / top / math.Sqrt(float64(r+1))
		text := x.textLocked(h.id)
		// The chunk's own definition is no call of it.
		seen := map[string]bool{x.chunks[h.id].meta.Symbol: true}
		cur.names.scan(text, func(id string, off int) {
			e := off + len(id)
			for e < len(text) && text[e] == ' ' {
				e++
			}
			if e >= len(text) || text[e] != '(' || len(id) < 3 || cur.names.keyword(id) || seen[id] {
				return
			}
			if isDeclaration(text, off) || off > 0 && text[off-1] == '@' {
				return // a declaration, or an annotation
			}
			seen[id] = true
			q := ""
			if off > 1 && text[off-1] == '.' {
				q = cur.names.last(text[:off-1])
			} else if off > 2 && (text[off-2:off] == "::" || text[off-2:off] == "->") {
				q = cur.names.last(text[:off-2])
			}
			c := byName[id]
			if c == nil {
				c = &callee{name: id, first: len(order)}
				byName[id] = c
				order = append(order, c)
			}
			c.score += w
			if w > c.best {
				c.best, c.qualifier = w, q
			}
		})
	}
	slices.SortStableFunc(order, func(a, b *callee) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.first - b.first
	})
	var out []scored
	seen := map[uint32]bool{}
	for i, c := range order {
		if len(out) == maxSimilarCalls || i == maxSimilarNames {
			break
		}
		// A name the buffer holds is the scope source's to rank.
		if strings.Contains(cur.content, c.name) {
			continue
		}
		refs := x.symsAtLocked(c.name, cur.gen)
		if len(refs) == 0 || len(refs) > maxScopeRefs {
			continue
		}
		u := identUse{name: c.name, qualifier: c.qualifier}
		bestID, best := uint32(0), math.Inf(-1)
		for _, ref := range refs {
			d := &ref.file.defs[ref.i]
			if !similarCallable(d.Kind) || ref.file.path == cur.path || (!cur.test && isTestPath(ref.file.path)) {
				continue
			}
			id, ok := x.defChunkLocked(ref)
			if !ok {
				continue
			}
			if sc := x.plausibility(d, u, cur, nil); sc > best {
				bestID, best = id, sc
			}
		}
		// A name with many definitions needs a reason to pick one, as in the scope source.
		if math.IsInf(best, -1) || (best < 2 && len(refs) > 3) || seen[bestID] {
			continue
		}
		seen[bestID] = true
		out = append(out, scored{id: bestID, score: c.score})
	}
	return out
}

// isDeclaration reports whether the identifier at off in text is being declared rather than
// called: "func name(", "def name(", "int name(", "static Foo name(": a word before the name
// that is not one of the words a call follows ("return f(", "new Foo(", "if f(").
func isDeclaration(text string, off int) bool {
	prev := strings.TrimRight(text[:off], " \t")
	if len(prev) == len(text[:off]) {
		return false // no space before the name: "(f(", "x.f(", "=f("
	}
	w := lastIdentOf(prev)
	return w != "" && !callWords[w]
}

// callWords are the words after which "name(" is a call.
var callWords = map[string]bool{
	"return": true, "new": true, "else": true, "case": true, "throw": true, "await": true,
	"yield": true, "in": true, "do": true, "not": true, "and": true, "or": true, "delete": true,
	"if": true, "elif": true, "while": true, "assert": true, "raise": true, "del": true,
	"go": true, "defer": true, "range": true, "typeof": true, "sizeof": true, "co_await": true,
	"co_return": true, "lambda": true, "print": true, "echo": true, "until": true, "unless": true,
}

// similarCallable reports the kinds of definition the source offers: functions, not the types
// whose constructors similar code calls, which the buffer's own names bring in when they matter.
func similarCallable(kind string) bool {
	return kind == "function" || kind == "method" || kind == "macro"
}

func lastIdentOf(s string) string {
	i := len(s)
	for i > 0 && isIdentPartASCII(s[i-1]) {
		i--
	}
	return s[i:]
}
