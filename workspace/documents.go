package workspace

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Documents holds the editor's open buffers: the unsaved text of every document the client has
// opened, by path. While a document is open its buffer, not the file on disk, is the truth about
// its content, so context assembly reads buffers from here first.
//
// A Documents is safe for concurrent use. Readers get immutable snapshots; writers replace the
// whole text of a document at once, so a reader never sees a half-applied change.
type Documents struct {
	mu   sync.RWMutex
	docs map[string]*Document // guarded by mu; the pointed-to values are never mutated
	seq  uint64               // guarded by mu; last value handed out as Document.Seq
}

// A Document is an immutable snapshot of one open buffer.
type Document struct {
	// Path identifies the document: an absolute file path, or the client's URI for
	// documents that have no file (e.g. "untitled:Untitled-1").
	Path    string
	Version int32  // the client's version number, increasing with each change
	Text    string // the whole buffer
	// Seq orders changes across all documents: a larger Seq was opened or changed later.
	Seq uint64
}

// TextEdit replaces Text[Start:End] with NewText. Offsets are in bytes.
type TextEdit struct {
	Start, End int
	NewText    string
}

// NewDocuments returns an empty store.
func NewDocuments() *Documents {
	return &Documents{docs: make(map[string]*Document)}
}

// Open records path as open with the given version and text, replacing any earlier buffer.
func (d *Documents) Open(path string, version int32, text string) Document {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	doc := &Document{Path: path, Version: version, Text: text, Seq: d.seq}
	d.docs[path] = doc
	return *doc
}

// Change applies edits to the open buffer at path, in order, and records the new version.
// As in LSP, the offsets of each edit refer to the text produced by the edits before it. Either
// all edits apply or, on error, the buffer is left unchanged.
//
// Callers that convert editor positions to offsets (which needs the text) must not let another
// goroutine change the same document between reading it and calling Change; the LSP server
// applies all changes from one goroutine.
func (d *Documents) Change(path string, version int32, edits []TextEdit) (Document, error) {
	d.mu.RLock()
	old, ok := d.docs[path]
	d.mu.RUnlock()
	if !ok {
		return Document{}, fmt.Errorf("change to %s: document is not open", path)
	}
	text, err := ApplyEdits(old.Text, edits)
	if err != nil {
		return Document{}, fmt.Errorf("change to %s (version %d): %w", path, version, err)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	if cur, ok := d.docs[path]; !ok || cur != old {
		// Someone else changed or closed it meanwhile; applying our edits to their text would
		// corrupt it, and refusing loses nothing the caller cannot resend.
		return Document{}, fmt.Errorf("change to %s (version %d): document changed concurrently", path, version)
	}
	d.seq++
	doc := &Document{Path: path, Version: version, Text: text, Seq: d.seq}
	d.docs[path] = doc
	return *doc, nil
}

// Close forgets the buffer at path and reports whether it was open.
func (d *Documents) Close(path string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.docs[path]
	delete(d.docs, path)
	return ok
}

// Get returns a snapshot of the open buffer at path.
func (d *Documents) Get(path string) (Document, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	doc, ok := d.docs[path]
	if !ok {
		return Document{}, false
	}
	return *doc, true
}

// All returns snapshots of every open buffer, most recently opened or changed first.
func (d *Documents) All() []Document {
	d.mu.RLock()
	out := make([]Document, 0, len(d.docs))
	for _, doc := range d.docs {
		out = append(out, *doc)
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b Document) int {
		switch {
		case a.Seq > b.Seq:
			return -1
		case a.Seq < b.Seq:
			return 1
		}
		return 0
	})
	return out
}

// ApplyEdits returns text with edits applied in order; the offsets of each edit refer to the
// result of the edits before it. It fails, changing nothing, if an edit is out of range.
func ApplyEdits(text string, edits []TextEdit) (string, error) {
	if len(edits) == 1 {
		// The common case (one keystroke) builds the new text with a single allocation.
		e := edits[0]
		if err := checkEdit(e, len(text)); err != nil {
			return "", err
		}
		var b strings.Builder
		b.Grow(len(text) - (e.End - e.Start) + len(e.NewText))
		b.WriteString(text[:e.Start])
		b.WriteString(e.NewText)
		b.WriteString(text[e.End:])
		return b.String(), nil
	}
	buf := []byte(text)
	for i, e := range edits {
		if err := checkEdit(e, len(buf)); err != nil {
			return "", fmt.Errorf("edit %d: %w", i, err)
		}
		buf = slices.Replace(buf, e.Start, e.End, []byte(e.NewText)...)
	}
	return string(buf), nil
}

func checkEdit(e TextEdit, n int) error {
	if e.Start < 0 || e.End < e.Start || e.End > n {
		return fmt.Errorf("edit range [%d, %d) is outside the text (%d bytes)", e.Start, e.End, n)
	}
	return nil
}
