package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"ragls/engine"
	"ragls/workspace"
)

// statsRow is one language of "ragls stats --json".
type statsRow struct {
	Shown          int     `json:"shown"`
	Accepted       int     `json:"accepted"`
	AcceptanceRate float64 `json:"acceptanceRate"`
	LatencyP50Ms   int64   `json:"latencyP50Ms"`
	LatencyP95Ms   int64   `json:"latencyP95Ms"`
}

func row(l engine.LanguageStats) statsRow {
	return statsRow{
		Shown: l.Shown, Accepted: l.Accepted, AcceptanceRate: l.AcceptanceRate(),
		LatencyP50Ms: l.Latency(50).Milliseconds(), LatencyP95Ms: l.Latency(95).Milliseconds(),
	}
}

// runStats prints the local completion statistics the language server keeps: they never leave
// this machine. A running server adds its counts every minute and when it exits.
func runStats(_ context.Context, e env, args []string) error {
	fs := newFlags("stats", e)
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageError{"stats takes no arguments"}
	}
	dir := workspace.DefaultCacheDir(e.getenv)
	file := filepath.Join(dir, engine.StatsFile)
	st, err := engine.LoadStats(dir)
	if err != nil {
		return err
	}
	langs := make([]string, 0, len(st.Languages))
	var all engine.LanguageStats
	for l, s := range st.Languages {
		langs = append(langs, l)
		all.Shown += s.Shown
		all.Accepted += s.Accepted
		all.LatencyMs = append(all.LatencyMs, s.LatencyMs...)
	}
	slices.Sort(langs)

	if *asJSON {
		out := struct {
			File      string              `json:"file"`
			Languages map[string]statsRow `json:"languages"`
			Total     statsRow            `json:"total"`
		}{File: file, Languages: map[string]statsRow{}, Total: row(all)}
		for _, l := range langs {
			out.Languages[l] = row(st.Languages[l])
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(langs) == 0 {
		fmt.Fprintf(e.stdout, "no completions recorded yet (kept on this machine only, in %s)\n", file)
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "language\tshown\taccepted\trate\tp50\tp95\t")
	line := func(name string, l engine.LanguageStats) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f%%\t%s\t%s\t\n", name, l.Shown, l.Accepted, 100*l.AcceptanceRate(),
			l.Latency(50).Round(time.Millisecond), l.Latency(95).Round(time.Millisecond))
	}
	for _, l := range langs {
		line(l, st.Languages[l])
	}
	if len(langs) > 1 {
		line("all", all)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "latency: time from the editor's request to the answer, over the last %d completions of each language\nkept on this machine only, in %s\n", engine.LatencySamples, file)
	return nil
}
