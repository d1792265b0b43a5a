package indexer

import (
	"strings"
	"sync"
)

// dirIndex lists the indexed paths by directory, and directories by every suffix of their path
// ("x/y/z" under "z", "y/z" and "x/y/z"), so that context can reach the files of the current
// package and of what it imports without scanning every file. It holds paths, not entries, so
// that re-indexing a file leaves it valid; it is rebuilt when the number of files changes.
type dirIndex struct {
	mu       sync.Mutex
	n        int                 // len(x.files) when built; -1 before
	built    bool                // false before the first build
	files    map[string][]string // dir -> paths
	bySuffix map[string][]string // dir suffix -> dirs
}

// dirsLocked returns the directory index, rebuilt if files were added or removed. x.mu must be
// held for reading.
func (x *Index) dirsLocked() *dirIndex {
	d := &x.dirs
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.built && d.n == len(x.files) {
		return d
	}
	d.files = make(map[string][]string)
	for p := range x.files {
		dir := pathDir(p)
		d.files[dir] = append(d.files[dir], p)
	}
	d.bySuffix = make(map[string][]string, len(d.files)*2)
	for dir := range d.files {
		for s := dir; ; {
			d.bySuffix[s] = append(d.bySuffix[s], dir)
			i := strings.IndexByte(s, '/')
			if i < 0 {
				break
			}
			s = s[i+1:]
		}
	}
	d.n, d.built = len(x.files), true
	return d
}
