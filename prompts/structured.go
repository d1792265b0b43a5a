package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Result is the well-formed answer of a code-producing action. Which fields are set depends on
// the action: document sets Doc; refactor and fix set Code and usually Explanation; test sets
// Path (may be "" if the model proposed none) and Code.
type Result struct {
	Action      string
	Code        string
	Explanation string
	Doc         string
	Path        string
	// Source says how the answer was obtained: "json" (first try), "repaired" (after one repair
	// round) or "fence" (the JSON failed twice and a fenced code block was used instead).
	Source string
}

// schemas are the JSON shapes the code-producing actions ask for. They are strict (no extra
// fields, all required) so a server with constrained decoding cannot produce anything else.
var schemas = map[string]string{
	ActionDocument: `{"type":"object","properties":{"doc":{"type":"string"}},"required":["doc"],"additionalProperties":false}`,
	ActionRefactor: `{"type":"object","properties":{"code":{"type":"string"},"explanation":{"type":"string"}},"required":["code","explanation"],"additionalProperties":false}`,
	ActionFix:      `{"type":"object","properties":{"code":{"type":"string"},"explanation":{"type":"string"}},"required":["code","explanation"],"additionalProperties":false}`,
	ActionTest:     `{"type":"object","properties":{"path":{"type":"string"},"code":{"type":"string"}},"required":["path","code"],"additionalProperties":false}`,
}

// SchemaFor returns the JSON schema an action's answer must follow, or nil for prose actions
// (explain, chat).
func SchemaFor(action string) *Schema {
	s, ok := schemas[action]
	if !ok {
		return nil
	}
	return &Schema{Name: "ragls_" + action, Schema: json.RawMessage(s)}
}

// Structured runs a code-producing action (document, refactor, fix, test) with messages from
// [Prompter.Render] and returns a validated [Result] or an error; never a half-parsed answer.
//
// It asks for the action's JSON schema through response_format. If the server rejects
// response_format (older servers answer 400), it asks again without it, relying on the prompt's
// own format instructions. An answer that does not parse or lacks a required field gets one repair
// round: the bad answer and what is wrong with it go back to the model. If that fails too, a fenced
// code block in either answer is used. Otherwise the error says what the model sent.
func (c *Client) Structured(ctx context.Context, action string, msgs []Message) (Result, error) {
	schema := SchemaFor(action)
	if schema == nil {
		return Result{}, fmt.Errorf("action %q does not produce code; use Chat for it", action)
	}
	temp := float32(0) // a format to follow, not prose to vary
	req := ChatRequest{Messages: msgs, Schema: schema, Temperature: &temp}
	res, err := c.Chat(ctx, req, nil)
	if err != nil && errors.Is(err, KindBadRequest) && mentionsResponseFormat(err) {
		req.Schema = nil
		res, err = c.Chat(ctx, req, nil)
	}
	if err != nil {
		return Result{}, err
	}
	first := res.Text
	out, verr := parseResult(action, first)
	if verr == nil {
		out.Source = "json"
		return out, nil
	}

	req.Messages = append(append([]Message(nil), msgs...),
		Message{Role: RoleAssistant, Content: first},
		Message{Role: RoleUser, Content: fmt.Sprintf("That answer is not usable: %v. Reply again with only the JSON object of the shape the instructions give, and nothing else.", verr)})
	res, repairErr := c.Chat(ctx, req, nil)
	if repairErr == nil {
		if out, err := parseResult(action, res.Text); err == nil {
			out.Source = "repaired"
			return out, nil
		}
	} else if ctx.Err() != nil {
		return Result{}, repairErr
	}
	for _, text := range []string{res.Text, first} {
		if code, ok := fencedBlock(text); ok && strings.TrimSpace(code) != "" {
			out := Result{Action: action, Source: "fence"}
			if action == ActionDocument {
				out.Doc = code
			} else {
				out.Code = code
			}
			return out, nil
		}
	}
	if repairErr != nil && !errors.Is(repairErr, KindEmpty) && !errors.Is(repairErr, KindRefusal) {
		return Result{}, repairErr // the server failed, not the model's format
	}
	kind := KindMalformed
	if looksLikeRefusal(first) {
		kind = KindRefusal
	}
	model := c.cfg.ChatModel
	return Result{}, &ModelError{Kind: kind, URL: c.url("/chat/completions"), Model: model,
		Msg: fmt.Sprintf("no usable %s answer after a repair round (%v); the model said: %s", action, verr, oneLine(first)),
		Fix: c.fix(kind, model, roleChat)}
}

func mentionsResponseFormat(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "response_format") || strings.Contains(s, "json_schema") || strings.Contains(s, "response format")
}

// parseResult decodes and validates an answer. Models without constrained decoding often wrap
// the JSON in a fence or add a sentence around it, so the outermost {...} is tried too.
func parseResult(action, text string) (Result, error) {
	var fields struct {
		Code        *string `json:"code"`
		Explanation *string `json:"explanation"`
		Doc         *string `json:"doc"`
		Path        *string `json:"path"`
	}
	candidates := []string{strings.TrimSpace(text)}
	if block, ok := fencedBlock(text); ok {
		candidates = append(candidates, block)
	}
	if i, j := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}'); i >= 0 && j > i {
		candidates = append(candidates, text[i:j+1])
	}
	var decodeErr error
	decoded := false
	for _, cand := range candidates {
		if err := json.Unmarshal([]byte(cand), &fields); err != nil {
			if decodeErr == nil {
				decodeErr = err
			}
			continue
		}
		decoded = true
		break
	}
	if !decoded {
		if strings.TrimSpace(text) == "" {
			return Result{}, errors.New("it is empty")
		}
		return Result{}, fmt.Errorf("it is not a JSON object (%v)", decodeErr)
	}
	r := Result{Action: action}
	need := func(name string, v *string) (string, error) {
		if v == nil || strings.TrimSpace(*v) == "" {
			return "", fmt.Errorf("the %q field is missing or empty", name)
		}
		return *v, nil
	}
	var err error
	switch action {
	case ActionDocument:
		r.Doc, err = need("doc", fields.Doc)
	case ActionTest:
		r.Code, err = need("code", fields.Code)
		if fields.Path != nil {
			r.Path = strings.TrimSpace(*fields.Path)
		}
	default:
		r.Code, err = need("code", fields.Code)
		if fields.Explanation != nil {
			r.Explanation = strings.TrimSpace(*fields.Explanation)
		}
	}
	return r, err
}

// fencedBlock returns the body of the first Markdown code fence in text: an opening line of three
// or more backticks (and an optional info string), closed by a line of at least as many. A fence
// that never closes (an answer cut by max tokens) yields everything after its opening line.
func fencedBlock(text string) (string, bool) {
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		open := strings.TrimSpace(line)
		n := len(open) - len(strings.TrimLeft(open, "`"))
		if n < 3 || strings.Contains(open[n:], "`") {
			continue
		}
		var body strings.Builder
		for _, l := range lines[i+1:] {
			t := strings.TrimSpace(l)
			if m := len(t) - len(strings.TrimLeft(t, "`")); m >= n && m == len(t) {
				return strings.TrimSuffix(body.String(), "\n"), true
			}
			body.WriteString(l)
		}
		return strings.TrimSuffix(body.String(), "\n"), true
	}
	return "", false
}

func looksLikeRefusal(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"i'm sorry", "i am sorry", "i cannot", "i can't", "i can not", "as an ai"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
