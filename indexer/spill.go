package indexer

import (
	"sync"
	"unsafe"
)

// A spill keeps file contents off the Go heap, in an unlinked temporary file mapped read-only
// (see spill_linux.go). File contents are the largest part of an index (100 MB for the Go
// source tree), written once and read rarely; on the heap the garbage collector's headroom
// doubles them, while in a file they are page cache, which the kernel writes back and evicts
// as it needs: after a file is indexed (and again after Save has written it) its pages are
// dropped from the process's resident set and fault back in from the page cache when read.
//
// Only the first content seen for each path is spilled: that is the cold build, and files
// created later. A changed file's content goes to the heap as before, so edits do not grow
// the spill file; what a removed or replaced file leaves in it is bounded by the first
// version of every path the index has seen. Like the mapped index file, the mapping is
// never unmapped: strings handed out point into it.
type spill struct {
	mu      sync.Mutex
	failed  bool                // the spill could not be created or grown: the heap from then on
	spilled map[string]struct{} // paths whose content was spilled once
	// Contents and the definitions' strings live in two files: reading a page faults in its
	// neighbours too ("fault-around"), and symbol lookups, which read names all over the
	// table, must not bring back the contents.
	contents, strs *spillMap // nil until first used
}

const (
	spillMaxItem = 4 << 20 // larger contents stay on the heap (and are rare: the walk's limit is 1 MiB)
	spillMaxSize = 8 << 30 // past this the spill stops growing
)

// store returns text as a string, in the spill when path has not been spilled before and the
// spill can take it, else on the heap; spilled says which.
func (s *spill) store(path string, text []byte) (content string, spilled bool) {
	if len(text) == 0 || len(text) > spillMaxItem {
		return string(text), false
	}
	s.mu.Lock()
	if _, ok := s.spilled[path]; ok {
		s.mu.Unlock()
		return string(text), false
	}
	if s.spilled == nil {
		s.spilled = make(map[string]struct{})
	}
	s.spilled[path] = struct{}{} // once, whether or not it fits
	return s.putLocked(&s.contents, text, true)
}

// putLocked writes b to the spill file *mp (creating it if need be), page-aligned if align,
// and returns it as a string there. It unlocks s.mu.
func (s *spill) putLocked(mp **spillMap, b []byte, align bool) (string, bool) {
	if s.failed {
		s.mu.Unlock()
		return string(b), false
	}
	if *mp == nil {
		m, err := newSpillMap()
		if err != nil {
			s.failed = true
			s.mu.Unlock()
			return string(b), false
		}
		*mp = m
	}
	m := *mp
	mapped, off, ok := m.reserve(len(b), spillMaxSize, align)
	if !ok {
		s.failed = true
		s.mu.Unlock()
		return string(b), false
	}
	s.mu.Unlock()
	// The write goes through the file, not the mapping, so the pages never become dirty
	// pages of this process: the mapping sees them through the shared page cache.
	if err := m.write(b, off); err != nil {
		return string(b), false
	}
	return unsafe.String(&mapped[0], len(mapped)), true
}

// rehome moves the text of a spilled file's definitions (names, containers, signatures,
// docs) and chunk symbols into the spill too: after the contents they are the largest
// strings of an index, made by the parser on the heap, and like them written once.
func (s *spill) rehome(defs []Symbol, chunks []Chunk) {
	var n int
	for i := range defs {
		d := &defs[i]
		n += len(d.Name) + len(d.Container) + len(d.Signature) + len(d.Doc)
	}
	for i := range chunks {
		n += len(chunks[i].Symbol)
	}
	if n == 0 || n > spillMaxItem {
		return
	}
	blob := make([]byte, 0, n)
	for i := range defs {
		d := &defs[i]
		blob = append(append(append(append(blob, d.Name...), d.Container...), d.Signature...), d.Doc...)
	}
	for i := range chunks {
		blob = append(blob, chunks[i].Symbol...)
	}
	s.mu.Lock()
	all, ok := s.putLocked(&s.strs, blob, false)
	if !ok {
		return
	}
	rest := all
	next := func(old string) string {
		if old == "" {
			return ""
		}
		v := rest[:len(old)]
		rest = rest[len(old):]
		return v
	}
	for i := range defs {
		d := &defs[i]
		d.Name, d.Container, d.Signature, d.Doc = next(d.Name), next(d.Container), next(d.Signature), next(d.Doc)
	}
	for i := range chunks {
		chunks[i].Symbol = next(chunks[i].Symbol)
	}
}

// release drops the pages of content from the process's resident memory if it lives in the
// spill; the text stays readable (it faults back in from the page cache).
func (s *spill) release(content string) {
	s.mu.Lock()
	m, strs := s.contents, s.strs
	s.mu.Unlock()
	// Symbol lookups while the index is built, and Save, fault the definitions' strings in
	// too: they are swept whenever the contents are.
	if m != nil && m.release(content) && strs != nil {
		strs.sweep()
	}
}

// sweep drops every spilled page from the process's resident memory.
func (s *spill) sweep() {
	s.mu.Lock()
	ms := []*spillMap{s.contents, s.strs}
	s.mu.Unlock()
	for _, m := range ms {
		if m != nil {
			m.sweep()
		}
	}
}
