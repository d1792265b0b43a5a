package indexer

import (
	"math"
	"path"
	"slices"
	"strings"
)

// The neighbours source answers for names not yet seen in the buffer: the functions of the same
// package or directory and of the modules the file imports, ranked by how much their names share
// with the words of the code around the cursor (a function being written to parse an expression
// calls the package's other parse and expr functions).

// weightNeighbours weighs the neighbours' signatures in the fusion.
const weightNeighbours = 1.0

// maxNeighbourSigs bounds the signatures the source offers.
const maxNeighbourSigs = 40

// maxNeighbourDefs bounds the definitions a request scores, for the latency's sake.
const maxNeighbourDefs = 20000

// neighbourLines is how many lines before the cursor give the words names are matched against.
const neighbourLines = 30

// neighbourSignatures ranks definitions of the current directory and of imported modules.
// known holds the names the scope source already offers.
func (x *Index) neighbourSignatures(cur *current, before string, known map[string]bool) ([]scored, []Symbol) {
	// Words of the lines before the cursor, the closer the heavier; and of the enclosing
	// definition's head, which says what the code is for.
	words := map[string]float64{}
	lines := strings.Split(lastLines(before, neighbourLines), "\n")
	for i, line := range lines {
		w := 0.4 + 0.6*float64(i+1)/float64(len(lines))
		terms(line, func(t string) {
			if !isKeyword(t) {
				words[t] = max(words[t], w)
			}
		})
	}
	if len(words) == 0 {
		return nil, nil
	}
	imports := map[string]bool{}
	for _, imp := range cur.imports {
		imports[imp] = true
	}
	// inScope reports whether a file's directory or module is the current one or imported.
	dirOK := map[string]bool{}
	inScope := func(p string) bool {
		if cur.exact[p] {
			return true
		}
		dir := pathDir(p)
		if ok, seen := dirOK[dir]; seen {
			if ok {
				return true
			}
		} else {
			ok := dir == cur.dir
			for d := dir; !ok && d != ""; {
				ok = imports[d]
				i := strings.IndexByte(d, '/')
				if i < 0 {
					break
				}
				d = d[i+1:]
			}
			dirOK[dir] = ok
			if ok {
				return true
			}
		}
		mod := strings.TrimSuffix(p, path.Ext(p))
		for m := mod; m != ""; {
			if imports[m] {
				return true
			}
			i := strings.IndexByte(m, '/')
			if i < 0 {
				break
			}
			m = m[i+1:]
		}
		return false
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	// A word's weight is its closeness times its rarity in the index.
	n := float64(max(x.lex.live, 1))
	for t, w := range words {
		df := 1.0
		if p, ok := x.lex.lookup(t); ok {
			df += float64(len(p.ids))
		}
		words[t] = w * math.Log(1+n/df)
	}
	type ranked struct {
		d     *Symbol
		score float64
	}
	var top []ranked
	scanned := 0
	var buf [64]byte
	for p, f := range x.files {
		if scanned > maxNeighbourDefs {
			break
		}
		if p == cur.path || (isTestPath(p) && !cur.test) || !inScope(p) {
			continue
		}
		for i := range f.defs {
			d := &f.defs[i]
			if !callable(d.Kind) || d.Signature == "" || known[d.Name] || len(d.Name) < 2 {
				continue
			}
			scanned++
			s, parts := 0.0, 0
			splitIdent(d.Name, func(part string) {
				if len(part) < minTermLen || len(part) > len(buf) {
					return
				}
				parts++
				b := buf[:len(part)]
				for k := 0; k < len(part); k++ {
					c := part[k]
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					b[k] = c
				}
				s += words[string(b)]
			})
			if s == 0 {
				continue
			}
			s /= math.Sqrt(float64(max(parts, 1))) // a long name matching one word says less
			if pathDir(d.Path) == cur.dir {
				s *= 1.2
			}
			top = append(top, ranked{d, s})
		}
	}
	slices.SortFunc(top, func(a, b ranked) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		if a.d.Path != b.d.Path {
			return strings.Compare(a.d.Path, b.d.Path)
		}
		return a.d.Line - b.d.Line
	})
	if len(top) > maxNeighbourSigs {
		top = top[:maxNeighbourSigs]
	}
	out := make([]scored, len(top))
	syms := make([]Symbol, len(top))
	for i, r := range top {
		out[i] = scored{score: r.score}
		syms[i] = *r.d
	}
	return out, syms
}
