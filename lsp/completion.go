package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"ragls/indexer"
)

// The completion item sorts after everything else, so that it never pushes the client's own
// completions (or other servers') out of sight.
const completionSortText = "~ragls"

func (s *Server) completion(ctx context.Context, params []byte) (any, error) {
	start := time.Now()
	var p protocol.CompletionParams
	if err := decode(protocol.MethodTextDocumentCompletion, params, &p); err != nil {
		return nil, err
	}
	empty := &protocol.CompletionList{IsIncomplete: true, Items: []protocol.CompletionItem{}}
	doc, err := s.openDoc(p.TextDocument.URI)
	if err != nil {
		return empty, nil // nothing to complete in a buffer we do not have; not worth an error
	}
	enc := s.enc()
	offset := offsetOf(doc.Text, p.Position, enc)
	if p.Context.TriggerKind == protocol.CompletionTriggerKindTriggerCharacter && !triggerApplies(doc.Path, doc.Text[:offset]) {
		return empty, nil
	}
	// The list shows every candidate at once, but asking for sampled alternatives on each
	// keystroke would double the model's work: the list carries those already known (the
	// variants of the model's answer, alternatives sampled earlier for inline cycling).
	texts, err := s.complete(ctx, doc, offset, false)
	if err != nil || len(texts) == 0 {
		if ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		if err != nil && !errors.Is(err, errStale) {
			s.log.Debug("no completion", "path", doc.Path, "error", err)
		}
		// Marked incomplete, so the client asks again as the user types.
		return empty, nil
	}
	cmds := s.shown(doc, offset, texts, start)
	items := make([]protocol.CompletionItem, len(texts))
	for i, text := range texts {
		items[i] = completionItem(doc.Text, offset, text, enc)
		items[i].Command = cmds[i]
		if i > 0 {
			// After the first, in the order given: the model's own answer stays on top.
			items[i].SortText = protocol.NewOptional(completionSortText + strconv.Itoa(i))
		}
	}
	return &protocol.CompletionList{IsIncomplete: true, Items: items}, nil
}

// completionStats is what the engine offers for the local acceptance statistics ("ragls
// stats") and for the prefetch after an acceptance: an engine without it gets no acceptance
// commands on its completions.
type completionStats interface {
	// CompletionOffered counts one answer of candidates texts for doc at offset, latency
	// after it was asked for, and returns one id per candidate for CompletionAccepted.
	CompletionOffered(doc Doc, offset int, texts []string, latency time.Duration) []string
	CompletionAccepted(id string) bool
}

// candidateEngine is what an engine offers for several candidates per completion (see
// engine.Engine.Candidates); without it the server offers Complete's one.
type candidateEngine interface {
	CachedCandidates(doc Doc, offset int, sample bool) ([]string, bool)
	Candidates(ctx context.Context, doc Doc, offset int, sample bool) ([]string, error)
}

// acceptedArg is the argument of cmdAccepted, which the client runs when the user accepts a
// completion. Only the id counts; the language and latency are there for a client's logs.
type acceptedArg struct {
	ID        string `json:"id"`
	Language  string `json:"language,omitempty"`
	LatencyMs int64  `json:"latencyMs"`
}

// shown counts the candidates texts answered for doc at offset, asked for at start, and
// returns for each the command that counts its acceptance.
func (s *Server) shown(doc Doc, offset int, texts []string, start time.Time) []protocol.Command {
	cmds := make([]protocol.Command, len(texts))
	st, ok := s.engine.(completionStats)
	if !ok {
		return cmds
	}
	latency := time.Since(start)
	ids := st.CompletionOffered(doc, offset, texts, latency)
	for i := range min(len(ids), len(cmds)) {
		raw, err := json.Marshal(acceptedArg{ID: ids[i], Language: indexer.LangOf(doc.Path), LatencyMs: latency.Milliseconds()})
		if err != nil {
			continue
		}
		cmds[i] = protocol.Command{Title: "ragls: completion accepted", Command: cmdAccepted, Arguments: []protocol.LSPAny{raw}}
	}
	return cmds
}

// accepted counts the acceptance the argument of cmdAccepted names.
func (s *Server) accepted(arg protocol.LSPAny) error {
	var a acceptedArg
	if err := json.Unmarshal(arg, &a); err != nil || a.ID == "" {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s needs {\"id\": ...}", cmdAccepted)
	}
	if st, ok := s.engine.(completionStats); ok && !st.CompletionAccepted(a.ID) {
		s.log.Debug("acceptance of an unknown completion ignored", "id", a.ID)
	}
	return nil
}

// completionItem offers text, the model's continuation at offset. The item replaces the word
// being typed with that word plus the continuation, so that the client's filtering by the typed
// word keeps it visible.
func completionItem(docText string, offset int, text string, enc encoding) protocol.CompletionItem {
	start := wordStart(docText, offset)
	word := docText[start:offset]
	first, _, multiline := strings.Cut(text, "\n")
	label := strings.TrimSpace(word + first)
	if label == "" {
		label = strings.TrimSpace(text)
	}
	if n := 80; utf8.RuneCountInString(label) > n {
		label = string([]rune(label)[:n]) + "…"
	}
	if multiline {
		label += " …"
	}
	return protocol.CompletionItem{
		Label:            label,
		Kind:             protocol.CompletionItemKindSnippet,
		Detail:           protocol.NewOptional("ragls"),
		Documentation:    &protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: "```\n" + word + text + "\n```"},
		SortText:         protocol.NewOptional(completionSortText),
		FilterText:       protocol.NewOptional(word + text),
		InsertTextFormat: protocol.InsertTextFormatPlainText,
		TextEdit:         &protocol.TextEdit{Range: rangeOf(docText, start, offset, enc), NewText: word + text},
	}
}

// wordStart returns where the identifier that ends at offset begins.
func wordStart(text string, offset int) int {
	i := offset
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			break
		}
		i -= size
	}
	return i
}

// inlineCompletionParams is the part of textDocument/inlineCompletion's params the server reads.
type inlineCompletionParams struct {
	TextDocument protocol.TextDocumentIdentifier `json:"textDocument"`
	Position     protocol.Position               `json:"position"`
	Context      struct {
		// TriggerKind is 1 (Invoked) when the user asked: VS Code asks so when the user
		// cycles to the next or previous suggestion, or triggers one by command; 2
		// (Automatic) while typing. vscode-languageclient 9 passes VS Code's own numbers
		// through (Invoke 0, Automatic 1), so 0 is taken as invoked too; ragls's extension
		// sends the LSP numbers.
		TriggerKind *int `json:"triggerKind"`
	} `json:"context"`
}

// invoked reports whether the request was explicit (see TriggerKind). A client that sends no
// context is typing.
func (p inlineCompletionParams) invoked() bool {
	k := p.Context.TriggerKind
	return k != nil && (*k == 1 || *k == 0)
}

func (s *Server) inlineCompletion(ctx context.Context, params []byte) (any, error) {
	start := time.Now()
	// Only the document and the position are read: clients disagree on the shape of the rest
	// (VS Code sends context.selectedCompletionInfo.range as a two-element array of positions
	// while its suggest widget is open), and a shape we do not use must not fail the request.
	var p inlineCompletionParams
	if err := decode(protocol.MethodTextDocumentInlineCompletion, params, &p); err != nil {
		return nil, err
	}
	empty := &protocol.InlineCompletionList{Items: []protocol.InlineCompletionItem{}}
	doc, err := s.openDoc(p.TextDocument.URI)
	if err != nil {
		return empty, nil
	}
	enc := s.enc()
	offset := offsetOf(doc.Text, p.Position, enc)
	// Typing gets the model's answer as fast as one (and its variants, which cost nothing);
	// an explicit request, which is how the client asks for more to cycle through, gets
	// alternatives sampled from the model too.
	texts, err := s.complete(ctx, doc, offset, p.invoked())
	if err != nil || len(texts) == 0 {
		if ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		return empty, nil
	}
	at := positionOf(doc.Text, offset, enc)
	cmds := s.shown(doc, offset, texts, start)
	items := make([]protocol.InlineCompletionItem, len(texts))
	for i, text := range texts {
		items[i] = protocol.InlineCompletionItem{
			InsertText: protocol.String(text),
			Range:      &protocol.Range{Start: at, End: at},
			Command:    cmds[i],
		}
	}
	return &protocol.InlineCompletionList{Items: items}, nil
}

// complete returns the candidates for doc at offset, best first (none if the model has
// nothing to add), from the cache when it can; sample asks for alternatives sampled from the
// model too (see candidateEngine). It releases the reading goroutine, so the caller must have
// read everything it needs from the request before. The context is cancelled with cause
// errStale when the document changes.
func (s *Server) complete(ctx context.Context, doc Doc, offset int, sample bool) ([]string, error) {
	ce, several := s.engine.(candidateEngine)
	if several {
		if texts, ok := ce.CachedCandidates(doc, offset, sample); ok {
			return texts, nil
		}
	} else if text, ok := s.engine.CachedCompletion(doc, offset); ok {
		return nonEmpty(text), nil
	}
	ctx, done := s.trackCompletion(ctx, doc.Path)
	defer done()
	wait := s.debounceFor(doc.Path)
	release(ctx)

	if wait > 0 && !sample { // an explicit request is no keystroke to wait out
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		}
	}
	var texts []string
	var err error
	if several {
		texts, err = ce.Candidates(ctx, doc, offset, sample)
	} else {
		var text string
		text, err = s.engine.Complete(ctx, doc, offset)
		texts = nonEmpty(text)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return texts, nil
}

func nonEmpty(text string) []string {
	if text == "" {
		return nil
	}
	return []string{text}
}

// debounceFor returns how long a completion for path should wait before asking the model. The
// first request after a pause goes at once; only when requests come in quick succession (the
// user is typing) does each wait, in the hope that the next keystroke makes it unnecessary.
// Either way a newer edit cancels it.
func (s *Server) debounceFor(path string) time.Duration {
	if s.debounce <= 0 {
		return 0
	}
	now := time.Now()
	s.mu.Lock()
	prev, ok := s.lastCompletion[path]
	s.lastCompletion[path] = now
	s.mu.Unlock()
	if ok && now.Sub(prev) < s.debounce {
		return s.debounce
	}
	return 0
}

// trackCompletion returns a context that the next change to path cancels. It must be called
// before the reader is released, so that no change can slip in between.
func (s *Server) trackCompletion(ctx context.Context, path string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	key := new(int)
	s.mu.Lock()
	m := s.pending[path]
	if m == nil {
		m = make(map[*int]context.CancelCauseFunc)
		s.pending[path] = m
	}
	m[key] = cancel
	s.mu.Unlock()
	return ctx, func() {
		s.mu.Lock()
		delete(s.pending[path], key)
		if len(s.pending[path]) == 0 {
			delete(s.pending, path)
		}
		s.mu.Unlock()
		cancel(nil)
	}
}

// cancelCompletions cancels every completion running for path.
func (s *Server) cancelCompletions(path string) {
	s.mu.Lock()
	cancels := make([]context.CancelCauseFunc, 0, len(s.pending[path]))
	for _, c := range s.pending[path] {
		cancels = append(cancels, c)
	}
	s.mu.Unlock()
	for _, c := range cancels {
		c(errStale)
	}
}
