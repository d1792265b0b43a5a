package mcp

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"ragls/indexer"
)

// Argument bounds: large enough for any real use, small enough that one call cannot flood the
// agent's context or stall the server.
const (
	defaultK       = 8
	maxK           = 50
	defaultBudget  = 1024
	maxBudget      = 16384
	defaultRefs    = 50
	maxRefs        = 500
	maxDefinitions = 20
	maxLineShown   = 200 // bytes of a source line quoted in a reference
)

type searchArgs struct {
	Query string `json:"query" jsonschema:"what to look for: words (\"parse the config file\"), an identifier (\"ReadFile\", \"json.Unmarshal\") or a code fragment"`
	K     int    `json:"k,omitempty" jsonschema:"how many results to return, 1 to 50 (default 8)"`
	Path  string `json:"path,omitempty" jsonschema:"only search under this directory or file (relative to the root), or in files matching this glob (\"*_test.go\", \"engine/*.go\")"`
}

type contextArgs struct {
	Path    string  `json:"path" jsonschema:"the file, relative to the root"`
	Line    int     `json:"line" jsonschema:"1-based line of the position"`
	Column  int     `json:"column,omitempty" jsonschema:"1-based column (byte) of the position (default 1)"`
	Content *string `json:"content,omitempty" jsonschema:"the file's text as you hold it, if it differs from the file on disk (unsaved edits)"`
	Budget  int     `json:"budget,omitempty" jsonschema:"token budget for the context, 1 to 16384 (default 1024)"`
}

type definitionArgs struct {
	Symbol string `json:"symbol" jsonschema:"the name to look up: \"Total\", or qualified by package or type: \"bytes.NewReader\", \"Server.Run\""`
	Path   string `json:"path,omitempty" jsonschema:"the file you are reading, so that definitions near it rank first"`
}

type referencesArgs struct {
	Symbol string `json:"symbol" jsonschema:"the identifier whose uses to list (\"Total\"; a qualifier as in \"Server.Run\" is dropped: uses are matched by name)"`
	Path   string `json:"path,omitempty" jsonschema:"only list uses under this directory or file, or in files matching this glob"`
	Limit  int    `json:"limit,omitempty" jsonschema:"how many uses to list, 1 to 500 (default 50)"`
}

type outlineArgs struct {
	Path   string `json:"path,omitempty" jsonschema:"a file or directory relative to the root (default: the whole repository)"`
	Budget int    `json:"budget,omitempty" jsonschema:"token budget for the map, 1 to 16384 (default 1024)"`
}

func readOnly(title string) *sdk.ToolAnnotations {
	no := false
	return &sdk.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: &no, DestructiveHint: &no}
}

func (s *Server) addTools() {
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "search",
		Description: "Search the repository's index for code matching a free-text or code query, best first. " +
			"Each result is a whole function, type or block with its path and line range. " +
			"Use it to find where something is implemented before reading files; narrow with path.",
		Annotations: readOnly("Search code"),
	}, s.search)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "context",
		Description: "The cross-file context ragls would give a language model at a position in a file: " +
			"definitions of what is used there, similar code, recent changes, packed within a token budget. " +
			"Use it before editing code at that position.",
		Annotations: readOnly("Context at a position"),
	}, s.context)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "definition",
		Description: "Where a symbol (function, type, method, variable...) is defined: path, line range, " +
			"signature and doc comment. Qualify it (\"json.Unmarshal\", \"Server.Run\") to pick among many.",
		Annotations: readOnly("Find definition"),
	}, s.definition)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "references",
		Description: "Where an identifier is used, as path:line and the line's text, outside its definitions and comments. " +
			"Matched by name across the repository, so same-named symbols are included.",
		Annotations: readOnly("Find references"),
	}, s.references)
	sdk.AddTool(s.srv, &sdk.Tool{
		Name: "outline",
		Description: "A compact map of the definitions in a file, a directory or the whole repository: signatures with " +
			"line numbers, the most referenced first (ranked by PageRank over which files use which names), " +
			"within a token budget. Start here to learn a repository's layout.",
		Annotations: readOnly("Repository map"),
	}, s.outline)
}

// scope is a path filter: a directory or file prefix, or a glob.
type scope struct {
	root  string // "" for every root
	match func(rel string) bool
}

func (s *Server) scopeOf(rs []root, arg, p string) (scope, error) {
	if p == "" || p == "." {
		return scope{}, nil
	}
	if strings.ContainsAny(p, "*?[") {
		var r root
		pat := p
		if len(rs) > 1 {
			first, rest, ok := strings.Cut(p, "/")
			for _, c := range rs {
				if c.name == first && ok {
					r, pat = c, rest
				}
			}
		}
		if _, err := path.Match(pat, ""); err != nil {
			return scope{}, badArg(arg, "bad glob %q: %v", p, err)
		}
		base := !strings.Contains(pat, "/")
		return scope{root: r.dir, match: func(rel string) bool {
			if ok, _ := path.Match(pat, rel); ok {
				return true
			}
			if base {
				ok, _ := path.Match(pat, path.Base(rel))
				return ok
			}
			return false
		}}, nil
	}
	r, rel, err := s.resolve(rs, arg, p)
	if err != nil {
		return scope{}, err
	}
	if rel == "." {
		return scope{root: r.dir}, nil
	}
	return scope{root: r.dir, match: func(p string) bool { return p == rel || strings.HasPrefix(p, rel+"/") }}, nil
}

func (sc scope) roots(rs []root) []root {
	if sc.root == "" {
		return rs
	}
	for _, r := range rs {
		if r.dir == sc.root {
			return []root{r}
		}
	}
	return nil
}

func (s *Server) search(ctx context.Context, req *sdk.CallToolRequest, a searchArgs) (*sdk.CallToolResult, any, error) {
	a.Query = strings.TrimSpace(a.Query)
	if a.Query == "" {
		return nil, nil, badArg("query", "must not be empty")
	}
	if err := bounded("k", &a.K, defaultK, maxK, ""); err != nil {
		return nil, nil, err
	}
	rs := s.roots()
	sc, err := s.scopeOf(rs, "path", a.Path)
	if err != nil {
		return nil, nil, err
	}
	in := sc.roots(rs)
	note := s.ready(ctx, req, in)
	type hit struct {
		indexer.Hit
		r root
	}
	var hits []hit
	for _, r := range in {
		hs, err := s.eng.Search(ctx, r.dir, a.Query, a.K, sc.match)
		if err != nil {
			return nil, nil, fmt.Errorf("searching %s: %w", r.name, err)
		}
		refuse := s.eng.Guard(r.dir)
		for _, h := range hs {
			if refuse(h.Path, false) == "" {
				hits = append(hits, hit{h, r})
			}
		}
	}
	slices.SortStableFunc(hits, func(x, y hit) int {
		switch {
		case x.Score > y.Score:
			return -1
		case x.Score < y.Score:
			return 1
		}
		return 0
	})
	hits = hits[:min(len(hits), a.K)]
	o := &output{max: s.opts.MaxOutput}
	o.add(note)
	if len(hits) == 0 {
		o.add(fmt.Sprintf("No results for %q%s. Try other words, an identifier, or a wider path.\n", a.Query, scopeNote(a.Path)))
		return text(o.b.String()), nil, nil
	}
	o.add(fmt.Sprintf("%s for %q%s, best first:\n", plural(len(hits), "result"), a.Query, scopeNote(a.Path)))
	shown := 0
	for _, h := range hits {
		if !o.add(formatHit(s.show(rs, h.r, h.Path), h.Hit)) {
			break
		}
		shown++
	}
	if o.truncated {
		o.truncated = false
		o.max += 512
		o.add(fmt.Sprintf("\n[truncated: %d of %d results shown (output limit %d KiB); narrow the query with path (a directory, file or glob) or a smaller k]\n", shown, len(hits), s.opts.MaxOutput>>10))
	}
	return text(o.b.String()), nil, nil
}

func scopeNote(p string) string {
	if p == "" || p == "." {
		return ""
	}
	return " in " + p
}

func formatHit(p string, h indexer.Hit) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n── %s:%d-%d", p, h.StartLine, h.EndLine)
	if h.Symbol != "" {
		fmt.Fprintf(&b, "  %s %s", h.Kind, h.Symbol)
	}
	fmt.Fprintf(&b, "  (%s)\n", h.Source)
	b.WriteString(strings.TrimRight(h.Text, "\n"))
	b.WriteString("\n")
	return b.String()
}

func (s *Server) context(ctx context.Context, req *sdk.CallToolRequest, a contextArgs) (*sdk.CallToolResult, any, error) {
	if a.Path == "" {
		return nil, nil, badArg("path", "must name a file")
	}
	if a.Line < 1 {
		return nil, nil, badArg("line", "must be 1 or more, got %d", a.Line)
	}
	if a.Column == 0 {
		a.Column = 1
	}
	if a.Column < 1 {
		return nil, nil, badArg("column", "must be 1 or more, got %d", a.Column)
	}
	if err := bounded("budget", &a.Budget, defaultBudget, maxBudget, "tokens"); err != nil {
		return nil, nil, err
	}
	rs := s.roots()
	r, rel, err := s.resolve(rs, "path", a.Path)
	if err != nil {
		return nil, nil, err
	}
	if rel == "." {
		return nil, nil, badArg("path", "must name a file, not the root")
	}
	if why := s.eng.Guard(r.dir)(rel, false); why != "" {
		return nil, nil, refused(a.Path, why)
	}
	note := s.ready(ctx, req, []root{r})
	if a.Content == nil {
		if t := s.fileText(r, rel); t != "" && a.Line > lineCount(t) {
			lines := lineCount(t)
			return nil, nil, badArg("line", "%s has %d lines, got line %d", a.Path, lines, a.Line)
		}
	}
	res, err := s.eng.Context(ctx, r.dir, rel, a.Line, a.Column, a.Content, a.Budget)
	if err != nil {
		if strings.HasPrefix(err.Error(), "no file ") {
			return nil, nil, badArg("path", "no file %s under the root (give content to ask about an unsaved file)", a.Path)
		}
		return nil, nil, err
	}
	refuse := s.eng.Guard(r.dir)
	o := &output{max: s.opts.MaxOutput}
	o.add(note)
	o.add(fmt.Sprintf("Context for %s:%d:%d: %d items, %d of %d tokens, most relevant first:\n", s.show(rs, r, rel), a.Line, a.Column, len(res.Items), res.Tokens, a.Budget))
	shown := 0
	for _, h := range res.Items {
		if refuse(h.Path, false) != "" {
			continue
		}
		if !o.add(formatHit(s.show(rs, r, h.Path), h)) {
			break
		}
		shown++
	}
	if o.truncated {
		o.truncated = false
		o.max += 512
		o.add(fmt.Sprintf("\n[truncated: %d of %d items shown (output limit %d KiB); ask with a smaller budget]\n", shown, len(res.Items), s.opts.MaxOutput>>10))
	}
	return text(o.b.String()), nil, nil
}

// fileText is the indexed text of a file, "" if it is not indexed.
func (s *Server) fileText(r root, rel string) string {
	t, _ := s.eng.Indexed(r.dir, rel)
	return t
}

func refused(p, why string) error {
	switch why {
	case "secret":
		return badArg("path", "%s is a secret file (keys, credentials, .env...): ragls never reads or returns it", p)
	case "ignored":
		return badArg("path", "%s is ignored (.gitignore, .raglsignore or ragls settings): it is not in the index", p)
	}
	return badArg("path", "%s is not indexed (%s)", p, why)
}

// splitSymbol parses "Name", "pkg.Name" or "Type.Method".
func splitSymbol(sym string) (name, qualifier string, err error) {
	sym = strings.TrimSpace(sym)
	sym = strings.TrimSuffix(sym, "()")
	if sym == "" {
		return "", "", badArg("symbol", "must not be empty")
	}
	parts := strings.Split(sym, ".")
	for _, p := range parts {
		if !isIdent(p) {
			return "", "", badArg("symbol", "%q is not an identifier (expected Name, pkg.Name or Type.Method)", sym)
		}
	}
	name = parts[len(parts)-1]
	if len(parts) > 1 {
		qualifier = parts[len(parts)-2]
	}
	return name, qualifier, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r == '$' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 0x7f:
		case i > 0 && r >= '0' && r <= '9':
		default:
			return false
		}
	}
	return true
}

func (s *Server) definition(ctx context.Context, req *sdk.CallToolRequest, a definitionArgs) (*sdk.CallToolResult, any, error) {
	name, qual, err := splitSymbol(a.Symbol)
	if err != nil {
		return nil, nil, err
	}
	rs := s.roots()
	in := rs
	from := ""
	if a.Path != "" {
		r, rel, err := s.resolve(rs, "path", a.Path)
		if err != nil {
			return nil, nil, err
		}
		in, from = []root{r}, rel
		for _, o := range rs {
			if o.dir != r.dir {
				in = append(in, o)
			}
		}
	}
	note := s.ready(ctx, req, in)
	type def struct {
		indexer.Symbol
		r root
	}
	var defs []def
	for _, r := range in {
		refuse := s.eng.Guard(r.dir)
		p := ""
		if r.dir == in[0].dir {
			p = from
		}
		for _, d := range s.eng.Definitions(r.dir, name, p, qual) {
			if refuse(d.Path, false) == "" {
				defs = append(defs, def{d, r})
			}
		}
	}
	if qual != "" {
		// Keep the definitions the qualifier names, if any does.
		var named []def
		for _, d := range defs {
			if d.Container == qual || path.Base(path.Dir(d.Path)) == qual {
				named = append(named, d)
			}
		}
		if len(named) > 0 {
			defs = named
		}
	}
	o := &output{max: s.opts.MaxOutput}
	o.add(note)
	if len(defs) == 0 {
		o.add(fmt.Sprintf("No definition of %s in the index. It may come from outside the repository (a dependency or the standard library); try search with %q.\n", a.Symbol, name))
		return text(o.b.String()), nil, nil
	}
	if len(defs) == 1 {
		o.add(fmt.Sprintf("1 definition of %s:\n", a.Symbol))
	} else {
		o.add(fmt.Sprintf("%d definitions of %s, most likely first:\n", len(defs), a.Symbol))
	}
	shown := 0
	for _, d := range defs {
		if shown == maxDefinitions || !o.add(formatDef(s.show(rs, d.r, d.Path), d.Symbol)) {
			break
		}
		shown++
	}
	if shown < len(defs) {
		o.truncated = false
		o.max += 512
		o.add(fmt.Sprintf("\n[%d more not shown; qualify the symbol (\"pkg.%s\" or \"Type.%s\") or give path to rank by the file you read]\n", len(defs)-shown, name, name))
	}
	return text(o.b.String()), nil, nil
}

func formatDef(p string, d indexer.Symbol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s:%d-%d  %s", p, d.StartLine, d.EndLine, d.Kind)
	if d.Container != "" {
		fmt.Fprintf(&b, " in %s", d.Container)
	}
	b.WriteString("\n")
	if d.Doc != "" {
		for _, l := range strings.Split(strings.TrimRight(d.Doc, "\n"), "\n") {
			b.WriteString("  // " + l + "\n")
		}
	}
	sig := d.Signature
	if sig == "" {
		sig = d.Name
	}
	b.WriteString("  " + sig + "\n")
	return b.String()
}

func (s *Server) references(ctx context.Context, req *sdk.CallToolRequest, a referencesArgs) (*sdk.CallToolResult, any, error) {
	name, _, err := splitSymbol(a.Symbol)
	if err != nil {
		return nil, nil, err
	}
	if err := bounded("limit", &a.Limit, defaultRefs, maxRefs, ""); err != nil {
		return nil, nil, err
	}
	rs := s.roots()
	sc, err := s.scopeOf(rs, "path", a.Path)
	if err != nil {
		return nil, nil, err
	}
	in := sc.roots(rs)
	note := s.ready(ctx, req, in)
	o := &output{max: s.opts.MaxOutput}
	o.add(note)
	var lines []string
	total := 0
	for _, r := range in {
		refuse := s.eng.Guard(r.dir)
		// A scope is applied after the lookup, so ask for every use when there is one.
		limit := a.Limit
		if sc.match != nil {
			limit = 1 << 30
		}
		locs, n := s.eng.Uses(r.dir, name, limit)
		if sc.match != nil {
			n = 0
		}
		var file, content string
		for _, l := range locs {
			if sc.match != nil && !sc.match(l.Path) {
				continue
			}
			if refuse(l.Path, false) != "" {
				continue
			}
			if sc.match != nil {
				n++
			}
			if len(lines) >= a.Limit {
				continue
			}
			if l.Path != file {
				file = l.Path
				content, _ = s.eng.Indexed(r.dir, l.Path)
			}
			lines = append(lines, fmt.Sprintf("%s:%d: %s\n", s.show(rs, r, l.Path), l.Line, lineText(content, l.Line)))
		}
		total += n
	}
	if total == 0 {
		o.add(fmt.Sprintf("No uses of %s%s in the index (definitions and comments are not uses).\n", name, scopeNote(a.Path)))
		return text(o.b.String()), nil, nil
	}
	o.add(fmt.Sprintf("%s of %s%s (matched by name):\n", plural(total, "use"), name, scopeNote(a.Path)))
	shown := 0
	for _, l := range lines {
		if !o.add(l) {
			break
		}
		shown++
	}
	if shown < total {
		o.truncated = false
		o.max += 512
		o.add(fmt.Sprintf("[%d of %d shown; narrow with path (a directory, file or glob) or raise limit (at most %d)]\n", shown, total, maxRefs))
	}
	return text(o.b.String()), nil, nil
}

// lineText returns line n (1-based) of content, trimmed and shortened.
func lineText(content string, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(content, '\n')
		if j < 0 {
			return ""
		}
		content = content[j+1:]
	}
	if j := strings.IndexByte(content, '\n'); j >= 0 {
		content = content[:j]
	}
	content = strings.TrimSpace(content)
	if len(content) > maxLineShown {
		cut := maxLineShown
		for cut > 0 && content[cut]&0xc0 == 0x80 {
			cut--
		}
		content = content[:cut] + "…"
	}
	return content
}

func (s *Server) outline(ctx context.Context, req *sdk.CallToolRequest, a outlineArgs) (*sdk.CallToolResult, any, error) {
	if err := bounded("budget", &a.Budget, defaultBudget, maxBudget, "tokens"); err != nil {
		return nil, nil, err
	}
	rs := s.roots()
	in := rs
	var match func(string) bool
	var file string // the one file asked about, if any
	var note string
	if a.Path != "" && a.Path != "." {
		r, rel, err := s.resolve(rs, "path", a.Path)
		if err != nil {
			return nil, nil, err
		}
		in = []root{r}
		if why := s.eng.Guard(r.dir)(rel, false); why == "secret" {
			return nil, nil, refused(a.Path, why)
		}
		note = s.ready(ctx, req, in)
		if rel != "." {
			refuse := s.eng.Guard(r.dir)
			if _, ok := s.eng.Indexed(r.dir, rel); ok {
				if why := refuse(rel, false); why != "" {
					return nil, nil, refused(a.Path, why)
				}
				file = rel
				match = func(p string) bool { return p == rel }
			} else {
				if why := refuse(rel, false); why == "secret" {
					return nil, nil, refused(a.Path, why)
				}
				if why := refuse(rel, true); why != "" {
					return nil, nil, refused(a.Path, why)
				}
				prefix := rel + "/"
				if !slices.ContainsFunc(s.eng.Paths(r.dir), func(p string) bool { return strings.HasPrefix(p, prefix) }) {
					return nil, nil, badArg("path", "no indexed file or directory %s", a.Path)
				}
				match = func(p string) bool { return strings.HasPrefix(p, prefix) }
			}
		}
	}
	if a.Path == "" || a.Path == "." {
		note = s.ready(ctx, req, in)
	}
	type entry struct {
		indexer.RankedSymbol
		r root
	}
	// A definition line costs some tokens, so a budget is spent long before the ranking ends:
	// keep that many from each root, and only count the rest.
	keepN := a.Budget/2 + 64
	var all []entry
	total := 0
	for _, r := range in {
		n := 0
		for d := range s.eng.Outline(r.dir, match) {
			// Fields and locals crowd a map of many files; one file's outline shows them.
			if file == "" && d.Container != "" && d.Kind != "method" {
				continue
			}
			total++
			if n < keepN {
				all = append(all, entry{d, r})
				n++
			}
		}
	}
	if len(rs) > 1 {
		slices.SortStableFunc(all, func(x, y entry) int {
			switch {
			case x.Rank > y.Rank:
				return -1
			case x.Rank < y.Rank:
				return 1
			}
			return 0
		})
	}
	o := &output{max: s.opts.MaxOutput}
	o.add(note)
	if len(all) == 0 {
		o.add(fmt.Sprintf("No definitions in %s.\n", orRoot(a.Path)))
		return text(o.b.String()), nil, nil
	}
	// Take definitions best first while the budget lasts, then print them by file, the files
	// in the order of their best definition and each file's definitions in line order.
	type fileKey struct{ dir, path string }
	byFile := map[fileKey][]entry{}
	var order []fileKey
	guards := map[string]func(string, bool) string{}
	used, taken := 0, 0
	for _, e := range all {
		k := fileKey{e.r.dir, e.Path}
		g := guards[e.r.dir]
		if g == nil {
			g = s.eng.Guard(e.r.dir)
			guards[e.r.dir] = g
		}
		cost := s.eng.Tokens(defLine(e.Symbol))
		if _, seen := byFile[k]; !seen {
			if g(e.Path, false) != "" {
				continue
			}
			cost += s.eng.Tokens(s.show(rs, e.r, e.Path) + ":\n")
		}
		if used+cost > a.Budget {
			if used > a.Budget/2 {
				break
			}
			continue // a long one; shorter ones may still fit
		}
		used += cost
		taken++
		if _, seen := byFile[k]; !seen {
			order = append(order, k)
		}
		byFile[k] = append(byFile[k], e)
	}
	o.add(fmt.Sprintf("Outline of %s: %d of %d definitions in %d files, most referenced first (%d of %d tokens):\n", orRoot(a.Path), taken, total, len(order), used, a.Budget))
	for _, k := range order {
		es := byFile[k]
		slices.SortFunc(es, func(x, y entry) int { return x.Line - y.Line })
		if !o.add("\n" + s.show(rs, es[0].r, k.path) + ":\n") {
			break
		}
		for _, e := range es {
			if !o.add(defLine(e.Symbol)) {
				break
			}
		}
	}
	if taken < total || o.truncated {
		o.truncated = false
		o.max += 512
		o.add(fmt.Sprintf("\n[%d definitions left out; raise budget (at most %d) or outline a directory or file]\n", total-taken, maxBudget))
	}
	return text(o.b.String()), nil, nil
}

func orRoot(p string) string {
	if p == "" || p == "." {
		return "the repository"
	}
	return p
}

func defLine(d indexer.Symbol) string {
	sig := d.Signature
	if sig == "" {
		sig = d.Kind + " " + d.Name
	}
	if d.EndLine > d.StartLine {
		return fmt.Sprintf("  %d-%d %s\n", d.StartLine, d.EndLine, sig)
	}
	return fmt.Sprintf("  %d %s\n", d.StartLine, sig)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func lineCount(t string) int {
	n := strings.Count(t, "\n")
	if !strings.HasSuffix(t, "\n") {
		n++
	}
	return n
}
