package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"ragls/engine"
	"ragls/indexer"
	"ragls/workspace"
)

func runContext(ctx context.Context, e env, args []string) error {
	fs := newFlags("context", e)
	root := fs.String("root", "", "indexed directory"+rootUsage)
	budget := fs.Int("budget", 0, "token budget for the context (default: the editor's, from the model's window)")
	timeout := fs.Duration("source-timeout", 0, "time limit of each context source (default: the editor's, 40ms)")
	asJSON := fs.Bool("json", false, "print the context as JSON")
	batch := fs.Bool("batch", false, "read JSON lines {path, line, col, content?} on stdin, write one JSON line each")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *budget < 0 || *timeout < 0 {
		return usageError{"--budget and --source-timeout must be positive"}
	}
	opts := engine.ContextOptions{Purpose: engine.ForCompletion, Budget: *budget, SourceTimeout: *timeout}
	switch {
	case *batch && len(pos) > 0:
		return usageError{"--batch reads positions from stdin; give no FILE:LINE:COL"}
	case !*batch && len(pos) != 1:
		return usageError{"give one FILE:LINE:COL"}
	}
	rootGiven := *root != ""
	*root = findRoot(*root)
	s, r, err := openRoot(e, *root)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := ensureIndexed(ctx, e, r); err != nil {
		return err
	}
	if *batch {
		return contextBatch(ctx, e, s, r, opts)
	}
	file, line, col, err := parsePosition(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	res, err := contextAt(ctx, s, resolveFile(*root, rootGiven, file), line, col, nil, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(contextJSON{Items: toItems(res.Items), Tokens: res.Tokens, Policy: policyOf(res)})
	}
	for _, h := range res.Items {
		printHit(e, h)
	}
	fmt.Fprintf(e.stderr, "%d items, %d tokens; %s\n", len(res.Items), res.Tokens, policyOf(res))
	return nil
}

// policyOf says which budget policy produced a context, and what the flags overrode: what the
// editor would have sent is exactly this when nothing was overridden.
func policyOf(c engine.Context) string {
	s := fmt.Sprintf("the editor's completion policy: budget %d tokens, %s, sources cut at %v", c.Budget, c.Counter, c.SourceTimeout)
	if len(c.Overridden) > 0 {
		s += " (overridden by flags: " + strings.Join(c.Overridden, ", ") + ")"
	}
	if c.Access != engine.AccessIndexed {
		s += fmt.Sprintf("; the file is %s: it is never context for other files", c.Access)
	}
	return s
}

type contextJSON struct {
	Items  []item `json:"items"`
	Tokens int    `json:"tokens"`
	Policy string `json:"policy,omitempty"`
	Error  string `json:"error,omitempty"`
}

// parsePosition splits FILE:LINE:COL, where FILE may itself contain colons.
func parsePosition(s string) (file string, line, col int, err error) {
	i := strings.LastIndexByte(s, ':')
	j := -1
	if i > 0 {
		j = strings.LastIndexByte(s[:i], ':')
	}
	if i < 0 || j <= 0 {
		return "", 0, 0, fmt.Errorf("position %q is not FILE:LINE:COL", s)
	}
	line, err1 := strconv.Atoi(s[j+1 : i])
	col, err2 := strconv.Atoi(s[i+1:])
	if err1 != nil || err2 != nil || line < 1 || col < 1 {
		return "", 0, 0, fmt.Errorf("position %q: LINE and COL must be numbers from 1", s)
	}
	return s[:j], line, col, nil
}

// contextAt assembles context at a 1-based line and byte column of file, through the engine's
// one context call, as the editor would for a completion there; content, if not nil, is the
// buffer as an editor holds it, else the file on disk.
func contextAt(ctx context.Context, eng *engine.Engine, file string, line, col int, content *string, opts engine.ContextOptions) (engine.Context, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return engine.Context{}, err
	}
	var text string
	if content != nil {
		text = *content
	} else {
		b, err := os.ReadFile(abs)
		if err != nil {
			return engine.Context{}, fmt.Errorf("reading %s: %w", file, err)
		}
		text = string(b)
	}
	if err := checkPosition(file, text, line, col); err != nil {
		return engine.Context{}, err
	}
	doc := engine.Doc{Path: abs, Text: text}
	return eng.Context(ctx, doc, indexer.Offset(text, line, col), opts)
}

func contextBatch(ctx context.Context, e env, eng *engine.Engine, r *workspace.Root, opts engine.ContextOptions) error {
	in := bufio.NewScanner(e.stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		var q struct {
			Path    string  `json:"path"`
			Line    int     `json:"line"`
			Col     int     `json:"col"`
			Content *string `json:"content"`
		}
		res := contextJSON{Items: []item{}}
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			res.Error = "bad input line: " + err.Error()
		} else if q.Path == "" || q.Line < 1 || q.Col < 1 {
			res.Error = "bad input line: need path, line >= 1 and col >= 1"
		} else {
			file := q.Path
			if !filepath.IsAbs(file) {
				file = filepath.Join(r.Dir, filepath.FromSlash(file))
			}
			c, err := contextAt(ctx, eng, file, q.Line, q.Col, q.Content, opts)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				res.Error = err.Error()
			} else {
				res.Items, res.Tokens = toItems(c.Items), c.Tokens
			}
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	return in.Err()
}
