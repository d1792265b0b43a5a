//go:build unix

package indexer

import (
	"fmt"
	"os"
	"syscall"
)

// mapIndexFile maps the index file read-only. The mapping is never unmapped: strings and slices
// of the loaded index point into it, and a later Save renames a new file over the path without
// touching the mapped one.
func mapIndexFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("%w: empty file", ErrIndexCorrupt)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		// Some file systems cannot be mapped; reading costs time, not correctness.
		return os.ReadFile(path)
	}
	return data, nil
}
