package indexer

import (
	"strings"
	"sync"
)

// dirIndex lists the indexed paths by directory, and directories by every suffix of their path
// ("x/y/z" under "z", "y/z" and "x/y/z"), so that context can reach the files of the current
// package and of what it imports without scanning every file. It holds paths, not entries, so
// that re-indexing a file leaves it valid. It lists every path some open snapshot may see (a
// snapshot looks each up at its generation), and is rebuilt when that set changes.
type dirIndex struct {
	mu       sync.Mutex
	n        uint64              // x.paths when built
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
	if d.built && d.n == x.paths {
		return d
	}
	d.files = make(map[string][]string)
	for p := range x.files {
		dir := pathDir(p)
		d.files[dir] = append(d.files[dir], p)
	}
	for p := range x.older {
		if x.files[p] == nil {
			dir := pathDir(p)
			d.files[dir] = append(d.files[dir], p)
		}
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
	d.n, d.built = x.paths, true
	return d
}
