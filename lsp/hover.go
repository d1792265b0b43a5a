package lsp

import (
	"context"

	"go.lsp.dev/protocol"
)

// hover answers from the index through the engine; it never waits for the model.
func (s *Server) hover(ctx context.Context, params []byte) (any, error) {
	var p protocol.HoverParams
	if err := decode(protocol.MethodTextDocumentHover, params, &p); err != nil {
		return nil, err
	}
	doc, err := s.openDoc(p.TextDocument.URI)
	if err != nil {
		return nil, nil // no buffer, no hover
	}
	enc := s.enc()
	offset := offsetOf(doc.Text, p.Position, enc)
	release(ctx)
	h, err := s.engine.Hover(ctx, doc, offset)
	if err != nil {
		if ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		// A failed hover is not worth an error popup in the editor.
		s.log.Warn("hover failed", "path", doc.Path, "error", err)
		return nil, nil
	}
	if h.Markdown == "" {
		return nil, nil
	}
	kind := protocol.MarkupKindMarkdown
	if s.caps().hoverPlainOnly {
		kind = protocol.MarkupKindPlainText
	}
	out := &protocol.Hover{Contents: &protocol.MarkupContent{Kind: kind, Value: h.Markdown}}
	if h.Start < h.End && h.End <= len(doc.Text) && h.Start >= 0 {
		r := rangeOf(doc.Text, h.Start, h.End, enc)
		out.Range = &r
	}
	return out, nil
}
