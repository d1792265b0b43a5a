package indexer

import (
	"context"
	"math"
	"slices"
)

// An Embedder turns texts into vectors for the vector index. The index calls it with the chunks
// of one file at a time, and with queries.
type Embedder interface {
	// Name identifies the embedder and its model; vectors made by another name are recomputed.
	Name() string
	// Embed returns one vector per text, all of the same length.
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Semantic reports whether an embedder captures meaning beyond shared words. Context assembly
// only runs a vector search for semantic embedders: for the built-in one, the lexical index
// already finds what it would.
func semantic(e Embedder) bool {
	_, builtin := e.(*HashEmbedder)
	return !builtin
}

// HashEmbedder is the built-in embedder: it needs no model and no network. It hashes each
// identifier, its camelCase/snake_case parts and the character trigrams of those parts into a
// fixed number of signed buckets (the "hashing trick"), weighted by log term frequency, and
// normalizes the result. Trigrams make "parser", "parse" and "parsing" land near each other,
// which plain BM25 on whole words misses.
type HashEmbedder struct {
	Dims int
}

// NewHashEmbedder returns the built-in embedder with 256 dimensions: enough to keep collisions
// rare for the few hundred distinct terms of a chunk, small enough to keep 100k chunks in 100 MB.
func NewHashEmbedder() *HashEmbedder { return &HashEmbedder{Dims: 256} }

// Name implements Embedder.
func (h *HashEmbedder) Name() string { return "builtin-hash-v1" }

// Embed implements Embedder. It never fails.
func (h *HashEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	counts := make(map[string]int)
	for i, t := range texts {
		out[i] = h.embed(t, counts)
	}
	return out, nil
}

func (h *HashEmbedder) embed(text string, counts map[string]int) []float32 {
	clear(counts)
	terms(text, func(t string) { counts[t]++ })
	return h.embedCounts(counts)
}

func (h *HashEmbedder) embedCounts(counts map[string]int) []float32 {
	v := make([]float32, h.Dims)
	// Sorted, so that the float sums, and the rankings they decide, are the same on every run.
	keys := make([]string, 0, len(counts))
	for t := range counts {
		keys = append(keys, t)
	}
	slices.Sort(keys)
	for _, t := range keys {
		n := counts[t]
		w := float32(1 + math.Log(float64(n)))
		h.addFeature(v, t, w)
		if len(t) >= 4 {
			for i := 0; i+3 <= len(t); i++ {
				h.addFeature(v, t[i:i+3], w*0.25)
			}
		}
	}
	normalize(v)
	return v
}

func (h *HashEmbedder) addFeature(v []float32, feature string, w float32) {
	x := fnv64a(feature)
	i := int(x % uint64(len(v)))
	if x&(1<<63) != 0 {
		w = -w
	}
	v[i] += w
}

// normalize scales v to unit length in place, as the vector index expects; a zero vector stays zero.
func normalize(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// fnv64a is FNV-1a, inlined: hash/fnv's interface costs an allocation per feature.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
