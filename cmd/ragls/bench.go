package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"ragls/engine"
	"ragls/indexer"
	"ragls/workspace"
)

// benchReport holds the figures of "ragls bench", each a median or percentile of repeated runs.
type benchReport struct {
	Root             string  `json:"root"`
	Files            int     `json:"files"`
	Chunks           int     `json:"chunks"`
	ColdIndexSeconds float64 `json:"cold_index_seconds"`
	// The same cold index as "ragls index" runs it, in a process of its own: its wall time
	// and peak resident memory (0 where the system does not report it).
	IndexProcessSeconds float64 `json:"index_process_seconds"`
	IndexProcessRSS     float64 `json:"index_process_peak_rss_mb"`
	LoadMillis          float64 `json:"load_ms_median"`
	ReindexMillisP50    float64 `json:"reindex_one_file_ms_p50"`
	ReindexMillisP95    float64 `json:"reindex_one_file_ms_p95"`
	ContextMillisP50    float64 `json:"context_ms_p50"`
	ContextMillisP95    float64 `json:"context_ms_p95"`
	PromptMillisP50     float64 `json:"completion_prompt_ms_p50"`
	PromptMillisP95     float64 `json:"completion_prompt_ms_p95"`
	SearchProcessMs     float64 `json:"search_process_ms_median"`
	ContextProcessRSS   float64 `json:"context_process_peak_rss_mb"`
}

func runBench(ctx context.Context, e env, args []string) error {
	fs := newFlags("bench", e)
	root := fs.String("root", "", "directory to measure on (default: $(go env GOROOT)/src)")
	n := fs.Int("n", 300, "context queries to time")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if *root == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
		if err != nil {
			return fmt.Errorf("no --root given and cannot find GOROOT: %w", err)
		}
		*root = filepath.Join(strings.TrimSpace(string(out)), "src")
	}
	cache, err := os.MkdirTemp("", "ragls-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cache)
	say := func(format string, a ...any) {
		if !*asJSON {
			fmt.Fprintf(e.stderr, format+"\n", a...)
		}
	}
	rep := benchReport{}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	// First, while this process is small: on Linux a child's peak RSS starts from its
	// parent's at the fork.
	rep.IndexProcessSeconds, rep.IndexProcessRSS, err = indexProcess(ctx, self, *root, cache)
	if err != nil {
		return err
	}
	say("ragls index, cold, own process: %.1f s, peak RSS %.0f MB", rep.IndexProcessSeconds, rep.IndexProcessRSS)

	// Cold index with the built-in embedder, through the engine the server uses.
	eng, err := engine.New(engine.Options{CacheDir: cache, Getenv: func(k string) string {
		if k == "RAGLS_CONFIG" {
			return filepath.Join(cache, "no-config.json") // the defaults, whatever the user set
		}
		return ""
	}})
	if err != nil {
		return err
	}
	defer eng.Close()
	start := time.Now()
	r, sum, err := eng.AddRoot(ctx, *root, nil)
	if err != nil {
		return err
	}
	rep.Root = r.Dir
	rep.ColdIndexSeconds = time.Since(start).Seconds()
	rep.Files, rep.Chunks = sum.Files, sum.Chunks
	say("cold index: %d files, %d chunks in %.1f s", rep.Files, rep.Chunks, rep.ColdIndexSeconds)

	// Loading the stored index, as every command and the server do at start.
	var loads []float64
	for range 5 {
		s2 := workspace.NewSession(workspace.Config{CacheDir: cache})
		t0 := time.Now()
		if _, err := s2.AddRoot(*root); err != nil {
			return err
		}
		loads = append(loads, ms(time.Since(t0)))
		s2.Close()
	}
	rep.LoadMillis = percentile(loads, 50)
	say("load stored index: %.1f ms median", rep.LoadMillis)

	// One file changed: time from the new content to a query that sees it.
	paths := r.Index.Paths()
	rng := rand.New(rand.NewPCG(1, 2))
	var reindex []float64
	for i := range 30 {
		p := paths[rng.IntN(len(paths))]
		old, _ := r.Index.Content(p)
		marker := fmt.Sprintf("raglsBenchMarker%d", i)
		text := old + "\n// " + marker + "\n"
		t0 := time.Now()
		if _, err := r.Index.Upsert(ctx, p, []byte(text), indexer.FileState{}); err != nil {
			return err
		}
		hits, err := r.Index.Search(ctx, marker, 1)
		d := time.Since(t0)
		if err != nil || len(hits) == 0 || hits[0].Path != p {
			return fmt.Errorf("bench: change to %s not visible to a query", p)
		}
		reindex = append(reindex, ms(d))
		if _, err := r.Index.Upsert(ctx, p, []byte(old), indexer.FileState{}); err != nil {
			return err
		}
	}
	rep.ReindexMillisP50, rep.ReindexMillisP95 = percentile(reindex, 50), percentile(reindex, 95)
	say("one-file change visible to queries: p50 %.1f ms, p95 %.1f ms", rep.ReindexMillisP50, rep.ReindexMillisP95)

	// Context assembly at random line ends of random files, counting tokens as the server does.
	counter := eng.Counter()
	var ctxTimes []float64
	var batch bytes.Buffer
	for len(ctxTimes) < *n {
		p := paths[rng.IntN(len(paths))]
		text, _ := r.Index.Content(p)
		lines := strings.Count(text, "\n")
		if lines < 5 {
			continue
		}
		line := 1 + rng.IntN(lines)
		off := indexer.Offset(text, line, 1<<20)
		t0 := time.Now()
		if _, err := r.Index.Context(ctx, indexer.ContextRequest{Path: p, Offset: off, Budget: 1024, Counter: counter}); err != nil {
			return err
		}
		ctxTimes = append(ctxTimes, ms(time.Since(t0)))
		if len(ctxTimes) <= 200 {
			json.NewEncoder(&batch).Encode(map[string]any{"path": p, "line": line, "col": 1 << 20})
		}
	}
	rep.ContextMillisP50, rep.ContextMillisP95 = percentile(ctxTimes, 50), percentile(ctxTimes, 95)
	say("context assembly (%d chunks, budget 1024): p50 %.2f ms, p95 %.2f ms", rep.Chunks, rep.ContextMillisP50, rep.ContextMillisP95)

	// A whole completion prompt: context lookup, FIM template and token budget for a 4k window.
	var promptTimes []float64
	var promptTokens []float64
	for len(promptTimes) < 200 {
		p := paths[rng.IntN(len(paths))]
		text, _ := r.Index.Content(p)
		lines := strings.Count(text, "\n")
		if lines < 50 {
			continue
		}
		off := indexer.Offset(text, 1+rng.IntN(lines), 1<<20)
		doc := engine.Doc{Path: filepath.Join(r.Dir, filepath.FromSlash(p)), Text: text}
		t0 := time.Now()
		prompt, err := eng.CompletionPrompt(ctx, doc, off)
		if err != nil {
			return err
		}
		promptTimes = append(promptTimes, ms(time.Since(t0)))
		promptTokens = append(promptTokens, float64(prompt.Tokens))
	}
	rep.PromptMillisP50, rep.PromptMillisP95 = percentile(promptTimes, 50), percentile(promptTimes, 95)
	say("completion prompt assembly (median %.0f tokens): p50 %.2f ms, p95 %.2f ms", percentile(promptTokens, 50), rep.PromptMillisP50, rep.PromptMillisP95)

	// Whole processes, as scripts and editors start them.
	var searchMs []float64
	for i := range 7 {
		cmd := exec.CommandContext(ctx, self, "search", "--root", *root, "-k", "10", []string{"read file into byte slice", "ReadFile", "http handler timeout"}[i%3])
		cmd.Env = append(os.Environ(), "RAGLS_CACHE_DIR="+cache)
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("bench: ragls search: %v: %s", err, out)
		}
		searchMs = append(searchMs, ms(time.Since(t0)))
	}
	rep.SearchProcessMs = percentile(searchMs, 50)
	say("ragls search, process start to answer: %.0f ms median", rep.SearchProcessMs)

	rep.ContextProcessRSS, err = batchPeakRSS(ctx, self, *root, cache, batch.Bytes())
	if err != nil {
		return err
	}
	say("ragls context --batch after 200 queries: peak RSS %.0f MB", rep.ContextProcessRSS)

	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(rep)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentile returns the p-th percentile of xs by the nearest-rank method.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// indexProcess runs a cold "ragls index" of root with a cache of its own, and returns its
// wall time and peak resident memory in MB.
func indexProcess(ctx context.Context, self, root, cache string) (seconds, rssMB float64, err error) {
	dir := filepath.Join(cache, "index-process")
	cmd := exec.CommandContext(ctx, self, "index", "--root", root)
	cmd.Env = append(os.Environ(), "RAGLS_CACHE_DIR="+dir, "RAGLS_CONFIG="+filepath.Join(cache, "no-config.json"))
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("bench: ragls index: %v: %s", err, out)
	}
	seconds = time.Since(t0).Seconds()
	os.RemoveAll(dir)
	return seconds, maxRSSMB(cmd.ProcessState), nil
}

// batchPeakRSS runs "ragls context --batch" on the stored index, answers the queries, and
// reads the process's peak resident memory while it still runs: a process holding the index
// and serving queries, as the language server does. (The rusage of a finished child is no
// use here: on Linux it counts the parent's memory at the fork.)
func batchPeakRSS(ctx context.Context, self, root, cache string, queries []byte) (float64, error) {
	cmd := exec.CommandContext(ctx, self, "context", "--batch", "--root", root)
	cmd.Env = append(os.Environ(), "RAGLS_CACHE_DIR="+cache)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer cmd.Wait()
	defer stdin.Close()
	want := bytes.Count(queries, []byte("\n"))
	go stdin.Write(queries)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for got := 0; got < want; got++ {
		if !sc.Scan() {
			return 0, fmt.Errorf("bench: ragls context --batch stopped after %d answers: %v", got, sc.Err())
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		return 0, nil // not Linux: no figure
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024, nil
		}
	}
	return 0, nil
}
