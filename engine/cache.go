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
	text          string
}

const cacheSize = 32

func (c *completionCache) init() { c.seed = maphash.MakeSeed() }

func (c *completionCache) hash(s string) uint64 { return maphash.String(c.seed, s) }

func (c *completionCache) put(path, doc string, offset int, text string) {
	e := cacheEntry{
		path: path, offset: offset, text: text,
		before: c.hash(doc[:offset]), after: c.hash(doc[offset:]),
		all: len(doc),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) == cacheSize {
		c.entries = append(c.entries[:0], c.entries[1:]...)
	}
	c.entries = append(c.entries, e)
}

func (c *completionCache) get(path, doc string, offset int) (string, bool) {
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
		if len(doc)-len(typed) != e.all || !strings.HasPrefix(e.text, typed) {
			continue
		}
		if c.hash(doc[:e.offset]) != e.before || c.hash(doc[offset:]) != e.after {
			continue
		}
		return e.text[len(typed):], true
	}
	return "", false
}

func (c *completionCache) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = slices.DeleteFunc(c.entries, func(e cacheEntry) bool { return e.path == path })
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
