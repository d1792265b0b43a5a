package prompts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// llama.cpp's server has a native fill-in-the-middle endpoint, /infill, that formats the FIM
// prompt with the model's own special tokens and takes the repository context as separate
// chunks (input_extra). With cache_prompt it keeps the evaluated prompt in its slot and, on the
// next keystroke, evaluates only what changed after the longest common prefix: the context
// chunks come first and stay byte-identical across keystrokes, so typing costs the tokens
// around the cursor instead of the whole window. go-openai has no passthrough for these
// fields, hence this small direct call.

// infillRequest is the body of llama.cpp's POST /infill.
type infillRequest struct {
	InputPrefix string        `json:"input_prefix"`
	InputSuffix string        `json:"input_suffix"`
	InputExtra  []infillChunk `json:"input_extra"`
	NPredict    int           `json:"n_predict"`
	Stop        []string      `json:"stop"`
	Temperature float32       `json:"temperature"`
	CachePrompt bool          `json:"cache_prompt"`
	// TMaxPredictMS makes the server itself stop generating (after a newline) once the
	// completion's deadline has passed, rather than computing tokens nobody will read.
	TMaxPredictMS int64  `json:"t_max_predict_ms"`
	Stream        bool   `json:"stream"`
	Model         string `json:"model,omitempty"`
	Seed          *int   `json:"seed,omitempty"`
}

type infillChunk struct {
	Filename string `json:"filename"`
	Text     string `json:"text"`
}

// infillAnswer is the part of llama.cpp's answer ragls reads.
type infillAnswer struct {
	Content *string `json:"content"`
}

// usesInfill reports whether p goes to llama.cpp's /infill: a FIM prompt (the chat fallback
// has no hole to fill) on a server known to be llama.cpp. While the kind is not known yet (the
// first completion, before any discovery has answered), the probe is waited for, briefly: its
// requests are bounded at 2 s together and answer in milliseconds on a local server, and
// without it the first completions on llama.cpp would miss /infill and its prompt cache.
func (c *Client) usesInfill(ctx context.Context, p Prompt) bool {
	if p.Messages != nil || p.fim == nil {
		return false
	}
	return c.kind(ctx) == ServerLlamaCpp
}

// infill sends p to llama.cpp's /infill and returns the generated text, handing it to onDelta
// (if non-nil) once, as the answer is not streamed.
func (c *Client) infill(ctx context.Context, p Prompt, onDelta func(string)) (string, error) {
	model := pick(p.Model, c.cfg.CompletionModel)
	maxTokens := pickInt(p.MaxTokens, c.cfg.MaxTokens)
	overall, st := c.stagesFor(roleCompletion, false, maxTokens)
	temp := c.cfg.Temperature
	if p.Temperature != nil {
		temp = *p.Temperature
	}
	body := infillRequest{
		InputPrefix:   p.fim.Prefix,
		InputSuffix:   p.fim.Suffix,
		InputExtra:    make([]infillChunk, 0, len(p.fim.Files)),
		NPredict:      maxTokens,
		Stop:          pickStop(p.Stop, c.cfg.Stop),
		Temperature:   temp,
		Seed:          p.Seed,
		CachePrompt:   true,
		TMaxPredictMS: max(overall.Milliseconds(), 1),
		Model:         model,
	}
	for _, f := range p.fim.Files {
		body.InputExtra = append(body.InputExtra, infillChunk{Filename: f.Path, Text: withNewline(f.Text)})
	}
	data, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("llama.cpp /infill request: %w", err)
	}
	root := strings.TrimSuffix(strings.TrimRight(c.cfg.BaseURL, "/"), "/v1")
	capBytes := answerCap(maxTokens)
	var out string
	err = c.do(ctx, roleCompletion, model, "/infill", nil, overall, st, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, root+"/infill", bytes.NewReader(data))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if c.cfg.APIKey != "" {
			req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			msg := errorMessage(raw)
			return &ModelError{Kind: statusKind(resp.StatusCode, msg), Status: resp.StatusCode, Msg: msg}
		}
		var a infillAnswer
		if err := json.Unmarshal(raw, &a); err != nil {
			return &ModelError{Kind: KindMalformed, Status: resp.StatusCode, Msg: "llama.cpp /infill answered " + oneLine(cutAt(string(raw), 200)), Err: err}
		}
		if a.Content == nil {
			return &ModelError{Kind: KindMalformed, Status: resp.StatusCode, Msg: "llama.cpp /infill answer has no content"}
		}
		out = cutAt(*a.Content, capBytes)
		return nil
	})
	if err != nil {
		return "", err
	}
	if onDelta != nil && out != "" {
		onDelta(out)
	}
	return out, nil
}
