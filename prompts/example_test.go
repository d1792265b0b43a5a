package prompts_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"ragls/prompts"
)

// How the CLI's `ragls complete` and the LSP's completion use the package. Not run: it needs a
// model server.
func Example_complete() {
	cfg, err := prompts.LoadConfig("", nil, os.Getenv) // defaults < file < editor < env
	if err != nil {
		fmt.Fprintln(os.Stderr, "ragls:", err) // ignored settings; cfg is still usable
	}
	p, err := prompts.NewPrompter(cfg)
	if err != nil {
		panic(err)
	}
	client := prompts.NewClient(cfg, nil)

	prompt, err := p.BuildCompletion(context.Background(), prompts.CompletionInput{
		Path: "main.go", Language: "go", RepoName: "demo",
		Prefix: "package main\n\nfunc main() {\n\t", Suffix: "\n}\n",
		Snippets: []prompts.Snippet{{Path: "util.go", StartLine: 1, EndLine: 3, Text: "func greet() string { return \"hi\" }\n"}},
	})
	if err != nil {
		panic(err)
	}
	text, err := client.Fill(context.Background(), prompt, func(delta string) { fmt.Print(delta) })
	var me *prompts.ModelError
	switch {
	case errors.Is(err, prompts.KindUnreachable):
		fmt.Println("start the server:", err)
	case errors.As(err, &me):
		fmt.Println(me.Fix)
	default:
		fmt.Printf("\ninsert %q\n", text)
	}
}

// How `ragls explain` and the code actions use it.
func Example_actions() {
	cfg := prompts.DefaultConfig().WithEnv(os.Getenv)
	p, _ := prompts.NewPrompter(cfg)
	client := prompts.NewClient(cfg, nil)
	in := prompts.ActionInput{Language: "go", Path: "main.go", Code: "func add(a, b int) int { return a - b }",
		Diagnostic: "test TestAdd failed: add(1, 2) = -1, want 3"}

	msgs, _ := p.Render(prompts.ActionExplain, in)
	_, _ = client.Chat(context.Background(), prompts.ChatRequest{Messages: msgs}, func(d string) { fmt.Print(d) })

	msgs, _ = p.Render(prompts.ActionFix, in)
	res, err := client.Structured(context.Background(), prompts.ActionFix, msgs)
	if err == nil {
		fmt.Println(res.Code, res.Explanation)
	}
}
