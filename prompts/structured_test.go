package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestStructuredRequestsSchema(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatJSON(`{"code":"return 1","explanation":"added return"}`))
	})
	res, err := f.client().Structured(context.Background(), ActionFix, []Message{{Role: RoleUser, Content: "fix"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != "return 1" || res.Explanation != "added return" || res.Source != "json" || res.Action != ActionFix {
		t.Errorf("result %+v", res)
	}
	b := f.requests()[0].Body
	rf, _ := b["response_format"].(map[string]any)
	js, _ := rf["json_schema"].(map[string]any)
	if rf["type"] != "json_schema" || js["name"] != "ragls_fix" || js["strict"] != true {
		t.Fatalf("response_format = %v", b["response_format"])
	}
	schema, _ := json.Marshal(js["schema"])
	if !strings.Contains(string(schema), `"required":["code","explanation"]`) {
		t.Errorf("schema = %s", schema)
	}
	if b["temperature"] != 0.0 || b["stream"] != false {
		t.Errorf("temperature %v stream %v", b["temperature"], b["stream"])
	}
}

func TestStructuredRecovery(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		answers []string // one per request
		want    Result
		kind    ErrorKind // if an error is expected
	}{
		{"fenced JSON", ActionDocument, []string{"```json\n{\"doc\": \"// F does x.\"}\n```"}, Result{Doc: "// F does x.", Source: "json"}, 0},
		{"JSON with chatter", ActionTest, []string{"Sure! {\"path\": \"a_test.go\", \"code\": \"package a\"} Hope it helps."}, Result{Path: "a_test.go", Code: "package a", Source: "json"}, 0},
		{"repaired", ActionRefactor, []string{"here is code", `{"code":"y()","explanation":"renamed"}`}, Result{Code: "y()", Explanation: "renamed", Source: "repaired"}, 0},
		{"missing field, repaired", ActionFix, []string{`{"explanation":"x"}`, `{"code":"z","explanation":"x"}`}, Result{Code: "z", Explanation: "x", Source: "repaired"}, 0},
		{"fence fallback", ActionFix, []string{"Use this:\n```go\nreturn nil\n```", "still not JSON"}, Result{Code: "return nil", Source: "fence"}, 0},
		{"fence fallback for doc", ActionDocument, []string{"no", "```go\n// F does x.\n```"}, Result{Doc: "// F does x.", Source: "fence"}, 0},
		{"garbage twice", ActionFix, []string{"no idea", "still no idea"}, Result{}, KindMalformed},
		{"refusal text", ActionTest, []string{"I'm sorry, I cannot help with that.", "I cannot."}, Result{}, KindRefusal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, 200, chatJSON(tt.answers[min(n, len(tt.answers))-1]))
			})
			res, err := f.client().Structured(context.Background(), tt.action, []Message{{Role: RoleUser, Content: "go"}})
			if tt.kind != 0 {
				if !errors.Is(err, tt.kind) {
					t.Fatalf("err = %v, want %v", err, tt.kind)
				}
				if !strings.Contains(err.Error(), tt.answers[0][:5]) {
					t.Errorf("error does not quote the answer: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Action = tt.action
			if res != tt.want {
				t.Errorf("got %+v, want %+v", res, tt.want)
			}
			reqs := f.requests()
			if len(reqs) != len(tt.answers) && tt.want.Source != "json" {
				t.Errorf("%d requests for %d answers", len(reqs), len(tt.answers))
			}
			if len(reqs) == 2 {
				msgs := reqs[1].Body["messages"].([]any)
				last := msgs[len(msgs)-1].(map[string]any)
				prev := msgs[len(msgs)-2].(map[string]any)
				if prev["role"] != "assistant" || prev["content"] != tt.answers[0] || !strings.Contains(last["content"].(string), "not usable") {
					t.Errorf("repair round messages: %v", msgs)
				}
			}
		})
	}
}

// Servers without response_format support reject it with a 400; the call is repeated without it.
func TestStructuredWithoutResponseFormat(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, 400, `{"error":{"message":"response_format is not supported","type":"invalid_request_error"}}`)
			return
		}
		writeJSON(w, 200, chatJSON(`{"doc":"// ok"}`))
	})
	res, err := f.client().Structured(context.Background(), ActionDocument, []Message{{Role: RoleUser, Content: "doc"}})
	if err != nil || res.Doc != "// ok" {
		t.Fatalf("res %+v err %v", res, err)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if _, ok := reqs[1].Body["response_format"]; ok {
		t.Error("second request still has response_format")
	}
}

func TestStructuredProseAction(t *testing.T) {
	c := NewClient(DefaultConfig(), nil)
	if _, err := c.Structured(context.Background(), ActionExplain, nil); err == nil {
		t.Error("explain accepted as a structured action")
	}
}

func TestFencedBlock(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"```go\nx := 1\n```", "x := 1", true},
		{"text\n```\na\nb\n```\nmore", "a\nb", true},
		{"````md\n```go\nx\n```\n````", "```go\nx\n```", true},
		{"```python\ndef f():\n    pass", "def f():\n    pass", true}, // cut by max tokens
		{"no fence", "", false},
	}
	for _, tt := range tests {
		got, ok := fencedBlock(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("fencedBlock(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFillChatFallback(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 200, chatJSON("```go\nreturn 42\n```"))
	})
	c := f.client(func(cfg *Config) { cfg.CompletionModel = "llama3.2:3b" })
	p := testPrompter(t, func(cfg *Config) { cfg.CompletionModel = "llama3.2:3b" })
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Language: "go", Prefix: "func f() int {\n\t", Suffix: "\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	text, err := c.Fill(context.Background(), pr, func(s string) { got = append(got, s) })
	if err != nil || text != "return 42" || len(got) != 1 || got[0] != "return 42" {
		t.Errorf("Fill = %q, %v, deltas %q", text, err, got)
	}
	r := f.requests()[0]
	if r.Path != "/v1/chat/completions" || r.Body["model"] != "llama3.2:3b" {
		t.Errorf("request %s %v", r.Path, r.Body["model"])
	}
}

func TestFillFIM(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { sse(w, true, true, "42") })
	p := testPrompter(t)
	pr, _ := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Prefix: "x := ", Suffix: "\n"})
	text, err := f.client().Fill(context.Background(), pr, func(string) {})
	if err != nil || text != "42" {
		t.Fatalf("Fill = %q, %v", text, err)
	}
	var b map[string]any // the completion request, after the probe of what the server is
	for _, r := range f.requests() {
		if r.Path == "/v1/completions" {
			b = r.Body
		}
	}
	if b["prompt"] != pr.Text || b["stream"] != true || b["model"] != DefaultCompletionModel {
		t.Errorf("request %v", b)
	}
	if _, ok := b["suffix"]; ok {
		t.Error("suffix sent although the FIM prompt carries it")
	}
	stop, _ := b["stop"].([]any)
	if len(stop) == 0 || stop[0] != "<|endoftext|>" {
		t.Errorf("stop = %v", b["stop"])
	}
}
