package indexer

import (
	"context"
	"sort"
	"sync"
)

// A Snapshot is one consistent, immutable view of the index: the index as it was at one
// generation. Every lookup through it — files by path, chunks, symbols, postings, directories,
// recent and newest files — sees each file wholly as it was then, whatever is replaced or
// removed meanwhile, and nothing it can see is reclaimed or renumbered until it is released.
// A request takes one snapshot and reads everything through it; it must call Release when
// done (a snapshot left open only delays reclaiming memory, never a change).
//
// Taking and releasing one costs a read lock, a short mutex and an atomic add: the versions a
// snapshot sees are kept by the writers (copy-on-write per file), not copied for it. A
// version is reclaimed once no open snapshot is old enough to see it.
type Snapshot struct {
	x    *Index
	gen  uint64
	once sync.Once
}

// Snapshot opens a view of the index as it is now.
func (x *Index) Snapshot() *Snapshot {
	x.mu.RLock()
	// Under the read lock, so that a writer holding the lock sees every open snapshot and
	// never reclaims what one may see.
	x.readers.Add(1)
	g := x.gen
	x.openMu.Lock()
	x.open[g]++
	x.openMu.Unlock()
	x.mu.RUnlock()
	return &Snapshot{x: x, gen: g}
}

// Release closes the snapshot. It is safe to call more than once.
func (s *Snapshot) Release() { s.once.Do(func() { s.x.unpin(s.gen) }) }

// Generation is the index generation the snapshot reads at: equal generations mean equal views.
func (s *Snapshot) Generation() uint64 { return s.gen }

// Index returns the index the snapshot views.
func (s *Snapshot) Index() *Index { return s.x }

// Content returns the text of path as the snapshot sees it.
func (s *Snapshot) Content(path string) (string, bool) {
	s.x.mu.RLock()
	defer s.x.mu.RUnlock()
	f := s.x.fileAtLocked(path, s.gen)
	if f == nil {
		return "", false
	}
	return f.content, true
}

// Paths returns the paths the snapshot sees, sorted.
func (s *Snapshot) Paths() []string {
	var out []string
	s.x.mu.RLock()
	s.x.eachFileAtLocked(s.gen, func(f *fileEntry) { out = append(out, f.path) })
	s.x.mu.RUnlock()
	sort.Strings(out)
	return out
}

// Context is Snapshot.Context on a snapshot of the index as it is now.
func (x *Index) Context(ctx context.Context, req ContextRequest) (ContextResult, error) {
	s := x.Snapshot()
	defer s.Release()
	return s.Context(ctx, req)
}

// Definitions is Snapshot.Definitions on a snapshot of the index as it is now.
func (x *Index) Definitions(name, path, qualifier string) []Symbol {
	s := x.Snapshot()
	defer s.Release()
	return s.Definitions(name, path, qualifier)
}

// Uses is Snapshot.Uses on a snapshot of the index as it is now.
func (x *Index) Uses(name string, limit int) ([]Location, int) {
	s := x.Snapshot()
	defer s.Release()
	return s.Uses(name, limit)
}

// fileAtLocked returns the version of path a snapshot at generation g sees, nil if none.
func (x *Index) fileAtLocked(path string, g uint64) *fileEntry {
	if f := x.files[path]; f != nil && f.visibleAt(g) {
		return f
	}
	for f := x.older[path]; f != nil; f = f.prev {
		if f.visibleAt(g) {
			return f
		}
	}
	return nil
}

// eachFileAtLocked calls fn with every file version a snapshot at generation g sees.
func (x *Index) eachFileAtLocked(g uint64, fn func(*fileEntry)) {
	for p, f := range x.files {
		if f.visibleAt(g) {
			fn(f)
		} else if o := x.olderAtLocked(p, g); o != nil {
			fn(o)
		}
	}
	for p := range x.older {
		if x.files[p] == nil {
			if o := x.olderAtLocked(p, g); o != nil {
				fn(o)
			}
		}
	}
}

func (x *Index) olderAtLocked(path string, g uint64) *fileEntry {
	for f := x.older[path]; f != nil; f = f.prev {
		if f.visibleAt(g) {
			return f
		}
	}
	return nil
}

// liveAtLocked reports whether chunk id exists for a snapshot at generation g.
func (x *Index) liveAtLocked(id uint32, g uint64) bool {
	if int(id) >= len(x.chunks) {
		return false
	}
	f := x.chunks[id].file
	return f != nil && f.visibleAt(g)
}

// symsAtLocked returns the definitions named name that a snapshot at generation g sees.
func (x *Index) symsAtLocked(name string, g uint64) []symRef {
	refs := x.syms.lookup(name)
	for i, r := range refs {
		if !r.file.visibleAt(g) {
			// Rare (a file changed during the request): copy, never filter the table in place.
			out := append([]symRef(nil), refs[:i]...)
			for _, r := range refs[i+1:] {
				if r.file.visibleAt(g) {
					out = append(out, r)
				}
			}
			return out
		}
	}
	return refs
}
