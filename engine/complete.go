package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"ragls/indexer"
	"ragls/prompts"
	"ragls/workspace"
)

// contextTimeout bounds each context source for a completion: a completion that waits longer
// for context than this is better served with less of it.
const contextTimeout = 40 * time.Millisecond

// ErrSecret is returned when a request is about a secret file: ragls sends nothing of it to the
// model.
var ErrSecret = errors.New("ragls does not send secret files to the model")

// Purpose says what a context is for; each purpose has its own budget policy.
type Purpose int

const (
	// ForCompletion: a quarter of the model's window, estimated tokens, sources cut at 40 ms
	// (the prompt builder counts again with the real tokenizer).
	ForCompletion Purpose = iota
	// ForAction: a third of the window, real token counts, sources cut at 100 ms.
	ForAction
)

// ContextOptions override the policy of a Purpose; the zero value is the editor's policy.
type ContextOptions struct {
	Purpose       Purpose
	Budget        int           // tokens; 0 means the policy's
	SourceTimeout time.Duration // 0 means the policy's
	// Parsed is the document already parsed, so that it is parsed once per request; nil
	// means parse it when needed.
	Parsed *indexer.Parsed
}

// Context is the repository context for a cursor, as a request of that Purpose sends it.
type Context struct {
	Path     string // the document's path as the prompt names it: relative to its root if any
	RepoName string // the root's directory name, "" outside every root
	Access   Access
	Items    []indexer.Hit
	Tokens   int // of Items, as the policy's counter counted them

	// The policy that was applied.
	Budget        int
	SourceTimeout time.Duration
	Counter       string // "estimate (4 bytes a token)" or the tokenizer's name
	// Overridden names the settings that came from ContextOptions rather than the policy.
	Overridden []string
}

// Context assembles the repository context for doc at offset: the one function through which
// the editor's completions and actions, and the command line's "ragls context", get theirs.
// For a secret document it returns ErrSecret; for a document outside every root, no items.
func (e *Engine) Context(ctx context.Context, doc Doc, offset int, o ContextOptions) (Context, error) {
	pl := e.placeOf(doc)
	out := Context{Path: filepath.Base(doc.Path), Access: pl.Access}
	if pl.Access == AccessSecret {
		e.tellSecret(doc.Path)
		return out, fmt.Errorf("%s: %w", filepath.Base(doc.Path), ErrSecret)
	}
	cfg, _, prompter := e.model.current()
	var counter indexer.TokenCounter
	switch o.Purpose {
	case ForAction:
		// A third of the model's window (as the server reports it) for repository context
		// leaves room for the code and the answer.
		out.Budget, out.SourceTimeout = max(prompter.Limits(ctx, cfg.ChatModel).Window/3, 256), 100*time.Millisecond
		counter, out.Counter = e.model.counter, "tokenizer"
	default:
		// Packed with the cheap estimate: BuildCompletion counts the snippets it keeps with the
		// real tokenizer and drops what does not fit, so counting them twice buys nothing.
		out.Budget, out.SourceTimeout = max(prompter.Limits(ctx, cfg.CompletionModel).Window/4, 128), contextTimeout
		out.Counter = "estimate (4 bytes a token)"
	}
	if o.Budget > 0 {
		out.Budget = o.Budget
		out.Overridden = append(out.Overridden, "budget")
	}
	if o.SourceTimeout > 0 {
		out.SourceTimeout = o.SourceTimeout
		out.Overridden = append(out.Overridden, "source timeout")
	}
	if pl.Root == nil {
		return out, nil
	}
	out.Path, out.RepoName = pl.Rel, filepath.Base(pl.Root.Dir)
	if pl.Reason == workspace.SkipTooLarge || pl.Reason == workspace.SkipBinary {
		// Parsing a buffer the index refuses, to find what it mentions, costs more than any
		// context is worth.
		return out, nil
	}
	res, err := pl.Root.Index.Context(ctx, indexer.ContextRequest{
		Path: pl.Rel, Content: doc.Text, HasContent: true, Offset: min(max(offset, 0), len(doc.Text)),
		Budget: out.Budget, Counter: counter, SourceTimeout: out.SourceTimeout, Parsed: o.Parsed,
	})
	if err != nil {
		return out, err
	}
	out.Items, out.Tokens = res.Items, res.Tokens
	return out, nil
}

// Complete returns the model's fill-in-the-middle completion at offset, with repository
// context, "" if the model has nothing to add, or nothing may be sent (a secret file). A
// completion the engine remembers for the same text around the cursor is answered at once, and
// one being prefetched for it (after an acceptance) is waited for rather than asked twice.
func (e *Engine) Complete(ctx context.Context, doc Doc, offset int) (string, error) {
	return e.complete(ctx, doc, offset, false)
}

// complete is Complete; background requests (prefetches) report no problem to the user: they
// are no request of the user's.
func (e *Engine) complete(ctx context.Context, doc Doc, offset int, background bool) (string, error) {
	offset = min(max(offset, 0), len(doc.Text))
	if !e.completes(doc.Path) {
		return "", nil // the user turned completions off in this language
	}
	if text, ok := e.cache.get(doc.Path, doc.Text, offset); ok {
		return text, nil
	}
	if pf := e.runningPrefetch(doc, offset); pf != nil && !background {
		select {
		case <-pf.done:
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
		if text, ok := e.cache.get(doc.Path, doc.Text, offset); ok {
			return text, nil
		}
	}
	p, err := e.CompletionPrompt(ctx, doc, offset)
	if errors.Is(err, ErrSecret) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	_, client, _ := e.model.current()
	text, err := client.Fill(ctx, p, nil)
	if !background {
		e.model.observe(err)
	}
	if err != nil {
		return "", err
	}
	text = trimCompletion(text, doc.Text[offset:])
	if ctx.Err() == nil {
		e.cache.put(doc.Path, doc.Text, offset, text)
	}
	return text, nil
}

// CompletionPrompt builds the prompt a completion at offset sends: prefix, suffix and
// repository context within the model's window. It fails with ErrSecret for a secret file.
func (e *Engine) CompletionPrompt(ctx context.Context, doc Doc, offset int) (prompts.Prompt, error) {
	offset = min(max(offset, 0), len(doc.Text))
	c, err := e.Context(ctx, doc, offset, ContextOptions{Purpose: ForCompletion})
	if err != nil {
		return prompts.Prompt{}, err
	}
	_, _, prompter := e.model.current()
	sn := snippets(c.Items)
	// The recent edits come first, as the most telling context; the prompt builder keeps them
	// only if they fit the budget. Only buffers still indexable when asked are shown.
	if edits, ok := e.bufs.edits.snippet(func(key string) bool {
		x, open := e.bufs.get(key)
		return open && x.place.Access == AccessIndexed
	}); ok {
		sn = append([]prompts.Snippet{edits}, sn...)
	}
	return prompter.BuildCompletion(ctx, prompts.CompletionInput{
		Path:     c.Path,
		RepoName: c.RepoName,
		Language: indexer.LangOf(doc.Path),
		Prefix:   doc.Text[:offset],
		Suffix:   doc.Text[offset:],
		Snippets: sn,
	})
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
