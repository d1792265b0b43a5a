//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
)

// pollableStdin returns standard input in non-blocking mode, handled by Go's poller, so that
// closing it interrupts a pending read: after the editor's "exit" the server can stop at once
// instead of waiting on a read that only the editor can end.
func pollableStdin() io.ReadCloser {
	fd := int(os.Stdin.Fd())
	if err := syscall.SetNonblock(fd, true); err != nil {
		return os.Stdin
	}
	return os.NewFile(uintptr(fd), "/dev/stdin")
}
