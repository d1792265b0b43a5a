package indexer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"
)

// The index file is one binary file per root, written whole to a temporary file and renamed into
// place, so a crash never leaves half an index. Large arrays (file contents, postings, vectors)
// are stored raw and, on load, used in place from a read-only memory map: loading the index of
// a large tree costs milliseconds, not a decode of hundreds of megabytes.
//
// Layout: magic, format version, byte-order mark, header, files (with chunks and definitions),
// postings, chunk lengths, vectors, then a trailer with the body length and its CRC-32C.
const (
	fileMagic    = "RAGLSIX\x00"
	trailerMagic = "RAGLSEND"
	// formatVersion changes whenever the layout, the chunker or the tokenizer changes in a way
	// that makes an old index wrong; such an index is rebuilt, never trusted.
	formatVersion = 1
	byteOrderMark = 0x01020304
	trailerLen    = 4 + 8 + len(trailerMagic) // CRC-32C, body length, magic
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrIndexVersion reports an index file written by another version of ragls or with another
// embedder; it must be rebuilt.
var ErrIndexVersion = errors.New("index was built by another version of ragls or with another embedder")

// ErrIndexCorrupt reports an index file that failed its checks.
var ErrIndexCorrupt = errors.New("index file is damaged")

// Save writes the index to path atomically.
func (x *Index) Save(path string) error {
	x.mu.Lock()
	x.quiesceLocked()
	x.mu.Unlock()

	x.mu.RLock()
	defer x.mu.RUnlock()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	RemoveOrphans(path)
	// The writer's process id in the name tells a later start which temporary files belong
	// to a writer that is gone (killed mid-write) and may be removed.
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix(path, os.Getpid())+"*")
	if err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	crc := crc32.New(castagnoli)
	w := &encoder{w: bufio.NewWriterSize(io.MultiWriter(tmp, crc), 1<<20), crc: crc}
	x.encodeLocked(w)
	x.spill.sweep() // encoding read every spilled string
	if w.err == nil {
		w.w.Flush()
		// The trailer is not part of the checksummed body.
		var t [trailerLen]byte
		binary.LittleEndian.PutUint32(t[0:], crc.Sum32())
		binary.LittleEndian.PutUint64(t[4:], w.n)
		copy(t[12:], trailerMagic)
		if _, err := tmp.Write(t[:]); err != nil {
			w.err = err
		}
	}
	if w.err == nil {
		w.err = tmp.Sync()
	}
	if err := tmp.Close(); w.err == nil {
		w.err = err
	}
	if w.err != nil {
		return fmt.Errorf("saving index to %s: %w", path, w.err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving index: %w", err)
	}
	// The rename is durable only once the directory entry is: without this a crash can bring
	// back the old index (or none) after Save returned.
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("saving index: syncing %s: %w", filepath.Dir(path), err)
	}
	return nil
}

func tempPrefix(path string, pid int) string {
	return filepath.Base(path) + ".tmp-" + strconv.Itoa(pid) + "-"
}

// syncDir flushes a directory's entries to disk. Systems that cannot open a directory for
// syncing (Windows) make renames durable themselves, so failing to open it is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// RemoveOrphans deletes the temporary files that writers of the index at path left behind
// when they were killed mid-write: whole index contents each, that nothing else removes. A
// temporary file of a writer that is still running is kept. It returns how many it removed.
func RemoveOrphans(path string) int {
	dir, base := filepath.Dir(path), filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, base+".tmp")
		if !ok || e.IsDir() {
			continue
		}
		// ".tmp-PID-random" since the pid is recorded; older versions wrote ".tmp" + random.
		if pidText, _, ok := strings.Cut(strings.TrimPrefix(rest, "-"), "-"); ok && strings.HasPrefix(rest, "-") {
			if pid, err := strconv.Atoi(pidText); err == nil && processAlive(pid) {
				continue
			}
		}
		if os.Remove(filepath.Join(dir, name)) == nil {
			n++
		}
	}
	return n
}

// processAlive reports whether a process with this id exists (signal 0 checks without
// sending anything; EPERM means it exists under another user).
func processAlive(pid int) bool {
	if pid == os.Getpid() {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (x *Index) liveChunksLocked() int {
	n := 0
	for _, f := range x.files {
		n += len(f.chunks)
	}
	return n
}

func (x *Index) dims() int {
	for _, v := range x.vecs {
		if v != nil {
			return len(v)
		}
	}
	return 0
}

func (x *Index) encodeLocked(w *encoder) {
	w.raw([]byte(fileMagic))
	w.u32(formatVersion)
	w.u32(byteOrderMark)
	w.str(x.embedder.Name())
	dims := x.dims()
	w.uvar(uint64(dims))
	w.uvar(uint64(len(x.chunks)))
	w.uvar(uint64(len(x.files)))
	fileNum := make(map[*fileEntry]uint32, len(x.files))
	for _, f := range x.files {
		fileNum[f] = uint32(len(fileNum))
		w.str(f.path)
		w.str(f.lang)
		w.raw(f.hash[:])
		w.uvar(uint64(f.size))
		w.uvar(uint64(f.modTime))
		w.str(f.content)
		x.spill.release(f.content)
		w.uvar(uint64(len(f.chunks)))
		for _, id := range f.chunks {
			c := &x.chunks[id]
			w.uvar(uint64(id))
			w.uvar(uint64(c.meta.StartLine))
			w.uvar(uint64(c.meta.EndLine))
			w.uvar(uint64(c.meta.StartByte))
			w.uvar(uint64(c.meta.EndByte))
			w.str(c.meta.Kind)
			w.str(c.meta.Symbol)
			w.uvar(uint64(c.nterms))
		}
		w.uvar(uint64(len(f.defs)))
		for i := range f.defs {
			d := &f.defs[i]
			w.str(d.Name)
			w.str(d.Kind)
			w.str(d.Container)
			w.uvar(uint64(d.StartLine))
			w.uvar(uint64(d.EndLine))
			w.uvar(uint64(d.Line))
			w.str(d.Signature)
			w.str(d.Doc)
		}
	}
	names, refs := x.syms.sorted()
	w.uvar(uint64(len(names)))
	pairs := make([]uint32, 0, 64)
	for i, name := range names {
		w.str(name)
		pairs = pairs[:0]
		for _, r := range refs[i] {
			pairs = append(pairs, fileNum[r.file], uint32(r.i))
		}
		w.uvar(uint64(len(pairs)))
		w.u32s(pairs)
	}
	x.spill.sweep() // sorting read every name
	terms, lists := x.lex.sortedTerms()
	w.uvar(uint64(len(terms)))
	for i, term := range terms {
		p := lists[i]
		w.str(term)
		w.uvar(uint64(len(p.ids)))
		w.u32s(p.ids)
		w.u16s(p.tfs)
	}
	w.u32s(x.lex.docLen)
	present := make([]byte, (len(x.chunks)+7)/8)
	for id, v := range x.vecs {
		if v != nil && len(v) == dims {
			present[id/8] |= 1 << (id % 8)
		}
	}
	w.raw(present)
	w.align()
	for _, v := range x.vecs {
		if v != nil && len(v) == dims {
			w.f32s(v)
		}
	}
}

// Load reads an index written by Save. The returned index uses the file's memory in place.
// A file from another format version or embedder yields ErrIndexVersion; a damaged one
// ErrIndexCorrupt; in both cases the caller rebuilds.
func Load(path string, syntax *Syntax, embedder Embedder) (*Index, error) {
	if embedder == nil {
		embedder = NewHashEmbedder()
	}
	RemoveOrphans(path) // left by a writer killed mid-write; see Save
	data, err := mapIndexFile(path)
	if err != nil {
		return nil, err
	}
	x := New(syntax, embedder)
	if err := x.decode(data); err != nil {
		return nil, err
	}
	x.backing = data
	return x, nil
}

func (x *Index) decode(data []byte) (err error) {
	if len(data) < len(fileMagic)+8+trailerLen || string(data[:len(fileMagic)]) != fileMagic {
		return fmt.Errorf("%w: not a ragls index", ErrIndexCorrupt)
	}
	t := data[len(data)-trailerLen:]
	body := data[:len(data)-trailerLen]
	if string(t[12:]) != trailerMagic || binary.LittleEndian.Uint64(t[4:]) != uint64(len(body)) {
		return fmt.Errorf("%w: truncated", ErrIndexCorrupt)
	}
	d := &decoder{b: body, off: len(fileMagic)}
	if v := d.u32(); v != formatVersion {
		return fmt.Errorf("%w: format %d, this ragls reads %d", ErrIndexVersion, v, formatVersion)
	}
	if d.u32() != byteOrderMark {
		return fmt.Errorf("%w: written on a machine of another byte order", ErrIndexVersion)
	}
	if name := d.str(); name != x.embedder.Name() {
		return fmt.Errorf("%w: embedder %q, configured %q", ErrIndexVersion, name, x.embedder.Name())
	}
	// The checksum runs beside the decoding (it reads the whole file); its verdict is awaited
	// before anything decoded is used. The decoder checks every bound and never panics on
	// damaged data, and a panic would still be recovered.
	crcOK := make(chan bool, 1)
	go func() { crcOK <- crc32.Checksum(body, castagnoli) == binary.LittleEndian.Uint32(t[0:]) }()
	defer func() {
		if r := recover(); r != nil && err == nil {
			err = fmt.Errorf("%w: %v", ErrIndexCorrupt, r)
		}
		if !<-crcOK {
			err = fmt.Errorf("%w: checksum mismatch", ErrIndexCorrupt)
		}
	}()
	dims := int(d.uvar())
	nchunks := int(d.uvar())
	x.chunks = make([]chunkRec, nchunks)
	x.vecs = make([][]float32, nchunks)
	nfiles := int(d.uvar())
	x.syms.files = make([]*fileEntry, 0, nfiles)
	for range nfiles {
		f := &fileEntry{path: d.str(), lang: d.str()}
		copy(f.hash[:], d.raw(16))
		f.size = int64(d.uvar())
		f.modTime = int64(d.uvar())
		f.content = d.str()
		f.chunks = make([]uint32, d.uvar())
		for i := range f.chunks {
			id := d.uvar()
			c := &x.chunks[id]
			c.file = f
			c.meta = Chunk{Path: f.path, StartLine: int(d.uvar()), EndLine: int(d.uvar()), StartByte: int(d.uvar()), EndByte: int(d.uvar()), Kind: d.str(), Symbol: d.str()}
			c.nterms = uint32(d.uvar())
			if c.meta.StartByte > c.meta.EndByte || c.meta.EndByte > len(f.content) {
				return fmt.Errorf("%w: chunk outside its file", ErrIndexCorrupt)
			}
			f.chunks[i] = uint32(id)
		}
		f.defs = make([]Symbol, d.uvar())
		for i := range f.defs {
			f.defs[i] = Symbol{Name: d.str(), Kind: d.str(), Container: d.str(), Path: f.path,
				StartLine: int(d.uvar()), EndLine: int(d.uvar()), Line: int(d.uvar()), Signature: d.str(), Doc: d.str()}
		}
		x.files[f.path] = f
		x.syms.files = append(x.syms.files, f)
	}
	nnames := int(d.uvar())
	x.syms.names = make([]string, nnames)
	x.syms.refs = make([][]uint32, nnames)
	for i := range nnames {
		x.syms.names[i] = d.str()
		x.syms.refs[i] = d.u32s(int(d.uvar()))
	}
	nterms := int(d.uvar())
	x.lex.terms = nil
	x.lex.dict = make([]string, nterms)
	x.lex.lists = make([]postings, nterms)
	for i := range nterms {
		term := d.str()
		n := int(d.uvar())
		x.lex.dict[i] = term
		x.lex.lists[i] = postings{ids: d.u32s(n), tfs: d.u16s(n)}
		x.lex.postings += n
	}
	x.lex.docLen = d.u32s(nchunks)
	for _, n := range x.lex.docLen {
		if n > 0 {
			x.lex.live++
			x.lex.totalLen += uint64(n)
		}
	}
	present := d.raw((nchunks + 7) / 8)
	d.align()
	for id := range nchunks {
		if present[id/8]&(1<<(id%8)) != 0 {
			x.vecs[id] = d.f32s(dims)
		}
	}
	if d.err != nil {
		return fmt.Errorf("%w: %v", ErrIndexCorrupt, d.err)
	}
	return nil
}

// encoder writes the index format, remembering the first error and the offset (for alignment).
type encoder struct {
	w   *bufio.Writer
	crc hash.Hash32
	n   uint64
	err error
	buf [binary.MaxVarintLen64]byte
}

func (e *encoder) raw(b []byte) {
	if e.err != nil {
		return
	}
	_, e.err = e.w.Write(b)
	e.n += uint64(len(b))
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], v)
	e.raw(e.buf[:4])
}

func (e *encoder) uvar(v uint64) { e.raw(e.buf[:binary.PutUvarint(e.buf[:], v)]) }

func (e *encoder) str(s string) {
	e.uvar(uint64(len(s)))
	e.raw(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// align pads to a multiple of 4 bytes so that raw arrays can be used in place once mapped.
func (e *encoder) align() {
	var zero [4]byte
	e.raw(zero[:(4-e.n%4)%4])
}

func (e *encoder) u32s(v []uint32) {
	e.align()
	e.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
}

func (e *encoder) u16s(v []uint16) {
	e.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 2*len(v)))
}

func (e *encoder) f32s(v []float32) {
	e.align()
	e.raw(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v)))
}

// decoder reads the index format from memory, in place. After a bounds error it returns zero
// values and remembers the error.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) raw(n int) []byte {
	if d.err != nil || n < 0 || d.off+n > len(d.b) {
		if d.err == nil {
			d.err = io.ErrUnexpectedEOF
		}
		return make([]byte, max(n, 0))
	}
	b := d.b[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.raw(4)) }

func (d *decoder) uvar() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = fmt.Errorf("bad number at offset %d", d.off)
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) str() string {
	n := d.uvar()
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("bad length at offset %d", d.off)
		return ""
	}
	b := d.raw(int(n))
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *decoder) align() { d.raw((4 - d.off%4) % 4) }

func (d *decoder) u32s(n int) []uint32 {
	d.align()
	b := d.raw(4 * n)
	if n == 0 || d.err != nil {
		return make([]uint32, n)
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&b[0])), n)[:n:n]
}

func (d *decoder) u16s(n int) []uint16 {
	b := d.raw(2 * n)
	if n == 0 || d.err != nil {
		return make([]uint16, n)
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)[:n:n]
}

func (d *decoder) f32s(n int) []float32 {
	b := d.raw(4 * n)
	if n == 0 || d.err != nil {
		return make([]float32, n)
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)[:n:n]
}
