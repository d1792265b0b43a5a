package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"ragls/mcp"
)

// rootsFlag collects repeated --root flags.
type rootsFlag []string

func (r *rootsFlag) String() string { return fmt.Sprint([]string(*r)) }

func (r *rootsFlag) Set(s string) error {
	*r = append(*r, s)
	return nil
}

func runMCP(ctx context.Context, e env, args []string) error {
	fs := newFlags("mcp", e)
	var roots rootsFlag
	fs.Var(&roots, "root", "directory to index and serve (repeatable; default the current directory)")
	logLevel := fs.String("log", "warn", "log level on stderr: debug, info, warn or error")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if len(roots) == 0 {
		roots = rootsFlag{"."}
	}
	eng, logger, err := watchingEngine(e, *logLevel)
	if err != nil {
		return err
	}
	defer eng.Close()
	adapter := mcp.EngineFor(eng) // before the roots, to hear of their indexing
	if err := eng.SetRoots(ctx, roots); err != nil {
		return err
	}
	srv := mcp.NewServer(adapter, mcp.Options{Version: version(), Logger: logger})
	in, out := stdio(e)
	err = srv.Run(ctx, &sdk.IOTransport{Reader: in, Writer: nopWriteCloser{out}})
	if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil // the client went away, or we were told to stop
	}
	return err
}
