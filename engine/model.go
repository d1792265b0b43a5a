package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"ragls/indexer"
	"ragls/prompts"
)

// modelState is the engine's view of the model server: the settings in force, the client and
// prompt builder made from them, and the problem last reported to the user.
type modelState struct {
	opts    Options
	counter *prompts.Counter // immutable, shared by every prompter
	notify  func(Event)

	mu       sync.Mutex
	editor   map[string]any    // the editor's settings; guarded by mu
	cfg      prompts.Config    // guarded by mu
	client   *prompts.Client   // guarded by mu
	prompter *prompts.Prompter // guarded by mu
	cfgErr   error             // what was wrong with the settings; guarded by mu
	problems map[string]bool   // problem keys shown and not yet cleared; guarded by mu
	// noHoverExplain turns off background explanations for hovers; guarded by mu.
	noHoverExplain bool
}

func newModelState(opts Options) (*modelState, error) {
	counter, err := prompts.NewCounter()
	if err != nil {
		return nil, err
	}
	m := &modelState{opts: opts, counter: counter, notify: func(Event) {}, problems: map[string]bool{}}
	if err := m.load(nil); err != nil {
		opts.Logger.Warn("model settings", "err", err)
	}
	return m, nil
}

// load applies settings in order of precedence: defaults, the config file, the editor's, the
// environment. The error says what was ignored; the settings are usable in any case.
func (m *modelState) load(editor map[string]any) error {
	cfg, cfgErr := loadConfig(m.opts.Getenv, editor)
	prompter, err := prompts.NewPrompter(cfg)
	if err != nil {
		// A broken template override: fall back to the built-in templates and say so.
		cfgErr = errors.Join(cfgErr, err)
		fallback := cfg
		fallback.TemplatesDir = ""
		if prompter, err = prompts.NewPrompter(fallback); err != nil {
			return err
		}
	}
	m.mu.Lock()
	m.editor, m.cfg, m.cfgErr = editor, cfg, cfgErr
	m.client = prompts.NewClient(cfg, m.opts.HTTPClient)
	prompter.Use(m.client) // prompts fit the windows the server reports
	m.prompter = prompter
	m.mu.Unlock()
	return cfgErr
}

// current returns the settings, client and prompt builder in force.
func (m *modelState) current() (prompts.Config, *prompts.Client, *prompts.Prompter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg, m.client, m.prompter
}

// configure applies the editor's settings (a JSON object, possibly {"ragls": {...}}).
func (m *modelState) configure(settings json.RawMessage) error {
	var editor map[string]any
	if len(settings) > 0 && string(settings) != "null" {
		dec := json.NewDecoder(strings.NewReader(string(settings)))
		dec.UseNumber()
		if err := dec.Decode(&editor); err != nil {
			return fmt.Errorf("ragls settings must be a JSON object: %w", err)
		}
	}
	if inner, ok := editor["ragls"].(map[string]any); ok {
		editor = inner
	}
	// Settings of the engine itself, not of the model client.
	m.mu.Lock()
	m.noHoverExplain = editor["hoverExplain"] == false
	m.mu.Unlock()
	delete(editor, "hoverExplain")
	delete(editor, "embedder")
	return m.load(editor)
}

// hoverExplain reports whether hovers should ask the model for an explanation in the
// background: on unless the editor's "hoverExplain" setting or RAGLS_HOVER_EXPLAIN=0 says no.
func (m *modelState) hoverExplain() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.noHoverExplain && m.opts.Getenv("RAGLS_HOVER_EXPLAIN") != "0"
}

// embedder returns the index's embedder: the built-in one unless the user asked for the model
// server's embeddings with RAGLS_EMBEDDER=model.
func (m *modelState) embedder() indexer.Embedder {
	if strings.EqualFold(m.opts.Getenv("RAGLS_EMBEDDER"), "model") {
		return &modelEmbedder{m: m}
	}
	return nil
}

// observe reports a model failure to the user once per kind of problem, and clears reported
// problems when a call succeeds. Cancellation is not a problem.
func (m *modelState) observe(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	var me *prompts.ModelError
	m.mu.Lock()
	if err == nil {
		var cleared []string
		for k := range m.problems {
			cleared = append(cleared, k)
		}
		clear(m.problems)
		m.mu.Unlock()
		for _, k := range cleared {
			m.notify(Event{Kind: EventProblemCleared, Key: k})
		}
		return
	}
	key := "model"
	if errors.As(err, &me) {
		if me.Kind == prompts.KindCanceled {
			m.mu.Unlock()
			return
		}
		key = "model:" + me.Kind.Error()
	}
	first := !m.problems[key]
	m.problems[key] = true
	m.mu.Unlock()
	if first {
		m.notify(Event{Kind: EventProblem, Key: key, Message: err.Error()})
	}
}

// modelEmbedder embeds with the model server's /v1/embeddings, in batches.
type modelEmbedder struct{ m *modelState }

// Name implements indexer.Embedder: the URL and model, so that switching either rebuilds.
func (e *modelEmbedder) Name() string {
	cfg, _, _ := e.m.current()
	return "openai:" + cfg.BaseURL + "#" + cfg.EmbeddingModel
}

// Embed implements indexer.Embedder.
func (e *modelEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	_, client, _ := e.m.current()
	const batch = 32
	out := make([][]float32, 0, len(texts))
	for i := 0; i < len(texts); i += batch {
		vecs, err := client.Embed(ctx, texts[i:min(i+batch, len(texts))])
		e.m.observe(err)
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// loadConfig layers the model settings. RAGLS_CONFIG names the settings file instead of the
// default one; naming a file that does not exist means "no file", so that tests and scripts can
// keep a developer's own settings out.
func loadConfig(getenv func(string) string, editor map[string]any) (prompts.Config, error) {
	path := getenv("RAGLS_CONFIG")
	if path != "" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			cfg, err := prompts.DefaultConfig().Merge(editor)
			if err != nil {
				err = fmt.Errorf("editor %w", err)
			}
			return cfg.WithEnv(getenv), err
		}
	}
	return prompts.LoadConfig(path, editor, getenv)
}

// Model returns the model setup the engine's requests use: the settings in force (defaults,
// config file, editor, environment), the client made from them (with Options.HTTPClient), and
// what was wrong with the settings, if anything. "ragls doctor" checks exactly this.
func (e *Engine) Model() (prompts.Config, *prompts.Client, error) {
	e.model.mu.Lock()
	defer e.model.mu.Unlock()
	return e.model.cfg, e.model.client, e.model.cfgErr
}
