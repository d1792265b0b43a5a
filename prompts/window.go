package prompts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits is what a prompt for one model must respect: the window the server really holds, and
// how many of the model's own tokens a cl100k token costs, learned from the server.
type Limits struct {
	Model        string
	Window       int    // tokens the prompt and the answer share
	WindowSource string // where Window came from, for doctor and logs
	Trained      int    // the model's trained context length, when the server tells (0 if not)
	Ratio        float64
	RatioSource  string // where Ratio came from
	Known        bool   // the server answered; false = assumed defaults (server down or silent)
}

// Multiplier turns a cl100k count into an estimate of the model's count, safety margin included.
func (l Limits) Multiplier() float64 { return max(l.Ratio, 1) * TokenMargin }

// Budget is the prompt budget in the model's tokens: the window minus the answer.
func (l Limits) Budget(maxTokens int) int { return l.Window - maxTokens }

// The window and tokenizer ratio assumed while the server has not told: Ollama's own default
// num_ctx, and a ratio above what code tokenizers of local models measure against cl100k.
const (
	assumedWindow = 4096
	assumedRatio  = 1.5
	// minCalibrationTokens: shorter prompts are dominated by the chat template's own tokens
	// and would overstate the ratio.
	minCalibrationTokens = 48
	// keptObservations: the ratio is the largest of the last few measured, so one prompt of
	// unusual text cannot lower it for the next.
	keptObservations = 8
)

// How long what was learned is trusted. A server that had not loaded the model yet may report
// another window once it has; one that did not answer is asked again soon.
const (
	windowTTL      = time.Minute
	provisionalTTL = 5 * time.Second
	failedTTL      = 30 * time.Second
	// discoveryTimeout bounds asking the server about a model, model loading included (the
	// calibration probe may have to wait for it); afterwards the assumed limits are used.
	discoveryTimeout = 20 * time.Second
)

// calibrationText is sent once to a server without a tokenizer endpoint, as a one-token
// completion, to read how many tokens the model needs for text like the prompts'.
const calibrationText = `// Package cache keeps recently used values in memory.
package cache

import "sync"

// Cache is a fixed-size LRU cache; it is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	items map[string]*entry
}

func (c *Cache) Get(key string) (value []byte, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, found := c.items[key]; found {
		return e.value, true
	}
	return nil, false
}

Explain what this code does, and which edge cases a test should cover.
`

// knowledge is what a client has learned about its server's models.
type knowledge struct {
	mu     sync.Mutex
	kind   string    // server kind once known; guarded by mu
	kindAt time.Time // when kind was last asked for; guarded by mu
	// kindFlight is closed when the kind probe in progress ends; nil while none runs.
	kindFlight chan struct{}
	models     map[string]*modelFacts
}

type modelFacts struct {
	mu      sync.Mutex
	lim     Limits    // guarded by mu
	expires time.Time // guarded by mu
	ratios  []float64 // measured ratios, newest last; guarded by mu
	// flight is closed when the discovery in progress ends; nil while none runs. Guarded by mu.
	flight chan struct{}
}

func (k *knowledge) facts(model string) *modelFacts {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.models == nil {
		k.models = map[string]*modelFacts{}
	}
	f := k.models[model]
	if f == nil {
		f = &modelFacts{}
		k.models[model] = f
	}
	return f
}

// observe records a measured ratio of the model's tokens to cl100k tokens.
func (f *modelFacts) observe(ratio float64, source string) {
	if ratio <= 0 || math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ratios = append(f.ratios, ratio)
	if len(f.ratios) > keptObservations {
		f.ratios = f.ratios[len(f.ratios)-keptObservations:]
	}
	f.lim.Ratio = slices.Max(f.ratios)
	f.lim.RatioSource = source
}

// measured reports whether a ratio was measured for the model.
func (f *modelFacts) measured() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.ratios) > 0
}

// Limits returns the window and token ratio of model on the configured server, asking the
// server the first time and again when what it said may have changed. It never fails: when the
// server does not tell, the contextWindow setting or the assumed defaults stand in (Known false).
// The contextWindow setting, when set, overrides what the server says.
//
// Concurrent callers share one discovery, which runs detached from any one caller's
// cancellation but bounded by discoveryTimeout: a caller whose ctx ends returns at once with
// what is known so far (or the assumed defaults), and the discovery goes on for the callers
// after it, so a keystroke cancelled while the server loads the model neither waits for it nor
// throws away what it learns.
func (c *Client) Limits(ctx context.Context, model string) Limits {
	f := c.know.facts(model)
	f.mu.Lock()
	if time.Now().Before(f.expires) {
		lim := f.lim
		f.mu.Unlock()
		return lim
	}
	if f.flight == nil {
		f.flight = make(chan struct{})
		go c.learn(context.WithoutCancel(ctx), model, f, f.flight)
	}
	flight, known := f.flight, f.lim
	f.mu.Unlock()
	select {
	case <-flight:
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.lim
	case <-ctx.Done():
		return c.meanwhile(model, known)
	}
}

// learn runs one discovery for model and publishes what it found to every caller of Limits.
func (c *Client) learn(ctx context.Context, model string, f *modelFacts, done chan struct{}) {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	lim, ttl := c.discover(ctx, model, f)
	if c.cfg.ContextWindow > 0 {
		lim.Window, lim.WindowSource = c.cfg.ContextWindow, "the contextWindow setting"
	}
	f.mu.Lock()
	if len(f.ratios) > 0 {
		// Answers that arrived during the discovery may have raised the ratio.
		lim.Ratio, lim.RatioSource = f.lim.Ratio, f.lim.RatioSource
	}
	f.lim, f.expires, f.flight = lim, time.Now().Add(ttl), nil
	f.mu.Unlock()
	close(done)
}

// meanwhile is what a caller that cannot wait for the discovery gets: the limits learned
// before, if any (they have only expired), else the setting or the assumed defaults.
func (c *Client) meanwhile(model string, known Limits) Limits {
	if known.Window > 0 {
		return known
	}
	lim := Limits{Model: model, Window: assumedWindow, WindowSource: "assumed (the server has not answered yet)",
		Ratio: max(known.Ratio, assumedRatio), RatioSource: "assumed"}
	if known.Ratio > assumedRatio {
		lim.RatioSource = known.RatioSource
	}
	if c.cfg.ContextWindow > 0 {
		lim.Window, lim.WindowSource = c.cfg.ContextWindow, "the contextWindow setting"
	}
	return lim
}

// CachedLimits returns what is known about model without asking the server; ok is false
// when nothing was learned yet.
func (c *Client) CachedLimits(model string) (Limits, bool) {
	f := c.know.facts(model)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lim, f.lim.Window > 0
}

func (c *Client) discover(ctx context.Context, model string, f *modelFacts) (Limits, time.Duration) {
	f.mu.Lock()
	lim := f.lim
	f.mu.Unlock()
	lim.Model = model
	if lim.Ratio == 0 {
		lim.Ratio, lim.RatioSource = assumedRatio, "assumed"
	}
	kind := c.kind(ctx)
	var w window
	switch kind {
	case ServerOllama:
		w = c.ollamaWindow(ctx, model, f)
	case ServerLlamaCpp:
		w = c.llamaCppWindow(ctx)
	case ServerVLLM:
		w = c.vllmWindow(ctx, model)
	case ServerLMStudio:
		w = c.lmStudioWindow(ctx, model)
	}
	if !f.measured() && kind != "" {
		c.calibrate(ctx, kind, model, f)
	}
	f.mu.Lock()
	if len(f.ratios) > 0 {
		lim.Ratio, lim.RatioSource = f.lim.Ratio, f.lim.RatioSource
	}
	f.mu.Unlock()
	lim.Trained = w.trained
	if w.size > 0 {
		lim.Window, lim.WindowSource, lim.Known = w.size, w.source, true
		if w.provisional {
			return lim, provisionalTTL
		}
		return lim, windowTTL
	}
	lim.Window, lim.Known = assumedWindow, false
	lim.WindowSource = "assumed (the server did not tell; set contextWindow)"
	if kind == "" {
		lim.WindowSource = "assumed (server not recognised or not answering; set contextWindow)"
	}
	if lim.Trained > 0 {
		lim.Window = min(lim.Window, lim.Trained)
	}
	return lim, failedTTL
}

// window is a context window as one server kind reports it.
type window struct {
	size        int
	trained     int
	source      string
	provisional bool // the model was not loaded: the running size may differ once it is
}

// kindRetry is how soon a server whose kind could not be told is asked again: the probe costs
// a few quick requests, and a llama.cpp still loading its model answers /props only after.
const kindRetry = 5 * time.Second

// kind returns the server kind, asking at most once a minute (every kindRetry while it is not
// recognised). Concurrent callers share one probe (serverKind, bounded at 2 s) that runs
// detached from their cancellation; a caller whose ctx ends first gets the kind known before.
func (c *Client) kind(ctx context.Context) string {
	k := c.know
	k.mu.Lock()
	kind, at := k.kind, k.kindAt
	if (kind != "" && time.Since(at) < windowTTL) || (kind == "" && !at.IsZero() && time.Since(at) < kindRetry && k.kindFlight == nil) {
		k.mu.Unlock()
		return kind
	}
	if k.kindFlight == nil {
		done := make(chan struct{})
		k.kindFlight = done
		go func(ctx context.Context) {
			kind, _ := c.serverKind(ctx)
			k.mu.Lock()
			if kind != "" {
				k.kind = kind // a failed probe (a busy server) does not forget a known kind
			}
			k.kindAt, k.kindFlight = time.Now(), nil
			k.mu.Unlock()
			close(done)
		}(context.WithoutCancel(ctx))
	}
	flight := k.kindFlight
	k.mu.Unlock()
	select {
	case <-flight:
	case <-ctx.Done():
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.kind
}

// ollamaWindow reads the running context size from /api/ps (what the runner was started with,
// which is what it truncates to), else the num_ctx parameter of the model or Ollama's default,
// capped by the trained length from /api/show. Ollama's OpenAI-compatible endpoints ignore
// options, so ragls cannot ask for a bigger num_ctx per request; it fits into what runs.
func (c *Client) ollamaWindow(ctx context.Context, model string, f *modelFacts) window {
	var w window
	var show struct {
		ModelInfo  map[string]any `json:"model_info"`
		Parameters string         `json:"parameters"`
	}
	if c.api2(ctx, http.MethodPost, "/api/show", map[string]any{"model": model}, &show) == nil {
		for k, v := range show.ModelInfo {
			if strings.HasSuffix(k, ".context_length") {
				if n, ok := v.(float64); ok {
					w.trained = int(n)
				}
			}
		}
	}
	running := func() bool {
		var ps struct {
			Models []struct {
				Name          string `json:"name"`
				Model         string `json:"model"`
				ContextLength int    `json:"context_length"`
			} `json:"models"`
		}
		if c.api2(ctx, http.MethodGet, "/api/ps", nil, &ps) != nil {
			return false
		}
		for _, m := range ps.Models {
			if (listed([]string{m.Name}, model) || listed([]string{m.Model}, model)) && m.ContextLength > 0 {
				w.size, w.source = m.ContextLength, "Ollama /api/ps (the running num_ctx)"
				return true
			}
		}
		return false
	}
	if running() {
		return w
	}
	// Not loaded yet: calibrating loads it (with the same default options a request would),
	// after which the running size is known.
	if !f.measured() {
		c.calibrate(ctx, ServerOllama, model, f)
		if running() {
			return w
		}
	}
	w.size, w.source, w.provisional = assumedWindow, "Ollama's default num_ctx (model not loaded yet)", true
	for _, line := range strings.Split(show.Parameters, "\n") {
		if fs := strings.Fields(line); len(fs) == 2 && fs[0] == "num_ctx" {
			if n, err := strconv.Atoi(fs[1]); err == nil && n > 0 {
				w.size, w.source = n, "the model's num_ctx parameter (model not loaded yet)"
			}
		}
	}
	if w.trained > 0 && w.trained < w.size {
		w.size = w.trained
		w.source = "Ollama /api/show trained context_length (model not loaded yet)"
	}
	return w
}

// llamaCppWindow reads n_ctx from /props: the context of one slot, which is what one request gets.
func (c *Client) llamaCppWindow(ctx context.Context) window {
	var props struct {
		Settings struct {
			NCtx int `json:"n_ctx"`
		} `json:"default_generation_settings"`
		NCtx int `json:"n_ctx"`
	}
	if c.api2(ctx, http.MethodGet, "/props", nil, &props) != nil {
		return window{}
	}
	if n := props.Settings.NCtx; n > 0 {
		return window{size: n, source: "llama.cpp /props n_ctx"}
	}
	if props.NCtx > 0 {
		return window{size: props.NCtx, source: "llama.cpp /props n_ctx"}
	}
	return window{}
}

// vllmWindow reads max_model_len from /v1/models.
func (c *Client) vllmWindow(ctx context.Context, model string) window {
	var list struct {
		Data []struct {
			ID          string `json:"id"`
			MaxModelLen int    `json:"max_model_len"`
		} `json:"data"`
	}
	if c.api2(ctx, http.MethodGet, "/v1/models", nil, &list) != nil {
		return window{}
	}
	for _, m := range list.Data {
		if m.ID == model && m.MaxModelLen > 0 {
			return window{size: m.MaxModelLen, source: "vLLM /v1/models max_model_len"}
		}
	}
	return window{}
}

// lmStudioWindow reads the loaded context length from LM Studio's /api/v0/models, or the
// model's maximum when it is not loaded yet.
func (c *Client) lmStudioWindow(ctx context.Context, model string) window {
	var list struct {
		Data []struct {
			ID            string `json:"id"`
			State         string `json:"state"`
			MaxContext    int    `json:"max_context_length"`
			LoadedContext int    `json:"loaded_context_length"`
		} `json:"data"`
	}
	if c.api2(ctx, http.MethodGet, "/api/v0/models", nil, &list) != nil {
		return window{}
	}
	for _, m := range list.Data {
		if m.ID != model {
			continue
		}
		if m.LoadedContext > 0 {
			return window{size: m.LoadedContext, trained: m.MaxContext, source: "LM Studio /api/v0/models loaded_context_length"}
		}
		if m.MaxContext > 0 {
			return window{size: m.MaxContext, trained: m.MaxContext, source: "LM Studio /api/v0/models max_context_length (not loaded)", provisional: true}
		}
	}
	return window{}
}

// calibrate measures the model's tokens for calibrationText: with the server's tokenizer where
// it has one (llama.cpp, vLLM), else from the usage of a one-token completion.
func (c *Client) calibrate(ctx context.Context, kind, model string, f *modelFacts) {
	cn, err := c.counter()
	if err != nil {
		return
	}
	raw := cn.raw(calibrationText)
	switch kind {
	case ServerLlamaCpp:
		var tok struct {
			Tokens []json.RawMessage `json:"tokens"`
		}
		if c.api2(ctx, http.MethodPost, "/tokenize", map[string]any{"content": calibrationText}, &tok) == nil && len(tok.Tokens) > 0 {
			f.observe(float64(len(tok.Tokens))/float64(raw), "llama.cpp /tokenize")
			return
		}
	case ServerVLLM:
		var tok struct {
			Count int `json:"count"`
		}
		if c.api2(ctx, http.MethodPost, "/tokenize", map[string]any{"model": model, "prompt": calibrationText}, &tok) == nil && tok.Count > 0 {
			f.observe(float64(tok.Count)/float64(raw), "vLLM /tokenize")
			return
		}
	}
	var resp struct {
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	body := map[string]any{"model": model, "prompt": calibrationText, "max_tokens": 1, "temperature": 0}
	if c.api2(ctx, http.MethodPost, "/v1/completions", body, &resp) == nil && resp.Usage.PromptTokens > 0 {
		f.observe(float64(resp.Usage.PromptTokens)/float64(raw), "a one-token probe's usage.prompt_tokens")
	}
}

// observeUsage refines a model's ratio from an answer's usage.prompt_tokens and the text sent.
func (c *Client) observeUsage(model string, sent []string, promptTokens int) {
	if promptTokens <= 0 {
		return
	}
	cn, err := c.counter()
	if err != nil {
		return
	}
	raw := 0
	for _, s := range sent {
		raw += cn.rawCounted(s)
	}
	if raw < minCalibrationTokens {
		return
	}
	c.know.facts(model).observe(float64(promptTokens)/float64(raw), "usage.prompt_tokens of recent answers")
}

// api2 calls a server endpoint outside the OpenAI API (on the host of the configured URL) and
// decodes its JSON answer into out.
func (c *Client) api2(ctx context.Context, method, path string, body, out any) error {
	ctx, cancel := context.WithTimeout(ctx, discoveryTimeout)
	defer cancel()
	root := strings.TrimSuffix(strings.TrimRight(c.cfg.BaseURL, "/"), "/v1")
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, root+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(out)
}

// Tokens estimates what s costs the model these limits describe, safety margin included.
func (l Limits) Tokens(c *Counter, s string) int {
	return int(math.Ceil(float64(c.rawCounted(s)) * l.Multiplier()))
}

// MinPromptRoom is the least a window must leave, after the answer and an action's fixed
// instructions, for the code and its context: below it prompts hold too little to be useful.
const MinPromptRoom = 256

// Room says how much of a window is left for code and context in model's prompts: the window
// minus maxTokens minus the longest fixed part of a prompt (an action's system prompt and
// message layout, or the FIM format). It asks the server like [Prompter.Limits].
func (p *Prompter) Room(model string, chat bool) (lim Limits, fixed, room int) {
	lim = p.Limits(context.Background(), model)
	cn := p.counter
	if chat {
		for _, a := range Actions() {
			var sb, ub bytes.Buffer
			d := p.data(a, ActionInput{Language: "go", Path: "a.go", Code: "x"})
			if p.tmpl[a].Execute(&sb, d) != nil || p.tmpl["user"].Execute(&ub, d) != nil {
				continue
			}
			fixed = max(fixed, lim.Tokens(cn, sb.String()+ub.String())+2*chatOverhead)
		}
	} else {
		fam := FamilyForModel(model, p.cfg.FIM)
		fixed = lim.Tokens(cn, fam.overhead(FIMInput{Path: "a.go", Language: "go"}))
		if fam == FamilyChat {
			var sb bytes.Buffer
			if p.tmpl["complete"].Execute(&sb, p.data("complete", ActionInput{Language: "go", Path: "a.go"})) == nil {
				fixed = lim.Tokens(cn, sb.String()) + 2*chatOverhead
			}
		}
	}
	return lim, fixed, lim.Window - p.cfg.MaxTokens - fixed
}
