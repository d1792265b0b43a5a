package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"ragls/eval"
)

func runEval(ctx context.Context, e env, args []string) error {
	fs := newFlags("eval", e)
	root := fs.String("root", "", "code to measure (default: per language, see below)")
	lang := fs.String("lang", "go", "language of the call sites: "+strings.Join(eval.Langs, ", "))
	n := fs.Int("n", 300, "call sites to sample")
	budget := fs.Int("budget", 1024, "token budget for the context")
	seed := fs.Uint64("seed", 1, "sampling seed")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	misses := fs.Int("misses", 5, "misses to show per condition")
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: ragls eval [--root DIR] [--lang %s] [-n 300] [--budget 1024] [--seed 1] [--misses 5] [--json]\n\n"+
			"Measures how often the context holds the definition of a function called at a real call\n"+
			"site, typed and not yet typed, against sliding-window BM25 and Jaccard baselines; the\n"+
			"indexed copy of the calling file has the call hidden. Default roots:\n"+
			"go: $%s or $(go env GOROOT)/src; python: $%s or the system standard library;\n"+
			"js: $%s or ./node_modules; ts: $%s or the current directory; rust, java, c, cpp: $%s,\n"+
			"$%s, $%s, $%s or the Debian sources scripts/setup installs.\n\n",
			strings.Join(eval.Langs, "|"), eval.EnvGoRoot, eval.EnvPython, eval.EnvJS, eval.EnvTS, eval.EnvRust, eval.EnvJava, eval.EnvC, eval.EnvCPP)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	case !slices.Contains(eval.Langs, *lang):
		return usageError{fmt.Sprintf("--lang must be one of %s", strings.Join(eval.Langs, ", "))}
	case *n <= 0:
		return usageError{"-n must be positive"}
	case *misses <= 0:
		return usageError{"--misses must be positive"}
	case *budget <= 0:
		return usageError{"--budget must be positive"}
	}
	dir := *root
	if dir == "" {
		if dir, err = eval.DefaultRoot(ctx, *lang, e.getenv); err != nil {
			return err
		}
	}
	s, r, err := openRoot(e, dir)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stderr, "ragls eval: indexing %s\n", r.Dir)
	if _, err := r.Sync(ctx, nil); err != nil {
		return err
	}
	rep, err := eval.Run(ctx, r.Index, *lang, eval.Options{N: *n, Budget: *budget, Seed: *seed, Examples: *misses})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(struct {
			Root string `json:"root"`
			*eval.Report
		}{r.Dir, rep})
	}
	printReport(e.stdout, r.Dir, rep)
	return nil
}

func printReport(w io.Writer, root string, r *eval.Report) {
	fmt.Fprintf(w, "%s: %d call sites in %d files of %s (%d candidates, %d files indexed), budget %d tokens, seed %d\n",
		r.Lang, r.Sites, r.SiteFiles, root, r.Candidates, r.Files, r.Budget, r.Seed)
	fmt.Fprintf(w, "definition in context      typed name(   call not typed\n")
	fmt.Fprintf(w, "  ragls                    %11.3f   %14.3f\n", r.Ragls.Typed, r.Ragls.Untyped)
	fmt.Fprintf(w, "  bm25 20-line windows     %11.3f   %14.3f\n", r.BM25.Typed, r.BM25.Untyped)
	fmt.Fprintf(w, "  jaccard 20-line windows  %11.3f   %14.3f\n", r.Jaccard.Typed, r.Jaccard.Untyped)
	fmt.Fprintf(w, "call not typed, by whether the callee is named above the cursor:\n")
	fmt.Fprintf(w, "                  sites    ragls     bm25  jaccard\n")
	for _, sp := range []struct {
		name string
		s    eval.Split
	}{{"named", r.Named}, {"not named", r.NotNamed}} {
		fmt.Fprintf(w, "  %-12s  %7d  %7.3f  %7.3f  %7.3f\n", sp.name, sp.s.Sites, sp.s.Ragls, sp.s.BM25, sp.s.Jaccard)
	}
	if !r.Hidden {
		fmt.Fprintf(w, "(the index still holds the calls measured)\n")
	}
	forms := make([]string, 0, len(r.ByForm))
	for f := range r.ByForm {
		forms = append(forms, f)
	}
	slices.Sort(forms)
	for _, f := range forms {
		fr := r.ByForm[f]
		fmt.Fprintf(w, "  ragls, %-12s (%4d)  %11.3f   %14.3f\n", f, fr.Sites, fr.Typed, fr.Untyped)
	}
	fmt.Fprintf(w, "ragls context latency: typed p50 %.1f ms p95 %.1f ms; untyped p50 %.1f ms p95 %.1f ms\n",
		r.Latency.TypedP50, r.Latency.TypedP95, r.Latency.UntypedP50, r.Latency.UntypedP95)
	if r.Empty > 0 {
		fmt.Fprintf(w, "ragls returned no context %d times\n", r.Empty)
	}
	fmt.Fprintf(w, "jaccard latency:       typed p50 %.1f ms p95 %.1f ms (%d windows)\n",
		r.JaccardLatency.TypedP50, r.JaccardLatency.TypedP95, r.Windows)
	printMisses := func(title string, ms []eval.Miss) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintln(w, title)
		for _, m := range ms {
			fmt.Fprintf(w, "  %s %s %s, want %s\n", m.Condition, m.Site, m.Callee, strings.Join(m.Want, " "))
			for i, g := range m.Got {
				if i == 4 {
					fmt.Fprintf(w, "      ... %d more\n", len(m.Got)-i)
					break
				}
				fmt.Fprintf(w, "      got %s\n", g)
			}
		}
	}
	printMisses("ragls misses:", r.Misses)
	printMisses("jaccard misses (untyped):", r.JaccardMisses)
	fmt.Fprintf(w, "%.1f s\n", r.Seconds)
}
