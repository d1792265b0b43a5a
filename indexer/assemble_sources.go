package indexer

import (
	"context"
	"slices"
	"sort"
	"strings"
)

// similar ranks chunks by BM25 against the query text, leaving out the current file's nearby
// or stale chunks; and, from the same scores, the chunks of recently changed files (in this
// session, or by modification time).
func (x *Index) similar(cur *current, queryText string, k int) (lex, recent []scored) {
	q := lexQuery{}
	// Later lines are closer to the cursor and weigh more.
	lines := strings.Split(queryText, "\n")
	lang := LanguageOf(cur.path)
	for i, line := range lines {
		w := 0.5 + 0.5*float64(i+1)/float64(len(lines))
		terms(line, func(t string) {
			if !lang.IsKeyword(t) {
				q[t] = max(q[t], w)
			}
		})
	}
	if len(q) == 0 {
		return nil, nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	acc := x.getAcc()
	defer x.putAcc(acc)
	lex = x.lex.search(q, k, func(id uint32) bool { return !x.skipChunkLocked(cur, id) }, acc)
	var rk topK
	rk.k = 6
	for _, f := range x.recentFilesLocked(cur.path, cur.gen) {
		for _, id := range f.chunks {
			if int(id) < len(acc.score) && acc.score[id] > 0 && !x.skipChunkLocked(cur, id) {
				rk.push(scored{id, acc.score[id]})
			}
		}
	}
	return lex, rk.sorted()
}

// recentFilesLocked returns the files changed in this session, or if there are few, the newest
// files on disk.
func (x *Index) recentFilesLocked(except string, g uint64) []*fileEntry {
	var out []*fileEntry
	for _, p := range x.recent {
		if f := x.fileAtLocked(p, g); f != nil && p != except {
			out = append(out, f)
		}
	}
	if len(out) >= 4 {
		return out
	}
	for _, f := range x.newestLocked(g) {
		if f.path != except && !slices.Contains(out, f) && len(out) < 4 {
			out = append(out, f)
		}
	}
	return out
}

// newestLocked returns the most recently modified files a snapshot at generation g sees,
// remembered for the latest generation asked.
func (x *Index) newestLocked(g uint64) []*fileEntry {
	x.newestMu.Lock()
	defer x.newestMu.Unlock()
	if x.newest != nil && x.newestAt == g {
		return x.newest
	}
	var top []*fileEntry
	x.eachFileAtLocked(g, func(f *fileEntry) {
		i := sort.Search(len(top), func(i int) bool { return top[i].modTime < f.modTime })
		if i < 5 {
			top = slices.Insert(top, i, f)
			top = top[:min(len(top), 5)]
		}
	})
	if g >= x.newestAt {
		x.newest, x.newestAt = top, g
	}
	return top
}

// semanticSimilar ranks chunks by vector similarity to the query text.
func (x *Index) semanticSimilar(ctx context.Context, cur *current, queryText string) []scored {
	vecs, err := x.embedder.Embed(ctx, []string{queryText})
	if err != nil || len(vecs) != 1 {
		return nil
	}
	v, err := x.ensureVectors(ctx)
	if err != nil {
		return nil
	}
	hits, err := v.query(ctx, vecs[0], 24)
	if err != nil {
		return nil
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := hits[:0]
	for _, h := range hits {
		if int(h.id) < len(x.chunks) && !x.skipChunkLocked(cur, h.id) {
			out = append(out, h)
		}
	}
	return out
}
