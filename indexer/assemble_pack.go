package indexer

// Packing by value per token: a few definitions earn their whole body (the function whose
// arguments are being typed, the best-ranked definitions), every other definition is shown by
// its signature and doc line, so that the budget holds dozens of candidates.
const (
	maxBodies   = 3  // whole definitions, best first
	maxWindows  = 2  // whole chunks that are no definition (lexical neighbours, windows)
	minItemCost = 8  // tokens: below this much room left, packing stops
	bodyShare   = 16 // a whole body (but the pinned one) takes at most 1/bodyShare of the budget
)

// pack turns the fused ranking into items that fit the budget, best first, never two items
// that overlap in the same file. sigs are the signature items of the request, numbered from
// sigBase.
func (x *Index) pack(cur *current, f *fusion, req ContextRequest, sigs []Symbol, pinned map[uint32]bool) ContextResult {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var res ContextResult
	type span struct {
		path     string
		from, to int
	}
	var taken []span
	overlaps := func(s span) bool {
		for _, t := range taken {
			if t.path == s.path && s.from <= t.to && t.from <= s.to {
				return true
			}
		}
		return false
	}
	bodies, windows := 0, 0
	for _, s := range f.ranked(func(a, b uint32) bool {
		if a >= sigBase || b >= sigBase {
			return a < b
		}
		return x.beforeLocked(a, b)
	}) {
		var c Chunk
		var def Symbol
		hasDef := false
		switch {
		case s.id >= freshBase:
			if cur.parsed == nil || int(s.id-freshBase) >= len(cur.parsed.Chunks) {
				continue
			}
			c = cur.parsed.Chunks[s.id-freshBase]
			c.Path = cur.path
			c.Text = cur.content[c.StartByte:c.EndByte]
			for _, d := range cur.parsed.Defs {
				if d.Name == c.Symbol && d.StartLine <= c.EndLine && c.StartLine <= d.EndLine && d.Signature != "" {
					def, hasDef = d, true
					break
				}
			}
		case s.id >= sigBase:
			if int(s.id-sigBase) >= len(sigs) {
				continue
			}
			c = signatureChunk(sigs[s.id-sigBase])
		default:
			if !x.liveAtLocked(s.id, cur.gen) {
				continue
			}
			c = x.chunkLocked(s.id)
			def, hasDef = x.defOfChunkLocked(s.id)
		}
		n := req.Counter.Count(c.Text)
		if c.Kind != "signature" {
			whole := false
			switch {
			case pinned[s.id]:
				whole = n <= req.Budget/2
			case hasDef:
				whole = bodies < maxBodies && n <= req.Budget/bodyShare
			default:
				whole = windows < maxWindows && n <= req.Budget/bodyShare
			}
			if !whole {
				if !hasDef {
					continue
				}
				c = signatureChunk(def)
				n = req.Counter.Count(c.Text)
			}
		}
		sp := span{c.Path, c.StartLine, c.EndLine}
		if overlaps(sp) {
			continue
		}
		if res.Tokens+n > req.Budget {
			if req.Budget-res.Tokens < minItemCost {
				break
			}
			continue // a smaller item further down may still fit
		}
		if c.Kind != "signature" {
			if hasDef {
				bodies++
			} else {
				windows++
			}
		}
		taken = append(taken, sp)
		res.Tokens += n
		res.Items = append(res.Items, Hit{Chunk: c, Score: s.score, Source: f.source[s.id]})
	}
	return res
}
