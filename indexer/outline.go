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

// Ranking parameters. A name defined in more files than maxDefsForEdges ("String", "Close")
// says little about which of them a mention means: it adds no edges. Short names are mostly
// locals and parts of longer identifiers.
const (
	maxDefsForEdges = 16
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

// rankSymbols computes the ranking for the index as it is now.
func (x *Index) rankSymbols() ([]RankedSymbol, uint64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	files := make([]*fileEntry, 0, len(x.files))
	for _, f := range x.files {
		files = append(files, f)
	}
	// A fixed order makes float sums, and so the ranking, the same on every run.
	slices.SortFunc(files, func(a, b *fileEntry) int { return strings.Compare(a.path, b.path) })
	num := make(map[*fileEntry]int32, len(files))
	for i, f := range files {
		num[f] = int32(i)
	}
	n := len(files)
	out := make([]map[int32]float64, n) // edges by source file
	seen := make([]int, n)              // name number + 1 that last marked a file
	refs := map[string]int{}
	names, defs := x.syms.sorted()
	for ni, name := range names {
		if len(name) < minNameForEdges {
			continue
		}
		p, ok := x.lex.lookup(lower(name))
		if !ok {
			continue
		}
		var definers []int32
		for _, r := range defs[ni] {
			if i, ok := num[r.file]; ok && !slices.Contains(definers, i) {
				definers = append(definers, i)
			}
		}
		if len(definers) == 0 {
			continue
		}
		for _, i := range definers {
			seen[i] = ni + 1 // a file's own mentions are not references
		}
		w := 1 / float64(len(definers))
		count := 0
		for _, id := range p.ids {
			f := x.chunks[id].file
			if f == nil {
				continue
			}
			src := num[f]
			if seen[src] == ni+1 {
				continue
			}
			seen[src] = ni + 1
			count++
			if len(definers) > maxDefsForEdges {
				continue
			}
			if out[src] == nil {
				out[src] = map[int32]float64{}
			}
			for _, dst := range definers {
				out[src][dst] += w
			}
		}
		refs[name] = count
	}
	pr := pageRank(out, n)
	var syms []RankedSymbol
	for i, f := range files {
		for _, d := range f.defs {
			c := refs[d.Name]
			syms = append(syms, RankedSymbol{Symbol: d, Refs: c, Rank: pr[i] * math.Log(2+float64(c))})
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
	return syms, x.changes
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
