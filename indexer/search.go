package indexer

import (
	"context"
	"path"
	"slices"
	"sort"
	"strings"
)

// Hit is a chunk returned by a search or a context assembly, with the source that found it.
type Hit struct {
	Chunk
	Score  float64
	Source string // "definition", "lexical", "semantic", "recent"
}

// rrfK is the constant of reciprocal rank fusion: 60, as in the original paper, flattens the
// difference between ranks 1 and 5 enough that agreement between sources wins over one source's
// confident first place.
const rrfK = 60

// fusion accumulates reciprocal-rank-fusion scores over several ranked lists.
type fusion struct {
	score  map[uint32]float64
	source map[uint32]string // the source that ranked it best
	best   map[uint32]float64
}

func newFusion() *fusion {
	return &fusion{score: map[uint32]float64{}, source: map[uint32]string{}, best: map[uint32]float64{}}
}

func (f *fusion) add(source string, weight float64, ranked []scored) {
	for r, s := range ranked {
		contrib := weight / float64(rrfK+r+1)
		f.score[s.id] += contrib
		if contrib > f.best[s.id] {
			f.best[s.id] = contrib
			f.source[s.id] = source
		}
	}
}

// ranked returns the fused list, best first; before breaks ties, so that equal scores come in
// the same order whatever IDs the chunks have.
func (f *fusion) ranked(before func(a, b uint32) bool) []scored {
	out := make([]scored, 0, len(f.score))
	for id, s := range f.score {
		out = append(out, scored{id, s})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return before(out[i].id, out[j].id)
	})
	return out
}

// beforeLocked orders chunks by path and line: a tie-break independent of chunk IDs, which
// change when the index is compacted or reloaded.
func (x *Index) beforeLocked(a, b uint32) bool {
	ca, cb := x.chunkMeta(a), x.chunkMeta(b)
	if ca.Path != cb.Path {
		return ca.Path < cb.Path
	}
	return ca.StartLine < cb.StartLine
}

func (x *Index) chunkMeta(id uint32) Chunk {
	if int(id) < len(x.chunks) {
		return x.chunks[id].meta
	}
	return Chunk{}
}

// sortLocked orders a ranked list by score, then by location.
func (x *Index) sortLocked(l []scored) {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].score != l[j].score {
			return l[i].score > l[j].score
		}
		return x.beforeLocked(l[i].id, l[j].id)
	})
}

// Search is Snapshot.Search on a snapshot of the index as it is now.
func (x *Index) Search(ctx context.Context, query string, k int) ([]Hit, error) {
	return x.SearchScoped(ctx, query, k, nil)
}

// SearchScoped is Snapshot.SearchScoped on a snapshot of the index as it is now.
func (x *Index) SearchScoped(ctx context.Context, query string, k int, keep func(path string) bool) ([]Hit, error) {
	s := x.Snapshot()
	defer s.Release()
	return s.SearchScoped(ctx, query, k, keep)
}

// Search returns up to k chunks for a free-text or code query, best first: chunks that define an
// identifier of the query, BM25 matches and nearest vectors, fused by reciprocal rank.
func (s *Snapshot) Search(ctx context.Context, query string, k int) ([]Hit, error) {
	return s.SearchScoped(ctx, query, k, nil)
}

// SearchScoped is Search restricted to the files for which keep returns true (nil keeps all):
// the filter applies inside each ranking, so a narrow scope still gets k results.
func (s *Snapshot) SearchScoped(ctx context.Context, query string, k int, keep func(path string) bool) ([]Hit, error) {
	x, g := s.x, s.gen
	if k <= 0 {
		k = 10
	}
	// Embedding the query may be a network call: do it before taking the lock.
	var qvec []float32
	if vecs, err := x.embedder.Embed(ctx, []string{query}); err == nil && len(vecs) == 1 {
		qvec = vecs[0]
	} else if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// A model's vectors find chunks that share no word with the query: search them all. The
	// built-in embedder's vectors only refine word matches (parse ~ parsing), so they re-rank
	// the lexical candidates instead of costing a scan of every vector.
	var vhits []scored
	if qvec != nil && semantic(x.embedder) {
		v, err := x.ensureVectors(ctx)
		if err != nil {
			return nil, err
		}
		n := 4 * k
		if keep != nil {
			n = 16 * k // the nearest vectors may lie outside the scope
		}
		vhits, _ = v.query(ctx, qvec, n)
	}

	x.mu.RLock()
	defer x.mu.RUnlock()
	f := newFusion()
	acc := x.getAcc()
	defer x.putAcc(acc)
	q := lexQuery{}
	terms(query, func(t string) { q[t] = 1 })
	keepID := func(id uint32) bool {
		return x.liveAtLocked(id, g) && (keep == nil || keep(x.chunks[id].file.path))
	}
	lex := x.lex.search(q, 4*k, keepID, acc)
	defs := x.definitionsLocked(query, 4*k, acc, g)
	if keep != nil {
		defs = slices.DeleteFunc(defs, func(s scored) bool { return !keepID(s.id) })
	}
	f.add("definition", 1.5, defs)
	f.add("lexical", 1, lex)
	if qvec != nil && !semantic(x.embedder) {
		normalize(qvec)
		vhits = x.rerankLocked(qvec, defs, lex)
	}
	live := vhits[:0]
	for _, h := range vhits {
		if keepID(h.id) {
			live = append(live, h)
		}
	}
	x.sortLocked(live)
	// The built-in embedder only re-ranks word matches: a tie-breaker, not a third opinion.
	weight := 1.0
	if !semantic(x.embedder) {
		weight = 0.4
	}
	f.add("semantic", weight, live)
	return x.hitsLocked(f, k, g), nil
}

// rerankLocked orders the union of candidate lists by the cosine similarity of their vectors to q.
func (x *Index) rerankLocked(q []float32, lists ...[]scored) []scored {
	hashEmb, builtin := x.embedder.(*HashEmbedder)
	counts := map[string]int{}
	seen := map[uint32]bool{}
	var out []scored
	for _, l := range lists {
		for _, s := range l {
			if seen[s.id] {
				continue
			}
			v := x.vecs[s.id]
			if v == nil && builtin {
				v = hashEmb.embed(x.textLocked(s.id), counts)
			}
			if v == nil || len(v) != len(q) {
				continue
			}
			seen[s.id] = true
			var dot float32
			for i := range q {
				dot += q[i] * v[i]
			}
			if dot > 0 {
				out = append(out, scored{id: s.id, score: float64(dot)})
			}
		}
	}
	sortScored(out)
	return out
}

// definitionsLocked ranks the chunks that define an identifier of the query. A name defined in
// many places ("read", "String") is ranked among its definitions by the lexical score of each
// (acc holds the scores of the query just run), so the rest of the query picks the right one.
func (x *Index) definitionsLocked(query string, k int, acc *accumulator, g uint64) []scored {
	var out []scored
	seen := map[uint32]bool{}
	idents := 0
	scanIdents(query, func(string, int) { idents++ })
	scanIdents(query, func(ident string, off int) {
		// In a sentence, plain words ("read the file") are words, not names.
		if idents > 1 && !codeLike(ident) {
			return
		}
		qual := ""
		if off > 1 && query[off-1] == '.' {
			qual = lastIdent(query[:off-1])
		}
		for _, ref := range x.symsAtLocked(ident, g) {
			if id, ok := x.defChunkLocked(ref); ok && !seen[id] {
				seen[id] = true
				s := 0.0
				if int(id) < len(acc.score) {
					s = acc.score[id]
				}
				s *= pathPrior(ref.file.path)
				if qual != "" && (path.Base(path.Dir(ref.file.path)) == qual || ref.file.defs[ref.i].Container == qual) {
					s *= 2 // json.Unmarshal: the one in .../json/
				}
				out = append(out, scored{id: id, score: s})
			}
		}
	})
	x.sortLocked(out)
	return out[:min(k, len(out))]
}

// lastIdent returns the identifier at the end of s, "" if none.
func lastIdent(s string) string {
	i := len(s)
	for i > 0 && isIdentPartASCII(s[i-1]) {
		i--
	}
	return s[i:]
}

// codeLike reports whether a word of a query is written as an identifier: capitalized or
// camelCase, with an underscore or a digit.
func codeLike(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') {
			return true
		}
	}
	return false
}

// pathPrior prefers, among equally matching definitions, the code a user means: not vendored
// copies, test helpers, generated per-platform files or internal packages.
func pathPrior(p string) float64 {
	w := 1.0
	switch {
	case strings.Contains(p, "vendor/"), strings.Contains(p, "third_party/"), strings.Contains(p, "node_modules/"):
		w *= 0.6
	case strings.Contains(p, "testdata/"):
		w *= 0.5
	}
	if isTestPath(p) {
		w *= 0.7
	}
	if strings.Contains(p, "/internal/") || strings.HasPrefix(p, "internal/") {
		w *= 0.85
	}
	if strings.HasPrefix(path.Base(p), "z") { // zsyscall_*.go, zerrors_*.go: generated
		w *= 0.8
	}
	return w / (1 + 0.02*float64(strings.Count(p, "/")))
}

// defChunkLocked returns the chunk holding the name of a definition.
func (x *Index) defChunkLocked(ref symRef) (uint32, bool) {
	d := &ref.file.defs[ref.i]
	for _, id := range ref.file.chunks {
		m := &x.chunks[id].meta
		if m.StartLine <= d.Line && d.Line <= m.EndLine {
			return id, true
		}
	}
	return 0, false
}

func (x *Index) hitsLocked(f *fusion, k int, g uint64) []Hit {
	ranked := f.ranked(x.beforeLocked)
	out := make([]Hit, 0, min(k, len(ranked)))
	for _, s := range ranked {
		if len(out) == k {
			break
		}
		if !x.liveAtLocked(s.id, g) {
			continue
		}
		out = append(out, Hit{Chunk: x.chunkLocked(s.id), Score: s.score, Source: f.source[s.id]})
	}
	return out
}
