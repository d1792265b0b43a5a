//go:build !linux

package indexer

import "errors"

// spillMap is not implemented here: contents stay on the heap.
type spillMap struct{}

func newSpillMap() (*spillMap, error) { return nil, errors.New("no content spill on this system") }

func (m *spillMap) reserve(n int, max int64, align bool) ([]byte, int64, bool) {
	return nil, 0, false
}

func (m *spillMap) sweep() {}

func (m *spillMap) write(b []byte, off int64) error { return errors.ErrUnsupported }

func (m *spillMap) release(s string) bool { return false }
