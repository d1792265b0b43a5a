package indexer

import (
	"iter"
	"math"
	"slices"
	"strings"
	"sync"
)

// A RankedSymbol is a definition with its weight in the repository map.
type RankedSymbol struct {
	Symbol
	Rank float64 // higher is more central; comparable within one RepoMap only
	Refs int     // files, other than its own, that mention the name
}

// RepoMap ranks the definitions of an index by how much the rest of the repository leans on
// them, as aider's repository map does: files are the nodes of a graph with an edge from each
// file to the files defining a name it mentions, PageRank over that graph weighs the files, and
// a definition's rank is its file's weight times how widely its name is used. The ranking is
// computed on first use and again after the index changes; it is safe for concurrent use.
type RepoMap struct {
	x *Index

	mu    sync.Mutex
	at    uint64 // x.changes the ranking was computed for
	valid bool
	syms  []RankedSymbol // every definition, best first
}

// NewRepoMap returns a repository map over x.
func NewRepoMap(x *Index) *RepoMap { return &RepoMap{x: x} }

// Ranking parameters, after aider's. A name defined in more than maxDefsForEdges files
// ("String", "Close") says little about which of them a use means: it adds no edges, and one
// defined in more than fewDefs files counts a tenth. Long compound names ("parseConfigFile")
// are specific, so a use of one counts ten times; private names ("_helper") a tenth, and
// one-word lower-case names, which are mostly other files' locals, a fifth.
const (
	maxDefsForEdges = 16
	fewDefs         = 5
	minNameForEdges = 3
	pageRankDamping = 0.85
	pageRankRounds  = 30
)

// Symbols yields the definitions of the files for which keep is true (nil keeps all), best
// first, without copying the ranking.
func (m *RepoMap) Symbols(keep func(path string) bool) iter.Seq[RankedSymbol] {
	all := m.ranked()
	return func(yield func(RankedSymbol) bool) {
		for i := range all {
			if (keep == nil || keep(all[i].Path)) && !yield(all[i]) {
				return
			}
		}
	}
}

func (m *RepoMap) ranked() []RankedSymbol {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.x.mu.RLock()
	changes := m.x.changes
	m.x.mu.RUnlock()
	if m.valid && m.at == changes {
		return m.syms
	}
	m.syms, m.at = m.x.rankSymbols()
	m.valid = true
	return m.syms
}

// rankSymbols computes the ranking for the index as it is now. It reads the files outside the
// index's lock (their contents and definitions never change once indexed), so that a large
// repository's map does not hold up indexing.
func (x *Index) rankSymbols() ([]RankedSymbol, uint64) {
	x.mu.RLock()
	changes := x.changes
	files := make([]*fileEntry, 0, len(x.files))
	for _, f := range x.files {
		files = append(files, f)
	}
	x.mu.RUnlock()
	// A fixed order makes float sums, and so the ranking, the same on every run.
	slices.SortFunc(files, func(a, b *fileEntry) int { return strings.Compare(a.path, b.path) })

	// The names defined in the repository, each with the files defining it.
	type name struct {
		definers []int32 // every file defining it
		top      []int32 // the files defining it outside a type or class
		weight   float64 // of one use, before the count of uses
		refs     int     // files other than its definers that use it
	}
	names := map[string]int32{}
	var info []name
	for i, f := range files {
		for _, d := range f.defs {
			id, ok := names[d.Name]
			if !ok {
				id = int32(len(info))
				names[d.Name] = id
				info = append(info, name{})
			}
			n := &info[id]
			if k := len(n.definers); k == 0 || n.definers[k-1] != int32(i) {
				n.definers = append(n.definers, int32(i))
			}
			if k := len(n.top); d.Container == "" && (k == 0 || n.top[k-1] != int32(i)) {
				n.top = append(n.top, int32(i))
			}
		}
	}
	for nm, id := range names {
		info[id].weight = nameWeight(nm, len(info[id].definers))
	}

	// Each file's uses of those names, exact and case-sensitive, counted. A name after a dot
	// (x.name, x->name, X::name) may be a member, a method or a package's export; a bare name
	// can only be a top-level definition; a lower-case name before a dot is a package or a
	// variable ("context" of context.Context), not a use of a definition.
	type use struct {
		key   int32 // name number << 1 | 1 after a dot
		count int32
	}
	targets := func(u use) []int32 {
		if u.key&1 == 1 {
			return info[u.key>>1].definers
		}
		return info[u.key>>1].top
	}
	uses := make([][]use, len(files))
	last := make([]int32, 2*len(info)) // file number + 1 that last used the key
	slot := make([]int32, 2*len(info)) // where in that file's uses
	for i, f := range files {
		var us []use
		text := f.content
		scanIdents(text, func(ident string, off int) {
			id, ok := names[ident]
			if !ok {
				return
			}
			sel := off > 0 && text[off-1] == '.' || off > 1 && (text[off-2:off] == "->" || text[off-2:off] == "::")
			if end := off + len(ident); !sel && end < len(text) && text[end] == '.' && ident[0] >= 'a' && ident[0] <= 'z' {
				return
			}
			key := id << 1
			if sel {
				key |= 1
			}
			if last[key] == int32(i)+1 {
				us[slot[key]].count++
				return
			}
			last[key], slot[key] = int32(i)+1, int32(len(us))
			us = append(us, use{key, 1})
		})
		// A file's uses of its own names are not references.
		us = slices.DeleteFunc(us, func(u use) bool {
			return slices.Contains(info[u.key>>1].definers, int32(i)) || len(targets(u)) == 0
		})
		for j, u := range us {
			// A name used both ways counts once.
			if u.key&1 == 0 || !slices.ContainsFunc(us[:j], func(v use) bool { return v.key == u.key&^1 }) {
				info[u.key>>1].refs++
			}
		}
		uses[i] = us
	}

	// The file graph: an edge from each file to the definers of each name it uses.
	edgeWeight := func(u use) float64 {
		n := &info[u.key>>1]
		if n.weight == 0 {
			return 0
		}
		return n.weight * math.Sqrt(float64(u.count)) / float64(len(targets(u)))
	}
	out := make([]map[int32]float64, len(files))
	for i, us := range uses {
		for _, u := range us {
			w := edgeWeight(u)
			if w == 0 {
				continue
			}
			if out[i] == nil {
				out[i] = map[int32]float64{}
			}
			for _, dst := range targets(u) {
				out[i][dst] += w
			}
		}
	}
	pr := pageRank(out, len(files))

	// A definition's rank is the weight flowing to it: each file's rank shared among the names
	// it uses, as aider ranks its map. Names nobody uses keep a trace of their file's rank, so
	// that they still come in a sensible order.
	type key struct {
		file int32
		name int32
	}
	rank := map[key]float64{}
	for i, us := range uses {
		total := 0.0
		for _, w := range out[i] {
			total += w
		}
		if total == 0 {
			continue
		}
		for _, u := range us {
			w := edgeWeight(u)
			if w == 0 {
				continue
			}
			for _, dst := range targets(u) {
				rank[key{dst, u.key >> 1}] += pr[i] * w / total
			}
		}
	}
	var syms []RankedSymbol
	for i, f := range files {
		for _, d := range f.defs {
			id := names[d.Name]
			r := rank[key{int32(i), id}] + 1e-3*pr[i]
			if isTestPath(f.path) {
				r *= 0.5 // a map is read to learn the code, not its tests
			}
			syms = append(syms, RankedSymbol{Symbol: d, Refs: info[id].refs, Rank: r})
		}
	}
	slices.SortStableFunc(syms, func(a, b RankedSymbol) int {
		switch {
		case a.Rank > b.Rank:
			return -1
		case a.Rank < b.Rank:
			return 1
		case a.Path != b.Path:
			return strings.Compare(a.Path, b.Path)
		}
		return a.Line - b.Line
	})
	return syms, changes
}

// nameWeight is how much one use of a name says about the file defining it.
func nameWeight(name string, definers int) float64 {
	if len(name) < minNameForEdges || definers > maxDefsForEdges {
		return 0
	}
	w := 1.0
	if len(name) >= 8 && compound(name) {
		w *= 10
	}
	if strings.HasPrefix(name, "_") {
		w *= 0.1
	}
	if name[0] >= 'a' && name[0] <= 'z' && !compound(name) {
		w *= 0.2 // "text", "root", "client": mostly the locals and parameters of other files
	}
	if definers > fewDefs {
		w *= 0.1
	}
	return w
}

// compound reports whether an identifier joins words: camelCase or snake_case.
func compound(s string) bool {
	lowerSeen, upperAfterLower := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' && i > 0 && i < len(s)-1:
			return true
		case c >= 'a' && c <= 'z':
			lowerSeen = true
		case c >= 'A' && c <= 'Z' && lowerSeen:
			upperAfterLower = true
		}
	}
	return upperAfterLower
}

// pageRank runs the power iteration over weighted edges; a file with no edges out spreads its
// weight evenly, as a reader who follows no reference starts anywhere.
func pageRank(out []map[int32]float64, n int) []float64 {
	if n == 0 {
		return nil
	}
	total := make([]float64, n)
	for i, es := range out {
		for _, w := range es {
			total[i] += w
		}
	}
	// Iterate the edges in a fixed order, for reproducible sums.
	type edge struct {
		dst int32
		w   float64
	}
	sorted := make([][]edge, n)
	for i, es := range out {
		for dst, w := range es {
			sorted[i] = append(sorted[i], edge{dst, w / total[i]})
		}
		slices.SortFunc(sorted[i], func(a, b edge) int { return int(a.dst - b.dst) })
	}
	pr := make([]float64, n)
	next := make([]float64, n)
	for i := range pr {
		pr[i] = 1 / float64(n)
	}
	for range pageRankRounds {
		dangling := 0.0
		for i := range next {
			next[i] = 0
		}
		for i, es := range sorted {
			if len(es) == 0 {
				dangling += pr[i]
				continue
			}
			for _, e := range es {
				next[e.dst] += pr[i] * e.w
			}
		}
		base := (1-pageRankDamping)/float64(n) + pageRankDamping*dangling/float64(n)
		for i := range next {
			next[i] = base + pageRankDamping*next[i]
		}
		pr, next = next, pr
	}
	return pr
}
