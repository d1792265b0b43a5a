package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"runtime/metrics"
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
	if r.Index.Stats().Files == 0 {
		defer boundColdHeap()()
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

// coldHeapFloor is the Go memory below which a cold build collects garbage at the runtime's
// usual pace: collecting more often there would cost time and save nothing, since the heap
// ends larger anyway.
const coldHeapFloor = 256 << 20

// boundColdHeap holds the Go memory of a cold build to half again what is live (or
// coldHeapFloor, whichever is more), instead of the twice-live the collector allows by
// default, and returns the function that lifts the bound. A cold build's heap is nearly all
// index, which grows until Save, while parsing makes garbage at a steady rate: the default
// pacing would let the process's peak be twice the finished index. The bound follows the live
// heap, so it never makes the collector run without end as a fixed limit below a large
// index would; it costs more collections only near the end of the build. A memory limit the
// user set (GOMEMLIMIT) is left alone.
func boundColdHeap() (stop func()) {
	prev := debug.SetMemoryLimit(-1)
	if prev != math.MaxInt64 {
		return func() {}
	}
	debug.SetMemoryLimit(coldHeapFloor)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				live := int64(sample[0].Value.Uint64())
				debug.SetMemoryLimit(max(coldHeapFloor, live+live/2))
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetMemoryLimit(prev)
	}
}
