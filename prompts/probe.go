package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"
)

// Server kinds [Client.Probe] can recognise.
const (
	ServerOllama   = "Ollama"
	ServerLlamaCpp = "llama.cpp"
	ServerLMStudio = "LM Studio"
	ServerVLLM     = "vLLM"
)

// ProbeResult is what `ragls doctor` reports about the model server.
type ProbeResult struct {
	URL       string
	Reachable bool
	Err       error    // why listing models failed (a *ModelError); nil if it worked
	Server    string   // one of the Server* constants, "" if not recognised
	Version   string   // the server's version, when it tells
	Models    []string // what the server lists
	Checks    []ModelCheck
}

// ModelCheck is one configured model answering a one-token request.
type ModelCheck struct {
	Role    string // "chat", "completion" or "embedding"
	Model   string
	Listed  bool          // the server's model list names it (Ollama lists "name:tag")
	Latency time.Duration // round trip of the one-token request
	Err     error         // nil if it answered
}

// OK reports whether the server answered and every configured model did too.
func (r ProbeResult) OK() bool {
	if !r.Reachable || r.Err != nil {
		return false
	}
	for _, c := range r.Checks {
		if c.Err != nil {
			return false
		}
	}
	return true
}

// Probe checks the server the way `ragls doctor` needs: is it there, what is it, what does it
// serve, and does each configured model answer (with latency). It never returns early on a failed
// model, so the report is complete; each failure is a *ModelError carrying its fix. Recognising the
// server is best effort: only well-known endpoints on the configured host are asked. The
// embedding model is checked only when embeddings is set: with the built-in embedder (the
// default) ragls never asks for it, so its absence is no problem.
func (c *Client) Probe(ctx context.Context, embeddings bool) ProbeResult {
	r := ProbeResult{URL: c.cfg.BaseURL}
	names, err := c.Models(ctx)
	if err != nil {
		r.Err = err
		r.Reachable = !errors.Is(err, KindUnreachable) && !errors.Is(err, KindTimeout) && !errors.Is(err, KindCanceled)
		if !r.Reachable {
			return r
		}
	} else {
		r.Reachable = true
		r.Models = names
	}
	r.Server, r.Version = c.serverKind(ctx)

	type check struct {
		role  role
		model string
		run   func(context.Context) error
	}
	temp := float32(0)
	checks := []check{
		{roleChat, c.cfg.ChatModel, func(ctx context.Context) error {
			_, err := c.chat(ctx, ChatRequest{Messages: []Message{{Role: RoleUser, Content: "Say OK."}}, MaxTokens: 1, Temperature: &temp}, nil, true)
			return err
		}},
		{roleCompletion, c.cfg.CompletionModel, func(ctx context.Context) error {
			_, err := c.Complete(ctx, CompletionRequest{Prompt: "package main\n\nfunc main() {", MaxTokens: 1, Temperature: &temp}, nil)
			return err
		}},
		{roleEmbedding, c.cfg.EmbeddingModel, func(ctx context.Context) error {
			_, err := c.Embed(ctx, []string{"ragls"})
			return err
		}},
	}
	for _, ch := range checks {
		if ch.model == "" || (ch.role == roleEmbedding && !embeddings) {
			continue
		}
		mc := ModelCheck{Role: ch.role.String(), Model: ch.model, Listed: listed(names, ch.model)}
		start := time.Now()
		mc.Err = ch.run(ctx)
		mc.Latency = time.Since(start)
		r.Checks = append(r.Checks, mc)
	}
	return r
}

// listed reports whether the model list names model, allowing Ollama's implicit ":latest".
func listed(names []string, model string) bool {
	for _, n := range names {
		if n == model || n == model+":latest" || strings.TrimSuffix(n, ":latest") == model {
			return true
		}
	}
	return false
}

// serverKind asks the endpoints that only one kind of server has: Ollama's /api/version,
// llama.cpp's /props, vLLM's /version and LM Studio's /api/v0/models, all on the configured host.
func (c *Client) serverKind(ctx context.Context) (kind, version string) {
	root := strings.TrimSuffix(strings.TrimRight(c.cfg.BaseURL, "/"), "/v1")
	// One bound for all the questions: a server that accepts and never answers costs 2 s once.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	get := func(path string) map[string]any {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+path, nil)
		if err != nil {
			return nil
		}
		if c.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		var m map[string]any
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&m) != nil {
			return nil
		}
		return m
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	if m := get("/api/version"); m != nil && str(m, "version") != "" {
		return ServerOllama, str(m, "version")
	}
	if m := get("/props"); m != nil {
		if _, ok := m["default_generation_settings"]; ok {
			return ServerLlamaCpp, str(m, "build_info")
		}
	}
	if m := get("/version"); m != nil && str(m, "version") != "" {
		return ServerVLLM, str(m, "version")
	}
	if m := get("/api/v0/models"); m != nil {
		if _, ok := m["data"]; ok {
			return ServerLMStudio, ""
		}
	}
	return "", ""
}
