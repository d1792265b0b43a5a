package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"ragls/engine"
	"ragls/indexer"
	"ragls/prompts"
	"ragls/workspace"
)

// openEngine opens an engine on one root with its stored index (indexing it first if it has
// none), as the model-backed commands need.
func openEngine(ctx context.Context, e env, dir string) (*engine.Engine, *workspace.Root, error) {
	eng, r, err := openRoot(e, dir)
	if err != nil {
		return nil, nil, err
	}
	if err := ensureIndexed(ctx, e, r); err != nil {
		eng.Close()
		return nil, nil, err
	}
	return eng, r, nil
}

// openDocument reads a file named on the command line as the engine's document and opens the
// engine on the root.
func openDocument(ctx context.Context, e env, root, file string) (*engine.Engine, engine.Doc, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, engine.Doc{}, err
	}
	b, err := os.ReadFile(abs)
	if err != nil {
		return nil, engine.Doc{}, fmt.Errorf("reading %s: %w", file, err)
	}
	eng, _, err := openEngine(ctx, e, root)
	if err != nil {
		return nil, engine.Doc{}, err
	}
	return eng, engine.Doc{Path: abs, Text: string(b)}, nil
}

func runExplain(ctx context.Context, e env, args []string) error {
	fs := newFlags("explain", e)
	root := fs.String("root", "", "workspace root"+rootUsage)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give one FILE:LINE or FILE:LINE-LINE"}
	}
	file, from, to, err := parseLineRange(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	rootGiven := *root != ""
	*root = findRoot(*root)
	file = resolveFile(*root, rootGiven, file)
	eng, doc, err := openDocument(ctx, e, *root, file)
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := checkLines(file, doc.Text, from, to); err != nil {
		return err
	}
	start := indexer.Offset(doc.Text, from, 1)
	end := start
	if to > 0 {
		end = indexer.Offset(doc.Text, to+1, 1)
	}
	streamed := false
	text, err := eng.Explain(ctx, doc, start, end, func(delta string) {
		streamed = true
		fmt.Fprint(e.stdout, delta)
	})
	if err != nil {
		return err
	}
	if !streamed {
		fmt.Fprint(e.stdout, text)
	}
	fmt.Fprintln(e.stdout)
	return nil
}

// parseLineRange splits FILE:LINE or FILE:LINE-LINE; to is 0 for a single line.
func parseLineRange(s string) (file string, from, to int, err error) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, 0, fmt.Errorf("%q is not FILE:LINE or FILE:LINE-LINE", s)
	}
	a, b, isRange := strings.Cut(s[i+1:], "-")
	from, err1 := strconv.Atoi(a)
	if isRange {
		to, err = strconv.Atoi(b)
	}
	if err1 != nil || err != nil || from < 1 || (isRange && to < from) {
		return "", 0, 0, fmt.Errorf("%q: lines must be numbers from 1, the range ascending", s)
	}
	return s[:i], from, to, nil
}

func runComplete(ctx context.Context, e env, args []string) error {
	fs := newFlags("complete", e)
	root := fs.String("root", "", "workspace root"+rootUsage)
	showPrompt := fs.Bool("prompt", false, "print the prompt that would be sent instead of asking the model")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"give one FILE:LINE:COL"}
	}
	file, line, col, err := parsePosition(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	rootGiven := *root != ""
	*root = findRoot(*root)
	file = resolveFile(*root, rootGiven, file)
	eng, doc, err := openDocument(ctx, e, *root, file)
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := checkPosition(file, doc.Text, line, col); err != nil {
		return err
	}
	off := indexer.Offset(doc.Text, line, col)
	if *showPrompt {
		p, err := eng.CompletionPrompt(ctx, doc, off)
		if err != nil {
			return err
		}
		if p.Text != "" {
			fmt.Fprintln(e.stdout, p.Text)
		} else {
			return json.NewEncoder(e.stdout).Encode(p.Messages)
		}
		return nil
	}
	text, err := eng.Complete(ctx, doc, off)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, text)
	return nil
}

// doctorWindows reports each prompting model's context window, the token ratio ragls counts
// with, and the budget prompts get; a window too small for the settings is a problem.
func doctorWindows(ctx context.Context, w io.Writer, cfg prompts.Config, client *prompts.Client, probe prompts.ProbeResult, good, bad func(string, ...any)) {
	p, err := prompts.NewPrompter(cfg)
	if err != nil {
		bad("%v", err)
		return
	}
	p.Use(client)
	for _, c := range probe.Checks {
		if c.Err != nil || (c.Role != "chat" && c.Role != "completion") {
			continue
		}
		lim, fixed, room := p.Room(c.Model, c.Role == "chat")
		fmt.Fprintf(w, "    %s model %s: window %d tokens (%s); counts %.2f× cl100k (%s) + %.0f%% margin\n",
			c.Role, c.Model, lim.Window, lim.WindowSource, lim.Ratio, lim.RatioSource, (prompts.TokenMargin-1)*100)
		switch {
		case room < prompts.MinPromptRoom:
			bad("%s model %s: the window of %d tokens leaves %d for code and context after maxTokens %d and the %d-token instructions (need %d): raise the model's context (Ollama: PARAMETER num_ctx or OLLAMA_CONTEXT_LENGTH) or lower maxTokens",
				c.Role, c.Model, lim.Window, max(room, 0), cfg.MaxTokens, fixed, prompts.MinPromptRoom)
		default:
			good("%s prompts: budget %d tokens (window %d − answer %d), %d of them for code and context", c.Role, lim.Window-cfg.MaxTokens, lim.Window, cfg.MaxTokens, room)
		}
	}
}

func runDoctor(ctx context.Context, e env, args []string) error {
	fs := newFlags("doctor", e)
	root := fs.String("root", "", "workspace root whose index to check"+rootUsage)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	w := e.stdout
	problems := 0
	bad := func(format string, a ...any) {
		problems++
		fmt.Fprintf(w, "  ✗ "+format+"\n", a...)
	}
	good := func(format string, a ...any) { fmt.Fprintf(w, "  ✓ "+format+"\n", a...) }

	// The engine the editor and the other commands use, so that the settings and the client
	// checked are the ones in force there.
	eng, err := engine.New(engine.Options{Getenv: e.getenv})
	if err != nil {
		return err
	}
	defer eng.Close()
	cfg, client, cfgErr := eng.Model()
	fmt.Fprintln(w, "Settings")
	path := e.getenv("RAGLS_CONFIG")
	if path == "" {
		path, _ = prompts.DefaultConfigPath()
	}
	if _, err := os.Stat(path); err == nil {
		good("config file %s", path)
	} else {
		fmt.Fprintf(w, "    no config file at %s (defaults and RAGLS_* variables in force)\n", path)
	}
	if cfgErr != nil {
		bad("%v", cfgErr)
	}
	if err := cfg.Validate(); err != nil {
		bad("%v", err)
	}
	// Only what the settings use is checked: the index embeds with the built-in embedder
	// unless RAGLS_EMBEDDER=model, and then the embedding model is never asked for.
	modelEmbeddings := strings.EqualFold(e.getenv("RAGLS_EMBEDDER"), "model")
	embeddings := "built-in (RAGLS_EMBEDDER=model would use " + cfg.EmbeddingModel + ")"
	if modelEmbeddings {
		embeddings = cfg.EmbeddingModel + " (RAGLS_EMBEDDER=model)"
	}
	fmt.Fprintf(w, "    model URL %s; chat %s; completion %s (FIM: %s); embeddings %s\n",
		cfg.BaseURL, cfg.ChatModel, cfg.CompletionModel, prompts.FamilyForModel(cfg.CompletionModel, cfg.FIM), embeddings)
	window := "from the server"
	if cfg.ContextWindow > 0 {
		window = fmt.Sprintf("%d tokens (contextWindow setting)", cfg.ContextWindow)
	}
	fmt.Fprintf(w, "    context window %s, max output %d, timeout %s\n", window, cfg.MaxTokens, cfg.Timeout)

	fmt.Fprintln(w, "Model server")
	pctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	probe := client.Probe(pctx, modelEmbeddings)
	switch {
	case !probe.Reachable:
		bad("%v", probe.Err)
	default:
		kind := probe.Server
		if kind == "" {
			kind = "an OpenAI-compatible server"
		}
		if probe.Version != "" {
			kind += " " + probe.Version
		}
		good("%s answers at %s, serving %d models", kind, probe.URL, len(probe.Models))
		if probe.Err != nil {
			bad("%v", probe.Err)
		}
		for _, c := range probe.Checks {
			if c.Err != nil {
				bad("%s model %s: %v", c.Role, c.Model, c.Err)
			} else {
				good("%s model %s answers in %d ms", c.Role, c.Model, c.Latency.Milliseconds())
			}
		}
		doctorWindows(pctx, w, cfg, client, probe, good, bad)
	}

	fmt.Fprintln(w, "Index")
	s, r, err := openRoot(e, findRoot(*root))
	if err != nil {
		bad("%v", err)
	} else {
		defer s.Close()
		switch st := r.Index.Stats(); {
		case r.LoadNote != "":
			bad("%s", r.LoadNote)
		case st.Files == 0:
			bad("no index for %s yet: run `ragls index --root %s`", r.Dir, r.Dir)
		default:
			good("%s: %d files, %d chunks, %d symbols (%s), stored in %s", r.Dir, st.Files, st.Chunks, st.Defs, st.Embedder, r.IndexFile)
		}
	}
	if problems > 0 {
		return exitError{code: 1, err: fmt.Errorf("%d problem(s) found", problems)}
	}
	fmt.Fprintln(w, "All is well.")
	return nil
}
