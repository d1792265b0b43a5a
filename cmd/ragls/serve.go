package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"ragls/engine"
	"ragls/lsp"
	"ragls/workspace"
)

func runServe(ctx context.Context, e env, args []string) error {
	fs := newFlags("serve", e)
	logLevel := fs.String("log", "warn", "log level on stderr: debug, info, warn or error")
	_ = fs.Bool("stdio", true, "talk LSP on stdin and stdout (the only transport; accepted for editors that pass it)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	eng, logger, err := watchingEngine(e, *logLevel)
	if err != nil {
		return err
	}
	defer eng.Close()
	srv := lsp.NewServer(eng, lsp.Options{Logger: logger, Version: version()})
	in, out := stdio(e)
	err = srv.Run(ctx, lsp.Stdio(in, out))
	if errors.Is(err, lsp.ErrNoShutdown) {
		// The editor went away without saying goodbye: LSP asks for exit status 1.
		return exitError{code: 1, err: err}
	}
	return err
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// exitError ends the process with a given status after printing err.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }

// startedByEditor reports whether ragls was started with no arguments by a program rather than
// a person: its standard input is a pipe, as an editor's language client sets it up.
func startedByEditor() bool {
	st, err := os.Stdin.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice == 0
}

// watchingEngine is the engine of a long-running server (the language server, the MCP server):
// indexes kept fresh by a file watcher, diagnostics on stderr at the given level.
func watchingEngine(e env, logLevel string) (*engine.Engine, *slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return nil, nil, usageError{fmt.Sprintf("--log: %v", err)}
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	eng, err := engine.New(engine.Options{
		CacheDir: workspace.DefaultCacheDir(e.getenv),
		Getenv:   e.getenv,
		Logger:   logger,
		Watch:    true,
		// A root indexed for the first time is the same cold build as "ragls index".
		ColdBuild: boundColdHeap,
	})
	return eng, logger, err
}

// stdio is a server's connection to its client: stdin (pollable when it is the process's own,
// so that shutdown need not wait for a read) and stdout.
func stdio(e env) (io.ReadCloser, io.WriteCloser) {
	var in io.ReadCloser = io.NopCloser(e.stdin)
	if e.stdin == os.Stdin {
		in = pollableStdin()
	}
	out, ok := e.stdout.(io.WriteCloser)
	if !ok {
		out = nopWriteCloser{e.stdout}
	}
	return in, out
}
