package prompts

import (
	"context"
	"slices"
	"testing"
)

func TestMultiline(t *testing.T) {
	tests := []struct {
		prefix, suffix string
		want           bool
	}{
		{"func f() {", "\n}\n", true},
		{"func f() {\n\t", "\n}\n", true},                 // an empty line
		{"if x:", "\n", true},                             // Python block
		{"items.map((x) =>", ");\n", true},                // arrow body
		{"func f() {", "}\n", true},                       // only a closing bracket after the cursor
		{"\tx := compute(", ")\n", true},                  // arguments may span lines
		{"\tx := comp", "\n", false},                      // the end of a statement
		{"\tx := compute(a, ", "b)\n\treturn x\n", false}, // inside a line that goes on
		{"\treturn x +", "\n", false},
		{"\tfmt.Println(\"hi\")", "\n", false},
		{"case 1: x = 2; y", "\n", false},
	}
	for _, tt := range tests {
		if got := Multiline(tt.prefix, tt.suffix); got != tt.want {
			t.Errorf("Multiline(%q, %q) = %v, want %v", tt.prefix, tt.suffix, got, tt.want)
		}
	}
}

func TestSingleLineCompletionStopsAtTheLineEnd(t *testing.T) {
	p := testPrompter(t)
	single, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Language: "go", Prefix: "package a\n\nfunc f() int {\n\treturn comp", Suffix: "\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	if single.Multiline || !slices.Contains(single.Stop, "\n") || single.MaxTokens > singleLineTokens {
		t.Errorf("mid-statement: multiline %v, stop %q, max tokens %d", single.Multiline, single.Stop, single.MaxTokens)
	}
	multi, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "a.go", Language: "go", Prefix: "package a\n\nfunc f() int {", Suffix: "\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !multi.Multiline || slices.Contains(multi.Stop, "\n") || multi.MaxTokens != p.cfg.MaxTokens {
		t.Errorf("block opened: multiline %v, stop %q, max tokens %d", multi.Multiline, multi.Stop, multi.MaxTokens)
	}
}
