package indexer

import (
	"context"
	"path"
	"slices"
	"sort"
	"strings"
	"time"
)

// A TokenCounter counts the tokens a model would see for a text. The index only needs counts to
// pack context into a budget; callers with a real tokenizer pass it in.
type TokenCounter interface {
	Count(text string) int
}

// approxTokens estimates about four bytes of code per token, as measured on real code with a
// BPE tokenizer, rounding up so that packing errs on the side of fitting.
type approxTokens struct{}

func (approxTokens) Count(s string) int { return (len(s) + 3) / 4 }

// ContextRequest asks for the cross-file context a model should see at a cursor.
type ContextRequest struct {
	Path string // slash path relative to the root
	// Content is the buffer as the editor holds it, possibly unsaved. If HasContent is false the
	// indexed text of Path is used.
	Content    string
	HasContent bool
	Offset     int // the cursor, a byte offset into the content
	Budget     int // tokens; 0 means 1024
	Counter    TokenCounter
	// SourceTimeout bounds each source; a source that is late is left out. 0 means 100 ms.
	SourceTimeout time.Duration
	// Parsed is Content already parsed by the caller, so that a request parses its buffer
	// once; nil means Context parses it if it needs to.
	Parsed *Parsed
}

// ContextResult is the packed context, best item first.
type ContextResult struct {
	Items  []Hit
	Tokens int
}

// Weights of the sources in the fusion. Definitions of what the cursor touches are the most
// precise signal; recent files the weakest but the one other sources cannot see.
const (
	weightDefinition = 2.0
	weightLexical    = 1.0
	weightSemantic   = 0.8
	weightRecent     = 0.6
)

// How much of the buffer around the cursor the query looks at.
const (
	queryLinesBefore = 20 // lines before the cursor for the lexical and semantic queries
	identLinesBefore = 12 // lines before the cursor whose identifiers are resolved to definitions
	maxDefsPerIdent  = 2  // candidates kept for an ambiguous name
	maxIdents        = 24 // distinct identifiers resolved
)

// Offset converts a 1-based line and 1-based byte column to a byte offset in text, clamping
// positions past the end of a line or of the text.
func Offset(text string, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	end := strings.IndexByte(text[off:], '\n')
	if end < 0 {
		end = len(text) - off
	}
	return off + min(max(col-1, 0), end)
}

// current is the file at the cursor, as the editor holds it.
type current struct {
	path    string
	content string
	parsed  *Parsed // non-nil when the buffer differs from the index: a fresh parse of it
	line    int     // the cursor's 1-based line
	// near is the span of lines the model already sees as prefix and suffix; chunks of the
	// current file inside it are never repeated as context.
	nearFrom, nearTo int

	// What the file says of its surroundings, read once per request for every source.
	dir     string            // slash directory of path
	test    bool              // path is a test file
	imports []string          // importHints
	exact   map[string]bool   // relImports
	aliases map[string]string // importAliases
}

// freshBase numbers chunks of a fresh parse of the current buffer apart from index chunk IDs.
const freshBase = 1 << 31

// Context assembles cross-file context for a cursor: definitions of the identifiers around the
// cursor (resolved through the symbol table), chunks lexically similar to the lines before it,
// semantically similar chunks when the embedder is a real model, and chunks from recently
// changed files; fused by reciprocal rank, de-duplicated and packed into the token budget.
func (x *Index) Context(ctx context.Context, req ContextRequest) (ContextResult, error) {
	if req.Budget <= 0 {
		req.Budget = 1024
	}
	if req.Counter == nil {
		req.Counter = approxTokens{}
	}
	if req.SourceTimeout <= 0 {
		req.SourceTimeout = 100 * time.Millisecond
	}
	// The chunk numbering stays as it is until this request is done (see Index.pin).
	x.pin()
	defer x.unpin()
	cur := x.current(req)
	off := min(max(req.Offset, 0), len(cur.content))
	before := cur.content[:off]
	queryText := lastLines(before, queryLinesBefore)

	type ranked struct {
		source string
		weight float64
		hits   []scored
		pinned []uint32 // chunks placed first whatever the fusion says
	}
	var sources []func(context.Context) ranked
	results := make(chan ranked, 8)
	sources = append(sources,
		func(context.Context) ranked {
			defs, pinned := x.cursorDefinitions(cur, before)
			return ranked{"definition", weightDefinition, defs, pinned}
		},
		func(context.Context) ranked {
			return ranked{"definition", weightCalls, x.fileCalls(cur), nil}
		},
		func(context.Context) ranked {
			// One BM25 pass ranks both the whole index and the recently changed files.
			lex, recent := x.similar(cur, queryText, 24)
			results <- ranked{"recent", weightRecent, recent, nil}
			return ranked{"lexical", weightLexical, lex, nil}
		},
	)
	expected := len(sources) + 1 // the lexical source also sends the recent list
	if semantic(x.embedder) {
		sources = append(sources, func(ctx context.Context) ranked {
			return ranked{"semantic", weightSemantic, x.semanticSimilar(ctx, cur, queryText), nil}
		})
		expected++
	}

	sctx, cancel := context.WithTimeout(ctx, req.SourceTimeout)
	defer cancel()
	for _, src := range sources {
		go func() { results <- src(sctx) }()
	}
	f := newFusion()
	for range expected {
		select {
		case r := <-results:
			f.add(r.source, r.weight, r.hits)
			// The function whose arguments are being typed: its signature is what the model
			// needs most, whatever the other sources agree on.
			for _, id := range r.pinned {
				f.score[id] += 1
			}
		case <-sctx.Done():
			// A late source is left out; the ones that answered still count.
		}
		if ctx.Err() != nil {
			return ContextResult{}, ctx.Err()
		}
	}
	return x.pack(cur, f, req), nil
}

func (x *Index) current(req ContextRequest) *current {
	x.mu.RLock()
	f := x.files[req.Path]
	x.mu.RUnlock()
	cur := &current{path: req.Path, content: req.Content}
	switch {
	case !req.HasContent && f != nil:
		cur.content = f.content
	case req.HasContent && (f == nil || f.content != req.Content):
		var p Parsed
		if req.Parsed != nil {
			p = *req.Parsed
			p.Defs = slices.Clone(p.Defs) // the caller's stay as they are
		} else {
			p = x.syntax.Parse(req.Path, []byte(req.Content))
		}
		for i := range p.Defs {
			p.Defs[i].Path = req.Path
		}
		cur.parsed = &p
	}
	off := min(max(req.Offset, 0), len(cur.content))
	cur.line = strings.Count(cur.content[:off], "\n") + 1
	// The prompt shows roughly this much of the file around the cursor.
	cur.nearFrom, cur.nearTo = cur.line-60, cur.line+20
	cur.dir, cur.test = path.Dir(cur.path), isTestPath(cur.path)
	cur.imports = importHints(cur.content)
	cur.exact = relImports(cur.content, cur.dir)
	cur.aliases = importAliases(cur.content)
	return cur
}

// skipChunk reports whether an index chunk must not be offered: it belongs to the current file
// and either lies near the cursor or is stale because the buffer has changed.
func (x *Index) skipChunkLocked(cur *current, id uint32) bool {
	c := &x.chunks[id]
	if c.file == nil {
		return true
	}
	if c.file.path != cur.path {
		return false
	}
	if cur.parsed != nil {
		return true
	}
	return c.meta.EndLine >= cur.nearFrom && c.meta.StartLine <= cur.nearTo
}

// lastLines returns the last n lines of s, the last one possibly partial.
func lastLines(s string, n int) string {
	i := len(s)
	for k := 0; k < n; k++ {
		j := strings.LastIndexByte(s[:i], '\n')
		if j < 0 {
			return s
		}
		if k == n-1 {
			return s[j+1:]
		}
		i = j
	}
	return s[i:]
}

// identUse is an identifier near the cursor, with what precedes it.
type identUse struct {
	name      string
	qualifier string // "bytes" in "bytes.NewReader"
	dist      int    // identifiers between it and the cursor; 0 is the closest
}

// nearIdents lists the distinct identifiers of the last lines before the cursor, closest first.
func nearIdents(before string) []identUse {
	text := lastLines(before, identLinesBefore)
	type occ struct {
		name, qual string
	}
	var all []occ
	scanIdents(text, func(id string, off int) {
		q := ""
		if off > 1 && (text[off-1] == '.' || (off > 2 && text[off-2:off] == "::") || (off > 2 && text[off-2:off] == "->")) {
			end := off - 1
			if text[end] != '.' {
				end = off - 2
			}
			start := end
			for start > 0 && isIdentPartASCII(text[start-1]) {
				start--
			}
			q = text[start:end]
		}
		all = append(all, occ{id, q})
	})
	seen := map[string]bool{}
	var out []identUse
	for i := len(all) - 1; i >= 0 && len(out) < maxIdents; i-- {
		o := all[i]
		if seen[o.name] || isKeyword(o.name) {
			continue
		}
		seen[o.name] = true
		out = append(out, identUse{name: o.name, qualifier: o.qual, dist: len(all) - 1 - i})
	}
	return out
}

// cursorDefinitions resolves the identifiers near the cursor through the symbol table, ranking
// each name's candidates by how plausible they are from the current file.
func (x *Index) cursorDefinitions(cur *current, before string) ([]scored, []uint32) {
	idents := unalias(nearIdents(before), cur.aliases)
	callee := enclosingCallee(before)
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
		for _, ref := range x.syms.lookup(u.name) {
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

// enclosingCallee returns the name of the function whose argument list the cursor is in, on
// the cursor's line ("f" in "x := pkg.f(a, b|"), or "".
func enclosingCallee(before string) string {
	line := before[strings.LastIndexByte(before, '\n')+1:]
	depth := 0
	for i := len(line) - 1; i >= 0; i-- {
		switch line[i] {
		case ')', ']', '}':
			depth++
		case '[', '{':
			depth--
		case '(':
			if depth > 0 {
				depth--
				continue
			}
			return lastIdent(strings.TrimRight(line[:i], " \t"))
		}
	}
	return ""
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

func isTestPath(p string) bool {
	base := path.Base(p)
	return strings.HasSuffix(base, "_test.go") || strings.HasPrefix(base, "test_") ||
		strings.Contains(base, ".test.") || strings.Contains(base, ".spec.") || strings.Contains(p, "/testdata/")
}

// importAliases maps the names a file gives its imports to what they name: "_re" -> "re" for
// Python's "import re as _re", "rr" -> "recursive_repr" for "from reprlib import recursive_repr
// as rr", "ns" -> "strings" for JavaScript's "import * as ns from './strings.js'", "str" ->
// "strings" for Go's `import str "strings"`.
func importAliases(content string) map[string]string {
	out := map[string]string{}
	base := func(s string) string {
		s = strings.Trim(s, "\"'`; ")
		switch path.Ext(s) {
		case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".py":
			s = strings.TrimSuffix(s, path.Ext(s))
		}
		if strings.Contains(s, "/") {
			return qualBase(s) // math/rand/v2 -> rand
		}
		return s[strings.LastIndexByte(s, '.')+1:] // os.path -> path
	}
	inGoBlock := false
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		t := strings.TrimSpace(line)
		f := strings.Fields(strings.NewReplacer(",", " , ", "{", " { ", "}", " } ").Replace(t))
		switch {
		case t == "import (":
			inGoBlock = true
		case inGoBlock && t == ")":
			inGoBlock = false
		case inGoBlock && len(f) == 2 && strings.HasPrefix(f[1], "\""):
			out[f[0]] = base(f[1])
		case len(f) == 3 && f[0] == "import" && strings.HasPrefix(f[2], "\""):
			out[f[1]] = base(f[2]) // Go: import str "strings"
		case len(f) >= 2 && (f[0] == "import" || f[0] == "from"):
			// Python "import a.b as c" and "from m import a as b, c as d"; JavaScript
			// "import { a as b } from" and "import * as ns from 'm'".
			for i := 1; i+2 < len(f); i++ {
				if f[i+1] != "as" {
					continue
				}
				orig, alias := base(f[i]), strings.Trim(f[i+2], ",;")
				if f[i] == "*" {
					if j := slices.Index(f, "from"); j >= 0 && j+1 < len(f) {
						orig = base(f[j+1])
					}
				}
				if orig != "" && alias != "" && orig != alias {
					out[alias] = orig
				}
			}
		}
	}
	return out
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

// importHints returns the module paths a file imports, normalized to slash paths without
// extension ("encoding/json", "os/path", "./util" -> "util"), whatever its language.
func importHints(content string) []string {
	var out []string
	add := func(s string) {
		s = strings.Trim(s, "\"'`<> ;")
		s = strings.TrimPrefix(s, "./")
		for strings.HasPrefix(s, "../") {
			s = s[3:]
		}
		switch path.Ext(s) {
		case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".h", ".hpp", ".hh", ".py", ".rs", ".go", ".java", ".c", ".cc", ".cpp":
			s = strings.TrimSuffix(s, path.Ext(s))
		}
		s = strings.ReplaceAll(s, ".", "/")
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	inGoBlock := false
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		t := strings.TrimSpace(line)
		switch {
		case inGoBlock:
			if t == ")" {
				inGoBlock = false
			} else if i := strings.IndexByte(t, '"'); i >= 0 {
				add(t[i:])
			}
		case t == "import (":
			inGoBlock = true
		case strings.HasPrefix(t, "import \""), strings.HasPrefix(t, "#include"):
			add(strings.TrimSpace(t[strings.IndexAny(t, " \t"):]))
		case strings.HasPrefix(t, "from ") && strings.Contains(t, " import"):
			add(strings.Fields(t)[1])
		case strings.HasPrefix(t, "import ") && !strings.Contains(t, "\""):
			if f := strings.Fields(strings.TrimSuffix(t, ";")); len(f) >= 2 && !strings.Contains(t, " from ") {
				add(f[1])
			}
		}
		if i := strings.Index(t, " from "); i >= 0 && (strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "export ")) {
			add(t[i+6:])
		}
		if i := strings.Index(t, "require("); i >= 0 {
			add(strings.TrimSuffix(t[i+8:], ")"))
		}
		if strings.HasPrefix(t, "use ") {
			add(strings.ReplaceAll(strings.TrimSuffix(t[4:], ";"), "::", "/"))
		}
	}
	return out
}

// similar ranks chunks by BM25 against the query text, leaving out the current file's nearby
// or stale chunks; and, from the same scores, the chunks of recently changed files (in this
// session, or by modification time).
func (x *Index) similar(cur *current, queryText string, k int) (lex, recent []scored) {
	q := lexQuery{}
	// Later lines are closer to the cursor and weigh more.
	lines := strings.Split(queryText, "\n")
	for i, line := range lines {
		w := 0.5 + 0.5*float64(i+1)/float64(len(lines))
		terms(line, func(t string) {
			if !isKeyword(t) {
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
	for _, f := range x.recentFilesLocked(cur.path) {
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
func (x *Index) recentFilesLocked(except string) []*fileEntry {
	var out []*fileEntry
	for _, p := range x.recent {
		if f := x.files[p]; f != nil && p != except {
			out = append(out, f)
		}
	}
	if len(out) >= 4 {
		return out
	}
	for _, f := range x.newestLocked() {
		if f.path != except && !slices.Contains(out, f) && len(out) < 4 {
			out = append(out, f)
		}
	}
	return out
}

// newestLocked returns the most recently modified files, remembered until the index changes.
func (x *Index) newestLocked() []*fileEntry {
	x.newestMu.Lock()
	defer x.newestMu.Unlock()
	if x.newest != nil && x.newestAt == x.changes {
		return x.newest
	}
	var top []*fileEntry
	for _, f := range x.files {
		i := sort.Search(len(top), func(i int) bool { return top[i].modTime < f.modTime })
		if i < 5 {
			top = slices.Insert(top, i, f)
			top = top[:min(len(top), 5)]
		}
	}
	x.newest, x.newestAt = top, x.changes
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

// isKeyword reports common keywords of the supported languages: they are never definitions and
// only add noise to a query.
func isKeyword(s string) bool {
	switch s {
	case "if", "else", "for", "while", "return", "func", "function", "def", "class", "struct",
		"var", "let", "const", "type", "import", "package", "from", "in", "is", "not", "and", "or",
		"nil", "null", "None", "true", "false", "True", "False", "self", "this", "new", "fn", "pub",
		"mut", "impl", "use", "go", "defer", "range", "switch", "case", "break", "continue",
		"static", "public", "private", "protected", "void", "int", "string", "bool", "err",
		"async", "await", "try", "catch", "except", "finally", "with", "as", "pass", "elif",
		"match", "mod", "crate", "super", "typedef", "enum", "interface", "extends", "export",
		"default", "select", "chan", "map", "make", "len", "append":
		return true
	}
	return false
}

// weightCalls weighs the definitions of functions called around the cursor: as much as those
// of identifiers just before it, since code being written mostly calls what its neighbours call.
const weightCalls = 2.0

// minCallPlausibility keeps a called function's definition only when it is in the same
// directory or reached through an import or qualifier.
const minCallPlausibility = 3

// callUses lists the functions called in the lines around the cursor (not on its line), closest
// first: what the code being written is likely to call too.
func callUses(content string, line int) []identUse {
	type use struct {
		identUse
		d int
	}
	var all []use
	// Only the lines from line-100 to line+50 are read; find where they start.
	first := max(line-100, 1)
	l := first
	window := content[Offset(content, first, 1):Offset(content, line+51, 1)]
	for _, text := range strings.SplitAfter(window, "\n") {
		d := l - line
		if d < 0 {
			d = -d
		} else {
			d = d * 3 / 2
		}
		if l != line && l >= line-100 && l <= line+50 {
			scanIdents(text, func(id string, off int) {
				e := off + len(id)
				for e < len(text) && text[e] == ' ' {
					e++
				}
				if e >= len(text) || text[e] != '(' || isKeyword(id) {
					return
				}
				q := ""
				if off > 1 && text[off-1] == '.' {
					q = lastIdent(text[:off-1])
				}
				all = append(all, use{identUse{name: id, qualifier: q, dist: d}, d})
			})
		}
		l++
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].d < all[j].d })
	seen := map[string]bool{}
	var out []identUse
	for _, u := range all {
		if seen[u.name] || len(out) == maxIdents {
			continue
		}
		seen[u.name] = true
		out = append(out, u.identUse)
	}
	return out
}

// fileCalls resolves the functions called around the cursor to their definitions, keeping only
// a confident first candidate of each.
func (x *Index) fileCalls(cur *current) []scored {
	idents := unalias(callUses(cur.content, cur.line), cur.aliases)
	nearby := map[string]bool{}
	x.mu.RLock()
	defer x.mu.RUnlock()
	var out []scored
	seen := map[uint32]bool{}
	for _, u := range idents {
		bestID, best := uint32(0), -100.0
		for _, ref := range x.syms.lookup(u.name) {
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

// relImports returns the files that relative imports of content name exactly, resolved from dir:
// "./toDate.js" -> "date-fns/toDate.js".
func relImports(content, dir string) map[string]bool {
	out := map[string]bool{}
	for n, line := range strings.Split(content, "\n") {
		if n > 400 {
			break
		}
		for _, q := range []string{"'./", "\"./", "'../", "\"../"} {
			i := strings.Index(line, q)
			if i < 0 {
				continue
			}
			rest := line[i+1:]
			j := strings.IndexByte(rest, line[i])
			if j < 0 {
				continue
			}
			p := path.Join(dir, rest[:j])
			out[p] = true
			for _, e := range []string{".js", ".ts", ".mjs", ".tsx", "/index.js", "/index.ts"} {
				out[p+e] = true
			}
		}
	}
	return out
}
