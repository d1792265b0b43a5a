package indexer

import (
	"path"
	"sort"
	"strings"
)

// cursorDefinitions resolves the identifiers near the cursor through the symbol table, ranking
// each name's candidates by how plausible they are from the current file.
func (x *Index) cursorDefinitions(cur *current, before string) ([]scored, []uint32) {
	idents := unalias(nearIdents(before, cur.names), cur.aliases)
	callee := enclosingCallee(before, cur.names)
	var pinned []uint32
	nearby := map[string]bool{}
	for _, u := range idents {
		nearby[u.name] = true
	}

	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []scored
	seen := map[uint32]bool{}
	for _, u := range idents {
		type cand struct {
			id    uint32
			score float64
		}
		var cands []cand
		// Definitions in the current buffer come from its fresh parse when it has changed.
		if cur.parsed != nil {
			for _, d := range cur.parsed.Defs {
				if d.Name == u.name && (d.EndLine < cur.nearFrom || d.StartLine > cur.nearTo) {
					if ci := chunkAtLine(cur.parsed.Chunks, d.Line); ci >= 0 {
						cands = append(cands, cand{freshBase + uint32(ci), 10})
					}
				}
			}
		}
		for _, ref := range x.symsAtLocked(u.name, cur.gen) {
			d := &ref.file.defs[ref.i]
			if ref.file.path == cur.path {
				if cur.parsed != nil || (d.StartLine <= cur.line && cur.line <= d.EndLine) {
					continue // stale, or the definition the cursor is in
				}
			}
			id, ok := x.defChunkLocked(ref)
			if !ok {
				continue
			}
			if ref.file.path == cur.path && d.EndLine >= cur.nearFrom && d.StartLine <= cur.nearTo {
				continue // already in the prompt
			}
			cands = append(cands, cand{id, x.plausibility(d, u, cur, nearby)})
		}
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
		for i, c := range cands {
			if i == maxDefsPerIdent {
				break
			}
			// A second candidate only when it is nearly as plausible as the first.
			if i > 0 && c.score < cands[0].score-1 {
				break
			}
			if i == 0 && u.name == callee && u.dist < 8 {
				pinned = append(pinned, c.id)
			}
			if !seen[c.id] {
				seen[c.id] = true
				out = append(out, scored{id: c.id, score: c.score})
			}
		}
	}
	return out, pinned
}

func chunkAtLine(chunks []Chunk, line int) int {
	for i, c := range chunks {
		if c.StartLine <= line && line <= c.EndLine {
			return i
		}
	}
	return -1
}

// plausibility scores a candidate definition of an identifier seen near the cursor.
func (x *Index) plausibility(d *Symbol, u identUse, cur *current, nearby map[string]bool) float64 {
	curDir, curTest, imports, exact := cur.dir, cur.test, cur.imports, cur.exact
	s := 0.0
	if exact[d.Path] {
		s += 1 // the very file an import names, not a same-named twin (.cjs, .d.ts)
	}
	dir := path.Dir(d.Path)
	mod := strings.TrimSuffix(d.Path, path.Ext(d.Path))
	if path.Base(mod) == "__init__" {
		mod = dir
	}
	qualMatch := u.qualifier != "" && (qualBase(dir) == u.qualifier || (path.Ext(d.Path) != ".go" && path.Base(mod) == u.qualifier))
	switch {
	case d.Path == "" || dir == curDir:
		s += 3 // same package or directory
	case qualMatch:
		s += 3 // bytes.NewReader -> .../bytes/
	}
	for _, imp := range imports {
		if dir == imp || strings.HasSuffix(dir, "/"+imp) || mod == imp || strings.HasSuffix(mod, "/"+imp) {
			s += 2
			break
		}
	}
	if u.qualifier != "" && d.Container == u.qualifier {
		s += 2 // Type.method or Class::method
	}
	if d.Container != "" && nearby[d.Container] {
		s += 1.5 // a method of a type named nearby
	}
	if u.qualifier != "" && d.Container == "" && !qualMatch && dir != curDir {
		s -= 0.5 // x.f(...) is more likely a method or another package's function
	}
	if qualMatch && d.Container != "" && path.Ext(d.Path) == ".go" && qualBase(dir) == u.qualifier {
		s -= 1.5 // time.Unix: a Go package qualifier names a function, never a method
	}
	if u.qualifier == "" && d.Kind == "method" {
		s -= 1.5 // a bare f(...) is not a method call
	}
	if isTestPath(d.Path) && !curTest {
		s -= 1
	}
	switch d.Kind {
	case "function", "method", "type", "class", "struct", "interface", "enum", "trait":
		s += 0.5
	}
	return s
}

// qualBase is the name a package directory is imported by: its base, or its parent's for a
// major version directory (math/rand/v2 -> rand).
func qualBase(dir string) string {
	b := path.Base(dir)
	if len(b) > 1 && b[0] == 'v' && strings.Trim(b[1:], "0123456789") == "" {
		return path.Base(path.Dir(dir))
	}
	return b
}

// unalias replaces aliased names and qualifiers by what they stand for.
func unalias(uses []identUse, aliases map[string]string) []identUse {
	if len(aliases) == 0 {
		return uses
	}
	for i := range uses {
		if o, ok := aliases[uses[i].qualifier]; ok {
			uses[i].qualifier = o
		}
		if o, ok := aliases[uses[i].name]; ok && uses[i].qualifier == "" {
			uses[i].name = o
		}
	}
	return uses
}

// fileCalls resolves the functions called around the cursor to their definitions, keeping only
// a confident first candidate of each.
func (x *Index) fileCalls(cur *current) []scored {
	idents := unalias(callUses(cur.content, cur.line, cur.names), cur.aliases)
	nearby := map[string]bool{}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []scored
	seen := map[uint32]bool{}
	for _, u := range idents {
		bestID, best := uint32(0), -100.0
		for _, ref := range x.symsAtLocked(u.name, cur.gen) {
			d := &ref.file.defs[ref.i]
			if ref.file.path == cur.path {
				continue
			}
			id, ok := x.defChunkLocked(ref)
			if !ok {
				continue
			}
			if sc := x.plausibility(d, u, cur, nearby); sc > best {
				bestID, best = id, sc
			}
		}
		if best >= minCallPlausibility && !seen[bestID] {
			seen[bestID] = true
			out = append(out, scored{id: bestID, score: best})
		}
	}
	return out
}
