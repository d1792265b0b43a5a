//go:build !unix

package main

import (
	"io"
	"os"
)

// pollableStdin returns standard input as it is where it cannot be made non-blocking.
func pollableStdin() io.ReadCloser { return os.Stdin }
