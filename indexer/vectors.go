package indexer

import (
	"context"
	"fmt"
	"strconv"

	"github.com/philippgille/chromem-go"
)

// vectorIndex keeps chunk vectors in a chromem-go collection, in memory only. It wraps the
// flaws measured in chromem-go v0.7.0 (see the project notes):
//   - persistence is ours (the index file), because chromem's per-document files are named by
//     32 bits of a hash and silently lose documents whose IDs collide;
//   - Delete is always called with nil filters, because an empty non-nil filter deletes every
//     document in the collection;
//   - the result count is clamped to the collection size, which chromem reports as an error;
//   - documents carry no content or metadata (the index holds the text), which keeps chromem's
//     per-query filter pass cheap and the memory to the vectors alone;
//   - zero vectors (chunks without a single term) are not added: chromem would normalize them to NaN.
//
// Queries are exact and cost O(chunks x dims); callers bound them in time.
type vectorIndex struct {
	coll *chromem.Collection
}

func newVectorIndex() (*vectorIndex, error) {
	// An embedding function is required by chromem but never used: every vector is precomputed.
	noEmbed := func(context.Context, string) ([]float32, error) {
		return nil, fmt.Errorf("vector index: texts must be embedded before they are added")
	}
	coll, err := chromem.NewDB().CreateCollection("chunks", nil, noEmbed)
	if err != nil {
		return nil, fmt.Errorf("creating vector collection: %w", err)
	}
	return &vectorIndex{coll: coll}, nil
}

func (v *vectorIndex) add(ctx context.Context, id uint32, vec []float32) error {
	if isZero(vec) {
		return nil
	}
	return v.coll.AddDocument(ctx, chromem.Document{ID: strconv.FormatUint(uint64(id), 10), Embedding: vec})
}

func (v *vectorIndex) remove(ctx context.Context, ids ...uint32) error {
	if len(ids) == 0 {
		return nil
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(uint64(id), 10)
	}
	return v.coll.Delete(ctx, nil, nil, s...)
}

// query returns up to k chunk IDs nearest to q by cosine similarity, best first.
func (v *vectorIndex) query(ctx context.Context, q []float32, k int) ([]scored, error) {
	k = min(k, v.coll.Count())
	if k <= 0 || isZero(q) {
		return nil, nil
	}
	res, err := v.coll.QueryEmbedding(ctx, q, k, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("vector query: %w", err)
	}
	out := make([]scored, 0, len(res))
	for _, r := range res {
		id, err := strconv.ParseUint(r.ID, 10, 32)
		if err != nil {
			continue
		}
		out = append(out, scored{id: uint32(id), score: float64(r.Similarity)})
	}
	return out, nil
}

func isZero(v []float32) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}
