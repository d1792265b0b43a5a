package lsp

import (
	"errors"
	"io"
)

// Stdio joins an input and an output, such as os.Stdin and os.Stdout, into the connection Run
// serves. Closing it closes both.
func Stdio(in io.ReadCloser, out io.WriteCloser) io.ReadWriteCloser {
	return stdio{in, out}
}

type stdio struct {
	io.ReadCloser
	out io.WriteCloser
}

func (s stdio) Write(p []byte) (int, error) { return s.out.Write(p) }

func (s stdio) Close() error {
	return errors.Join(s.ReadCloser.Close(), s.out.Close())
}
