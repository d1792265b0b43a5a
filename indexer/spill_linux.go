//go:build linux

package indexer

import (
	"os"
	"sync"
	"syscall"
	"unsafe"
)

// spillRegion is the size of each mapping of the spill file. Address space is cheap; pages
// are only backed once written.
const spillRegion = 1 << 30

// spillMap is a spill file and its read-only mappings, region i mapping the file's bytes
// [i*spillRegion, (i+1)*spillRegion). Each content starts on a page of its own, so that
// dropping one file's pages never drops a page another file shares.
type spillMap struct {
	f    *os.File
	page int64

	mu       sync.RWMutex
	regions  [][]byte
	off      int64 // the next free offset in the file
	released int64 // bytes released since the last sweep
}

// spillSweep is how many bytes are released between sweeps of the whole spill. Released
// contents stay resident until the next sweep: dropping each file's pages on its own cost a
// system call per file (4% of a cold build's CPU) and saved nothing, since a read fault maps
// the neighbouring pages that are in the page cache too ("fault-around"), so reading one file
// brought back pages of files released before it anyway.
const spillSweep = 1 << 20

func newSpillMap() (*spillMap, error) {
	f, err := os.CreateTemp("", "ragls-contents-*")
	if err != nil {
		return nil, err
	}
	// Unlinked at once: nothing else needs the name, and the space is freed when the
	// process exits, however it exits.
	os.Remove(f.Name())
	return &spillMap{f: f, page: int64(os.Getpagesize())}, nil
}

// reserve finds room for n bytes and returns the mapped bytes with their file offset.
func (m *spillMap) reserve(n int, max int64, align bool) ([]byte, int64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	off := m.off
	if align {
		off = (off + m.page - 1) / m.page * m.page
	}
	if off/spillRegion != (off+int64(n)-1)/spillRegion {
		off = (off/spillRegion + 1) * spillRegion // a content never straddles two mappings
	}
	if off+int64(n) > max {
		return nil, 0, false
	}
	r := int(off / spillRegion)
	for len(m.regions) <= r {
		b, err := syscall.Mmap(int(m.f.Fd()), int64(len(m.regions))*spillRegion, spillRegion, syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			return nil, 0, false
		}
		m.regions = append(m.regions, b)
	}
	m.off = off + int64(n)
	start := off % spillRegion
	return m.regions[r][start : start+int64(n) : start+int64(n)], off, true
}

func (m *spillMap) write(b []byte, off int64) error {
	_, err := m.f.WriteAt(b, off)
	return err
}

func (m *spillMap) sweep() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweepLocked()
}

func (m *spillMap) sweepLocked() {
	m.released = 0
	for i, r := range m.regions {
		n := min(m.off-int64(i)*spillRegion, spillRegion)
		n = (n + m.page - 1) / m.page * m.page
		if n > 0 {
			_ = syscall.Madvise(r[:n], syscall.MADV_DONTNEED)
		}
	}
}

// release counts s as no longer needed in memory if it lies in the spill, sweeps the whole
// file every spillSweep bytes released, and reports whether it swept.
func (m *spillMap) release(s string) (swept bool) {
	if len(s) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.regions {
		base := uintptr(unsafe.Pointer(&r[0]))
		if p < base || p >= base+spillRegion {
			continue
		}
		if m.released += int64(len(s)); m.released > spillSweep {
			m.sweepLocked()
			return true
		}
		return false
	}
	return false
}
