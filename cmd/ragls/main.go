// Command ragls is a language server and command-line tool that makes a local language model
// useful in any editor: it indexes the workspace, assembles repository-aware context, and serves
// code actions, completions and hovers built from it.
//
// Run "ragls help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], env{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
	})
	stop()
	os.Exit(code)
}
