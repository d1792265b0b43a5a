package indexer

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"unicode/utf8"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// Chunk size limits. MaxLines bounds a chunk made from syntax; longer definitions are split into
// pieces of about splitTarget lines. maxChunkBytes keeps minified or generated code from making
// giant chunks.
const (
	MaxLines      = 60
	minPieceLines = 40
	splitTarget   = 50
	WindowLines   = 40
	maxChunkBytes = 4096
	maxSigBytes   = 200
	maxDocBytes   = 1000
	// maxParseBytes is the size beyond which a file is cut into windows without parsing: nobody
	// wants a syntax tree of a generated multi-megabyte file, and parsing it costs a lot.
	maxParseBytes = 4 << 20
	// The time tree-sitter may take for a file: real code parses at several MB/s here, so this
	// is ten times what a loaded machine needs, while junk that sends the parser into error
	// recovery for seconds is cut short.
	parseBaseMicros    = 200_000
	parseMicrosPerByte = 2
)

// Syntax chunks files and extracts their definitions: Go with the standard library's parser
// (tree-sitter when that one finds syntax errors), the other languages with tree-sitter. A Syntax
// is safe for concurrent use; it keeps idle parsers for reuse because creating one costs more
// than parsing a small file. Close frees them.
type Syntax struct {
	langs map[string]*langSpec
}

// NewSyntax returns a Syntax that knows every supported language.
func NewSyntax() *Syntax {
	useLibcAllocator()
	s := &Syntax{langs: make(map[string]*langSpec)}
	idle := 2 * runtime.GOMAXPROCS(0)
	for name, mk := range grammars {
		s.langs[name] = newLangSpec(name, mk(), idle)
	}
	return s
}

// Close frees the idle parsers. Parse may still be called afterwards; it then creates parsers
// as needed.
func (s *Syntax) Close() {
	for _, l := range s.langs {
		l.drain()
	}
}

// Parse chunks one file and extracts its definitions. Files in languages without syntax
// support, files tree-sitter cannot parse, and anything that makes the extraction fail are cut
// into windows of WindowLines lines instead. Parse never panics.
func (s *Syntax) Parse(path string, src []byte) (p Parsed) {
	lang := LangOf(path)
	spec := s.langs[lang]
	if spec == nil || len(src) > maxParseBytes {
		return Parsed{Lang: lang, Chunks: windowChunks(path, src, newLineIndex(src))}
	}
	defer func() {
		if r := recover(); r != nil {
			p = Parsed{Lang: lang, Chunks: windowChunks(path, src, newLineIndex(src))}
		}
	}()
	if lang == "go" {
		if out, ok := parseGo(path, src); ok {
			return out
		}
	}
	out, err := spec.parse(path, src)
	if err != nil {
		return Parsed{Lang: lang, Chunks: windowChunks(path, src, newLineIndex(src))}
	}
	out.Lang = lang
	return out
}

// parse runs tree-sitter over src and turns the tree into chunks and definitions.
func (l *langSpec) parse(path string, src []byte) (Parsed, error) {
	parser := l.get()
	defer l.put(parser)
	// Tree-sitter's error recovery can take seconds on a megabyte of junk; past a budget far
	// above what real code needs, the file is cut into windows instead. The timeout is checked
	// inside the C parser; the non-deprecated route, a progress callback, would cross from C
	// into Go every hundred parser operations on every file.
	//lint:ignore SA1019 see above
	parser.SetTimeoutMicros(uint64(parseBaseMicros + len(src)*parseMicrosPerByte))
	tree := parser.Parse(src, nil)
	if tree == nil {
		return Parsed{}, fmt.Errorf("tree-sitter could not parse %s in time", path)
	}
	defer tree.Close()
	root := tree.RootNode()
	cur := tree.Walk()
	defer cur.Close()

	x := &extractor{lang: l, src: src, path: path, cur: cur, lines: newLineIndex(src)}
	items := x.topLevel(root)
	spans := x.layout(items, 0, x.lines.count()-1, "decl", "")
	chunks := x.chunks(spans)
	sortDefs(x.defs)
	return Parsed{Chunks: chunks, Defs: x.defs}, nil
}

// langSpec is everything the extractor needs to know about one language, plus its idle parsers.
type langSpec struct {
	name     string
	language *ts.Language
	fields   map[string]uint16
	idle     chan *ts.Parser
	top      func(x *extractor, n *ts.Node) []item
}

func newLangSpec(name string, language *ts.Language, idle int) *langSpec {
	l := &langSpec{name: name, language: language, fields: make(map[string]uint16), idle: make(chan *ts.Parser, idle)}
	for _, f := range []string{"name", "body", "declarator", "type", "value", "definition", "declaration",
		"receiver", "parameters", "result", "scope", "trait", "left", "alternative"} {
		l.fields[f] = language.FieldIdForName(f)
	}
	l.top = topHandlers[name]
	return l
}

func (l *langSpec) get() *ts.Parser {
	select {
	case p := <-l.idle:
		return p
	default:
	}
	p := ts.NewParser()
	if err := p.SetLanguage(l.language); err != nil {
		p.Close()
		panic(fmt.Sprintf("tree-sitter grammar %s: %v", l.name, err))
	}
	return p
}

func (l *langSpec) put(p *ts.Parser) {
	p.Reset()
	select {
	case l.idle <- p:
	default:
		p.Close()
	}
}

func (l *langSpec) drain() {
	for {
		select {
		case p := <-l.idle:
			p.Close()
		default:
			return
		}
	}
}

// An item is one top-level piece of a file (or one member of a class body) as the layout sees
// it: a definition that gets its own chunk, a comment that may belong to the next definition, or
// any other declaration to be merged with its neighbours.
type item struct {
	start, end int // 0-based rows, inclusive
	def        bool
	comment    bool // a comment or attribute that attaches to the definition below it
	kind       string
	symbol     string
	docTarget  int     // index+1 into extractor.defs whose Doc the comments above fill; 0 for none
	body       ts.Node // the body whose statements are split points for a long definition
	hasBody    bool
	members    []item // for class-like definitions: items of the body, laid out when it is long
	cuts       []int  // rows where a long definition may be split, when known without body
}

// A span is a range of rows that becomes one chunk (or several, if it is too many bytes).
type span struct {
	start, end   int
	kind, symbol string
}

// extractor holds the state of one Parse call.
type extractor struct {
	lang  *langSpec
	src   []byte
	path  string
	cur   *ts.TreeCursor
	lines lineIndex
	defs  []Symbol
}

func (x *extractor) field(n *ts.Node, name string) *ts.Node {
	return n.ChildByFieldId(x.lang.fields[name])
}

func (x *extractor) text(n *ts.Node) string {
	if n == nil {
		return ""
	}
	s, e := n.ByteRange()
	if e > uint(len(x.src)) || s > e {
		return ""
	}
	return string(x.src[s:e])
}

func (x *extractor) children(n *ts.Node) []ts.Node {
	return n.Children(x.cur)
}

func rows(n *ts.Node) (int, int) {
	s, e := n.StartPosition(), n.EndPosition()
	end := int(e.Row)
	// A node that ends at column 0 (a trailing newline is part of it) does not occupy that row.
	if e.Column == 0 && e.Row > s.Row {
		end--
	}
	return int(s.Row), end
}

// topLevel turns the children of n into items using the language's handler.
func (x *extractor) topLevel(n *ts.Node) []item {
	var items []item
	for _, c := range x.children(n) {
		items = append(items, x.lang.top(x, &c)...)
	}
	return items
}

// plain makes an item for a node that is not a definition chunk.
func plain(n *ts.Node) item {
	s, e := rows(n)
	return item{start: s, end: e}
}

// commentItem makes an item for a comment node.
func commentItem(n *ts.Node) item {
	it := plain(n)
	it.comment = true
	return it
}

// addDef records a definition and returns its index+1 (for item.docTarget).
func (x *extractor) addDef(name, kind, container string, whole, nameNode *ts.Node, sig string) int {
	if name == "" {
		return 0
	}
	s, e := rows(whole)
	line := s
	if nameNode != nil {
		line = int(nameNode.StartPosition().Row)
	}
	x.defs = append(x.defs, Symbol{
		Name: name, Kind: kind, Container: container, Path: x.path,
		StartLine: s + 1, EndLine: e + 1, Line: line + 1,
		Signature: oneLine(sig, maxSigBytes),
	})
	return len(x.defs)
}

// head returns the text of n up to the start of its body (or all of it), for signatures.
func (x *extractor) head(n, body *ts.Node) string {
	s, e := n.ByteRange()
	if body != nil {
		e, _ = body.ByteRange()
	}
	if e > uint(len(x.src)) || s > e {
		return ""
	}
	if e-s > 4*maxSigBytes {
		e = s + 4*maxSigBytes
	}
	return strings.TrimRight(string(x.src[s:e]), " \t\r\n{;")
}

// defItem makes a chunk item for a definition node.
func (x *extractor) defItem(n *ts.Node, kind, symbol string, doc int, body *ts.Node) item {
	it := plain(n)
	it.def, it.kind, it.symbol, it.docTarget = true, kind, symbol, doc
	if body != nil {
		it.body, it.hasBody = *body, true
	}
	return it
}

// setMembers stores the items of a class-like body in it, with the comments above each member
// attached and turned into its Doc now, since a short class is never laid out member by member.
func (x *extractor) setMembers(it *item, members []item) {
	it.members = x.attachComments(mergeOverlaps(members))
}

// oneLine collapses runs of white space into one space, trims, and caps the length at max bytes
// without cutting a UTF-8 sequence.
func oneLine(s string, max int) string {
	var b []byte
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			space = len(b) > 0
			continue
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
		if len(b) >= max+4 {
			break
		}
	}
	return string(capBytes(b, max))
}

// capBytes cuts b to at most max bytes at a UTF-8 boundary.
func capBytes(b []byte, max int) []byte {
	if len(b) <= max {
		return b
	}
	i := max
	for i > 0 && i > max-utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	return b[:i]
}

// layout groups items into spans covering rows from..to: definitions alone (split when long),
// comments attached to the definition below them, and everything else merged into spans of
// fillKind up to MaxLines.
func (x *extractor) layout(items []item, from, to int, fillKind, fillSymbol string) []span {
	items = mergeOverlaps(items)
	items = x.attachComments(items)
	var spans []span
	for i := 0; i < len(items); i++ {
		it := items[i]
		if it.def {
			spans = append(spans, x.defSpans(it)...)
			continue
		}
		// Merge a run of non-definitions while it fits.
		j := i
		for j+1 < len(items) && !items[j+1].def && items[j+1].end-it.start+1 <= MaxLines {
			j++
		}
		spans = append(spans, splitRows(it.start, items[j].end, fillKind, fillSymbol, nil)...)
		i = j
	}
	return x.cover(spans, from, to)
}

// mergeOverlaps joins items that share a row, so that chunks, which are made of whole rows,
// never overlap. The result is a definition if either part was.
func mergeOverlaps(items []item) []item {
	out := items[:0]
	for _, it := range items {
		if n := len(out); n > 0 && it.start <= out[n-1].end {
			p := &out[n-1]
			if it.end > p.end {
				p.end = it.end
			}
			if !p.def && it.def {
				start := p.start
				*p = it
				p.start = start
			}
			p.comment = p.comment && it.comment
			continue
		}
		out = append(out, it)
	}
	return out
}

// attachComments folds each run of comments that touches the definition below it into that
// definition, and fills the definition's Doc from the comments.
func (x *extractor) attachComments(items []item) []item {
	out := make([]item, 0, len(items))
	for i := 0; i < len(items); i++ {
		it := items[i]
		if !it.comment {
			out = append(out, it)
			continue
		}
		j := i
		for j+1 < len(items) && items[j+1].comment && items[j+1].start <= items[j].end+1 {
			j++
		}
		if j+1 < len(items) && (items[j+1].def || items[j+1].docTarget > 0) && items[j+1].start <= items[j].end+1 {
			d := items[j+1]
			if d.docTarget > 0 && x.defs[d.docTarget-1].Doc == "" {
				x.defs[d.docTarget-1].Doc = commentDoc(x.src[x.lines.start(it.start):x.lines.end(items[j].end)])
			}
			d.start = it.start
			out = append(out, d)
			i = j + 1
			continue
		}
		for k := i; k <= j; k++ {
			c := items[k]
			c.comment = false
			out = append(out, c)
		}
		i = j
	}
	return out
}

// defSpans lays out one definition: whole if short, class-like ones as head plus members, and
// other long ones split at statement boundaries.
func (x *extractor) defSpans(it item) []span {
	if it.end-it.start+1 <= MaxLines {
		return []span{{it.start, it.end, it.kind, it.symbol}}
	}
	if len(it.members) > 0 {
		spans := x.layout(it.members, it.start, it.end, it.kind, it.symbol)
		// The closing brace alone would make a chunk of one line: give it to the last member.
		if n := len(spans); n > 1 && spans[n-1].end-spans[n-1].start < 2 && spans[n-1].kind == it.kind &&
			spans[n-2].end-spans[n-2].start+1 < MaxLines {
			spans[n-2].end = spans[n-1].end
			spans = spans[:n-1]
		}
		return spans
	}
	cuts := it.cuts
	if cuts == nil && it.hasBody {
		cuts = x.statementRows(&it.body)
	}
	return splitRows(it.start, it.end, it.kind, it.symbol, cuts)
}

// statementRows lists the first rows of the statements in a body: good places to cut it.
func (x *extractor) statementRows(body *ts.Node) []int {
	kids := x.children(body)
	// Go wraps statements in a statement_list; look through a single wrapper.
	named := 0
	var only ts.Node
	for i := range kids {
		if kids[i].IsNamed() {
			named++
			only = kids[i]
		}
	}
	if named == 1 && only.NamedChildCount() > 1 {
		kids = x.children(&only)
	}
	cuts := make([]int, 0, len(kids))
	for i := range kids {
		cuts = append(cuts, int(kids[i].StartPosition().Row))
	}
	return cuts
}

// splitRows cuts rows start..end into pieces of at most MaxLines rows, preferring to cut just
// before one of the rows in cuts (sorted), else anywhere.
func splitRows(start, end int, kind, symbol string, cuts []int) []span {
	var out []span
	pos := start
	for end-pos+1 > MaxLines {
		remain := end - pos + 1
		n := (remain + splitTarget - 1) / splitTarget
		target := (remain + n - 1) / n
		lo, hi := pos+minPieceLines, pos+MaxLines // the next piece starts at a row in [lo, hi]
		if target < minPieceLines {
			lo = pos + target
		}
		best := -1
		for _, c := range cuts {
			if c < lo {
				continue
			}
			if c > hi {
				break
			}
			if best < 0 || abs(c-(pos+target)) < abs(best-(pos+target)) {
				best = c
			}
		}
		if best < 0 {
			best = pos + target
		}
		out = append(out, span{pos, best - 1, kind, symbol})
		pos = best
	}
	return append(out, span{pos, end, kind, symbol})
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// cover stretches spans so that together they cover rows from..to, then trims blank rows from
// their ends and drops spans left empty. Rows between spans belong to the span before them.
func (x *extractor) cover(spans []span, from, to int) []span {
	if to < from {
		return nil
	}
	if len(spans) == 0 {
		spans = []span{{from, to, "decl", ""}}
	}
	spans[0].start = from
	for i := 0; i+1 < len(spans); i++ {
		spans[i].end = spans[i+1].start - 1
	}
	if last := &spans[len(spans)-1]; last.end < to {
		last.end = to
	}
	out := spans[:0]
	for _, s := range spans {
		for s.start <= s.end && x.lines.blank(x.src, s.start) {
			s.start++
		}
		for s.end >= s.start && x.lines.blank(x.src, s.end) {
			s.end--
		}
		if s.start <= s.end {
			out = append(out, s)
		}
	}
	return out
}

// chunks turns spans into chunks, splitting any that exceed maxChunkBytes.
func (x *extractor) chunks(spans []span) []Chunk {
	out := make([]Chunk, 0, len(spans))
	for _, s := range spans {
		out = appendCapped(out, x.path, x.src, x.lines, s.start, s.end, s.kind, s.symbol)
	}
	return out
}

// appendCapped appends the chunk for rows start..end, cut into pieces of about equal size if it
// is over maxChunkBytes; a single row over the limit is cut at UTF-8 boundaries.
func appendCapped(out []Chunk, path string, src []byte, li lineIndex, start, end int, kind, symbol string) []Chunk {
	sb, eb := li.start(start), li.end(end)
	if eb-sb <= maxChunkBytes {
		return append(out, mkChunk(path, src, sb, eb, start, end, kind, symbol))
	}
	pieces := (eb - sb + maxChunkBytes - 1) / maxChunkBytes
	target := (eb - sb + pieces - 1) / pieces
	r := start
	for r <= end {
		pStart := r
		pb := li.start(r)
		// Take whole rows while the piece stays under the target.
		for r <= end && (r == pStart || li.end(r)-pb <= target) && li.end(r)-pb <= maxChunkBytes {
			r++
		}
		if r == pStart { // one row longer than the cap
			out = appendLongRow(out, path, src, li, r, kind, symbol)
			r++
			continue
		}
		out = append(out, mkChunk(path, src, pb, li.end(r-1), pStart, r-1, kind, symbol))
	}
	return out
}

func appendLongRow(out []Chunk, path string, src []byte, li lineIndex, row int, kind, symbol string) []Chunk {
	b, e := li.start(row), li.end(row)
	for b < e {
		n := e
		if n-b > maxChunkBytes {
			n = b + len(capBytes(src[b:e], maxChunkBytes))
			if n == b { // no rune start near the cut: invalid UTF-8, cut anyway
				n = b + maxChunkBytes
			}
		}
		out = append(out, mkChunk(path, src, b, n, row, row, kind, symbol))
		b = n
	}
	return out
}

func mkChunk(path string, src []byte, sb, eb, start, end int, kind, symbol string) Chunk {
	return Chunk{Path: path, StartLine: start + 1, EndLine: end + 1, StartByte: sb, EndByte: eb,
		Kind: kind, Symbol: symbol, Text: string(src[sb:eb])}
}

// windowChunks cuts src into windows of WindowLines lines, skipping blank ones at their ends.
func windowChunks(path string, src []byte, li lineIndex) []Chunk {
	var out []Chunk
	n := li.count()
	for r := 0; r < n; r += WindowLines {
		s, e := r, min(r+WindowLines, n)-1
		for s <= e && li.blank(src, s) {
			s++
		}
		for e >= s && li.blank(src, e) {
			e--
		}
		if s <= e {
			out = appendCapped(out, path, src, li, s, e, "window", "")
		}
	}
	return out
}

// lineIndex holds the byte offset at which each row starts, and the length of the source.
type lineIndex struct {
	starts []int
	size   int
}

func newLineIndex(src []byte) lineIndex {
	starts := make([]int, 1, len(src)/30+2)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		if i >= len(src) {
			break
		}
		starts = append(starts, i)
	}
	return lineIndex{starts: starts, size: len(src)}
}

func (li lineIndex) count() int { return len(li.starts) }

func (li lineIndex) start(r int) int {
	if r >= len(li.starts) {
		return li.size
	}
	return li.starts[r]
}

// end is the offset just past row r, including its newline.
func (li lineIndex) end(r int) int {
	if r+1 < len(li.starts) {
		return li.starts[r+1]
	}
	return li.size
}

func (li lineIndex) blank(src []byte, r int) bool {
	for _, c := range src[li.start(r):li.end(r)] {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' {
			return false
		}
	}
	return true
}
