package eval

import (
	"container/heap"
	"context"
	"math"
	"strings"

	"ragls/indexer"
)

// The baseline's shape, as RepoCoder and several editors retrieve: fixed windows of lines,
// overlapping by half, ranked by the Jaccard similarity of their identifier sets to the lines
// before the cursor.
const (
	windowLines  = 20
	windowStride = 10
	queryLines   = 20
	// jaccardTop bounds the windows considered for packing; a 1024-token budget holds about
	// five 20-line windows, so this is never the limit in practice.
	jaccardTop = 256
)

// Jaccard is the sliding-window baseline retriever over a set of files. It is not safe for
// concurrent use: queries share a scratch array.
type Jaccard struct {
	paths   []string
	content []string
	wins    []window
	post    [][]uint32 // term id -> windows holding it
	tf      [][]uint16 // term id -> occurrences in each window of post, for BM25
	terms_  int64      // total term occurrences over all windows, for BM25's average length
	terms   map[string]uint32
	counts  []uint16 // scratch: shared terms per window
}

type window struct {
	file             uint32
	startLine, lines int32 // 1-based first line, number of lines
	startByte, end   int32
	size             int32 // distinct terms
	length           int32 // term occurrences
}

// NewJaccard builds the window index of every file in files.
func NewJaccard(ctx context.Context, files Files) (*Jaccard, error) {
	j := &Jaccard{terms: map[string]uint32{}}
	var stamp []int32 // term id -> last window that counted it
	for _, p := range files.Paths() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src, ok := files.Content(p)
		if !ok {
			continue
		}
		fi := uint32(len(j.paths))
		j.paths = append(j.paths, p)
		j.content = append(j.content, src)
		starts := []int{0}
		for i := 0; i < len(src); i++ {
			if src[i] == '\n' && i+1 < len(src) {
				starts = append(starts, i+1)
			}
		}
		lineTerms := make([][]uint32, len(starts))
		for l, s := range starts {
			e := len(src)
			if l+1 < len(starts) {
				e = starts[l+1]
			}
			identSet(src[s:e], func(id string) {
				t, ok := j.terms[id]
				if !ok {
					t = uint32(len(j.terms))
					j.terms[id] = t
					j.post = append(j.post, nil)
					j.tf = append(j.tf, nil)
					stamp = append(stamp, -1)
				}
				lineTerms[l] = append(lineTerms[l], t)
			})
		}
		for first := 0; ; first += windowStride {
			last := min(first+windowLines, len(starts)) // exclusive
			w := window{file: fi, startLine: int32(first + 1), lines: int32(last - first), startByte: int32(starts[first]), end: int32(len(src))}
			if last < len(starts) {
				w.end = int32(starts[last])
			}
			wi := int32(len(j.wins))
			for _, lt := range lineTerms[first:last] {
				for _, t := range lt {
					w.length++
					if stamp[t] != wi {
						stamp[t] = wi
						w.size++
						j.post[t] = append(j.post[t], uint32(wi))
						j.tf[t] = append(j.tf[t], 1)
					} else if n := &j.tf[t][len(j.tf[t])-1]; *n < 65535 {
						*n++
					}
				}
			}
			j.wins = append(j.wins, w)
			j.terms_ += int64(w.length)
			if last >= len(starts) {
				break
			}
		}
	}
	j.counts = make([]uint16, len(j.wins))
	return j, nil
}

// Windows is the number of windows indexed.
func (j *Jaccard) Windows() int { return len(j.wins) }

// Retrieve packs into budget tokens (bytes/4, as ragls counts by default) the windows of files
// other than path most similar to the last lines of before, best first, skipping windows that
// overlap one already taken.
func (j *Jaccard) Retrieve(path, before string, budget int) []indexer.Hit {
	return j.retrieve(path, before, budget, false)
}

// RetrieveBM25 is the same sliding-window retriever ranking windows by BM25 (k1 1.2, b 0.75)
// of the identifiers of the last lines of before, as Tabby and Continue rank their snippets.
func (j *Jaccard) RetrieveBM25(path, before string, budget int) []indexer.Hit {
	return j.retrieve(path, before, budget, true)
}

func (j *Jaccard) retrieve(path, before string, budget int, bm25 bool) []indexer.Hit {
	q := map[uint32]bool{}
	unknown := 0
	identSet(lastLines(before, queryLines), func(id string) {
		if t, ok := j.terms[id]; ok {
			q[t] = true
		} else {
			unknown++
		}
	})
	qn := len(q) + unknown
	if qn == 0 {
		return nil
	}
	if bm25 {
		return j.pack(path, j.bm25(path, q), budget)
	}
	var touched []uint32
	for t := range q {
		for _, w := range j.post[t] {
			if j.counts[w] == 0 {
				touched = append(touched, w)
			}
			j.counts[w]++
		}
	}
	top := &winHeap{}
	for _, w := range touched {
		inter := float64(j.counts[w])
		j.counts[w] = 0
		if j.paths[j.wins[w].file] == path {
			continue
		}
		s := inter / (float64(qn) + float64(j.wins[w].size) - inter)
		if top.Len() < jaccardTop {
			heap.Push(top, scoredWin{w, s})
		} else if (*top)[0].less(scoredWin{w, s}) {
			(*top)[0] = scoredWin{w, s}
			heap.Fix(top, 0)
		}
	}
	ranked := make([]scoredWin, top.Len())
	for i := len(ranked) - 1; i >= 0; i-- {
		ranked[i] = heap.Pop(top).(scoredWin)
	}
	return j.pack(path, ranked, budget)
}

// bm25 ranks the windows of files other than path holding a term of q.
func (j *Jaccard) bm25(path string, q map[uint32]bool) []scoredWin {
	const k1, b = 1.2, 0.75
	n := float64(len(j.wins))
	avg := float64(j.terms_) / max(n, 1)
	score := map[uint32]float64{}
	for t := range q {
		df := float64(len(j.post[t]))
		idf := math.Log(1 + (n-df+0.5)/(df+0.5))
		for i, w := range j.post[t] {
			tf := float64(j.tf[t][i])
			l := float64(j.wins[w].length)
			score[w] += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*l/avg))
		}
	}
	top := &winHeap{}
	for w, s := range score {
		if j.paths[j.wins[w].file] == path {
			continue
		}
		if top.Len() < jaccardTop {
			heap.Push(top, scoredWin{w, s})
		} else if (*top)[0].less(scoredWin{w, s}) {
			(*top)[0] = scoredWin{w, s}
			heap.Fix(top, 0)
		}
	}
	ranked := make([]scoredWin, top.Len())
	for i := len(ranked) - 1; i >= 0; i-- {
		ranked[i] = heap.Pop(top).(scoredWin)
	}
	return ranked
}

// pack takes the ranked windows best first into budget tokens, skipping overlaps.
func (j *Jaccard) pack(path string, ranked []scoredWin, budget int) []indexer.Hit {
	var out []indexer.Hit
	used := 0
	for _, sw := range ranked {
		w := j.wins[sw.w]
		from, to := int(w.startLine), int(w.startLine+w.lines-1)
		p := j.paths[w.file]
		overlap := false
		for _, h := range out {
			if h.Path == p && from <= h.EndLine && h.StartLine <= to {
				overlap = true
				break
			}
		}
		if overlap {
			continue
		}
		text := j.content[w.file][w.startByte:w.end]
		n := (len(text) + 3) / 4
		if used+n > budget {
			if budget-used < 32 {
				break
			}
			continue
		}
		used += n
		out = append(out, indexer.Hit{
			Chunk:  indexer.Chunk{Path: p, StartLine: from, EndLine: to, Kind: "window", Text: text},
			Score:  sw.score,
			Source: "window",
		})
	}
	return out
}

type scoredWin struct {
	w     uint32
	score float64
}

// less orders windows worst first: lower score, then later in the corpus.
func (a scoredWin) less(b scoredWin) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.w > b.w
}

// winHeap is a min-heap of the best windows so far, the worst on top.
type winHeap []scoredWin

func (h winHeap) Len() int           { return len(h) }
func (h winHeap) Less(i, k int) bool { return h[i].less(h[k]) }
func (h winHeap) Swap(i, k int)      { h[i], h[k] = h[k], h[i] }
func (h *winHeap) Push(x any)        { *h = append(*h, x.(scoredWin)) }
func (h *winHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// identSet calls fn for each identifier of text that is not a keyword of Go, Python or
// JavaScript, as often as it occurs. Keywords are in nearly every window and only blur the
// similarity, so the baseline leaves them out as editors' implementations do.
func identSet(text string, fn func(string)) {
	i := 0
	for i < len(text) {
		c := text[i]
		switch {
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i + 1
			for j < len(text) && (text[j] == '_' || (text[j] >= 'a' && text[j] <= 'z') || (text[j] >= 'A' && text[j] <= 'Z') || (text[j] >= '0' && text[j] <= '9')) {
				j++
			}
			if !stopWords[text[i:j]] {
				fn(text[i:j])
			}
			i = j
		case c >= '0' && c <= '9':
			for i < len(text) && (text[i] == '_' || text[i] == '.' || (text[i] >= 'a' && text[i] <= 'z') || (text[i] >= 'A' && text[i] <= 'Z') || (text[i] >= '0' && text[i] <= '9')) {
				i++
			}
		default:
			i++
		}
	}
}

var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		break case chan const continue default defer else fallthrough for func go goto if import
		interface map package range return select struct switch type var nil true false
		and as assert async await class def del elif except finally from global in is lambda
		nonlocal not or pass raise try while with yield None True False self
		catch do delete export extends function instanceof let new null of static super this
		throw typeof undefined void`) {
		m[w] = true
	}
	return m
}()

// lastLines returns the last n lines of s, the last one possibly partial.
func lastLines(s string, n int) string {
	i := len(s)
	for k := 0; k < n; k++ {
		j := strings.LastIndexByte(s[:i], '\n')
		if j < 0 {
			return s
		}
		i = j
	}
	return s[i+1:]
}
