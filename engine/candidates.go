package engine

import (
	"context"
	"errors"
	"strings"
)

// sampledAlternatives is how many alternatives are sampled from the model when the user asks
// to cycle through candidates; maxCandidates bounds what is offered in all.
const (
	sampledAlternatives = 2
	maxCandidates       = 4
)

// Candidates returns the completions to offer at offset, best first, without duplicates:
// the model's completion (exactly what Complete returns, from the cache or one model call),
// then, when sample is set, alternatives sampled from the model (see
// prompts.Client.Alternatives; asked for once per position and remembered), then the variants
// cut from those: a multi-line candidate's first line alone. Without sample no model call is
// added to Complete's, so the first candidate comes as fast as a single one: a client asks
// with sample when the user cycles, or invokes the completion explicitly.
func (e *Engine) Candidates(ctx context.Context, doc Doc, offset int, sample bool) ([]string, error) {
	offset = min(max(offset, 0), len(doc.Text))
	if !e.completes(doc.Path) {
		return nil, nil
	}
	if texts, sampled, ok := e.cache.candidates(doc.Path, doc.Text, offset); ok && (sampled || !sample) {
		return withVariants(texts), nil
	}
	first, err := e.Complete(ctx, doc, offset)
	if err != nil {
		return nil, err
	}
	if !sample {
		texts, _, _ := e.cache.candidates(doc.Path, doc.Text, offset)
		return withVariants(append([]string{first}, texts...)), nil
	}
	p, err := e.CompletionPrompt(ctx, doc, offset)
	if errors.Is(err, ErrSecret) {
		return nil, nil
	}
	if err != nil {
		return withVariants([]string{first}), nil // the first is still worth offering
	}
	_, client, _ := e.model.current()
	alts, err := client.Alternatives(ctx, p, sampledAlternatives)
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err != nil {
		// The user asked for more and gets the one there is; the next ask tries again.
		e.opts.Logger.Debug("no alternative completions", "path", doc.Path, "err", err)
		return withVariants([]string{first}), nil
	}
	for i, a := range alts {
		alts[i] = trimCompletion(a, doc.Text[offset:])
	}
	e.cache.store(doc.Path, doc.Text, offset, append([]string{first}, alts...), true)
	texts, _, _ := e.cache.candidates(doc.Path, doc.Text, offset)
	return withVariants(append([]string{first}, texts...)), nil
}

// CachedCandidates returns the candidates remembered for doc at offset, as Candidates would,
// without asking the model; with sample, only once the alternatives were asked for.
func (e *Engine) CachedCandidates(doc Doc, offset int, sample bool) ([]string, bool) {
	offset = min(max(offset, 0), len(doc.Text))
	if !e.completes(doc.Path) {
		return nil, false
	}
	texts, sampled, ok := e.cache.candidates(doc.Path, doc.Text, offset)
	if !ok || (sample && !sampled) {
		return nil, false
	}
	return withVariants(texts), true
}

// withVariants returns texts, deduplicated and without empty ones, followed by the first line
// of each multi-line candidate (up to the end of its first line that is not blank), bounded
// by maxCandidates: a user who wants only the line the model began can pick it.
func withVariants(texts []string) []string {
	out := make([]string, 0, len(texts)*2)
	for _, t := range texts {
		if strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	}
	for _, t := range out[:len(out):len(out)] {
		if v := firstLine(t); v != "" {
			out = append(out, v)
		}
	}
	out = dedupe(out)
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	return out
}

// firstLine is t up to the end of its first line that is not blank, or "" when that is all of
// t (but for trailing white space).
func firstLine(t string) string {
	i := 0
	for {
		j := strings.IndexByte(t[i:], '\n')
		if j < 0 {
			return ""
		}
		line := t[i : i+j]
		i += j + 1
		if strings.TrimSpace(line) != "" {
			break
		}
	}
	if strings.TrimSpace(t[i:]) == "" {
		return ""
	}
	return strings.TrimRight(t[:i-1], " \t\r")
}
