package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"ragls/indexer"
)

// item is the JSON form of a chunk in search and context output.
type item struct {
	Path string `json:"path"`
	// PathBytes is the name's exact bytes (base64) when they are not valid UTF-8: JSON strings
	// cannot hold such names, and Path then shows each invalid byte as \xNN.
	PathBytes []byte  `json:"path_bytes,omitempty"`
	StartLine int     `json:"start_line"`
	EndLine   int     `json:"end_line"`
	Kind      string  `json:"kind"`
	Score     float64 `json:"score"`
	Text      string  `json:"text"`
}

func toItems(hits []indexer.Hit) []item {
	out := make([]item, len(hits))
	for i, h := range hits {
		out[i] = item{Path: h.Path, StartLine: h.StartLine, EndLine: h.EndLine, Kind: h.Source, Score: h.Score, Text: h.Text}
		if !utf8.ValidString(h.Path) {
			// encoding/json would turn every invalid byte into U+FFFD, so two different
			// names could print the same.
			out[i].Path, out[i].PathBytes = escapeInvalid(h.Path), []byte(h.Path)
		}
	}
	return out
}

// escapeInvalid shows each byte of s that is not part of valid UTF-8 as \xNN.
func escapeInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func runSearch(ctx context.Context, e env, args []string) error {
	fs := newFlags("search", e)
	root := fs.String("root", "", "indexed directory"+rootUsage)
	k := fs.Int("k", 10, "number of results")
	asJSON := fs.Bool("json", false, "print results as JSON")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	query := strings.TrimSpace(strings.Join(pos, " "))
	if query == "" {
		return usageError{"no query given"}
	}
	if *k <= 0 {
		return usageError{"-k must be positive"}
	}
	s, r, err := openRoot(e, findRoot(*root))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := ensureIndexed(ctx, e, r); err != nil {
		return err
	}
	hits, err := r.Index.Search(ctx, query, *k)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{"items": toItems(hits)})
	}
	for _, h := range hits {
		printHit(e, h)
	}
	return nil
}

func printHit(e env, h indexer.Hit) {
	fmt.Fprintf(e.stdout, "── %s:%d-%d  %s %s  (%s, %.4f)\n", h.Path, h.StartLine, h.EndLine, h.Kind, h.Symbol, h.Source, h.Score)
	text := strings.TrimRight(h.Text, "\n")
	fmt.Fprintln(e.stdout, text)
}
