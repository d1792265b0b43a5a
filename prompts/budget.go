package prompts

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tiktoken-go/tokenizer"
)

// Counter estimates how many tokens a text costs a local model. It counts with OpenAI's cl100k
// encoding (embedded in the binary, so no download) and multiplies by a safety margin, because the
// local model's own tokenizer is not available and usually needs somewhat more tokens for code
// than cl100k does. Overestimating only wastes a little context; underestimating makes the server
// cut the prompt's head, which is where the stable, cached part lives.
//
// A Counter is safe for concurrent use. Make one and share it: loading the encoding costs ~10 ms.
type Counter struct {
	codec  tokenizer.Codec
	margin float64
	cache  *lineCache // shared by the counters [Counter.scaled] derives
}

// lineCache holds raw counts of recently seen lines.
type lineCache struct {
	mu    sync.Mutex
	lines map[string]int // guarded by mu, at most maxCachedLines
}

// maxCachedLines bounds the line cache (~10 MB with typical lines); when full it starts over,
// which is cheap and needs no bookkeeping.
const maxCachedLines = 100_000

// rawLine is raw with a cache for lines, the unit prompt budgets cut at.
func (c *Counter) rawLine(line string) int {
	if len(line) > 1024 { // rare, and not worth keeping
		return c.raw(line)
	}
	lc := c.cache
	lc.mu.Lock()
	n, ok := lc.lines[line]
	lc.mu.Unlock()
	if ok {
		return n
	}
	n = c.raw(line)
	lc.mu.Lock()
	if len(lc.lines) >= maxCachedLines {
		clear(lc.lines)
	}
	lc.lines[line] = n
	lc.mu.Unlock()
	return n
}

// rawCounted is the raw cl100k count of s, line by line through the cache.
func (c *Counter) rawCounted(s string) int {
	n := 0
	for s != "" {
		i := strings.IndexByte(s, '\n') + 1
		if i == 0 {
			i = len(s)
		}
		n += c.rawLine(s[:i])
		s = s[i:]
	}
	return n
}

// scaled returns a counter for a model whose tokenizer needs margin times the cl100k count;
// it shares the tokenizer and the line cache.
func (c *Counter) scaled(margin float64) *Counter {
	if margin == c.margin || margin <= 0 {
		return c
	}
	return &Counter{codec: c.codec, margin: margin, cache: c.cache}
}

// forget empties the line cache; benchmarks use it to measure cold assembly.
func (c *Counter) forget() {
	c.cache.mu.Lock()
	clear(c.cache.lines)
	c.cache.mu.Unlock()
}

// TokenMargin is the safety margin applied to token estimates: on cl100k counts until the
// model's own ratio is known, and on top of that ratio afterwards (see [Limits.Multiplier]).
const TokenMargin = 1.15

// NewCounter loads the tokenizer.
func NewCounter() (*Counter, error) {
	codec, err := tokenizer.Get(tokenizer.Cl100kBase)
	if err != nil {
		return nil, fmt.Errorf("loading the cl100k tokenizer: %w", err)
	}
	return &Counter{codec: codec, margin: TokenMargin, cache: &lineCache{lines: make(map[string]int)}}, nil
}

// Count returns the estimated token count of s, margin included. It counts line by line through
// a cache, because prompts are rebuilt on every keystroke from text that is mostly unchanged;
// the sum of the lines' counts is within a few percent of (and not below) the count of the whole.
func (c *Counter) Count(s string) int { return c.scale(c.rawCounted(s)) }

func (c *Counter) scale(n int) int { return int(math.Ceil(float64(n) * c.margin)) }

// raw is the cl100k count. Should the tokenizer fail (it should not, even on invalid UTF-8),
// a pessimistic 3 bytes per token stands in.
func (c *Counter) raw(s string) int {
	if s == "" {
		return 0
	}
	n, err := c.codec.Count(s)
	if err != nil {
		return len(s)/3 + 1
	}
	return n
}

// span is a cumulative measure of whole lines taken outward from the cursor.
type span struct{ bytes, raw int }

// outward measures s line by line, starting at the cursor: from the end of s when fromEnd (a
// prefix loses its top), else from the start (a suffix loses its bottom). It stops after the first
// line that takes the total past limit tokens, so a huge file costs no more than the part that can
// fit. Lines are counted one at a time through the line cache, so consecutive keystrokes, which
// change one line, re-tokenize only that line.
//
// Passing the spans of an earlier call with a lower limit continues where it stopped.
func (c *Counter) outward(s string, fromEnd bool, limit int, spans []span) []span {
	rawLimit := int(float64(limit)/c.margin) + 1
	cur := span{}
	if len(spans) > 0 {
		cur = spans[len(spans)-1]
	}
	rest := s[cur.bytes:]
	if fromEnd {
		rest = s[:len(s)-cur.bytes]
	}
	for rest != "" && cur.raw <= rawLimit {
		var line string
		if fromEnd {
			i := strings.LastIndexByte(rest[:len(rest)-1], '\n')
			line, rest = rest[i+1:], rest[:i+1]
		} else {
			i := strings.IndexByte(rest, '\n')
			if i < 0 {
				i = len(rest) - 1
			}
			line, rest = rest[:i+1], rest[i+1:]
		}
		cur.bytes += len(line)
		cur.raw += c.rawLine(line)
		spans = append(spans, cur)
	}
	return spans
}

// pick keeps the most whole lines of s (measured by spans) that fit in budget tokens and returns
// them with their cost. When not even the cursor's own line fits (minified code), that line is cut
// inside, at a rune boundary, at a pessimistic 3 bytes a token.
func (c *Counter) pick(s string, spans []span, budget int, fromEnd bool) (string, int) {
	if budget <= 0 || len(spans) == 0 {
		return "", 0
	}
	k := sort.Search(len(spans), func(i int) bool { return c.scale(spans[i].raw) > budget })
	if k == 0 {
		line := s[:spans[0].bytes]
		if fromEnd {
			line = s[len(s)-spans[0].bytes:]
		}
		b := min(len(line), budget*3)
		if fromEnd {
			start := len(line) - b
			for start < len(line) && !utf8.RuneStart(line[start]) {
				start++
			}
			kept := line[start:]
			return kept, c.Count(kept)
		}
		for b > 0 && b < len(line) && !utf8.RuneStart(line[b]) {
			b--
		}
		kept := line[:b]
		return kept, c.Count(kept)
	}
	sp := spans[k-1]
	if fromEnd {
		return s[len(s)-sp.bytes:], c.scale(sp.raw)
	}
	return s[:sp.bytes], c.scale(sp.raw)
}

// cut keeps the whole lines of s nearest the cursor that fit in budget tokens (see outward).
func (c *Counter) cut(s string, budget int, fromEnd bool) (string, int) {
	if budget <= 0 || s == "" {
		return "", 0
	}
	return c.pick(s, c.outward(s, fromEnd, budget, nil), budget, fromEnd)
}

// trimTop keeps the last lines of s that fit in budget tokens.
func trimTop(c *Counter, s string, budget int) string {
	kept, _ := c.cut(s, budget, true)
	return kept
}

// trimBottom keeps the first lines of s that fit in budget tokens.
func trimBottom(c *Counter, s string, budget int) string {
	kept, _ := c.cut(s, budget, false)
	return kept
}

// CompletionInput is the cursor and its surroundings for one completion.
type CompletionInput struct {
	Model    string    // "" = Config.CompletionModel; selects the FIM family
	RepoName string    // workspace folder name, for repository-level FIM formats
	Path     string    // current file, slash-separated, relative to the root
	Language string    // e.g. "go"
	Prefix   string    // file text before the cursor
	Suffix   string    // file text after the cursor
	Snippets []Snippet // repository context, best first
}

// Prompt is a completion prompt ready to send with [Client.Fill].
type Prompt struct {
	Family    Family
	Model     string
	Text      string    // the FIM prompt for /v1/completions; "" when Messages is set
	Messages  []Message // the chat fallback, for models without FIM
	Stop      []string  // the family's stop tokens, then Config.Stop
	MaxTokens int
	// Temperature and Seed, when set, override Config.Temperature and the server's seed: the
	// alternatives of [Client.Alternatives] are sampled with them.
	Temperature *float32
	Seed        *int
	Tokens      int // estimated prompt tokens, margin included
	// Multiline is false where only the rest of the line fits (see [Multiline]); the prompt
	// then stops at the line's end.
	Multiline bool

	// What the budget left out, for logs and tests.
	PrefixDropped int // bytes cut from the top of the prefix
	SuffixDropped int // bytes cut from the bottom of the suffix
	Snippets      int // snippets included

	// fim is what Text was formatted from, for servers that format FIM prompts themselves
	// (llama.cpp's /infill); nil for the chat fallback.
	fim *FIMInput
}

// singleLineTokens bounds a completion that ends at the end of its line.
const singleLineTokens = 64

// Multiline decides from the cursor's syntax whether a completion may span lines: where a
// block is being opened (the line before the cursor ends with "{", ":", "(", "[", "=>", "->",
// "do" or "then") or the cursor's line is empty. Elsewhere, in the middle or at the end of a
// statement, the rest of one line is what the user expects, and a multi-line answer would
// only have to be deleted. Text after the cursor that only closes brackets does not count.
func Multiline(prefix, suffix string) bool {
	line := prefix[strings.LastIndexByte(prefix, '\n')+1:]
	rest, _, _ := strings.Cut(suffix, "\n")
	rest = strings.TrimSpace(rest)
	if strings.Trim(rest, ")]};,") != "" {
		return false // the cursor is inside a line that goes on
	}
	before := strings.TrimRight(line, " \t")
	if before == "" {
		return true
	}
	for _, opener := range []string{"{", ":", "(", "[", "=>", "->"} {
		if strings.HasSuffix(before, opener) {
			return true
		}
	}
	for _, word := range []string{"do", "then", "else"} {
		if before == word || strings.HasSuffix(before, " "+word) || strings.HasSuffix(before, "\t"+word) {
			return true
		}
	}
	return false
}

// Budget shares of the prompt budget (the context window minus the output and the format's fixed
// text). The prefix is what predicts the next token best, so it is served first; the suffix
// matters less the further it is from the cursor; the context gets what remains, and anything it
// leaves goes back to the prefix, then the suffix.
const (
	prefixShare = 0.50
	suffixShare = 0.25
)

// BuildCompletion assembles the prompt for a completion at a cursor: the FIM format of the
// model's family (or the chat fallback), fitted to the model's window (see [Prompter.Limits])
// minus Config.MaxTokens.
// The prefix is cut from the top and the suffix from the bottom at line boundaries; snippets are
// taken best first while they fit and are then written in path order, ahead of the current file,
// so that the head of the prompt stays byte-identical across keystrokes for the prompt cache.
//
// ctx bounds only the wait for the server's limits (see [Prompter.Limits]): a cancelled
// request builds its prompt with what is known so far and is expected to notice ctx itself.
func (p *Prompter) BuildCompletion(ctx context.Context, in CompletionInput) (Prompt, error) {
	model := pick(in.Model, p.cfg.CompletionModel)
	fam := FamilyForModel(model, p.cfg.FIM)
	lim := p.Limits(ctx, model)
	cn := p.counter.scaled(lim.Multiplier())
	out := Prompt{Family: fam, Model: model, MaxTokens: p.cfg.MaxTokens}

	fi := FIMInput{RepoName: in.RepoName, Path: in.Path, Language: in.Language}
	var overhead int
	if fam == FamilyChat {
		d := p.data("complete", ActionInput{Language: in.Language, Path: in.Path})
		var sys, user bytes.Buffer
		if err := p.tmpl["complete"].Execute(&sys, d); err != nil {
			return out, fmt.Errorf("template complete: %w", err)
		}
		d.Code = "<CURSOR>"
		if err := p.tmpl["complete_user"].Execute(&user, d); err != nil {
			return out, fmt.Errorf("template complete_user: %w", err)
		}
		overhead = cn.Count(sys.String()) + cn.Count(user.String()) + 2*chatOverhead
	} else {
		overhead = cn.Count(fam.overhead(fi))
	}
	avail := lim.Window - p.cfg.MaxTokens - overhead
	if avail <= 0 {
		return out, fmt.Errorf("the context window of %s (%d tokens, %s) leaves no room for a prompt after maxTokens %d: lower maxTokens or give the model a larger window", model, lim.Window, lim.WindowSource, p.cfg.MaxTokens)
	}

	// Each side is measured line by line only as far as its share, and further only if the
	// context leaves room, so no line is tokenized that cannot end up in the prompt.
	pBudget, sBudget := int(float64(avail)*prefixShare), int(float64(avail)*suffixShare)
	pSpans := cn.outward(in.Prefix, true, pBudget, nil)
	sSpans := cn.outward(in.Suffix, false, sBudget, nil)
	prefix, pn := cn.pick(in.Prefix, pSpans, pBudget, true)
	suffix, sn := cn.pick(in.Suffix, sSpans, sBudget, false)

	left := avail - pn - sn
	var chosen []Snippet
	for _, s := range in.Snippets {
		if strings.TrimSpace(s.Text) == "" {
			continue
		}
		cost := cn.Count(s.Text) + cn.Count(s.Path) + snippetOverhead
		if cost <= left {
			chosen = append(chosen, s)
			left -= cost
		}
	}
	// Give what the context did not use back to the prefix, then to the suffix.
	if len(prefix) < len(in.Prefix) && left > 0 {
		var n int
		pSpans = cn.outward(in.Prefix, true, pn+left, pSpans)
		prefix, n = cn.pick(in.Prefix, pSpans, pn+left, true)
		left -= n - pn
	}
	if len(suffix) < len(in.Suffix) && left > 0 {
		var n int
		sSpans = cn.outward(in.Suffix, false, sn+left, sSpans)
		suffix, n = cn.pick(in.Suffix, sSpans, sn+left, false)
		left -= n - sn
	}
	chosen = stableOrder(chosen)
	out.Snippets = len(chosen)
	out.PrefixDropped = len(in.Prefix) - len(prefix)
	out.SuffixDropped = len(in.Suffix) - len(suffix)
	out.Stop = append([]string(nil), fam.StopTokens()...)
	out.Multiline = Multiline(in.Prefix, in.Suffix)
	if !out.Multiline {
		// The rest of this line is all that fits here: stop at its end, and ask for no more
		// tokens than a line holds, which also answers sooner.
		out.Stop = append(out.Stop, "\n")
		out.MaxTokens = min(out.MaxTokens, singleLineTokens)
	}
	out.Stop = append(out.Stop, p.cfg.Stop...)

	if fam == FamilyChat {
		d := p.data("complete", ActionInput{Language: in.Language, Path: in.Path, Snippets: chosen})
		d.Code = prefix + "<CURSOR>" + suffix
		var sys, user bytes.Buffer
		if err := p.tmpl["complete"].Execute(&sys, d); err != nil {
			return out, fmt.Errorf("template complete: %w", err)
		}
		if err := p.tmpl["complete_user"].Execute(&user, d); err != nil {
			return out, fmt.Errorf("template complete_user: %w", err)
		}
		out.Messages = []Message{{Role: RoleSystem, Content: strings.TrimSpace(sys.String())}, {Role: RoleUser, Content: user.String()}}
		out.Tokens = overhead + avail - left
		return out, nil
	}
	for _, s := range chosen {
		fi.Files = append(fi.Files, ContextFile{Path: s.Path, Text: s.Text})
	}
	fi.Prefix, fi.Suffix = prefix, suffix
	out.Text = fam.FormatFIM(fi)
	out.fim = &fi
	out.Tokens = overhead + avail - left
	return out, nil
}

// Fill sends a prompt from [Prompter.BuildCompletion] and returns the text to insert. On a
// llama.cpp server FIM prompts go to its native /infill with the prompt cache on (see infill.go);
// elsewhere FIM prompts stream through onDelta (if non-nil). The chat fallback is not streamed: its answer may arrive
// wrapped in a Markdown fence that can only be removed once complete, so onDelta gets the cleaned
// text once.
func (c *Client) Fill(ctx context.Context, p Prompt, onDelta func(string)) (string, error) {
	if c.usesInfill(ctx, p) {
		return c.infill(ctx, p, onDelta)
	}
	if p.Messages == nil {
		return c.Complete(ctx, CompletionRequest{Prompt: p.Text, Model: p.Model, MaxTokens: p.MaxTokens, Stop: p.Stop,
			Temperature: p.Temperature, Seed: p.Seed}, onDelta)
	}
	res, err := c.chat(ctx, ChatRequest{Messages: p.Messages, Model: p.Model, MaxTokens: p.MaxTokens, Stop: p.Stop,
		Temperature: p.Temperature, Seed: p.Seed}, nil, true)
	if err != nil {
		return "", err
	}
	text := res.Text
	if code, ok := fencedBlock(text); ok {
		text = code
	}
	if onDelta != nil && text != "" {
		onDelta(text)
	}
	return text, nil
}
