// Package mcp serves ragls's index to agents over the Model Context Protocol: search, the
// context ragls would give a model at a position, where a symbol is defined and used, and a
// ranked map of a file or directory. It translates between MCP tool calls and the engine, as
// package lsp does for editors; the answers come from the same index, under the same ignore
// and secret rules.
package mcp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options configures a Server.
type Options struct {
	Version string
	Logger  *slog.Logger
	// IndexWait bounds how long the first call on a root that is still being indexed waits for
	// the index before answering from what is indexed so far; 0 means 5 s.
	IndexWait time.Duration
	// MaxOutput bounds a tool's text result, in bytes; 0 means 24 KiB (about 6k tokens).
	MaxOutput int
}

// Server is an MCP server over an Engine.
type Server struct {
	eng  Engine
	opts Options
	srv  *sdk.Server

	mu    sync.Mutex
	until map[string]time.Time // root -> how long calls wait for its first index; guarded by mu
}

// NewServer returns a server whose tools answer from eng.
func NewServer(eng Engine, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.IndexWait <= 0 {
		opts.IndexWait = 5 * time.Second
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = 24 << 10
	}
	s := &Server{eng: eng, opts: opts, until: map[string]time.Time{}}
	s.srv = sdk.NewServer(&sdk.Implementation{Name: "ragls", Title: "ragls repository index", Version: opts.Version}, &sdk.ServerOptions{
		Instructions: instructions,
		Logger:       opts.Logger,
	})
	s.addTools()
	return s
}

const instructions = `ragls has indexed this repository (syntax-aware chunks, a symbol table, BM25 and vectors), ` +
	`respecting .gitignore and never reading secret files. Prefer its tools to reading files blindly: ` +
	`"outline" for a ranked map of the repository or a directory, "search" to find code by words or identifiers, ` +
	`"definition" and "references" for a symbol, "context" for what a model needs at a position. ` +
	`Paths are relative to the root; line ranges are 1-based and inclusive.`

// Run serves one client on t until it disconnects or ctx is done.
func (s *Server) Run(ctx context.Context, t sdk.Transport) error {
	return s.srv.Run(ctx, t)
}

// Connect serves one client on t in the background, for tests and embedding.
func (s *Server) Connect(ctx context.Context, t sdk.Transport) (*sdk.ServerSession, error) {
	return s.srv.Connect(ctx, t, nil)
}

// argError is a bad argument: the agent can fix its call.
type argError struct{ arg, msg string }

func (e argError) Error() string { return fmt.Sprintf("invalid argument %q: %s", e.arg, e.msg) }

func badArg(arg, format string, args ...any) error {
	return argError{arg, fmt.Sprintf(format, args...)}
}

// bounded gives *v its default when the client left it out (0) and checks that it lies in
// 1..hi; unit, if any, names what is counted ("tokens").
func bounded(arg string, v *int, def, hi int, unit string) error {
	if *v == 0 {
		*v = def
	}
	if *v < 1 || *v > hi {
		if unit != "" {
			unit = " " + unit
		}
		return badArg(arg, "must be between 1 and %d%s, got %d", hi, unit, *v)
	}
	return nil
}

// A root as the tools name it: with one root paths are relative to it; with several they start
// with the root's name.
type root struct {
	dir, name string
}

func (s *Server) roots() []root {
	dirs := s.eng.Roots()
	out := make([]root, len(dirs))
	used := map[string]int{}
	for i, d := range dirs {
		name := filepath.Base(d)
		if n := used[name]; n > 0 {
			name = fmt.Sprintf("%s~%d", name, n+1)
		}
		used[filepath.Base(d)]++
		out[i] = root{dir: d, name: name}
	}
	return out
}

// show is how a path of root r appears in results.
func (s *Server) show(rs []root, r root, rel string) string {
	if len(rs) == 1 {
		return rel
	}
	if rel == "" || rel == "." {
		return r.name
	}
	return r.name + "/" + rel
}

// resolve finds the root and root-relative path an argument names: a path relative to the root
// (with several roots, starting with a root's name), or an absolute path under a root. "" and
// "." name the root itself (every root, if there are several: then ok is false and rel is "").
func (s *Server) resolve(rs []root, arg, p string) (r root, rel string, err error) {
	if len(rs) == 0 {
		return root{}, "", errors.New("this server has no roots")
	}
	if strings.ContainsRune(p, 0) {
		return root{}, "", badArg(arg, "contains a NUL byte")
	}
	if filepath.IsAbs(p) {
		abs := filepath.Clean(p)
		cands := []string{abs}
		if real, err := filepath.EvalSymlinks(abs); err == nil && real != abs {
			cands = append(cands, real)
		}
		for _, c := range cands {
			for _, r := range rs {
				rel, err := filepath.Rel(r.dir, c)
				if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
					return r, cleanRel(filepath.ToSlash(rel)), nil
				}
			}
		}
		return root{}, "", badArg(arg, "%s is outside the root (%s)", p, rootList(rs))
	}
	p = path.Clean(filepath.ToSlash(p))
	if p == ".." || strings.HasPrefix(p, "../") {
		return root{}, "", badArg(arg, "%q leaves the root; give a path relative to it", p)
	}
	if len(rs) == 1 {
		return rs[0], p, nil
	}
	first, rest, _ := strings.Cut(p, "/")
	for _, r := range rs {
		if r.name == first {
			return r, cleanRel(rest), nil
		}
	}
	return root{}, "", badArg(arg, "with several roots a path starts with a root's name: %s", rootList(rs))
}

func cleanRel(p string) string {
	p = path.Clean("/" + p)[1:]
	if p == "" {
		return "."
	}
	return p
}

func rootList(rs []root) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.name+" = "+r.dir)
	}
	return strings.Join(names, ", ")
}

// ready waits, for a root still being indexed, until its index is done (at most IndexWait
// after the first call), reporting progress to a client that asked for it, and returns a note for
// the roots whose answers come from a partial index.
func (s *Server) ready(ctx context.Context, req *sdk.CallToolRequest, rs []root) string {
	var notes []string
	for _, r := range rs {
		st := s.eng.Status(r.dir)
		if st.Indexed {
			if st.Err != "" {
				notes = append(notes, fmt.Sprintf("Note: %s: %s; answers come from the stored index.", r.name, st.Err))
			}
			continue
		}
		// The first call starts the clock; calls until IndexWait after it wait too, so that an
		// agent's opening burst of calls sees the whole index, and later ones answer at once.
		s.mu.Lock()
		until, ok := s.until[r.dir]
		if !ok {
			until = time.Now().Add(s.opts.IndexWait)
			s.until[r.dir] = until
		}
		s.mu.Unlock()
		if time.Now().Before(until) {
			wctx, cancel := context.WithDeadline(ctx, until)
			err := s.eng.WaitIndexed(wctx, r.dir, s.progress(wctx, req, r))
			cancel()
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return ""
			}
			st = s.eng.Status(r.dir)
		}
		progress := "starting"
		if st.Total > 0 {
			progress = fmt.Sprintf("%d of %d files examined", st.Done, st.Total)
		}
		notes = append(notes, fmt.Sprintf("Note: %s is still being indexed (%s, %d files indexed so far): this answer comes from what is indexed so far; ask again later for complete results.", r.name, progress, st.Files))
	}
	if len(notes) == 0 {
		return ""
	}
	return strings.Join(notes, "\n") + "\n\n"
}

// progress returns a function that sends indexing progress as MCP progress notifications, if
// the client asked for them with a progress token.
func (s *Server) progress(ctx context.Context, req *sdk.CallToolRequest, r root) func(Status) {
	if req == nil || req.Params == nil || req.Session == nil {
		return nil
	}
	token := req.Params.GetProgressToken()
	if token == nil {
		return nil
	}
	last := -1
	return func(st Status) {
		if st.Done == last && !st.Indexed {
			return
		}
		last = st.Done
		msg := "indexing " + r.name
		if st.Total > 0 {
			msg = fmt.Sprintf("indexing %s: %d/%d files", r.name, st.Done, st.Total)
		}
		if st.Indexed {
			msg = "indexed " + r.name
		}
		p := &sdk.ProgressNotificationParams{ProgressToken: token, Progress: float64(st.Done), Message: msg}
		if st.Total > 0 {
			p.Total = float64(st.Total)
		}
		if err := req.Session.NotifyProgress(ctx, p); err != nil {
			s.opts.Logger.Debug("progress notification", "err", err)
		}
	}
}

// output builds a text result within the size bound.
type output struct {
	b         strings.Builder
	max       int
	truncated bool
}

// add appends s unless that would pass the bound; it reports whether s was added.
func (o *output) add(s string) bool {
	if o.truncated {
		return false
	}
	if o.b.Len()+len(s) > o.max {
		o.truncated = true
		return false
	}
	o.b.WriteString(s)
	return true
}

func text(s string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: s}}}
}
