//go:build unix

package engine

import (
	"os"
	"path/filepath"
	"syscall"
)

// lockStats holds an exclusive lock on the statistics of dir until unlock is called, so that
// two servers flushing at once (two editor windows) both add their counts instead of one
// overwriting the other's.
func lockStats(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, StatsFile+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
