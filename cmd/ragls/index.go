package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"ragls/workspace"
)

func runIndex(ctx context.Context, e env, args []string) error {
	fs := newFlags("index", e)
	root := fs.String("root", "", "directory to index"+rootUsage)
	asJSON := fs.Bool("json", false, "print the summary as one JSON object on stdout")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	s, r, err := openRoot(e, findRoot(*root))
	if err != nil {
		return err
	}
	defer s.Close()
	var bar *progressBar
	if isTerminal(e.stderr) {
		bar = &progressBar{w: e.stderr}
	}
	sum, err := r.Sync(ctx, bar.update)
	bar.finish()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		return enc.Encode(sum)
	}
	printSummary(e.stderr, sum)
	return nil
}

func printSummary(w io.Writer, s workspace.Summary) {
	fmt.Fprintf(w, "indexed %s: %d files, %d chunks, %d symbols in %.2fs (%d updated, %d unchanged, %d removed)\n",
		s.Root, s.Files, s.Chunks, s.Symbols, s.Seconds, s.Updated, s.Unchanged, s.Removed)
	var reasons []string
	for r := range s.Skipped {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		n := s.Skipped[workspace.SkipReason(r)]
		ex := ""
		if e := s.Examples[workspace.SkipReason(r)]; len(e) > 0 {
			ex = " (e.g. " + strings.Join(e, ", ") + ")"
		}
		fmt.Fprintf(w, "  skipped %d %s%s\n", n, r, ex)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
}

// progressBar draws indexing progress on a terminal, at most ten times a second.
type progressBar struct {
	w    io.Writer
	last time.Time
}

func (b *progressBar) update(p workspace.Progress) {
	if b == nil || time.Since(b.last) < 100*time.Millisecond && p.Done < p.Total {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := 0
	if p.Total > 0 {
		filled = width * p.Done / p.Total
	}
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d files", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), p.Done, p.Total)
}

func (b *progressBar) finish() {
	if b != nil {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
