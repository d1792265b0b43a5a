package indexer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Index is the searchable state of one workspace root. It is safe for concurrent use: files are
// parsed, tokenized and embedded outside its lock, and each file's chunks replace the old ones in
// one short critical section, so the index answers queries while it is being built or updated.
type Index struct {
	syntax   *Syntax
	embedder Embedder

	mu       sync.RWMutex
	files    map[string]*fileEntry // by slash path relative to the root
	chunks   []chunkRec            // by chunk ID
	lex      *lexical
	vecs     [][]float32  // by chunk ID; nil if the chunk has no vector
	syms     symbols      // definitions by exact name
	vec      *vectorIndex // built on the first vector query; nil before
	recent   []string     // paths changed since the index was opened, newest last
	changes  uint64       // bumped by every change, for cache keys and tests
	backing  []byte       // the mapped index file that strings and slices may point into
	spill    spill        // file contents kept off the heap
	embedErr error        // the last embedder failure, reported by Stats

	accs   sync.Pool // *accumulator
	counts sync.Pool // map[string]int, scratch for countTerms

	// readers counts the open snapshots (see Snapshot). While any is open, nothing a snapshot
	// may see is reclaimed and compaction, the only thing that renumbers chunks, waits: every
	// other change only appends chunks or marks file versions dead at a generation, and a
	// chunk's text never changes, so an ID a reader holds always means the chunk it meant.
	// It is incremented only under mu.RLock, so a writer holding mu sees every reader.
	readers atomic.Int64
	// open counts the open snapshots by generation, so that versions no open snapshot can
	// see are reclaimed even while newer snapshots are open.
	openMu sync.Mutex
	open   map[uint64]int

	// gen is the index's generation, bumped once by every applied change and published under
	// mu: a snapshot reads at one generation, and each file version carries the generations
	// it was born and died at, so a file replaced during a request is seen wholly old.
	gen uint64
	// older holds by path the file versions replaced or removed while a snapshot that may see
	// them was open, newest first through fileEntry.prev: they, their chunks, definitions and
	// postings are reclaimed when no snapshot remains.
	older map[string]*fileEntry
	// paths is bumped whenever the set of paths in files or older changes (for dirIndex).
	paths uint64

	// The newest files by modification time, for context from recently changed files;
	// computed for the index as of change number newestAt. Readers under x.mu.RLock share it.
	newestMu sync.Mutex
	newest   []*fileEntry
	newestAt uint64

	dirs dirIndex // files by directory, for context from the current package and imports
}

type fileEntry struct {
	path    string
	lang    string
	hash    [16]byte
	content string
	size    int64
	modTime int64 // Unix nanoseconds
	chunks  []uint32
	defs    []Symbol

	// The generations this version was born and died at (0: alive): a snapshot at generation
	// g sees it if born <= g < died. prev is the next older version still kept, in x.older.
	born, died uint64
	prev       *fileEntry
}

// visibleAt reports whether a snapshot at generation g sees this version of the file.
func (f *fileEntry) visibleAt(g uint64) bool {
	return f.born <= g && (f.died == 0 || g < f.died)
}

type chunkRec struct {
	file   *fileEntry // nil once the chunk is reclaimed; it lives and dies with its file
	meta   Chunk      // Text is empty: it is file.content[StartByte:EndByte]
	nterms uint32     // distinct terms, for the lexical index's bookkeeping
}

type symRef struct {
	file *fileEntry
	i    int32 // index into file.defs
}

// maxRecent bounds the recently changed files remembered for context assembly.
const maxRecent = 16

// New returns an empty index. A nil embedder means the built-in HashEmbedder.
func New(syntax *Syntax, embedder Embedder) *Index {
	if embedder == nil {
		embedder = NewHashEmbedder()
	}
	return &Index{
		syntax:   syntax,
		embedder: embedder,
		files:    make(map[string]*fileEntry),
		older:    make(map[string]*fileEntry),
		open:     make(map[uint64]int),
		lex:      newLexical(),
	}
}

// Embedder returns the index's embedder.
func (x *Index) Embedder() Embedder { return x.embedder }

// FileState is what the index remembers of a file to decide, without reading it, whether it
// may have changed: the same size and modification time as when it was indexed means unchanged.
type FileState struct {
	Size    int64
	ModTime time.Time
}

// Unchanged reports whether path is indexed with the given size and modification time.
func (x *Index) Unchanged(path string, st FileState) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f := x.files[path]
	return f != nil && f.size == st.Size && f.modTime == st.ModTime.UnixNano()
}

// Paths returns the indexed paths, sorted.
func (x *Index) Paths() []string {
	x.mu.RLock()
	out := make([]string, 0, len(x.files))
	for p := range x.files {
		out = append(out, p)
	}
	x.mu.RUnlock()
	sort.Strings(out)
	return out
}

// Content returns the indexed text of path.
func (x *Index) Content(path string) (string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	f := x.files[path]
	if f == nil {
		return "", false
	}
	return f.content, true
}

// prepared is a file parsed, tokenized and embedded outside the lock, ready to swap in.
type prepared struct {
	entry  *fileEntry
	chunks []Chunk
	tcs    [][]termCount
	vecs   [][]float32
}

// Upsert indexes the text of path, replacing what was indexed for it. A file whose content hash
// is unchanged is not re-chunked or re-embedded. It reports whether the index changed. An
// embedder failure does not fail the update: the file is still indexed lexically.
func (x *Index) Upsert(ctx context.Context, path string, text []byte, st FileState) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	sum := sha256.Sum256(text)
	var hash [16]byte
	copy(hash[:], sum[:16])

	x.mu.Lock()
	if f := x.files[path]; f != nil && f.hash == hash {
		f.size, f.modTime = st.Size, st.ModTime.UnixNano()
		x.mu.Unlock()
		return false, nil
	}
	old := x.files[path]
	var oldVecs map[[16]byte][]float32
	if old != nil {
		oldVecs = x.chunkVectorsLocked(old)
	}
	x.mu.Unlock()

	p, err := x.prepare(ctx, path, text, hash, st, oldVecs)
	if err != nil {
		return false, err
	}

	x.mu.Lock()
	defer x.mu.Unlock()
	g := x.gen + 1
	x.removeLocked(path, g)
	x.insertLocked(ctx, p, g)
	x.touchLocked(path)
	x.gen = g
	x.reclaimIfIdleLocked()
	return true, nil
}

func (x *Index) prepare(ctx context.Context, path string, text []byte, hash [16]byte, st FileState, oldVecs map[[16]byte][]float32) (*prepared, error) {
	content, spilled := x.spill.store(path, text)
	defer x.spill.release(content) // read again only by queries and Save
	parsed := x.syntax.Parse(path, unsafe.Slice(unsafe.StringData(content), len(content)))
	if spilled {
		x.spill.rehome(parsed.Defs, parsed.Chunks)
	}
	f := &fileEntry{
		path:    path,
		lang:    parsed.Lang,
		hash:    hash,
		content: content,
		size:    st.Size,
		modTime: st.ModTime.UnixNano(),
		// Exactly sized: definitions are a large part of the index, and the parser's
		// appending leaves a quarter of the array unused on average.
		defs: trimmed(parsed.Defs),
	}
	for i := range f.defs {
		f.defs[i].Path = path
	}
	p := &prepared{entry: f, chunks: parsed.Chunks}
	// The built-in embedder's vectors are cheaper to recompute than to store: they are made
	// on demand for the few chunks a query re-ranks (see Search), and never persisted.
	_, builtin := x.embedder.(*HashEmbedder)
	counts, _ := x.counts.Get().(map[string]int)
	if counts == nil {
		counts = make(map[string]int)
	}
	defer x.counts.Put(counts)
	p.tcs = make([][]termCount, len(p.chunks))
	p.vecs = make([][]float32, len(p.chunks))
	var missing []int
	for i := range p.chunks {
		c := &p.chunks[i]
		c.Path = path
		c.Text = ""
		text := content[c.StartByte:c.EndByte]
		p.tcs[i] = countTerms(text, counts)
		switch {
		case builtin:
		case oldVecs != nil:
			if v, ok := oldVecs[textHash(text)]; ok {
				p.vecs[i] = v
				continue
			}
			missing = append(missing, i)
		default:
			missing = append(missing, i)
		}
	}
	if len(missing) > 0 {
		texts := make([]string, len(missing))
		for j, i := range missing {
			texts[j] = content[p.chunks[i].StartByte:p.chunks[i].EndByte]
		}
		vecs, err := x.embedder.Embed(ctx, texts)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && len(vecs) != len(texts) {
			err = fmt.Errorf("embedder %s returned %d vectors for %d texts", x.embedder.Name(), len(vecs), len(texts))
		}
		if err != nil {
			x.mu.Lock()
			x.embedErr = err
			x.mu.Unlock()
		} else {
			for j, i := range missing {
				v := slices.Clone(vecs[j])
				normalize(v)
				p.vecs[i] = v
			}
		}
	}
	return p, nil
}

// trimmed returns s in an array of exactly its length.
func trimmed[S ~[]E, E any](s S) S {
	if cap(s) == len(s) {
		return s
	}
	return append(S(nil), s...)
}

func textHash(s string) [16]byte {
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(s), len(s)))
	var h [16]byte
	copy(h[:], sum[:16])
	return h
}

// chunkVectorsLocked maps the text hash of each of f's chunks to its vector, so that a changed
// file re-embeds only the chunks that changed.
func (x *Index) chunkVectorsLocked(f *fileEntry) map[[16]byte][]float32 {
	if _, builtin := x.embedder.(*HashEmbedder); builtin {
		return nil // recomputing is cheaper than hashing
	}
	m := make(map[[16]byte][]float32, len(f.chunks))
	for _, id := range f.chunks {
		if v := x.vecs[id]; v != nil {
			m[textHash(x.textLocked(id))] = v
		}
	}
	return m
}

func (x *Index) insertLocked(ctx context.Context, p *prepared, g uint64) {
	f := p.entry
	if x.files[f.path] == nil && x.older[f.path] == nil {
		x.paths++
	}
	f.born = g
	x.files[f.path] = f
	f.chunks = make([]uint32, len(p.chunks))
	for i, c := range p.chunks {
		id := uint32(len(x.chunks))
		f.chunks[i] = id
		x.chunks = append(x.chunks, chunkRec{file: f, meta: c, nterms: uint32(len(p.tcs[i]))})
		x.vecs = append(x.vecs, p.vecs[i])
		x.lex.add(id, p.tcs[i])
		if x.vec != nil && p.vecs[i] != nil {
			_ = x.vec.add(ctx, id, p.vecs[i])
		}
	}
	for i := range f.defs {
		x.syms.add(f.defs[i].Name, symRef{file: f, i: int32(i)})
	}
	x.changes++
}

// Remove drops path from the index. It reports whether it was indexed.
func (x *Index) Remove(path string) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	g := x.gen + 1
	ok := x.removeLocked(path, g)
	if ok {
		x.touchLocked(path)
		x.gen = g
		x.reclaimIfIdleLocked()
	}
	return ok
}

// RemoveTree drops every file under the directory dir ("" is the whole root), and returns how many.
func (x *Index) RemoveTree(dir string) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	prefix := strings.TrimSuffix(dir, "/") + "/"
	g := x.gen + 1
	n := 0
	for p := range x.files {
		if dir == "" || strings.HasPrefix(p, prefix) {
			x.removeLocked(p, g)
			n++
		}
	}
	if n > 0 {
		x.gen = g
		x.reclaimIfIdleLocked()
	}
	return n
}

// removeLocked marks the current version of path dead at generation g. Snapshots older than g
// still see it, whole, until it is reclaimed (reclaimIfIdleLocked).
func (x *Index) removeLocked(path string, g uint64) bool {
	f := x.files[path]
	if f == nil {
		return false
	}
	delete(x.files, path)
	f.died = g
	f.prev = x.older[path]
	x.older[path] = f
	x.changes++
	return true
}

// reclaimIfIdleLocked drops the dead file versions no open snapshot can see, and compacts if
// worth it when no snapshot is open; the snapshots closing later do the rest.
func (x *Index) reclaimIfIdleLocked() {
	x.reclaimLocked(x.oldestOpen())
	x.compactIfIdleLocked(x.lex.needsCompaction())
}

// reclaimLocked forgets the dead file versions that died at or before generation oldest, which
// no snapshot open or to come can see: their postings, vectors and definitions.
func (x *Index) reclaimLocked(oldest uint64) {
	for path, keep := range x.older {
		// The chain is newest first: cut it at the first version dead by oldest.
		var f *fileEntry
		if keep.died <= oldest {
			f, keep = keep, nil
		} else {
			last := keep
			for last.prev != nil && last.prev.died > oldest {
				last = last.prev
			}
			f, last.prev = last.prev, nil
		}
		for ; f != nil; f = f.prev {
			for _, id := range f.chunks {
				x.lex.remove(id, int(x.chunks[id].nterms))
				x.chunks[id].file = nil
				x.vecs[id] = nil
			}
			if x.vec != nil {
				_ = x.vec.remove(context.Background(), f.chunks...)
			}
			for i := range f.defs {
				x.syms.remove(f.defs[i].Name, f)
			}
		}
		if keep != nil {
			continue
		}
		if x.files[path] == nil {
			x.paths++
		}
		delete(x.older, path)
	}
}

// compactIfIdleLocked compacts when need is true and no snapshot is open.
func (x *Index) compactIfIdleLocked(need bool) {
	if need && x.readers.Load() == 0 {
		x.reclaimLocked(math.MaxUint64)
		x.compactLocked()
	}
}

// unpin closes a snapshot at generation g; the oldest one out reclaims what waited for it.
func (x *Index) unpin(g uint64) {
	x.openMu.Lock()
	x.open[g]--
	last := x.open[g] == 0
	if last {
		delete(x.open, g)
	}
	x.openMu.Unlock()
	idle := x.readers.Add(-1) == 0
	if !last {
		return
	}
	x.mu.RLock()
	need := len(x.older) > 0 || (idle && x.lex.needsCompaction())
	x.mu.RUnlock()
	if !need {
		return
	}
	x.mu.Lock()
	x.reclaimIfIdleLocked()
	x.mu.Unlock()
}

// oldestOpen returns the generation of the oldest open snapshot, math.MaxUint64 if none.
func (x *Index) oldestOpen() uint64 {
	x.openMu.Lock()
	defer x.openMu.Unlock()
	oldest := uint64(math.MaxUint64)
	for g := range x.open {
		oldest = min(oldest, g)
	}
	return oldest
}

// quiesceLocked waits, holding x.mu when it returns as when it is called, until no snapshot is
// open, then reclaims dead versions and compacts: what Save needs to write a dense index.
func (x *Index) quiesceLocked() {
	for x.readers.Load() != 0 {
		x.mu.Unlock()
		time.Sleep(time.Millisecond)
		x.mu.Lock()
	}
	x.reclaimLocked(math.MaxUint64)
	if len(x.chunks) != x.liveChunksLocked() {
		x.compactLocked()
	}
}

func (x *Index) touchLocked(path string) {
	x.recent = slices.DeleteFunc(x.recent, func(p string) bool { return p == path })
	x.recent = append(x.recent, path)
	if len(x.recent) > maxRecent {
		x.recent = x.recent[len(x.recent)-maxRecent:]
	}
}

// compactLocked renumbers the live chunks densely, dropping what removed files left behind.
func (x *Index) compactLocked() {
	newID := make([]int32, len(x.chunks))
	chunks := make([]chunkRec, 0, len(x.chunks))
	vecs := make([][]float32, 0, len(x.chunks))
	for id, c := range x.chunks {
		if c.file == nil {
			newID[id] = -1
			continue
		}
		newID[id] = int32(len(chunks))
		chunks = append(chunks, c)
		vecs = append(vecs, x.vecs[id])
	}
	for _, f := range x.files {
		for i, id := range f.chunks {
			f.chunks[i] = uint32(newID[id])
		}
	}
	x.lex.remap(newID, len(chunks))
	x.chunks, x.vecs = chunks, vecs
	x.vec = nil // rebuilt on the next vector query, with the new IDs
}

func (x *Index) textLocked(id uint32) string {
	c := &x.chunks[id]
	return c.file.content[c.meta.StartByte:c.meta.EndByte]
}

// chunkLocked returns chunk id with its Text filled in.
func (x *Index) chunkLocked(id uint32) Chunk {
	c := x.chunks[id].meta
	c.Text = x.textLocked(id)
	return c
}

// Stats describes the index.
type Stats struct {
	Files    int
	Chunks   int
	Defs     int
	Terms    int
	Vectors  int
	Embedder string
	// EmbedError is the last embedder failure, "" if none: chunks indexed then have no vector.
	EmbedError string
}

// Stats returns the index's current size.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{Files: len(x.files), Terms: x.lex.numTerms(), Embedder: x.embedder.Name()}
	for _, f := range x.files {
		s.Chunks += len(f.chunks)
		s.Defs += len(f.defs)
		for _, id := range f.chunks {
			if x.vecs[id] != nil {
				s.Vectors++
			}
		}
	}
	if x.embedErr != nil {
		s.EmbedError = x.embedErr.Error()
	}
	return s
}

func (x *Index) getAcc() *accumulator {
	if a, ok := x.accs.Get().(*accumulator); ok {
		return a
	}
	return &accumulator{}
}

func (x *Index) putAcc(a *accumulator) { x.accs.Put(a) }

// ensureVectors returns the vector index, building it from the stored vectors on first use
// (a loaded index keeps its vectors in the file and fills chromem only when a query needs it).
// The caller must not hold x.mu.
func (x *Index) ensureVectors(ctx context.Context) (*vectorIndex, error) {
	x.mu.RLock()
	v := x.vec
	x.mu.RUnlock()
	if v != nil {
		return v, nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.vec != nil {
		return x.vec, nil
	}
	v, err := newVectorIndex()
	if err != nil {
		return nil, err
	}
	for id, vec := range x.vecs {
		if vec != nil && x.chunks[id].file != nil {
			if err := v.add(ctx, uint32(id), vec); err != nil {
				return nil, fmt.Errorf("building vector index: %w", err)
			}
		}
	}
	x.vec = v
	return v, nil
}
