package workspace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"syscall"
	"unicode/utf8"
)

// sniffLen is how much of a file is searched for a NUL byte, as git and grep do.
const sniffLen = 8 << 10

// ReadText reads a file for indexing. It returns SkipTooLarge for a file over max bytes (max <= 0
// means DefaultMaxFileSize), SkipBinary when a NUL byte appears in the first 8 KiB, SkipSpecial for
// anything but a regular file, and SkipUnreadable with an error saying why when the file cannot be
// read (the error wraps fs.ErrNotExist when the file vanished). Invalid UTF-8 is not a reason to
// skip: each invalid sequence becomes U+FFFD, so the rest of the file is still indexed.
//
// When reason is not empty, text is nil and the file must not be indexed.
func ReadText(abs string, max int64) (text []byte, reason SkipReason, err error) {
	if max <= 0 {
		max = DefaultMaxFileSize
	}
	// O_NONBLOCK: opening a FIFO must not hang the indexer; it is refused below.
	fd, err := os.OpenFile(abs, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("reading %s: %w", abs, err)
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("reading %s: %w", abs, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, SkipSpecial, nil
	}
	if fi.Size() > max {
		return nil, SkipTooLarge, nil
	}
	// Read one byte past the limit: the file may have grown since the stat. The buffer is
	// sized from the stat (plus the byte that tells growth), so reading a tree allocates
	// each file once rather than doubling a buffer up to it.
	data, err := readUpTo(fd, make([]byte, 0, fi.Size()+1), max+1)
	if err != nil {
		return nil, SkipUnreadable, fmt.Errorf("reading %s: %w", abs, err)
	}
	if int64(len(data)) > max {
		return nil, SkipTooLarge, nil
	}
	if bytes.IndexByte(data[:min(len(data), sniffLen)], 0) >= 0 {
		return nil, SkipBinary, nil
	}
	if !utf8.Valid(data) {
		data = bytes.ToValidUTF8(data, []byte(string(utf8.RuneError)))
	}
	return data, "", nil
}

// readUpTo appends to buf what r holds until EOF or until buf holds limit bytes, growing buf
// only when it is full.
func readUpTo(r io.Reader, buf []byte, limit int64) ([]byte, error) {
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}
