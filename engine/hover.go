package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"ragls/indexer"
	"ragls/workspace"
)

// identAt finds the identifier touching offset in text and the qualifier before it ("bytes" in
// "bytes.NewReader"), with the identifier's byte range.
func identAt(text string, offset int) (name, qualifier string, start, end int) {
	offset = min(max(offset, 0), len(text))
	isPart := func(c byte) bool {
		return c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
	}
	start, end = offset, offset
	for start > 0 && isPart(text[start-1]) {
		start--
	}
	for end < len(text) && isPart(text[end]) {
		end++
	}
	if start == end || (text[start] >= '0' && text[start] <= '9') {
		return "", "", offset, offset
	}
	name = text[start:end]
	if start > 1 && text[start-1] == '.' {
		q := start - 1
		for q > 0 && isPart(text[q-1]) {
			q--
		}
		qualifier = text[q : start-1]
	}
	return name, qualifier, start, end
}

// Hover implements Engine: what the index knows of the identifier at offset — its
// definition's signature, doc comment and location, and where it is used. It never calls the
// model, so it answers at once.
func (e *Engine) Hover(ctx context.Context, doc Doc, offset int) (Hover, error) {
	name, qual, start, end := identAt(doc.Text, offset)
	if name == "" {
		return Hover{}, nil
	}
	pl := e.placeOf(doc)
	if pl.Root == nil || pl.Access == AccessSecret {
		return Hover{}, nil
	}
	r, rel := pl.Root, pl.Rel
	// One view of the index for the whole answer: the definition, its uses and its text.
	snap := r.Index.Snapshot()
	defer snap.Release()
	defs := snap.Definitions(name, rel, qual)
	if qual == "" {
		defs = reachable(defs, rel, doc.Text[:start], name)
	}
	if len(defs) == 0 {
		return Hover{}, ctx.Err()
	}
	d := defs[0]
	var b strings.Builder
	lang := indexer.LangOf(d.Path)
	fmt.Fprintf(&b, "```%s\n%s\n```\n", fenceTag(lang), d.Signature)
	if d.Doc != "" {
		b.WriteString("\n" + d.Doc + "\n")
	}
	kind := d.Kind
	if d.Container != "" {
		kind += " of " + d.Container
	}
	fmt.Fprintf(&b, "\n*%s* defined in `%s:%d`", kind, d.Path, d.Line)
	if len(defs) > 1 {
		var others []string
		for _, o := range defs[1:min(len(defs), 4)] {
			others = append(others, fmt.Sprintf("`%s:%d`", o.Path, o.Line))
		}
		more := ""
		if len(defs) > 4 {
			more = fmt.Sprintf(" and %d more", len(defs)-4)
		}
		fmt.Fprintf(&b, "; also %s%s", strings.Join(others, ", "), more)
	}
	uses, total := snap.Uses(name, 5)
	if total > 0 {
		var list []string
		for _, u := range uses {
			list = append(list, fmt.Sprintf("`%s:%d`", u.Path, u.Line))
		}
		more := ""
		if total > len(uses) {
			more = fmt.Sprintf(", … (%d in all)", total)
		}
		fmt.Fprintf(&b, "\n\nUsed in %s%s", strings.Join(list, ", "), more)
	}
	if text, ok := e.explanations.get(snap, d); ok {
		b.WriteString("\n\n---\n\n" + text)
	} else if e.model.hoverExplain() {
		e.explanations.start(e, r, snap, d)
	}
	b.WriteString("\n")
	return Hover{Markdown: b.String(), Start: start, End: end}, nil
}

// reachable drops definitions an unqualified name cannot mean. In Go it names something of its
// own package (a directory), never another package's definition. In other languages a name the
// file itself binds before the cursor (an assignment, a parameter, a loop variable) is that
// local binding, not a definition of the same name elsewhere.
func reachable(defs []indexer.Symbol, rel, before, name string) []indexer.Symbol {
	var keep func(d indexer.Symbol) bool
	if indexer.LangOf(rel) == "go" {
		dir := path.Dir(rel)
		keep = func(d indexer.Symbol) bool { return path.Dir(d.Path) == dir }
	} else if bindsLocally(before, name) {
		keep = func(d indexer.Symbol) bool { return d.Path == rel }
	} else {
		return defs
	}
	out := defs[:0:0]
	for _, d := range defs {
		if keep(d) {
			out = append(out, d)
		}
	}
	return out
}

// bindsLocally reports whether text binds name as a variable: "name =", "let/const/var name",
// "for name", or a parameter "(…name…)" followed by a block or arrow on the same line.
func bindsLocally(text, name string) bool {
	q := regexp.QuoteMeta(name)
	re := regexp.MustCompile(`(?m)(^|[^.\w])` + q + `\s*(=[^=]|\+=|,[^\n]*=[^=])|\b(let|const|var|for|as)\s+` + q + `\b|\([^()\n]*\b` + q + `\b[^()\n]*\)\s*(\{|=>|:|->)`)
	return re.MatchString(text)
}

// explanations caches the model's explanations of definitions for hovers: the first hover on a
// symbol answers from the index at once and asks the model in the background; a later hover
// shows the explanation too. One explanation is made at a time, so moving the mouse around
// does not queue work on the model server.
type explanations struct {
	mu      sync.Mutex
	done    map[string]string // guarded by mu; key -> Markdown
	running bool              // guarded by mu
}

// key identifies a definition's text: an edited function gets a new explanation.
func (x *explanations) key(snap *indexer.Snapshot, d indexer.Symbol) (string, string, bool) {
	content, ok := snap.Content(d.Path)
	if !ok {
		return "", "", false
	}
	start, end := indexer.Offset(content, d.StartLine, 1), indexer.Offset(content, d.EndLine+1, 1)
	sum := sha256.Sum256([]byte(content[start:end]))
	return d.Path + "\x00" + hex.EncodeToString(sum[:8]), content, true
}

func (x *explanations) get(snap *indexer.Snapshot, d indexer.Symbol) (string, bool) {
	k, _, ok := x.key(snap, d)
	if !ok {
		return "", false
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	text, ok := x.done[k]
	return text, ok
}

func (x *explanations) start(e *Engine, r *workspace.Root, snap *indexer.Snapshot, d indexer.Symbol) {
	k, content, ok := x.key(snap, d)
	if !ok {
		return
	}
	x.mu.Lock()
	if x.running {
		x.mu.Unlock()
		return
	}
	x.running = true
	if x.done == nil {
		x.done = map[string]string{}
	}
	x.mu.Unlock()
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		doc := Doc{Path: filepath.Join(r.Dir, filepath.FromSlash(d.Path)), Text: content}
		off := indexer.Offset(content, d.Line, 1)
		text, err := e.Explain(e.ctx, doc, off, off, nil)
		x.mu.Lock()
		defer x.mu.Unlock()
		x.running = false
		if err == nil && strings.TrimSpace(text) != "" {
			if len(x.done) > 256 {
				clear(x.done) // a bound, not an LRU: explanations are cheap to ask for again
			}
			x.done[k] = text
		}
	}()
}

// fenceTag is the Markdown code fence tag for a language of indexer.LangOf.
func fenceTag(lang string) string {
	switch lang {
	case "text":
		return ""
	case "tsx":
		return "tsx"
	}
	return lang
}
