// Command ragls-testmodel writes the tiny random-weight llama model the end-to-end tests serve
// with Ollama (see .ci/ollama/serve.sh): the same bytes on every run.
//
//	ragls-testmodel -o model.gguf [-ctx 2048] [-seed 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"ragls/testmodel"
)

func main() {
	out := flag.String("o", "", "the GGUF file to write (required)")
	ctx := flag.Int("ctx", 2048, "context length in tokens")
	seed := flag.Uint64("seed", 1, "seed of the random weights")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: ragls-testmodel -o FILE.gguf [-ctx N] [-seed N]")
		os.Exit(2)
	}
	if err := write(*out, testmodel.Config{ContextLength: *ctx, Seed: *seed}); err != nil {
		fmt.Fprintln(os.Stderr, "ragls-testmodel:", err)
		os.Exit(1)
	}
}

// write writes through a temporary file so a reader never sees half a model.
func write(path string, cfg testmodel.Config) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".testmodel-*.gguf")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := testmodel.Write(tmp, cfg); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
