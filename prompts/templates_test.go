package prompts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenderEveryAction(t *testing.T) {
	p := testPrompter(t)
	in := ActionInput{Language: "go", Path: "cart/total.go", StartLine: 10, Code: "func Total(items []Item) int {\n\treturn 0\n}",
		Before: "package cart\n", After: "// end\n", Diagnostic: "missing return\n(compiler)", Instruction: "use a loop",
		Snippets: []Snippet{{Path: "cart/item.go", StartLine: 3, EndLine: 5, Kind: "type", Text: "type Item struct{ Price int }"}}}
	for _, action := range Actions() {
		msgs, err := p.Render(action, in)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		if len(msgs) != 2 || msgs[0].Role != RoleSystem || msgs[1].Role != RoleUser {
			t.Fatalf("%s: messages %+v", action, msgs)
		}
		sys, user := msgs[0].Content, msgs[1].Content
		if !strings.Contains(strings.ToLower(sys), "never invent") || !strings.Contains(sys, "Go") {
			t.Errorf("%s: system prompt lacks the rule or the language: %q", action, sys)
		}
		if (SchemaFor(action) != nil) != strings.Contains(sys, "JSON object") {
			t.Errorf("%s: JSON instructions and schema disagree", action)
		}
		ctx, code := strings.Index(user, "type Item struct"), strings.Index(user, "func Total")
		if ctx < 0 || code < 0 || ctx > code {
			t.Errorf("%s: context must come before the code:\n%s", action, user)
		}
		request := "Request: use a loop"
		if action == ActionChat {
			request = "Question: use a loop"
		}
		for _, want := range []string{"cart/total.go", "```go\n", "Diagnostic: missing return (compiler)", request, "from line 10"} {
			if !strings.Contains(user, want) {
				t.Errorf("%s: user message lacks %q", action, want)
			}
		}
	}
}

// The system message is the head of every request; it must not change with the file or the
// selection, or the server's prompt cache would miss on every request.
func TestRenderSystemPromptStable(t *testing.T) {
	p := testPrompter(t)
	for _, action := range Actions() {
		a, _ := p.Render(action, ActionInput{Language: "go", Path: "a/one.go", Code: "x", StartLine: 3})
		b, _ := p.Render(action, ActionInput{Language: "go", Path: "b/two.go", Code: "y", StartLine: 90, Diagnostic: "d", Instruction: "i"})
		if a[0] != b[0] {
			t.Errorf("%s: system prompt varies with the input", action)
		}
	}
}

func TestRenderChatWithoutSelection(t *testing.T) {
	msgs, err := testPrompter(t).Render(ActionChat, ActionInput{Language: "go", Path: "a.go", Instruction: "Where is the cache invalidated?"})
	if err != nil {
		t.Fatal(err)
	}
	if u := msgs[1].Content; strings.Contains(u, "Selected code") || !strings.HasSuffix(u, "Question: Where is the cache invalidated?") {
		t.Errorf("user message %q", u)
	}
}

func TestRenderErrors(t *testing.T) {
	p := testPrompter(t)
	if _, err := p.Render("poem", ActionInput{Code: "x"}); err == nil || !strings.Contains(err.Error(), "explain") {
		t.Errorf("unknown action: %v", err)
	}
	if _, err := p.Render("user", ActionInput{Code: "x"}); err == nil {
		t.Error("the user layout is not an action")
	}
	if _, err := p.Render(ActionFix, ActionInput{Code: "  "}); err == nil {
		t.Error("empty selection accepted")
	}
	small := testPrompter(t, func(c *Config) { c.ContextWindow, c.MaxTokens = 700, 100 })
	_, err := small.Render(ActionExplain, ActionInput{Code: strings.Repeat("x := compute(a, b)\n", 400)})
	if err == nil || !strings.Contains(err.Error(), "select less or give the model a larger window") {
		t.Errorf("oversized selection: %v", err)
	}
}

func TestRenderBudget(t *testing.T) {
	p := testPrompter(t, func(c *Config) { c.ContextWindow, c.MaxTokens = 1200, 200 })
	var snippets []Snippet
	for i := 0; i < 10; i++ {
		snippets = append(snippets, Snippet{Path: "s" + itoa(i) + ".go", Text: strings.Repeat("rank"+itoa(i)+" line of code\n", 20)})
	}
	before := strings.Repeat("earlier line\n", 300) + "nearest line\n"
	msgs, err := p.Render(ActionExplain, ActionInput{Language: "go", Code: "func f() {}", Before: before, Snippets: snippets})
	if err != nil {
		t.Fatal(err)
	}
	total := p.Counter().Count(msgs[0].Content) + p.Counter().Count(msgs[1].Content)
	if total > 1000 {
		t.Errorf("prompt is %d tokens, budget 1000", total)
	}
	user := msgs[1].Content
	if !strings.Contains(user, "nearest line") || strings.Count(user, "earlier line") >= 300 {
		t.Error("Before not trimmed from the top")
	}
	if strings.Contains(user, "rank0 ") {
		t.Error("snippets kept although Before had to be trimmed")
	}
	msgs, _ = p.Render(ActionExplain, ActionInput{Language: "go", Code: "func f() {}", Snippets: snippets})
	user = msgs[1].Content
	if !strings.Contains(user, "rank0 ") || strings.Contains(user, "rank9 ") {
		t.Errorf("want best snippets kept and worst dropped")
	}
}

func TestTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "explain.tmpl"), []byte("Custom {{.Language}} explainer. Never invent APIs."), 0o600)
	p := testPrompter(t, func(c *Config) { c.TemplatesDir = dir })
	msgs, err := p.Render(ActionExplain, ActionInput{Language: "rust", Code: "fn main() {}"})
	if err != nil {
		t.Fatal(err)
	}
	if msgs[0].Content != "Custom Rust explainer. Never invent APIs." {
		t.Errorf("override not used: %q", msgs[0].Content)
	}
	msgs, _ = p.Render(ActionFix, ActionInput{Language: "rust", Code: "fn main() {}"})
	if !strings.Contains(msgs[0].Content, "fixing") {
		t.Error("built-in template lost for an action without override")
	}

	for _, broken := range []string{"{{.Language", "{{.NoSuchField}}"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "fix.tmpl")
		os.WriteFile(path, []byte(broken), 0o600)
		cfg := DefaultConfig()
		cfg.TemplatesDir = dir
		if _, err := NewPrompter(cfg); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("broken override %q: err = %v", broken, err)
		}
	}
}

func TestFence(t *testing.T) {
	tests := []struct{ tag, text, want string }{
		{"go", "x := 1", "```go\nx := 1\n```"},
		{"md", "a\n```go\nb\n```\n", "````md\na\n```go\nb\n```\n````"},
		{"", "", "```\n```"},
	}
	for _, tt := range tests {
		if got := fence(tt.tag, tt.text); got != tt.want {
			t.Errorf("fence(%q, %q) = %q, want %q", tt.tag, tt.text, got, tt.want)
		}
	}
}
