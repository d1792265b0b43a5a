package prompts

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func testPrompter(t testing.TB, mod ...func(*Config)) *Prompter {
	t.Helper()
	cfg := DefaultConfig()
	for _, m := range mod {
		m(&cfg)
	}
	p, err := NewPrompter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCounter(t *testing.T) {
	c := testPrompter(t).Counter()
	s := "func main() {\n\tfmt.Println(\"hello, world\")\n}\n"
	raw, err := c.codec.Count(s)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Count(s)
	if got < raw || float64(got) > float64(raw)*TokenMargin*1.2+1 {
		t.Errorf("Count = %d for %d cl100k tokens", got, raw)
	}
	if c.Count("") != 0 {
		t.Error("empty text costs tokens")
	}
	if c.Count("\xff\xfe invalid utf-8 \x80") <= 0 {
		t.Error("invalid UTF-8 counted as nothing")
	}
	// Concurrent use (run with -race).
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if c.Count(s+itoa(j)) < raw {
					t.Error("concurrent count too low")
				}
			}
		}()
	}
	wg.Wait()
}

func TestCutAtLineBoundaries(t *testing.T) {
	c := testPrompter(t).Counter()
	var b strings.Builder
	for i := 0; i < 200; i++ {
		b.WriteString("line " + itoa(i) + " of some code here\n")
	}
	s := b.String() + "cursor line"
	kept, n := c.cut(s, 100, true)
	if !strings.HasSuffix(kept, "cursor line") || !strings.HasPrefix(kept, "line ") || len(kept) >= len(s) {
		t.Errorf("prefix cut: %q", kept)
	}
	if n > 100 || c.Count(kept) > 100+5 {
		t.Errorf("prefix cut costs %d (recount %d), budget 100", n, c.Count(kept))
	}
	kept, n = c.cut(s, 100, false)
	if !strings.HasPrefix(kept, "line 0 ") || !strings.HasSuffix(kept, "\n") || n > 100 {
		t.Errorf("suffix cut: %q (%d)", kept, n)
	}
	// One enormous line (minified code) is cut inside, from the right end.
	long := strings.Repeat("abcdefghij", 2000)
	kept, n = c.cut(long, 50, true)
	if kept == "" || !strings.HasSuffix(long, kept) || n > 60 {
		t.Errorf("long line: kept %d bytes costing %d", len(kept), n)
	}
	if kept, _ := c.cut(s, 0, true); kept != "" {
		t.Error("zero budget kept text")
	}
}

func TestBuildCompletionSmall(t *testing.T) {
	p := testPrompter(t, func(c *Config) { c.Stop = []string{"\n\n"} })
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Language: "go", Prefix: "func f() {\n\treturn ", Suffix: "\n}\n",
		Snippets: []Snippet{{Path: "b.go", StartLine: 1, EndLine: 1, Text: "func g() int { return 1 }\n"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "<|repo_name|>repo\n<|file_sep|>b.go\nfunc g() int { return 1 }\n<|file_sep|>a.go\n<|fim_prefix|>func f() {\n\treturn <|fim_suffix|>\n}\n<|fim_middle|>"
	if pr.Family != FamilyQwen || pr.Text != want || pr.Messages != nil {
		t.Errorf("prompt %v %q", pr.Family, pr.Text)
	}
	if pr.PrefixDropped != 0 || pr.SuffixDropped != 0 || pr.Snippets != 1 || pr.Tokens <= 0 {
		t.Errorf("accounting %+v", pr)
	}
	if pr.Stop[0] != "<|endoftext|>" || pr.Stop[len(pr.Stop)-1] != "\n\n" {
		t.Errorf("stop = %q", pr.Stop)
	}
}

func TestBuildCompletionBudget(t *testing.T) {
	const window, out = 2048, 128
	p := testPrompter(t, func(c *Config) { c.ContextWindow, c.MaxTokens = window, out })
	in := benchInput() // ~12k tokens of file, six snippets of ~300 tokens
	in.Snippets[0].Text = strings.Repeat("huge snippet line\n", 400)
	pr, err := p.BuildCompletion(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Tokens > window-out {
		t.Errorf("prompt estimated at %d tokens, budget %d", pr.Tokens, window-out)
	}
	if got := p.Counter().Count(pr.Text); got > window-out+32 {
		t.Errorf("recounted prompt %d tokens, budget %d", got, window-out)
	}
	i := strings.Index(pr.Text, "<|fim_prefix|>")
	j := strings.Index(pr.Text, "<|fim_suffix|>")
	prefix, suffix := pr.Text[i+len("<|fim_prefix|>"):j], pr.Text[j+len("<|fim_suffix|>"):len(pr.Text)-len("<|fim_middle|>")]
	if !strings.HasSuffix(in.Prefix, prefix) || !strings.HasPrefix(in.Suffix, suffix) {
		t.Error("prefix/suffix are not the text next to the cursor")
	}
	if !strings.HasPrefix(prefix, "func ") && !strings.HasPrefix(prefix, "\t") && !strings.HasPrefix(prefix, "}") && prefix[0] != '\n' {
		t.Errorf("prefix not cut at a line boundary: %q", prefix[:20])
	}
	if !strings.HasSuffix(suffix, "\n") {
		t.Errorf("suffix not cut at a line boundary: %q", suffix[len(suffix)-20:])
	}
	if pr.PrefixDropped == 0 || pr.SuffixDropped == 0 {
		t.Errorf("nothing trimmed: %+v", pr)
	}
	if p.Counter().Count(prefix) < p.Counter().Count(suffix) {
		t.Error("the suffix got more room than the prefix")
	}
	// The oversized best-ranked snippet is skipped; smaller ones fit, in path order.
	if strings.Contains(pr.Text, "huge snippet") || pr.Snippets == 0 {
		t.Errorf("snippets: %d included, huge one present: %v", pr.Snippets, strings.Contains(pr.Text, "huge snippet"))
	}
}

func TestBuildCompletionDropsLowestRank(t *testing.T) {
	p := testPrompter(t, func(c *Config) { c.ContextWindow, c.MaxTokens = 600, 100 })
	var snippets []Snippet
	for i := 0; i < 10; i++ {
		// Reverse path order against rank, to see that output order is by path but choice by rank.
		snippets = append(snippets, Snippet{Path: "z" + itoa(9-i) + ".go", Text: strings.Repeat("rank"+itoa(i)+" body line\n", 8)})
	}
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Prefix: "x := ", Snippets: snippets})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Snippets == 0 || pr.Snippets == len(snippets) {
		t.Fatalf("%d snippets included; the test needs some but not all", pr.Snippets)
	}
	for i := range snippets {
		in := strings.Contains(pr.Text, "rank"+itoa(i)+" ")
		if in != (i < pr.Snippets) {
			t.Errorf("rank %d included = %v with %d snippets", i, in, pr.Snippets)
		}
	}
	if a, b := strings.Index(pr.Text, "z8.go"), strings.Index(pr.Text, "z9.go"); a < 0 || b < 0 || a > b {
		t.Errorf("snippets not in path order")
	}
}

// Typing at the cursor must leave the head of the prompt (context and the prefix's top)
// byte-identical, so the server's prompt cache keeps hitting.
func TestBuildCompletionStableHead(t *testing.T) {
	p := testPrompter(t)
	in := CompletionInput{Path: "a.go", Prefix: "package a\n\nfunc f() {\n\tx", Suffix: "\n}\n",
		Snippets: []Snippet{{Path: "b.go", Text: "func b() {}\n"}, {Path: "c.go", Text: "func c() {}\n"}}}
	a, _ := p.BuildCompletion(context.Background(), in)
	in.Prefix += "yz"
	in.Snippets[0], in.Snippets[1] = in.Snippets[1], in.Snippets[0] // rank changed, set did not
	b, _ := p.BuildCompletion(context.Background(), in)
	head := a.Text[:strings.Index(a.Text, "\tx")+2]
	if !strings.HasPrefix(b.Text, head) {
		t.Errorf("prompt head changed:\n%q\n%q", a.Text, b.Text)
	}
}

func TestBuildCompletionChatFallback(t *testing.T) {
	p := testPrompter(t, func(c *Config) { c.CompletionModel = "llama3.2:3b" })
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.py", Language: "python", Prefix: "def f():\n    return ", Suffix: "\n",
		Snippets: []Snippet{{Path: "b.py", StartLine: 3, EndLine: 4, Text: "def g():\n    pass\n"}}})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Family != FamilyChat || pr.Text != "" || len(pr.Messages) != 2 {
		t.Fatalf("fallback prompt %+v", pr)
	}
	sys, user := pr.Messages[0].Content, pr.Messages[1].Content
	if !strings.Contains(sys, "<CURSOR>") || !strings.Contains(sys, "Python") {
		t.Errorf("system: %q", sys)
	}
	if !strings.Contains(user, "def f():\n    return <CURSOR>\n") || strings.Index(user, "b.py") > strings.Index(user, "a.py") {
		t.Errorf("user: %q", user)
	}
}

func TestBuildCompletionNoRoom(t *testing.T) {
	p := testPrompter(t, func(c *Config) { c.ContextWindow, c.MaxTokens = 20, 19 })
	if _, err := p.BuildCompletion(context.Background(), CompletionInput{Prefix: "x"}); err == nil || !strings.Contains(err.Error(), "contextWindow") {
		t.Errorf("err = %v", err)
	}
}
