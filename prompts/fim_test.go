package prompts

import (
	"reflect"
	"testing"
)

// The golden strings are the whole point: each family's tokens are written out here literally,
// independently of the constants in fim.go.
func TestFormatFIMGolden(t *testing.T) {
	in := FIMInput{Path: "pkg/a.go", Language: "go", Prefix: "func f() {\n\t", Suffix: "\n}\n"}
	tests := []struct {
		f    Family
		want string
	}{
		{FamilyQwen, "<|fim_prefix|>func f() {\n\t<|fim_suffix|>\n}\n<|fim_middle|>"},
		{FamilyDeepSeek, "<｜fim▁begin｜>func f() {\n\t<｜fim▁hole｜>\n}\n<｜fim▁end｜>"},
		{FamilyStarCoder, "<fim_prefix>func f() {\n\t<fim_suffix>\n}\n<fim_middle>"},
		{FamilyStarCoder2, "<fim_prefix>func f() {\n\t<fim_suffix>\n}\n<fim_middle>"},
		{FamilyGranite, "<fim_prefix>func f() {\n\t<fim_suffix>\n}\n<fim_middle>"},
		{FamilyCodeLlama, "<PRE> func f() {\n\t <SUF>\n}\n <MID>"},
		{FamilyCodestral, "[SUFFIX]\n}\n[PREFIX]func f() {\n\t"},
		{FamilyCodeGemma, "<|fim_prefix|>func f() {\n\t<|fim_suffix|>\n}\n<|fim_middle|>"},
		{FamilyChat, ""},
	}
	for _, tt := range tests {
		if got := tt.f.FormatFIM(in); got != tt.want {
			t.Errorf("%v:\n got %q\nwant %q", tt.f, got, tt.want)
		}
	}
}

// DeepSeek's tokens use look-alike characters; pin their code points.
func TestDeepSeekCodePoints(t *testing.T) {
	want := []rune{'<', 0xFF5C, 'f', 'i', 'm', 0x2581, 'b', 'e', 'g', 'i', 'n', 0xFF5C, '>'}
	if got := []rune(deepseekBegin); !reflect.DeepEqual(got, want) {
		t.Errorf("begin token runes = %U", got)
	}
	for _, tok := range []string{deepseekHole, deepseekEnd, deepseekEOS} {
		for _, r := range tok {
			if r == '|' || r == '_' {
				t.Errorf("%q uses ASCII %q instead of the full-width bar or U+2581", tok, r)
			}
		}
	}
}

func TestFormatFIMRepositoryLevel(t *testing.T) {
	in := FIMInput{RepoName: "shop", Path: "cart/total.go", Language: "go", Prefix: "P", Suffix: "S",
		Files: []ContextFile{{Path: "cart/item.go", Text: "type Item struct{}"}, {Path: "cart/tax.go", Text: "func Tax() {}\n"}}}
	tests := []struct {
		f    Family
		want string
	}{
		{FamilyQwen, "<|repo_name|>shop\n<|file_sep|>cart/item.go\ntype Item struct{}\n<|file_sep|>cart/tax.go\nfunc Tax() {}\n<|file_sep|>cart/total.go\n<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>"},
		{FamilyStarCoder2, "<repo_name>shop<file_sep>cart/item.go\ntype Item struct{}\n<file_sep>cart/tax.go\nfunc Tax() {}\n<file_sep>cart/total.go\n<fim_prefix>P<fim_suffix>S<fim_middle>"},
		{FamilyCodeGemma, "<|file_separator|>cart/item.go\ntype Item struct{}\n<|file_separator|>cart/tax.go\nfunc Tax() {}\n<|file_separator|>cart/total.go\n<|fim_prefix|>P<|fim_suffix|>S<|fim_middle|>"},
		{FamilyDeepSeek, "<｜fim▁begin｜>// Path: cart/item.go\n// type Item struct{}\n\n// Path: cart/tax.go\n// func Tax() {}\n\nP<｜fim▁hole｜>S<｜fim▁end｜>"},
		{FamilyCodestral, "[SUFFIX]S[PREFIX]// Path: cart/item.go\n// type Item struct{}\n\n// Path: cart/tax.go\n// func Tax() {}\n\nP"},
	}
	for _, tt := range tests {
		if got := tt.f.FormatFIM(in); got != tt.want {
			t.Errorf("%v:\n got %q\nwant %q", tt.f, got, tt.want)
		}
	}
	py := FIMInput{Language: "python", Prefix: "P", Suffix: "S", Files: []ContextFile{{Path: "a.py", Text: "x = 1"}}}
	if got, want := FamilyCodeLlama.FormatFIM(py), "<PRE> # Path: a.py\n# x = 1\n\nP <SUF>S <MID>"; got != want {
		t.Errorf("python comments: got %q want %q", got, want)
	}
}

func TestStopTokens(t *testing.T) {
	tests := []struct {
		f    Family
		want []string
	}{
		{FamilyQwen, []string{"<|endoftext|>", "<|file_sep|>", "<|repo_name|>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|im_end|>"}},
		{FamilyDeepSeek, []string{"<｜end▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<|EOT|>"}},
		{FamilyStarCoder, []string{"<|endoftext|>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<file_sep>"}},
		{FamilyStarCoder2, []string{"<|endoftext|>", "<file_sep>", "<repo_name>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>"}},
		{FamilyCodeLlama, []string{"<EOT>", "<PRE>", "<SUF>", "<MID>"}},
		{FamilyCodestral, []string{"</s>", "[PREFIX]", "[SUFFIX]"}},
		{FamilyCodeGemma, []string{"<|file_separator|>", "<eos>", "<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<end_of_turn>"}},
		{FamilyChat, nil},
	}
	for _, tt := range tests {
		if got := tt.f.StopTokens(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%v: %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestFamilyForModel(t *testing.T) {
	tests := []struct {
		model, override string
		want            Family
	}{
		{"qwen2.5-coder:1.5b-base", "", FamilyQwen},
		{"Qwen/Qwen2.5-Coder-7B", "", FamilyQwen},
		{"qwen2.5:7b-instruct", "", FamilyChat}, // not a coder model: no FIM training
		{"deepseek-coder:6.7b-base", "", FamilyDeepSeek},
		{"deepseek-coder-v2:16b-lite-base-q4_0", "", FamilyDeepSeek},
		{"starcoder2:3b", "", FamilyStarCoder2},
		{"bigcode/starcoderbase-1b", "", FamilyStarCoder},
		{"codellama:7b-code", "", FamilyCodeLlama},
		{"codestral:22b", "", FamilyCodestral},
		{"codegemma:2b-code", "", FamilyCodeGemma},
		{"granite-code:3b-base", "", FamilyGranite},
		{"ibm-granite/granite-3b-code-base", "", FamilyGranite},
		{"llama3.2:3b", "", FamilyChat},
		{"stories260k", "", FamilyChat},
		{"my-finetune", "QWEN", FamilyQwen},
		{"qwen2.5-coder:1.5b", "chat", FamilyChat},
		{"qwen2.5-coder:1.5b", "bogus", FamilyQwen}, // an unknown override is ignored (Validate reports it)
	}
	for _, tt := range tests {
		if got := FamilyForModel(tt.model, tt.override); got != tt.want {
			t.Errorf("FamilyForModel(%q, %q) = %v, want %v", tt.model, tt.override, got, tt.want)
		}
	}
	for _, name := range familyNames() {
		if f := ParseFamily(name); f == FamilyUnknown || f.String() != name {
			t.Errorf("ParseFamily(%q) = %v", name, f)
		}
	}
}
