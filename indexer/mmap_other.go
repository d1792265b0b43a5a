//go:build !unix

package indexer

import "os"

// mapIndexFile reads the index file whole where memory maps are not available.
func mapIndexFile(path string) ([]byte, error) { return os.ReadFile(path) }
