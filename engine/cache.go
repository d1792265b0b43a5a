package engine

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
)

// completionCache remembers recent completions. An entry also answers when the user has since
// typed the beginning of the completion (the rest is offered), which is most keystrokes while a
// completion is shown. Entries are matched by hashes of the text around the cursor, not by
// version, so that undoing back to a known state hits too.
type completionCache struct {
	seed    maphash.Seed
	mu      sync.Mutex
	entries []cacheEntry // guarded by mu; most recent last
}

type cacheEntry struct {
	path          string
	offset        int
	before, after uint64 // hashes of the text before and after offset
	all           int    // length of the whole text
	// texts are the candidates, the model's own completion first, then the sampled
	// alternatives (see Engine.Candidates); never empty.
	texts   []string
	sampled bool // the alternatives were asked for
}

const cacheSize = 32

func (c *completionCache) init() { c.seed = maphash.MakeSeed() }

func (c *completionCache) hash(s string) uint64 { return maphash.String(c.seed, s) }

// put remembers text as the completion of doc at offset.
func (c *completionCache) put(path, doc string, offset int, text string) {
	c.store(path, doc, offset, []string{text}, false)
}

// store remembers texts for doc at offset, merged with what an entry for the very same text
// and offset holds: candidates are added (without duplicates), never lost. sampled marks the
// alternatives as asked for.
func (c *completionCache) store(path, doc string, offset int, texts []string, sampled bool) {
	e := cacheEntry{
		path: path, offset: offset,
		before: c.hash(doc[:offset]), after: c.hash(doc[offset:]),
		all: len(doc),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, old := range c.entries {
		if old.path == e.path && old.offset == e.offset && old.before == e.before && old.after == e.after && old.all == e.all {
			e.texts, e.sampled = old.texts, old.sampled
			c.entries = slices.Delete(c.entries, i, i+1)
			break
		}
	}
	e.texts = dedupe(append(slices.Clone(e.texts), texts...))
	e.sampled = e.sampled || sampled
	if len(e.texts) == 0 {
		return // nothing was given
	}
	if len(c.entries) == cacheSize {
		c.entries = append(c.entries[:0], c.entries[1:]...)
	}
	c.entries = append(c.entries, e)
}

// get returns the remembered completion for doc at offset: the rest of the newest one the
// user has typed the beginning of.
func (c *completionCache) get(path, doc string, offset int) (string, bool) {
	texts, _, ok := c.candidates(path, doc, offset)
	if !ok {
		return "", false
	}
	return texts[0], true
}

// candidates returns every remembered candidate for doc at offset (each with what the user
// typed of it removed), the model's own first, and whether the alternatives were asked for.
func (c *completionCache) candidates(path, doc string, offset int) ([]string, bool, bool) {
	c.mu.Lock()
	entries := make([]cacheEntry, 0, len(c.entries))
	for _, e := range c.entries {
		if e.path == path && e.offset <= offset {
			entries = append(entries, e)
		}
	}
	c.mu.Unlock()
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		typed := doc[e.offset:offset]
		if len(doc)-len(typed) != e.all || !strings.HasPrefix(e.texts[0], typed) {
			continue
		}
		if typed != "" && len(typed) == len(e.texts[0]) {
			// Typed (or accepted) all of it: what comes next is a new question, not "nothing".
			continue
		}
		if c.hash(doc[:e.offset]) != e.before || c.hash(doc[offset:]) != e.after {
			continue
		}
		var out []string
		for _, t := range e.texts {
			if strings.HasPrefix(t, typed) {
				out = append(out, t[len(typed):])
			}
		}
		// Alternatives asked for at an earlier offset are as good as asked for here.
		return out, e.sampled, true
	}
	return nil, false, false
}

func (c *completionCache) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e cacheEntry) bool { return e.path == path })
}

// dedupe drops candidates that differ from an earlier one only in trailing white space, and
// empty ones, keeping the order. The first stays even when empty: "the model has nothing to
// add here" is worth remembering too.
func dedupe(texts []string) []string {
	out := texts[:0]
	seen := map[string]bool{}
	for i, t := range texts {
		k := strings.TrimRight(t, " \t\r\n")
		if (k == "" && i > 0) || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, t)
	}
	return out
}

// CachedCompletion returns a completion remembered for doc at offset, without asking the model:
// a language server asks before it debounces, so that a hit costs no wait.
func (e *Engine) CachedCompletion(doc Doc, offset int) (string, bool) {
	offset = min(max(offset, 0), len(doc.Text))
	if !e.completes(doc.Path) {
		return "", false
	}
	return e.cache.get(doc.Path, doc.Text, offset)
}
