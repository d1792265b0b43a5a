package indexer

import (
	"context"
	"time"
)

// A TokenCounter counts the tokens a model would see for a text. The index only needs counts to
// pack context into a budget; callers with a real tokenizer pass it in.
type TokenCounter interface {
	Count(text string) int
}

// approxTokens estimates about four bytes of code per token, as measured on real code with a
// BPE tokenizer, rounding up so that packing errs on the side of fitting.
type approxTokens struct{}

func (approxTokens) Count(s string) int { return (len(s) + 3) / 4 }

// ContextRequest asks for the cross-file context a model should see at a cursor.
type ContextRequest struct {
	Path string // slash path relative to the root
	// Content is the buffer as the editor holds it, possibly unsaved. If HasContent is false the
	// indexed text of Path is used.
	Content    string
	HasContent bool
	Offset     int // the cursor, a byte offset into the content
	Budget     int // tokens; 0 means 1024
	Counter    TokenCounter
	// SourceTimeout bounds each source; a source that is late is left out. 0 means 100 ms.
	SourceTimeout time.Duration
	// Parsed is Content already parsed by the caller, so that a request parses its buffer
	// once; nil means Context parses it if it needs to.
	Parsed *Parsed
}

// ContextResult is the packed context, best item first.
type ContextResult struct {
	Items  []Hit
	Tokens int
}

// Weights of the sources in the fusion. Definitions of what the cursor touches are the most
// precise signal; recent files the weakest but the one other sources cannot see.
const (
	weightDefinition = 2.0
	weightLexical    = 1.0
	weightSemantic   = 0.8
	weightRecent     = 0.6
)

// How much of the buffer around the cursor the query looks at.
const (
	queryLinesBefore = 20 // lines before the cursor for the lexical and semantic queries
	identLinesBefore = 12 // lines before the cursor whose identifiers are resolved to definitions
	maxDefsPerIdent  = 2  // candidates kept for an ambiguous name
	maxIdents        = 24 // distinct identifiers resolved
)

// freshBase numbers chunks of a fresh parse of the current buffer apart from index chunk IDs.
const freshBase = 1 << 31

// Context assembles cross-file context for a cursor: definitions of the identifiers around the
// cursor (resolved through the symbol table), chunks lexically similar to the lines before it,
// semantically similar chunks when the embedder is a real model, and chunks from recently
// changed files; fused by reciprocal rank, de-duplicated and packed into the token budget.
func (s *Snapshot) Context(ctx context.Context, req ContextRequest) (ContextResult, error) {
	x := s.x
	if req.Budget <= 0 {
		req.Budget = 1024
	}
	if req.Counter == nil {
		req.Counter = approxTokens{}
	}
	if req.SourceTimeout <= 0 {
		req.SourceTimeout = 100 * time.Millisecond
	}
	cur := x.current(req, s.gen)
	off := min(max(req.Offset, 0), len(cur.content))
	before := cur.content[:off]
	queryText := lastLines(before, queryLinesBefore)

	type ranked struct {
		source string
		weight float64
		hits   []scored
		pinned []uint32 // chunks placed first whatever the fusion says
		sigs   []Symbol // the signature items numbered from sigBase
	}
	var sources []func(context.Context) ranked
	results := make(chan ranked, 8)
	sources = append(sources,
		func(context.Context) ranked {
			defs, pinned := x.cursorDefinitions(cur, before)
			return ranked{"definition", weightDefinition, defs, pinned, nil}
		},
		func(context.Context) ranked {
			return ranked{"definition", weightCalls, x.fileCalls(cur), nil, nil}
		},
		func(context.Context) ranked {
			// The scope and its neighbours number their signatures in one list.
			used := map[string]bool{}
			hits, sigs := x.scopeSignatures(cur, used)
			known := map[string]bool{}
			for _, d := range sigs {
				known[d.Name] = true
			}
			near, nsigs := x.neighbourSignatures(cur, before, known, used)
			for i := range near {
				near[i].id = sigBase + uint32(len(sigs)+i)
			}
			sigs = append(sigs, nsigs...)
			results <- ranked{"neighbours", weightNeighbours, near, nil, nil}
			return ranked{"scope", weightScope, hits, nil, sigs}
		},
		func(context.Context) ranked {
			// One BM25 pass ranks both the whole index and the recently changed files.
			lex, recent := x.similar(cur, queryText, 24)
			results <- ranked{"recent", weightRecent, recent, nil, nil}
			results <- ranked{"lexical", weightLexical, lex, nil, nil}
			return ranked{"similar-calls", weightSimilarCalls, x.similarCalls(cur, lex), nil, nil}
		},
	)
	// The lexical source also sends the recent list and the calls of similar code, the scope
	// its neighbours.
	expected := len(sources) + 3
	if semantic(x.embedder) {
		sources = append(sources, func(ctx context.Context) ranked {
			return ranked{"semantic", weightSemantic, x.semanticSimilar(ctx, cur, queryText), nil, nil}
		})
		expected++
	}

	sctx, cancel := context.WithTimeout(ctx, req.SourceTimeout)
	defer cancel()
	for _, src := range sources {
		go func() { results <- src(sctx) }()
	}
	f := newFusion()
	var sigs []Symbol
	pinned := map[uint32]bool{}
	for range expected {
		select {
		case r := <-results:
			f.add(r.source, r.weight, r.hits)
			if r.sigs != nil {
				sigs = r.sigs
			}
			// The function whose arguments are being typed: its signature is what the model
			// needs most, whatever the other sources agree on.
			for _, id := range r.pinned {
				f.score[id] += 1
				pinned[id] = true
			}
		case <-sctx.Done():
			// A late source is left out; the ones that answered still count.
		}
		if ctx.Err() != nil {
			return ContextResult{}, ctx.Err()
		}
	}
	return x.pack(cur, f, req, sigs, pinned), nil
}

// weightCalls weighs the definitions of functions called around the cursor: as much as those
// of identifiers just before it, since code being written mostly calls what its neighbours call.
const weightCalls = 2.0

// minCallPlausibility keeps a called function's definition only when it is in the same
// directory or reached through an import or qualifier.
const minCallPlausibility = 3
