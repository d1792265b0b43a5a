package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"ragls/engine"
	"ragls/workspace"
)

// env is the process environment a command runs in, passed explicitly so that tests run
// commands in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// A command is one subcommand of ragls.
type command struct {
	name, usage, short string
	run                func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--log LEVEL]", "run the language server on stdin/stdout (what editors start)", runServe},
		{"mcp", "mcp [--root DIR]... [--log LEVEL]", "serve the index to agents over MCP on stdin/stdout", runMCP},
		{"index", "index [--root DIR] [--json]", "index a directory, updating its stored index", runIndex},
		{"search", "search [--root DIR] [-k N] [--json] QUERY...", "ranked chunks for a free-text or code query", runSearch},
		{"context", "context [--root DIR] [--budget TOKENS] [--json] FILE:LINE:COL | --batch", "the cross-file context a model would see at a position", runContext},
		{"eval", "eval [--root DIR] [--lang LANG] [-n 300] [--budget 1024] [--seed 1] [--json]", "measure how often the context holds the definition a call needs", runEval},
		{"explain", "explain [--root DIR] FILE:LINE[-LINE]", "stream an explanation of that code, with repository context", runExplain},
		{"complete", "complete [--root DIR] [--prompt] FILE:LINE:COL", "print the completion an editor would get there", runComplete},
		{"doctor", "doctor [--root DIR]", "check the settings, the model server, each model and the index", runDoctor},
		{"bench", "bench [--root DIR] [-n N] [--json]", "measure indexing, context and search speed and memory", runBench},
		{"stats", "stats [--json]", "completions shown, accepted and their latency per language (local only)", runStats},
		{"version", "version", "print ragls's version, the Go version and the platform", runVersion},
	}
}

// usageError is a mistake in how ragls was called: it prints usage and exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, e env) int {
	if len(args) == 0 && e.stdin == os.Stdin && startedByEditor() {
		args = []string{"serve"}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(e.stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, new(exitError)):
			var x exitError
			errors.As(err, &x)
			fmt.Fprintf(e.stderr, "ragls %s: %v\n", c.name, err)
			return x.code
		case errors.As(err, new(usageError)):
			fmt.Fprintf(e.stderr, "ragls %s: %v\nusage: ragls %s\n", c.name, err, c.usage)
			return 2
		case errors.Is(err, context.Canceled):
			fmt.Fprintf(e.stderr, "ragls %s: interrupted\n", c.name)
			return 130
		default:
			fmt.Fprintf(e.stderr, "ragls %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "ragls: unknown command %q; run \"ragls help\"\n", args[0])
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "ragls: a language server and CLI that gives a local model the right context from your repository.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  ragls %-62s %s\n", c.usage, c.short)
	}
	fmt.Fprintln(w, "\nEnvironment: RAGLS_CACHE_DIR (where indexes are stored), RAGLS_MODEL_URL, RAGLS_API_KEY,")
	fmt.Fprintln(w, "RAGLS_CHAT_MODEL, RAGLS_COMPLETION_MODEL, RAGLS_EMBEDDING_MODEL, RAGLS_MODEL_TIMEOUT, RAGLS_CONFIG")
	fmt.Fprintln(w, "(settings file), RAGLS_EMBEDDER=model (use the model server's embeddings for the index).")
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args, allowing flags after positional arguments ("search foo --json").
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// openRoot opens the engine on one root with its stored index, configured from the
// environment, without scanning the directory.
func openRoot(e env, dir string) (*engine.Engine, *workspace.Root, error) {
	if dir == "" {
		dir = "."
	}
	eng, err := engine.New(engine.Options{
		CacheDir: workspace.DefaultCacheDir(e.getenv),
		Getenv:   e.getenv,
		Logger:   slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return nil, nil, err
	}
	r, err := eng.OpenRoot(dir)
	if err != nil {
		eng.Close()
		return nil, nil, err
	}
	return eng, r, nil
}

// ensureIndexed syncs a root that has never been indexed, telling the user why it waits.
func ensureIndexed(ctx context.Context, e env, r *workspace.Root) error {
	if r.Index.Stats().Files > 0 {
		return nil
	}
	fmt.Fprintf(e.stderr, "ragls: no index for %s yet; indexing it now\n", r.Dir)
	// The same cold build as "ragls index", so the same bound on its memory.
	defer boundColdHeap()()
	_, err := r.Sync(ctx, nil)
	return err
}

// isTerminal reports whether w is a terminal, for progress bars.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// rootUsage is the help of every --root flag that defaults to the project root.
const rootUsage = " (default: the enclosing git repository, as git and ripgrep find it, else the current directory)"

// findRoot returns dir when --root gave one, else the nearest directory at or above the
// current one that holds .git (a directory, or a file in a worktree), else ".".
func findRoot(dir string) string {
	if dir != "" {
		return dir
	}
	cwd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := cwd; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "."
		}
		d = parent
	}
}

// resolveFile names the file a command line means: a relative FILE is taken from the current
// directory, or, when --root was given and no such file is there, from the root.
func resolveFile(root string, rootGiven bool, file string) string {
	if filepath.IsAbs(file) || !rootGiven {
		return file
	}
	if _, err := os.Stat(file); err == nil {
		return file
	}
	if cand := filepath.Join(root, file); fileExists(cand) {
		return cand
	}
	return file
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// checkPosition rejects a 1-based line and byte column that are not in text: a position past
// the end would otherwise be clamped to the end and answered as if it were there.
func checkPosition(name, text string, line, col int) error {
	lines := strings.Split(text, "\n")
	if line > len(lines) {
		return fmt.Errorf("%s has %d lines; line %d is past its end", name, lineCount(text), line)
	}
	if n := len(lines[line-1]); col > n+1 {
		return fmt.Errorf("%s:%d has %d bytes; column %d is past its end (the last is %d)", name, line, n, col, n+1)
	}
	return nil
}

// checkLines rejects a line range that is not in text.
func checkLines(name, text string, from, to int) error {
	n := lineCount(text)
	if from > n || to > n {
		return fmt.Errorf("%s has %d lines; line %d is past its end", name, n, max(from, to))
	}
	return nil
}

// lineCount counts lines as editors number them: a final newline ends the last line.
func lineCount(text string) int {
	if text == "" {
		return 0
	}
	n := strings.Count(text, "\n")
	if !strings.HasSuffix(text, "\n") {
		n++
	}
	return n
}
