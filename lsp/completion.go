package lsp

import (
	"context"
	"encoding/json"
	"errors"
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
	text, err := s.complete(ctx, doc, offset)
	if err != nil || text == "" {
		if ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		if err != nil && !errors.Is(err, errStale) {
			s.log.Debug("no completion", "path", doc.Path, "error", err)
		}
		// Marked incomplete, so the client asks again as the user types.
		return empty, nil
	}
	item := completionItem(doc.Text, offset, text, enc)
	item.Command = s.shown(doc.Path, start)
	return &protocol.CompletionList{IsIncomplete: true, Items: []protocol.CompletionItem{item}}, nil
}

// completionStats is what the engine offers for the local acceptance statistics ("ragls
// stats"): an engine without it gets no acceptance commands on its completions.
type completionStats interface {
	CompletionShown(path string, latency time.Duration) string
	CompletionAccepted(id string) bool
}

// acceptedArg is the argument of cmdAccepted, which the client runs when the user accepts a
// completion. Only the id counts; the language and latency are there for a client's logs.
type acceptedArg struct {
	ID        string `json:"id"`
	Language  string `json:"language,omitempty"`
	LatencyMs int64  `json:"latencyMs"`
}

// shown counts a completion for path answered with text, asked for at start, and returns the
// command that counts its acceptance.
func (s *Server) shown(path string, start time.Time) protocol.Command {
	st, ok := s.engine.(completionStats)
	if !ok {
		return protocol.Command{}
	}
	latency := time.Since(start)
	id := st.CompletionShown(path, latency)
	raw, err := json.Marshal(acceptedArg{ID: id, Language: indexer.LangOf(path), LatencyMs: latency.Milliseconds()})
	if err != nil {
		return protocol.Command{}
	}
	return protocol.Command{Title: "ragls: completion accepted", Command: cmdAccepted, Arguments: []protocol.LSPAny{raw}}
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
	text, err := s.complete(ctx, doc, offset)
	if err != nil || text == "" {
		if ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		return empty, nil
	}
	at := positionOf(doc.Text, offset, enc)
	return &protocol.InlineCompletionList{Items: []protocol.InlineCompletionItem{{
		InsertText: protocol.String(text),
		Range:      &protocol.Range{Start: at, End: at},
		Command:    s.shown(doc.Path, start),
	}}}, nil
}

// complete returns the model's completion for doc at offset, from the cache when it can. It
// releases the reading goroutine, so the caller must have read everything it needs from the
// request before. The context is cancelled with cause errStale when the document changes.
func (s *Server) complete(ctx context.Context, doc Doc, offset int) (string, error) {
	if text, ok := s.engine.CachedCompletion(doc, offset); ok {
		return text, nil
	}
	ctx, done := s.trackCompletion(ctx, doc.Path)
	defer done()
	wait := s.debounceFor(doc.Path)
	release(ctx)

	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return "", context.Cause(ctx)
		}
	}
	text, err := s.engine.Complete(ctx, doc, offset)
	if err != nil {
		if ctx.Err() != nil {
			return "", context.Cause(ctx)
		}
		return "", err
	}
	if ctx.Err() != nil {
		return "", context.Cause(ctx)
	}
	return text, nil
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
