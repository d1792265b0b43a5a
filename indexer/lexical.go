package indexer

import (
	"math"
	"slices"
	"strings"
)

// BM25 parameters: the usual defaults, which also hold up for code chunks of 20-60 lines.
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

// maxScan bounds the postings one query reads (about a millisecond's worth), so that a query
// made of twenty lines of code costs the same on a small repository and on a huge one.
const maxScan = 150_000

// lexical is a BM25 index over the terms of chunks, keyed by chunk ID. It is not safe for
// concurrent use; the Index guards it.
//
// Removal only zeroes a chunk's length: its postings stay until compact drops them, so that
// re-indexing one file costs time proportional to that file, not to the index.
type lexical struct {
	// A loaded index looks terms up by binary search in dict, which costs nothing to load;
	// the first change builds the table terms from it. Exactly one of the two is in use.
	terms    *termTable // term number -> index into lists
	dict     []string   // sorted terms, dict[i] -> lists[i]; nil once terms is built
	lists    []postings
	docLen   []uint32 // by chunk ID; 0 marks a removed (or empty) chunk
	live     int      // chunks with docLen > 0
	totalLen uint64   // sum of docLen
	dead     int      // postings that point at removed chunks
	postings int      // all postings, live or dead
}

type postings struct {
	ids []uint32 // ascending chunk IDs
	tfs []uint16 // term frequency, saturated at 65535
}

// termCount is one term of a chunk with its frequency, computed outside the index lock.
type termCount struct {
	term string
	tf   uint16
}

// countTerms tokenizes text into terms with their frequencies.
func countTerms(text string, scratch map[string]int) []termCount {
	clear(scratch)
	terms(text, func(t string) { scratch[t]++ })
	out := make([]termCount, 0, len(scratch))
	for t, n := range scratch {
		out = append(out, termCount{term: t, tf: uint16(min(n, math.MaxUint16))})
	}
	return out
}

func newLexical() *lexical {
	return &lexical{terms: newTermTable(0)}
}

// lookup finds the postings of a term.
func (l *lexical) lookup(term string) (*postings, bool) {
	if l.terms != nil {
		li, ok := l.terms.get(term)
		if !ok {
			return nil, false
		}
		return &l.lists[li], true
	}
	i, ok := slices.BinarySearch(l.dict, term)
	if !ok {
		return nil, false
	}
	return &l.lists[i], true
}

// numTerms is the size of the vocabulary.
func (l *lexical) numTerms() int {
	if l.terms != nil {
		return l.terms.len()
	}
	return len(l.dict)
}

// mutable turns a loaded dictionary into the map that changes need.
func (l *lexical) mutable() {
	if l.terms != nil {
		return
	}
	// A loaded index's arrays live in a read-only mapping: copy what is written in place.
	// (Posting lists are only appended to, and their capacity equals their length, so
	// appending copies them.)
	l.docLen = slices.Clone(l.docLen)
	l.terms = newTermTable(len(l.dict))
	for _, t := range l.dict {
		l.terms.add(t) // numbered in order: term i is dict[i]
	}
	l.dict = nil
}

// sortedTerms returns the vocabulary in order, each with its postings.
func (l *lexical) sortedTerms() ([]string, []*postings) {
	if l.terms == nil {
		ps := make([]*postings, len(l.dict))
		for i := range l.dict {
			ps[i] = &l.lists[i]
		}
		return l.dict, ps
	}
	order := make([]int32, l.terms.len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(l.terms.term(a), l.terms.term(b)) })
	ts := make([]string, len(order))
	ps := make([]*postings, len(order))
	for i, li := range order {
		ts[i], ps[i] = l.terms.term(li), &l.lists[li]
	}
	return ts, ps
}

// add indexes chunk id with its term counts. IDs must be added in ascending order.
func (l *lexical) add(id uint32, tcs []termCount) {
	l.mutable()
	for int(id) >= len(l.docLen) {
		l.docLen = append(l.docLen, 0)
	}
	var n uint32
	for _, tc := range tcs {
		li, ok := l.terms.get(tc.term)
		if !ok {
			li = l.terms.add(tc.term) // a copy: the term may be part of a file's content
			l.lists = append(l.lists, postings{})
		}
		p := &l.lists[li]
		p.ids = append(p.ids, id)
		p.tfs = append(p.tfs, tc.tf)
		n += uint32(tc.tf)
	}
	l.postings += len(tcs)
	if n == 0 {
		return
	}
	l.docLen[id] = n
	l.live++
	l.totalLen += uint64(n)
}

// remove forgets chunk id; nterms is the number of distinct terms it was added with.
func (l *lexical) remove(id uint32, nterms int) {
	l.mutable()
	if int(id) >= len(l.docLen) {
		return
	}
	l.dead += nterms
	if n := l.docLen[id]; n > 0 {
		l.live--
		l.totalLen -= uint64(n)
		l.docLen[id] = 0
	}
}

// needsCompaction reports whether dead postings have grown enough to be worth dropping.
func (l *lexical) needsCompaction() bool {
	return l.dead > 100_000 && l.dead*3 > l.postings
}

// remap rewrites the index for new chunk IDs: newID[old] is the new ID, or -1 for a chunk that
// is gone. Lists stay sorted because remapping preserves the order of the IDs kept.
func (l *lexical) remap(newID []int32, n int) {
	l.mutable()
	docLen := make([]uint32, n)
	for old, nid := range newID {
		if nid >= 0 && old < len(l.docLen) {
			docLen[nid] = l.docLen[old]
		}
	}
	// Rebuild the term table densely, without the terms whose lists emptied.
	total := 0
	terms := newTermTable(l.terms.len())
	lists := make([]postings, 0, len(l.lists))
	for li := range l.lists {
		p := &l.lists[li]
		ids, tfs := p.ids[:0:0], p.tfs[:0:0]
		for i, id := range p.ids {
			if int(id) < len(newID) && newID[id] >= 0 && docLen[newID[id]] > 0 {
				ids = append(ids, uint32(newID[id]))
				tfs = append(tfs, p.tfs[i])
			}
		}
		if len(ids) == 0 {
			continue
		}
		terms.add(l.terms.term(int32(li)))
		lists = append(lists, postings{ids: ids, tfs: tfs})
		total += len(ids)
	}
	l.terms = terms
	l.lists = lists
	l.docLen = docLen
	l.postings = total
	l.dead = 0
}

// scored is a chunk ID with a relevance score.
type scored struct {
	id    uint32
	score float64
}

// lexQuery is a weighted bag of query terms.
type lexQuery map[string]float64

// search scores every chunk containing a query term and returns the k best for which keep
// (if not nil) is true, best first. acc is scratch space reused across calls.
func (l *lexical) search(q lexQuery, k int, keep func(id uint32) bool, acc *accumulator) []scored {
	if l.live == 0 || k <= 0 {
		return nil
	}
	n := float64(l.live)
	avg := float64(l.totalLen) / n
	acc.reset(len(l.docLen))
	type qterm struct {
		term string
		p    *postings
	}
	var qs []qterm
	for t := range q {
		if p, ok := l.lookup(t); ok {
			qs = append(qs, qterm{t, p})
		}
	}
	// Rarest terms first (ties by term, so that float sums and the rankings they decide are the
	// same on every run); once maxScan postings have been read the commonest terms are left
	// out: they cost the most and, with the lowest IDF, move the ranking least.
	slices.SortFunc(qs, func(a, b qterm) int {
		if d := len(a.p.ids) - len(b.p.ids); d != 0 {
			return d
		}
		return strings.Compare(a.term, b.term)
	})
	scanned := 0
	for _, qt := range qs {
		p, w := qt.p, q[qt.term]
		df := float64(len(p.ids))
		// Terms in more than half the chunks ("err", "return") carry almost no signal but
		// dominate the cost; BM25 gives them a near-zero weight anyway.
		if df > n/2 && len(q) > 1 {
			continue
		}
		if scanned > maxScan && scanned+len(p.ids) > 2*maxScan {
			break
		}
		scanned += len(p.ids)
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i, id := range p.ids {
			dl := float64(l.docLen[id])
			if dl == 0 {
				continue
			}
			tf := float64(p.tfs[i])
			acc.add(id, w*idf*tf*(bm25K1+1)/(tf+bm25K1*(1-bm25B+bm25B*dl/avg)))
		}
	}
	return acc.top(k, keep)
}

// accumulator collects scores for a query in a dense array indexed by chunk ID, remembering
// which entries it touched so that clearing costs only what the query cost.
type accumulator struct {
	score   []float64
	touched []uint32
}

func (a *accumulator) reset(n int) {
	for _, id := range a.touched {
		if int(id) < len(a.score) {
			a.score[id] = 0
		}
	}
	a.touched = a.touched[:0]
	if cap(a.score) < n {
		a.score = make([]float64, n)
	}
	a.score = a.score[:n]
}

func (a *accumulator) add(id uint32, s float64) {
	if a.score[id] == 0 {
		a.touched = append(a.touched, id)
	}
	a.score[id] += s
}

func (a *accumulator) top(k int, keep func(uint32) bool) []scored {
	var h topK
	h.k = k
	for _, id := range a.touched {
		s := a.score[id]
		// Check the score before keep: keep may be costly, and most chunks touched by a
		// query never make the top k.
		if s <= 0 || (len(h.h) == k && s < h.h[0].score) || (keep != nil && !keep(id)) {
			continue
		}
		h.push(scored{id, s})
	}
	return h.sorted()
}

// topK keeps the k highest-scoring entries in a min-heap.
type topK struct {
	k int
	h []scored
}

func (t *topK) less(i, j int) bool {
	if t.h[i].score != t.h[j].score {
		return t.h[i].score < t.h[j].score
	}
	return t.h[i].id > t.h[j].id // deterministic: lower ID ranks higher on ties
}

func (t *topK) push(s scored) {
	if len(t.h) < t.k {
		t.h = append(t.h, s)
		for i := len(t.h) - 1; i > 0; {
			p := (i - 1) / 2
			if !t.less(i, p) {
				break
			}
			t.h[i], t.h[p] = t.h[p], t.h[i]
			i = p
		}
		return
	}
	t.h = append(t.h, s)
	last := len(t.h) - 1
	if !t.less(0, last) {
		t.h = t.h[:last]
		return
	}
	t.h[0] = t.h[last]
	t.h = t.h[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(t.h) && t.less(l, m) {
			m = l
		}
		if r < len(t.h) && t.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		t.h[i], t.h[m] = t.h[m], t.h[i]
		i = m
	}
}

// sorted returns the entries best first.
func (t *topK) sorted() []scored {
	out := make([]scored, len(t.h))
	copy(out, t.h)
	sortScored(out)
	return out
}

func sortScored(s []scored) {
	// Insertion sort: k is small (tens).
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && (s[j].score > s[j-1].score || (s[j].score == s[j-1].score && s[j].id < s[j-1].id)); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
