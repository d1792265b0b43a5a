package engine

import (
	"strconv"
	"strings"
	"sync"

	"ragls/prompts"
)

// The user's recent edits tell the model what they are in the middle of (a renamed parameter,
// a new field being used elsewhere) better than any retrieval can. The engine keeps the last
// few as diff hunks, not whole files: a hunk is what changed, with no context lines, and what
// a completion's budget can afford.
const (
	maxEditHunks    = 6    // the newest are kept
	maxHunkLines    = 12   // per side of a hunk; the rest is elided
	maxHunkBytes    = 1200 // per rendered hunk
	editsMergeLines = 2    // an edit this close to the newest hunk's lines extends it
	// EditsSnippetPath names the recent edits in a completion prompt, as a diff "file".
	EditsSnippetPath = "recent_edits.diff"
)

// editLog holds the newest hunks of indexable buffers. It never holds anything of a secret or
// ignored buffer: record is only called for buffers indexed before and after the change, and
// forget drops a buffer's hunks when it stops being one.
type editLog struct {
	mu    sync.Mutex
	hunks []editHunk // guarded by mu; oldest first
}

type editHunk struct {
	key  string // the buffer's path as the editor gave it
	rel  string // as the prompt names it
	base string // the text before this hunk's series of edits; newest hunk only
	// lo, hi are the changed lines [lo, hi) in the text after the edit.
	lo, hi int
	text   string // rendered
}

// record notes that the buffer key (named rel in prompts) went from before to after. Keystrokes
// in one place grow one hunk, measured from the text before the first of them, so the log
// holds edits, not keystrokes.
func (l *editLog) record(key, rel, before, after string) {
	elo, ehi, etext, changed := diffHunk(rel, before, after)
	if !changed {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.hunks); n > 0 {
		last := &l.hunks[n-1]
		// This edit near the newest hunk's lines (both in before, the text the hunk ended
		// in): the same edit going on, measured again from where it started.
		if last.key == key && last.base != "" && elo <= last.hi+editsMergeLines && ehi+editsMergeLines >= last.lo {
			lo, hi, text, changed := diffHunk(rel, last.base, after)
			if !changed { // typed and undone: nothing happened
				l.hunks = l.hunks[:n-1]
				return
			}
			last.lo, last.hi, last.text = lo, hi, text
			return
		}
		last.base = "" // final now: its copy of the file goes
	}
	l.hunks = append(l.hunks, editHunk{key: key, rel: rel, base: before, lo: elo, hi: ehi, text: etext})
	if len(l.hunks) > maxEditHunks {
		l.hunks = append(l.hunks[:0:0], l.hunks[len(l.hunks)-maxEditHunks:]...)
	}
}

// forget drops every hunk of the buffer key.
func (l *editLog) forget(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.hunks[:0]
	for _, h := range l.hunks {
		if h.key != key {
			kept = append(kept, h)
		}
	}
	clear(l.hunks[len(kept):])
	l.hunks = kept
}

// snippet renders the hunks, oldest first, of the buffers allow accepts, as one prompt
// snippet; ok is false when there are none.
func (l *editLog) snippet(allow func(key string) bool) (prompts.Snippet, bool) {
	l.mu.Lock()
	hunks := append([]editHunk(nil), l.hunks...)
	l.mu.Unlock()
	var b strings.Builder
	for _, h := range hunks {
		if allow(h.key) {
			b.WriteString(h.text)
		}
	}
	if b.Len() == 0 {
		return prompts.Snippet{}, false
	}
	return prompts.Snippet{Path: EditsSnippetPath, Kind: prompts.KindEdits, Text: b.String()}, true
}

// diffHunk compares before and after by lines and renders what changed as one hunk:
// "--- rel\n+++ rel\n@@ -a,n +b,m @@" and the removed and added lines. lo, hi are the changed
// lines in after; changed is false if the texts have the same lines.
func diffHunk(rel, before, after string) (lo, hi int, text string, changed bool) {
	a, b := strings.SplitAfter(before, "\n"), strings.SplitAfter(after, "\n")
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	removed, added := a[p:len(a)-s], b[p:len(b)-s]
	if len(removed) == 0 && len(added) == 0 {
		return p, p, "", false
	}
	var w strings.Builder
	w.WriteString("--- " + rel + "\n+++ " + rel + "\n@@ -" + strconv.Itoa(p+1) + "," + strconv.Itoa(len(removed)) +
		" +" + strconv.Itoa(p+1) + "," + strconv.Itoa(len(added)) + " @@\n")
	side := func(mark string, lines []string) {
		for i, line := range lines {
			if i == maxHunkLines {
				w.WriteString(mark + " … " + strconv.Itoa(len(lines)-i) + " more lines\n")
				return
			}
			w.WriteString(mark + strings.TrimSuffix(line, "\n") + "\n")
		}
	}
	side("-", removed)
	side("+", added)
	text = w.String()
	if len(text) > maxHunkBytes {
		text = strings.ToValidUTF8(text[:maxHunkBytes], "") + "\n… (cut)\n"
	}
	return p, p + len(added), text, true
}
