package indexer

// pack turns the fused ranking into items that fit the budget, best first, never two items
// that overlap in the same file.
func (x *Index) pack(cur *current, f *fusion, req ContextRequest) ContextResult {
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
	for _, s := range f.ranked(func(a, b uint32) bool {
		if a >= freshBase || b >= freshBase {
			return a < b
		}
		return x.beforeLocked(a, b)
	}) {
		var c Chunk
		if s.id >= freshBase {
			if cur.parsed == nil || int(s.id-freshBase) >= len(cur.parsed.Chunks) {
				continue
			}
			c = cur.parsed.Chunks[s.id-freshBase]
			c.Path = cur.path
			c.Text = cur.content[c.StartByte:c.EndByte]
		} else {
			if int(s.id) >= len(x.chunks) || x.chunks[s.id].file == nil {
				continue
			}
			c = x.chunkLocked(s.id)
		}
		sp := span{c.Path, c.StartLine, c.EndLine}
		if overlaps(sp) {
			continue
		}
		n := req.Counter.Count(c.Text)
		if res.Tokens+n > req.Budget {
			if req.Budget-res.Tokens < 32 {
				break
			}
			continue // a smaller item further down may still fit
		}
		taken = append(taken, sp)
		res.Tokens += n
		res.Items = append(res.Items, Hit{Chunk: c, Score: s.score, Source: f.source[s.id]})
	}
	return res
}
