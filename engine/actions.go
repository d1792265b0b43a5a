package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"ragls/indexer"
	"ragls/lsp"
	"ragls/prompts"
)

// target is the code an action works on: the selection, or the definition around the cursor.
type target struct {
	start, end int // byte range in the document
	startLine  int // 1-based line of start
	code       string
	def        *indexer.Symbol // the enclosing definition, nil for a plain selection
	lang       string
}

// findTarget returns the selection if there is one, else the innermost function, method or type
// enclosing the cursor, whole lines.
func (e *Engine) findTarget(doc lsp.Doc, start, end int) (target, error) {
	text := doc.Text
	start, end = min(max(start, 0), len(text)), min(max(end, 0), len(text))
	if start > end {
		start, end = end, start
	}
	lang := indexer.LangOf(doc.Path)
	parsed := e.syntax.Parse(doc.Path, []byte(text))
	cursorLine := strings.Count(text[:start], "\n") + 1
	var best *indexer.Symbol
	for i := range parsed.Defs {
		d := &parsed.Defs[i]
		if d.StartLine <= cursorLine && cursorLine <= d.EndLine && (best == nil || d.EndLine-d.StartLine < best.EndLine-best.StartLine) {
			best = d
		}
	}
	if start < end {
		t := target{start: start, end: end, startLine: cursorLine, code: text[start:end], lang: lang}
		if best != nil && best.StartLine == cursorLine {
			t.def = best
		}
		return t, nil
	}
	if best == nil {
		best = documentedBelow(text, parsed.Defs, cursorLine)
	}
	if best == nil {
		return target{}, errors.New("select some code, or put the cursor in a function")
	}
	s, en := indexer.Offset(text, best.StartLine, 1), indexer.Offset(text, best.EndLine+1, 1)
	return target{start: s, end: en, startLine: best.StartLine, code: text[s:en], def: best, lang: lang}, nil
}

// actionInput gathers what a prompt needs: the code, its surroundings and repository context.
func (e *Engine) actionInput(ctx context.Context, doc lsp.Doc, t target, cfg prompts.Config) prompts.ActionInput {
	in := prompts.ActionInput{
		Language:  t.lang,
		Path:      doc.Path,
		StartLine: t.startLine,
		Code:      t.code,
		Before:    lastN(doc.Text[:t.start], 30),
		After:     firstN(doc.Text[t.end:], 10),
	}
	if r, rel, ok := e.locate(doc.Path); ok {
		in.Path = rel
		// A third of the window for repository context leaves room for the code and the answer.
		res, err := r.Index.Context(ctx, indexer.ContextRequest{
			Path: rel, Content: doc.Text, HasContent: true, Offset: t.start + len(t.code)/2,
			Budget: max(e.model.limits(cfg.ChatModel).Window/3, 256), Counter: e.model.counter,
		})
		if err == nil {
			in.Snippets = snippets(res.Items)
		}
	}
	return in
}

func snippets(items []indexer.Hit) []prompts.Snippet {
	out := make([]prompts.Snippet, len(items))
	for i, h := range items {
		out[i] = prompts.Snippet{Path: h.Path, StartLine: h.StartLine, EndLine: h.EndLine, Kind: h.Kind, Text: h.Text}
	}
	return out
}

func lastN(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		j := strings.LastIndexByte(s[:i-1], '\n')
		if j < 0 {
			return s
		}
		i = j + 1
	}
	return s[i:]
}

func firstN(s string, n int) string {
	i := 0
	for ; n > 0 && i < len(s); n-- {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return s
		}
		i += j + 1
	}
	return s[:i]
}

// Explain streams an explanation of the selection or the function around start to onDelta and
// returns it whole: the path both the editor's action and "ragls explain" take.
func (e *Engine) Explain(ctx context.Context, doc lsp.Doc, start, end int, onDelta func(string)) (string, error) {
	t, err := e.findTarget(doc, start, end)
	if err != nil {
		return "", err
	}
	cfg, client, prompter := e.model.current()
	msgs, err := prompter.Render(prompts.ActionExplain, e.actionInput(ctx, doc, t, cfg))
	if err != nil {
		return "", err
	}
	res, err := client.Chat(ctx, prompts.ChatRequest{Messages: msgs}, onDelta)
	e.model.observe(err)
	if err != nil {
		return "", err
	}
	return res.Text, nil
}

// Action implements lsp.Engine.
func (e *Engine) Action(ctx context.Context, req lsp.ActionRequest) (lsp.ActionResult, error) {
	if req.Kind == lsp.ActionExplain {
		md, err := e.Explain(ctx, req.Doc, req.Start, req.End, nil)
		return lsp.ActionResult{Markdown: md}, err
	}
	t, err := e.findTarget(req.Doc, req.Start, req.End)
	if err != nil {
		return lsp.ActionResult{}, err
	}
	if req.Kind == lsp.ActionFix && req.Start < req.End {
		// Fix the whole function around the diagnostic, not just the flagged span: the model
		// needs the surroundings and its answer replaces whole lines.
		if whole, err := e.findTarget(req.Doc, req.Start, req.Start); err == nil {
			t = whole
		}
	}
	cfg, client, prompter := e.model.current()
	in := e.actionInput(ctx, req.Doc, t, cfg)
	action := ""
	switch req.Kind {
	case lsp.ActionExplainInline:
		action = prompts.ActionRefactor
		in.Instruction = "Add concise comments that explain what this code does and why. Change nothing else: every line of code must stay exactly as it is."
	case lsp.ActionDocument:
		action = prompts.ActionDocument
	case lsp.ActionRefactor:
		action = prompts.ActionRefactor
		in.Instruction = req.Instruction
	case lsp.ActionFix:
		action = prompts.ActionFix
		in.Diagnostic = req.Diagnostic
	case lsp.ActionTest:
		action = prompts.ActionTest
	default:
		return lsp.ActionResult{}, fmt.Errorf("unknown action %q", req.Kind)
	}
	msgs, err := prompter.Render(action, in)
	if err != nil {
		return lsp.ActionResult{}, err
	}
	res, err := client.Structured(ctx, action, msgs)
	e.model.observe(err)
	if err != nil {
		return lsp.ActionResult{}, err
	}
	switch req.Kind {
	case lsp.ActionDocument:
		return e.documentEdit(req.Doc, t, res.Doc)
	case lsp.ActionTest:
		return e.testEdit(req.Doc, t, res)
	}
	if strings.TrimSpace(res.Code) == "" {
		return lsp.ActionResult{}, fmt.Errorf("the model returned no code for %s", req.Kind)
	}
	return lsp.ActionResult{
		Edits:    []lsp.Edit{{Start: t.start, End: t.end, NewText: matchEnding(res.Code, t.code)}},
		Markdown: res.Explanation,
	}, nil
}

// matchEnding makes code end with a newline exactly when the text it replaces did.
func matchEnding(code, replaced string) string {
	code = strings.TrimRight(code, "\n")
	if strings.HasSuffix(replaced, "\n") {
		code += "\n"
	}
	return code
}

// documentEdit turns a doc comment's text into an edit above the definition (replacing the
// comment already there), in the comment syntax of the language.
func (e *Engine) documentEdit(doc lsp.Doc, t target, text string) (lsp.ActionResult, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return lsp.ActionResult{}, errors.New("the model returned an empty doc comment")
	}
	if t.def == nil {
		return lsp.ActionResult{}, errors.New("put the cursor in a function or type to document it")
	}
	defLine := indexer.Offset(doc.Text, t.def.Line, 1)
	lineText := doc.Text[defLine:lineEnd(doc.Text, defLine)]
	indent := lineText[:len(lineText)-len(strings.TrimLeft(lineText, " \t"))]
	lines := strings.Split(text, "\n")
	if t.lang == "python" {
		// A docstring goes inside, after the "def ...:" line.
		after := lineEnd(doc.Text, defLine)
		if after < len(doc.Text) {
			after++
		}
		body := indent + "    "
		var b strings.Builder
		b.WriteString(body + `"""` + lines[0])
		for _, l := range lines[1:] {
			b.WriteString("\n" + strings.TrimRight(body+l, " "))
		}
		if len(lines) > 1 {
			b.WriteString("\n" + body)
		}
		b.WriteString(`"""` + "\n")
		return lsp.ActionResult{Edits: []lsp.Edit{{Start: after, End: after, NewText: b.String()}}}, nil
	}
	prefix := "// "
	switch t.lang {
	case "rust":
		prefix = "/// "
	case "java", "javascript", "typescript", "tsx":
		prefix = " * "
	}
	var b strings.Builder
	if prefix == " * " {
		b.WriteString(indent + "/**\n")
	}
	for _, l := range lines {
		b.WriteString(strings.TrimRight(indent+prefix+l, " ") + "\n")
	}
	if prefix == " * " {
		b.WriteString(indent + " */\n")
	}
	// Replace the comment block directly above the definition, if any.
	start := defLine
	for start > 0 {
		prev := indexer.Offset(doc.Text, strings.Count(doc.Text[:start-1], "\n")+1, 1)
		pt := strings.TrimSpace(doc.Text[prev : start-1])
		if !(strings.HasPrefix(pt, "//") || strings.HasPrefix(pt, "/*") || strings.HasPrefix(pt, "*")) {
			break
		}
		start = prev
	}
	return lsp.ActionResult{Edits: []lsp.Edit{{Start: start, End: defLine, NewText: b.String()}}}, nil
}

func lineEnd(text string, off int) int {
	if i := strings.IndexByte(text[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(text)
}

// testEdit places generated tests: in the conventional test file beside the source (created,
// or extended at its end), or in the same file for Rust.
func (e *Engine) testEdit(doc lsp.Doc, t target, res prompts.Result) (lsp.ActionResult, error) {
	code := strings.TrimSpace(res.Code)
	if code == "" {
		return lsp.ActionResult{}, errors.New("the model returned no test code")
	}
	if t.lang == "rust" {
		end := len(doc.Text)
		return lsp.ActionResult{Edits: []lsp.Edit{{Start: end, End: end, NewText: "\n" + code + "\n"}}, Markdown: res.Explanation}, nil
	}
	path := testPath(doc.Path, t.lang)
	if path == doc.Path {
		end := len(doc.Text)
		return lsp.ActionResult{Edits: []lsp.Edit{{Start: end, End: end, NewText: "\n" + stripPackage(code, t.lang) + "\n"}}}, nil
	}
	base, exists := e.currentText(path)
	fe := &lsp.FileEdit{Path: path, Create: !exists, Base: base}
	if exists {
		fe.Edits = []lsp.Edit{{Start: len(base), End: len(base), NewText: "\n" + stripPackage(code, t.lang) + "\n"}}
	} else {
		if t.lang == "go" && !strings.HasPrefix(code, "package ") {
			code = "package " + goPackage(doc.Text) + "\n\n" + code
		}
		fe.Edits = []lsp.Edit{{Start: 0, End: 0, NewText: code + "\n"}}
	}
	return lsp.ActionResult{NewFile: fe, Markdown: res.Explanation}, nil
}

// currentText is a file's text as the user sees it: the open buffer, else the file on disk.
func (e *Engine) currentText(path string) (string, bool) {
	if d, ok := e.docs.Get(path); ok {
		return d.Text, true
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// testPath names the test file for a source file by its language's convention.
func testPath(path, lang string) string {
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	stem := strings.TrimSuffix(base, ext)
	switch lang {
	case "go":
		if strings.HasSuffix(stem, "_test") {
			return path
		}
		return filepath.Join(dir, stem+"_test.go")
	case "python":
		if strings.HasPrefix(stem, "test_") {
			return path
		}
		return filepath.Join(dir, "test_"+base)
	case "javascript", "typescript", "tsx":
		if strings.Contains(stem, ".test") || strings.Contains(stem, ".spec") {
			return path
		}
		return filepath.Join(dir, stem+".test"+ext)
	case "java":
		return filepath.Join(dir, stem+"Test"+ext)
	}
	return filepath.Join(dir, "test_"+base)
}

// goPackage returns the package name of Go source, "main" if it has none.
func goPackage(src string) string {
	for _, l := range strings.Split(src, "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "package" {
			return f[1]
		}
	}
	return "main"
}

// stripPackage drops a Go package clause from code appended to an existing file.
func stripPackage(code, lang string) string {
	if lang != "go" {
		return code
	}
	lines := strings.Split(code, "\n")
	if len(lines) > 0 && strings.HasPrefix(strings.TrimSpace(lines[0]), "package ") {
		return strings.TrimLeft(strings.Join(lines[1:], "\n"), "\n")
	}
	return code
}

// documentedBelow returns the definition whose doc comment holds line, if line is in the
// comment block right above a definition.
func documentedBelow(text string, defs []indexer.Symbol, line int) *indexer.Symbol {
	lines := strings.Split(text, "\n")
	for l := line; l <= len(lines); l++ {
		for i := range defs {
			if defs[i].StartLine == l {
				return &defs[i]
			}
		}
		t := strings.TrimSpace(lines[l-1])
		if !(strings.HasPrefix(t, "//") || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "/*") || strings.HasPrefix(t, "*")) {
			return nil
		}
	}
	return nil
}
