package indexer

import (
	"math"
	"slices"
	"strings"
)

// The neighbours source answers for names not yet seen in the buffer: the functions of the same
// package or directory and of the modules the file imports, ranked by how much their names share
// with the words of the code around the cursor (a function being written to parse an expression
// calls the package's other parse and expr functions).

// weightNeighbours weighs the neighbours' signatures in the fusion.
const weightNeighbours = 1.4

// maxNeighbourSigs bounds the signatures the source offers.
const maxNeighbourSigs = 40

// How a neighbour's popularity in the index and its belonging to a type the buffer uses add to
// the words it shares with the code.
const (
	weightPopularity = 0.3
	weightUsedType   = 1.0
)

// maxNeighbourDefs bounds the definitions a request scores, for the latency's sake.
const maxNeighbourDefs = 4000

// maxPopularityDefs is how many definitions are scored by popularity alone.
const maxPopularityDefs = 1500

// neighbourLines is how many lines before the cursor give the words names are matched against.
const neighbourLines = 30

// neighbourSignatures ranks definitions of the current directory and of imported modules.
// known holds the names the scope source already offers.
func (x *Index) neighbourSignatures(cur *current, before string, known, used map[string]bool) ([]scored, []Symbol) {
	// Words of the lines before the cursor, the closer the heavier; and of the enclosing
	// definition's head, which says what the code is for.
	words := map[string]float64{}
	lines := strings.Split(lastLines(before, neighbourLines), "\n")
	lang := LanguageOf(cur.path)
	for i, line := range lines {
		w := 0.4 + 0.6*float64(i+1)/float64(len(lines))
		terms(line, func(t string) {
			if !lang.IsKeyword(t) {
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
	// The types the buffer names bring their files, and their methods, into scope: the receiver's
	// methods and those of the classes the code already uses.
	typeFiles := map[string]bool{}
	for name := range used {
		if name == "" || name[0] < 'A' || name[0] > 'Z' {
			continue
		}
		x.addTypeFilesLocked(name, typeFiles, 3, cur.gen)
	}
	for _, dir := range implicitImports(LangOf(cur.path)) {
		imports[dir] = true
	}
	var top []ranked
	scanned := 0
	var buf [64]byte
	// The files in scope: the current directory's, those the imports name (a directory, or a
	// module file in one), the implicit imports', and those defining the types the buffer uses.
	di := x.dirsLocked()
	var scope []string
	seenDir := map[string]bool{}
	addDir := func(dir string) {
		if !seenDir[dir] {
			seenDir[dir] = true
			scope = append(scope, di.files[dir]...)
		}
	}
	curDir := pathDir(cur.path)
	addDir(curDir)
	for imp := range imports {
		for _, dir := range di.bySuffix[imp] {
			addDir(dir)
		}
		stem := pathBase(imp)
		for _, dir := range di.bySuffix[pathDir(imp)] {
			if seenDir[dir] {
				continue
			}
			for _, p := range di.files[dir] {
				if b := pathBase(p); strings.HasPrefix(b, stem) && (len(b) == len(stem) || b[len(stem)] == '.') {
					scope = append(scope, p)
				}
			}
		}
	}
	for p := range cur.exact {
		scope = append(scope, p)
	}
	for p := range typeFiles {
		scope = append(scope, p)
	}
	slices.Sort(scope)
	scope = slices.Compact(scope)
	for _, p := range scope {
		f := x.fileAtLocked(p, cur.gen)
		if f == nil || p == cur.path || (!cur.test && isTestPath(p)) {
			continue
		}
		if scanned > maxNeighbourDefs {
			break
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
			s /= math.Sqrt(float64(max(parts, 1))) // a long name matching one word says less
			// How often the index mentions the name: what many files call, this one may too.
			// Looked up only for names with another reason to be here, or while the scope is
			// small: the lookups are most of this source's time.
			if len(d.Name) <= len(buf) && (s > 0 || scanned < maxPopularityDefs || typeFiles[p] || used[d.Container]) {
				b := buf[:len(d.Name)]
				for k := 0; k < len(d.Name); k++ {
					c := d.Name[k]
					if c >= 'A' && c <= 'Z' {
						c += 'a' - 'A'
					}
					b[k] = c
				}
				if p, ok := x.lex.lookup(string(b)); ok {
					s += weightPopularity * math.Log(1+float64(len(p.ids)))
				}
			}
			if d.Container != "" && used[d.Container] {
				s += weightUsedType
			}
			if s == 0 {
				continue
			}
			if pathDir(d.Path) == curDir {
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

// addTypeFilesLocked marks the files that define the type name, and those of the classes it
// extends up to depth levels: their methods are the receiver's too.
func (x *Index) addTypeFilesLocked(name string, files map[string]bool, depth int, g uint64) {
	refs := x.symsAtLocked(name, g)
	if len(refs) > 4 {
		return
	}
	for _, r := range refs {
		d := &r.file.defs[r.i]
		switch d.Kind {
		case "class", "struct", "interface", "type", "enum", "trait":
		default:
			continue
		}
		if files[r.file.path] {
			continue
		}
		files[r.file.path] = true
		if depth == 0 {
			continue
		}
		if i := strings.Index(d.Signature, " extends "); i >= 0 {
			if super := firstIdent(d.Signature[i+len(" extends "):]); super != "" && super != name {
				x.addTypeFilesLocked(super, files, depth-1, g)
			}
		}
	}
}

// firstIdent returns the identifier s starts with, "" if none.
func firstIdent(s string) string {
	s = strings.TrimLeft(s, " ")
	i := 0
	for i < len(s) && isIdentPartASCII(s[i]) {
		i++
	}
	return s[:i]
}
