package engine

import (
	"context"
	"errors"
	"sort"

	"ragls/indexer"
	"ragls/workspace"
)

// A SearchHit is a chunk found in one of the roots.
type SearchHit struct {
	Root string // the root's directory; Hit.Path is relative to it
	indexer.Hit
}

// Search returns up to k chunks of every root for a free-text or code query, best first. The
// index holds no secret, ignored or outside file, so nothing of those can be found.
func (e *Engine) Search(ctx context.Context, query string, k int) ([]SearchHit, error) {
	var out []SearchHit
	var errs []error
	for _, r := range e.session.Roots() {
		hits, err := r.Index.Search(ctx, query, k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, h := range hits {
			out = append(out, SearchHit{Root: r.Dir, Hit: h})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if k > 0 && len(out) > k {
		out = out[:k]
	}
	return out, errors.Join(errs...)
}

// A Definition is a symbol defined in one of the roots.
type Definition struct {
	Root string // the root's directory; Symbol.Path is relative to it
	indexer.Symbol
}

// Definitions returns the definitions named name in every root, the most plausible first for a
// reference from the document at from (an absolute path, "" for none) with the given qualifier
// ("bytes" in "bytes.NewReader", "" for none).
func (e *Engine) Definitions(name, from, qualifier string) []Definition {
	var rel string
	var fromRoot *workspace.Root
	if from != "" {
		if r, p, ok := e.session.RootOf(from); ok {
			fromRoot, rel = r, p
		}
	}
	var out []Definition
	for _, r := range e.session.Roots() {
		p := ""
		if r == fromRoot {
			p = rel
		}
		for _, d := range r.Index.Definitions(name, p, qualifier) {
			out = append(out, Definition{Root: r.Dir, Symbol: d})
		}
	}
	return out
}
