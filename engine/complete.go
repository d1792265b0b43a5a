package engine

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"ragls/indexer"
	"ragls/lsp"
	"ragls/prompts"
)

// contextTimeout bounds context assembly for a completion: a completion that waits longer for
// context than this is better served with less of it.
const contextTimeout = 40 * time.Millisecond

// Complete implements lsp.Engine: the model's fill-in-the-middle completion at offset, with
// repository context, "" if the model has nothing to add.
func (e *Engine) Complete(ctx context.Context, doc lsp.Doc, offset int) (string, error) {
	p, err := e.CompletionPrompt(ctx, doc, offset)
	if err != nil {
		return "", err
	}
	_, client, _ := e.model.current()
	text, err := client.Fill(ctx, p, nil)
	e.model.observe(err)
	if err != nil {
		return "", err
	}
	return trimCompletion(text, doc.Text[min(max(offset, 0), len(doc.Text)):]), nil
}

// CompletionPrompt builds the prompt a completion at offset sends: prefix, suffix and
// repository context within the model's window.
func (e *Engine) CompletionPrompt(ctx context.Context, doc lsp.Doc, offset int) (prompts.Prompt, error) {
	offset = min(max(offset, 0), len(doc.Text))
	cfg, _, prompter := e.model.current()
	in := prompts.CompletionInput{
		Path:     filepath.Base(doc.Path),
		Language: indexer.LangOf(doc.Path),
		Prefix:   doc.Text[:offset],
		Suffix:   doc.Text[offset:],
	}
	if r, rel, ok := e.locate(doc.Path); ok {
		in.Path, in.RepoName = rel, filepath.Base(r.Dir)
		// Packed with the cheap estimate: BuildCompletion counts the snippets it keeps with the
		// real tokenizer and drops what does not fit, so counting them twice buys nothing.
		res, err := r.Index.Context(ctx, indexer.ContextRequest{
			Path: rel, Content: doc.Text, HasContent: true, Offset: offset,
			Budget: max(prompter.Limits(cfg.CompletionModel).Window/4, 128), SourceTimeout: contextTimeout,
		})
		if err != nil {
			return prompts.Prompt{}, err
		}
		in.Snippets = snippets(res.Items)
	}
	return prompter.BuildCompletion(in)
}

// trimCompletion drops what would duplicate the text after the cursor: a completion that ends
// with the start of the suffix (the model re-typed the closing bracket) is cut there.
func trimCompletion(text, suffix string) string {
	text = strings.TrimRight(text, " \t")
	first, _, _ := strings.Cut(suffix, "\n")
	first = strings.TrimSpace(first)
	if first != "" && strings.HasSuffix(strings.TrimRight(text, "\n"), first) {
		text = strings.TrimSuffix(strings.TrimRight(text, "\n"), first)
	}
	return text
}
