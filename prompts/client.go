package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Client talks to one OpenAI-compatible model server (Ollama, llama.cpp's server, LM Studio,
// vLLM) as configured. It is safe for concurrent use. Every method takes the caller's context all
// the way to the HTTP request: cancelling it closes the connection, which is how local servers
// learn to stop generating, and no token is read or delivered after that.
//
// The wire work is done by go-openai; see guard for what it could not do and how that is handled.
type Client struct {
	cfg     Config
	api     *openai.Client
	http    *http.Client  // guarded; for the few calls go-openai does not offer (probing)
	backoff time.Duration // delay before the first retry, doubled for the second
	know    *knowledge    // what the server said about its models
	counter func() (*Counter, error)
}

// maxRetries bounds how often a safe failure is retried (so at most maxRetries+1 attempts).
const maxRetries = 2

// timeoutCause is the cancellation cause of the per-call deadline, which tells our own
// timeout apart from the caller's and says which it was.
type timeoutCause struct {
	d time.Duration
	r role
}

func (t *timeoutCause) Error() string { return "model request timed out after " + t.d.String() }

// NewClient returns a client for cfg. httpClient may be nil for a default one; it is not modified
// (its Transport is wrapped in a copy). Its Timeout should be zero: cfg.Timeout bounds each call,
// streaming included.
func NewClient(cfg Config, httpClient *http.Client) *Client {
	var hc http.Client
	if httpClient != nil {
		hc = *httpClient
	}
	base := hc.Transport
	if base == nil {
		base = defaultTransport()
	}
	hc.Transport = guard{base: base}
	oc := openai.DefaultConfig(cfg.APIKey)
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	oc.HTTPClient = &hc
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), http: &hc, backoff: 250 * time.Millisecond,
		know: &knowledge{}, counter: sync.OnceValues(NewCounter)}
}

// Config returns the settings the client was made with.
func (c *Client) Config() Config { return c.cfg }

// Message roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string
}

// Schema names a JSON schema the answer must follow; it is sent as response_format json_schema,
// which Ollama (as "format"), llama.cpp, LM Studio and vLLM all turn into constrained decoding.
type Schema struct {
	Name   string
	Schema json.RawMessage
}

// ChatRequest is one chat completion. Zero fields take the client's Config.
type ChatRequest struct {
	Messages    []Message
	Model       string   // "" = Config.ChatModel
	MaxTokens   int      // 0 = Config.MaxTokens
	Temperature *float32 // nil = Config.Temperature
	Stop        []string // nil = Config.Stop
	Schema      *Schema  // nil = free text
	Seed        *int     // nil = the server's choice
}

// ChatResult is a finished chat completion.
type ChatResult struct {
	Text         string
	Model        string // as the server reported it
	FinishReason string // "stop", "length", ... ("" if the server sent none)
}

// Chat runs a chat completion. With onDelta non-nil the answer is streamed and onDelta is called,
// in the caller's goroutine, with each piece as it arrives; the result still carries the whole
// text. An answer that is empty or a refusal is an error (KindEmpty, KindRefusal).
func (c *Client) Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResult, error) {
	return c.chat(ctx, req, onDelta, false)
}

func (c *Client) chat(ctx context.Context, req ChatRequest, onDelta func(string), allowEmpty bool) (ChatResult, error) {
	model := pick(req.Model, c.cfg.ChatModel)
	oreq := openai.ChatCompletionRequest{
		Model:  model,
		Stop:   pickStop(req.Stop, c.cfg.Stop),
		Stream: onDelta != nil,
		Seed:   req.Seed,
	}
	if oreq.Stream {
		// The usage tells how many tokens the prompt really cost: see observeUsage.
		oreq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	maxTokens := pickInt(req.MaxTokens, c.cfg.MaxTokens)
	sent := make([]string, 0, len(req.Messages))
	for _, m := range req.Messages {
		oreq.Messages = append(oreq.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
		sent = append(sent, m.Content)
	}
	promptTokens := 0
	if req.Schema != nil {
		oreq.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type: openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{
				Name:   req.Schema.Name,
				Schema: req.Schema.Schema,
				Strict: true,
			},
		}
	}
	temp := c.cfg.Temperature
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	var res ChatResult
	var refusal string
	delivered := false
	capBytes := answerCap(maxTokens)
	overall, st := c.stagesFor(roleChat, oreq.Stream, maxTokens)
	err := c.do(ctx, roleChat, model, "/chat/completions", &delivered, overall, st, func(ctx context.Context) error {
		// max_tokens goes around go-openai too: its client-side check for OpenAI's reasoning
		// models refuses max_tokens for any model whose name starts with "o1", "o3", "gpt-5"...,
		// which a local model may well be called.
		ctx = withBodyFields(ctx, map[string]any{"temperature": temp, "max_tokens": maxTokens})
		if onDelta == nil {
			resp, err := c.api.CreateChatCompletion(ctx, oreq)
			if err != nil {
				return err
			}
			if len(resp.Choices) == 0 {
				return &ModelError{Kind: KindMalformed, Msg: "the answer has no choices"}
			}
			promptTokens = resp.Usage.PromptTokens
			m := resp.Choices[0].Message
			res = ChatResult{Text: m.Content, Model: resp.Model, FinishReason: string(resp.Choices[0].FinishReason)}
			if len(res.Text) > capBytes {
				res.Text, res.FinishReason = cutAt(res.Text, capBytes), "length"
			}
			refusal = m.Refusal
			return nil
		}
		stream, err := c.api.CreateChatCompletionStream(ctx, oreq)
		if err != nil {
			return err
		}
		defer stream.Close()
		var b strings.Builder
		for {
			chunk, err := stream.Recv()
			if ctx.Err() != nil {
				return ctx.Err() // never deliver after cancellation, whatever was buffered
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if errors.Is(err, KindTruncated) && res.FinishReason != "" {
					break // the server said it finished and only the [DONE] line is missing
				}
				return err
			}
			res.Model = pick(chunk.Model, res.Model)
			if chunk.Usage != nil && chunk.Usage.PromptTokens > 0 {
				promptTokens = chunk.Usage.PromptTokens
			}
			if len(chunk.Choices) == 0 {
				continue // e.g. a usage-only chunk
			}
			ch := chunk.Choices[0]
			if ch.FinishReason != "" {
				res.FinishReason = string(ch.FinishReason)
			}
			refusal += ch.Delta.Refusal
			if piece := ch.Delta.Content; piece != "" {
				full := b.Len()+len(piece) >= capBytes
				if full {
					piece = cutAt(piece, capBytes-b.Len())
				}
				b.WriteString(piece)
				delivered = true
				onDelta(piece)
				if full {
					// More than max_tokens can produce: the answer is cut as max_tokens would.
					res.FinishReason = "length"
					break
				}
			}
		}
		res.Text = b.String()
		return nil
	})
	if err != nil {
		return res, err
	}
	c.observeUsage(model, sent, promptTokens)
	url := c.url("/chat/completions")
	switch {
	case refusal != "":
		return res, &ModelError{Kind: KindRefusal, URL: url, Model: model, Msg: oneLine(refusal), Fix: c.fix(KindRefusal, model, roleChat)}
	case !allowEmpty && strings.TrimSpace(res.Text) == "":
		return res, &ModelError{Kind: KindEmpty, URL: url, Model: model, Msg: "finish reason " + pick(res.FinishReason, "none"), Fix: c.fix(KindEmpty, model, roleChat)}
	}
	return res, nil
}

// CompletionRequest is one text completion on /v1/completions, the endpoint for fill-in-the-middle.
// Zero fields take the client's Config.
type CompletionRequest struct {
	Prompt      string   // usually a FIM prompt from [Prompter.BuildCompletion]
	Suffix      string   // for servers that build the FIM prompt themselves; "" when Prompt has it
	Model       string   // "" = Config.CompletionModel
	MaxTokens   int      // 0 = Config.MaxTokens
	Temperature *float32 // nil = Config.Temperature
	Stop        []string // nil = Config.Stop
	Seed        *int     // nil = the server's choice; a fixed seed makes a sampled answer reproducible
	// N asks for that many answers in one request (not streamed); servers that ignore it
	// (Ollama, llama.cpp's OpenAI endpoint) answer one. See [Client.CompleteN].
	N int
}

// Complete runs a text completion and returns the generated text, streaming it to onDelta if that
// is non-nil. An empty completion is not an error: at some cursor positions nothing is the right
// answer.
func (c *Client) Complete(ctx context.Context, req CompletionRequest, onDelta func(string)) (string, error) {
	req.N = 0
	outs, err := c.complete(ctx, req, onDelta)
	if len(outs) == 0 {
		return "", err
	}
	return outs[0], err
}

// CompleteN runs a text completion asking for req.N answers in one request, and returns those
// the server gave, in its order: as many as asked where the server honours n (vLLM), one
// where it does not.
func (c *Client) CompleteN(ctx context.Context, req CompletionRequest) ([]string, error) {
	return c.complete(ctx, req, nil)
}

func (c *Client) complete(ctx context.Context, req CompletionRequest, onDelta func(string)) ([]string, error) {
	model := pick(req.Model, c.cfg.CompletionModel)
	oreq := openai.CompletionRequest{
		Model:     model,
		Prompt:    req.Prompt,
		Suffix:    req.Suffix,
		MaxTokens: pickInt(req.MaxTokens, c.cfg.MaxTokens),
		Stop:      pickStop(req.Stop, c.cfg.Stop),
		Stream:    onDelta != nil,
		Seed:      req.Seed,
	}
	if req.N > 1 && onDelta == nil {
		oreq.N = req.N
	}
	if oreq.Stream {
		oreq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	temp := c.cfg.Temperature
	if req.Temperature != nil {
		temp = *req.Temperature
	}
	var outs []string
	promptTokens := 0
	delivered := false
	capBytes := answerCap(oreq.MaxTokens)
	overall, st := c.stagesFor(roleCompletion, oreq.Stream, oreq.MaxTokens)
	err := c.do(ctx, roleCompletion, model, "/completions", &delivered, overall, st, func(ctx context.Context) error {
		ctx = withBodyFields(ctx, map[string]any{"temperature": temp})
		if onDelta == nil {
			resp, err := c.api.CreateCompletion(ctx, oreq)
			if err != nil {
				return err
			}
			if len(resp.Choices) == 0 {
				return &ModelError{Kind: KindMalformed, Msg: "the answer has no choices"}
			}
			if resp.Usage != nil {
				promptTokens = resp.Usage.PromptTokens
			}
			choices := resp.Choices
			sort.SliceStable(choices, func(i, j int) bool { return choices[i].Index < choices[j].Index })
			outs = outs[:0]
			for _, ch := range choices {
				outs = append(outs, cutAt(ch.Text, capBytes))
			}
			return nil
		}
		stream, err := c.api.CreateCompletionStream(ctx, oreq)
		if err != nil {
			return err
		}
		defer stream.Close()
		var b strings.Builder
		finished := false
		for {
			chunk, err := stream.Recv()
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				if errors.Is(err, KindTruncated) && finished {
					break
				}
				return err
			}
			if chunk.Usage != nil && chunk.Usage.PromptTokens > 0 {
				promptTokens = chunk.Usage.PromptTokens
			}
			if len(chunk.Choices) == 0 {
				continue
			}
			ch := chunk.Choices[0]
			finished = finished || ch.FinishReason != ""
			if piece := ch.Text; piece != "" {
				full := b.Len()+len(piece) >= capBytes
				if full {
					piece = cutAt(piece, capBytes-b.Len())
				}
				b.WriteString(piece)
				delivered = true
				onDelta(piece)
				if full {
					break
				}
			}
		}
		outs = []string{b.String()}
		return nil
	})
	if err == nil {
		c.observeUsage(model, []string{req.Prompt, req.Suffix}, promptTokens)
	}
	return outs, err
}

// embedBatch bounds how many texts go into one request; servers have request size limits and
// a failed batch then costs less to repeat.
const embedBatch = 64

// Embed returns one vector per text, in order, from Config.EmbeddingModel.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	model := c.cfg.EmbeddingModel
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += embedBatch {
		batch := texts[start:min(start+embedBatch, len(texts))]
		var vecs [][]float32
		overall, st := c.stagesFor(roleEmbedding, false, 0)
		err := c.do(ctx, roleEmbedding, model, "/embeddings", nil, overall, st, func(ctx context.Context) error {
			resp, err := c.api.CreateEmbeddings(ctx, openai.EmbeddingRequest{Input: batch, Model: openai.EmbeddingModel(model)})
			if err != nil {
				return err
			}
			if len(resp.Data) != len(batch) {
				return &ModelError{Kind: KindMalformed, Msg: "asked for " + itoa(len(batch)) + " embeddings, got " + itoa(len(resp.Data))}
			}
			data := resp.Data
			sort.SliceStable(data, func(i, j int) bool { return data[i].Index < data[j].Index })
			vecs = make([][]float32, len(data))
			for i, d := range data {
				if len(d.Embedding) == 0 || (i > 0 && len(d.Embedding) != len(vecs[0])) {
					return &ModelError{Kind: KindMalformed, Msg: "embedding " + itoa(i) + " is empty or of another dimension"}
				}
				vecs[i] = d.Embedding
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, vecs...)
	}
	return out, nil
}

// Models lists the model names the server offers.
func (c *Client) Models(ctx context.Context) ([]string, error) {
	var names []string
	overall, st := c.stagesFor(roleNone, false, 0)
	err := c.do(ctx, roleNone, "", "/models", nil, overall, st, func(ctx context.Context) error {
		list, err := c.api.ListModels(ctx)
		if err != nil {
			return err
		}
		names = names[:0]
		for _, m := range list.Models {
			names = append(names, m.ID)
		}
		return nil
	})
	return names, err
}

// do runs one logical call under Config.Timeout, retrying bounded and with backoff when that is
// safe: the failure is retryable (see ModelError.retryable) and no token has reached the caller
// (*delivered, nil for calls that do not stream).
//
// overall bounds the whole call (0: no bound, for streams, which st's idle timeout watches);
// st are the limits of each HTTP exchange.
func (c *Client) do(ctx context.Context, r role, model, path string, delivered *bool, overall time.Duration, st stages, call func(context.Context) error) error {
	if overall > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, overall, &timeoutCause{overall, r})
		defer cancel()
	}
	ctx = withStages(ctx, st)
	url := c.url(path)
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		if err == nil {
			return nil
		}
		me := c.classify(ctx, err, url, model, r)
		if attempt >= maxRetries || !me.retryable() || (delivered != nil && *delivered) {
			return me
		}
		// A completion is asked for on a keystroke: with the server down, waiting for retries
		// only delays the empty answer, and the next keystroke asks again anyway.
		if r == roleCompletion && me.Kind == KindUnreachable {
			return me
		}
		t := time.NewTimer(c.backoff << attempt)
		select {
		case <-ctx.Done():
			t.Stop()
			return c.classify(ctx, ctx.Err(), url, model, r)
		case <-t.C:
		}
	}
}

// stagesFor returns the overall deadline and the per-exchange limits of a call.
func (c *Client) stagesFor(r role, stream bool, maxTokens int) (time.Duration, stages) {
	t := c.cfg.Timeouts.withDefaults()
	switch {
	case r == roleCompletion:
		d := min(t.Completion, c.cfg.Timeout)
		st := stages{firstByte: d, maxBody: int64(answerCap(maxTokens))*8 + 64<<10, stream: stream, completion: true}
		if stream {
			st.idle, st.maxBody = t.Idle, int64(maxTokens+64)*2048
		}
		return d, st
	case stream:
		return 0, stages{firstByte: min(t.FirstByte, c.cfg.Timeout), idle: t.Idle, maxBody: int64(maxTokens+64) * 2048, stream: true}
	case r == roleChat:
		return c.cfg.Timeout, stages{firstByte: c.cfg.Timeout, maxBody: int64(answerCap(maxTokens))*8 + 64<<10}
	}
	// Embeddings and model lists: their size follows from what was sent, not max_tokens.
	return c.cfg.Timeout, stages{firstByte: c.cfg.Timeout}
}

// cutAt returns the longest prefix of s of at most n bytes that does not split a rune.
func cutAt(s string, n int) string {
	if n >= len(s) {
		return s
	}
	if n <= 0 {
		return ""
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

func (c *Client) url(path string) string { return strings.TrimRight(c.cfg.BaseURL, "/") + path }

func pick(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func pickInt(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}

func pickStop(s, def []string) []string {
	if s != nil {
		return s
	}
	return def
}

func itoa(n int) string { return strconv.Itoa(n) }
