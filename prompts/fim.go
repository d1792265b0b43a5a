package prompts

import (
	"sort"
	"strings"
)

// Family is a model family's fill-in-the-middle (FIM) prompt format. Each family was trained with
// its own special tokens, and a prompt in the wrong format does not fail: it silently yields
// nonsense. So the exact strings live here, pinned by golden tests.
type Family int

// Known families. FamilyChat means the model has no FIM training: completions are asked for with
// an instruction in a chat prompt instead.
const (
	FamilyUnknown Family = iota
	FamilyChat
	FamilyQwen       // Qwen2.5-Coder (and Qwen3-Coder), with a repository-level format
	FamilyDeepSeek   // DeepSeek-Coder, DeepSeek-Coder-V2
	FamilyStarCoder  // StarCoder, StarCoderBase, SantaCoder
	FamilyStarCoder2 // StarCoder2, with a repository-level format
	FamilyCodeLlama  // Code Llama
	FamilyCodestral  // Mistral's Codestral: suffix before prefix
	FamilyCodeGemma  // CodeGemma
	FamilyGranite    // IBM Granite Code
)

var familyInfo = [...]struct {
	name    string
	aliases []string
}{
	FamilyUnknown:    {"unknown", nil},
	FamilyChat:       {"chat", []string{"none", "instruct"}},
	FamilyQwen:       {"qwen", []string{"qwen2.5-coder", "qwen-coder", "qwen3-coder"}},
	FamilyDeepSeek:   {"deepseek", []string{"deepseek-coder"}},
	FamilyStarCoder:  {"starcoder", []string{"starcoder1", "santacoder"}},
	FamilyStarCoder2: {"starcoder2", nil},
	FamilyCodeLlama:  {"codellama", []string{"code-llama", "code_llama"}},
	FamilyCodestral:  {"codestral", []string{"mistral"}},
	FamilyCodeGemma:  {"codegemma", nil},
	FamilyGranite:    {"granite", []string{"granite-code"}},
}

func (f Family) String() string {
	if f >= 0 && int(f) < len(familyInfo) {
		return familyInfo[f].name
	}
	return "unknown"
}

// ParseFamily maps a Config.FIM value (case-insensitive: "qwen", "deepseek", "starcoder",
// "starcoder2", "codellama", "codestral", "codegemma", "granite", "chat", or an alias) to a Family,
// FamilyUnknown if it is none of them.
func ParseFamily(s string) Family {
	s = strings.ToLower(strings.TrimSpace(s))
	for f, info := range familyInfo {
		if Family(f) == FamilyUnknown {
			continue
		}
		if s == info.name {
			return Family(f)
		}
		for _, a := range info.aliases {
			if s == a {
				return Family(f)
			}
		}
	}
	return FamilyUnknown
}

func familyNames() []string {
	var names []string
	for f, info := range familyInfo {
		if Family(f) != FamilyUnknown {
			names = append(names, info.name)
		}
	}
	sort.Strings(names)
	return names
}

// FamilyForModel guesses the FIM family from a model name as servers spell them
// ("qwen2.5-coder:1.5b-base", "deepseek-coder-6.7b-base.Q4_K_M.gguf", "bigcode/starcoder2-3b"),
// by case-insensitive substrings. Names it does not recognise get FamilyChat. An override (the
// Config.FIM setting) wins when it names a family.
func FamilyForModel(model, override string) Family {
	if f := ParseFamily(override); f != FamilyUnknown {
		return f
	}
	m := strings.ToLower(model)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("qwen") && has("coder"):
		return FamilyQwen
	case has("deepseek") && has("coder"):
		return FamilyDeepSeek
	case has("starcoder2", "starcoder-2", "starcoder_2"):
		return FamilyStarCoder2
	case has("starcoder", "santacoder"):
		return FamilyStarCoder
	case has("codellama", "code-llama", "code_llama"):
		return FamilyCodeLlama
	case has("codestral"):
		return FamilyCodestral
	case has("codegemma"):
		return FamilyCodeGemma
	case has("granite") && has("code"):
		return FamilyGranite
	}
	return FamilyChat
}

// Special tokens, spelled out once. DeepSeek's use U+FF5C FULLWIDTH VERTICAL LINE and
// U+2581 LOWER ONE EIGHTH BLOCK (sentencepiece's space), written as escapes so no editor or
// font can swap them for look-alikes.
const (
	qwenPrefix   = "<|fim_prefix|>"
	qwenSuffix   = "<|fim_suffix|>"
	qwenMiddle   = "<|fim_middle|>"
	qwenPad      = "<|fim_pad|>"
	qwenRepoName = "<|repo_name|>"
	qwenFileSep  = "<|file_sep|>"
	qwenEOT      = "<|endoftext|>"

	deepseekBegin = "<\uFF5Cfim\u2581begin\uFF5C>"
	deepseekHole  = "<\uFF5Cfim\u2581hole\uFF5C>"
	deepseekEnd   = "<\uFF5Cfim\u2581end\uFF5C>"
	deepseekEOS   = "<\uFF5Cend\u2581of\u2581sentence\uFF5C>"

	starPrefix   = "<fim_prefix>"
	starSuffix   = "<fim_suffix>"
	starMiddle   = "<fim_middle>"
	starPad      = "<fim_pad>"
	starFileSep  = "<file_sep>"
	starRepoName = "<repo_name>"
	starEOT      = "<|endoftext|>"

	// Code Llama's tokens carry a space on the outer side: "<PRE> " + prefix + " <SUF>" + suffix + " <MID>".
	llamaPre = "<PRE> "
	llamaSuf = " <SUF>"
	llamaMid = " <MID>"
	llamaEOT = "<EOT>"

	codestralSuffix = "[SUFFIX]"
	codestralPrefix = "[PREFIX]"
	codestralEOS    = "</s>"

	gemmaFileSep = "<|file_separator|>"
	gemmaEOS     = "<eos>"
)

// ContextFile is another file's text shown to the model ahead of the current one.
type ContextFile struct {
	Path string
	Text string
}

// FIMInput is what a FIM prompt is made of. Files are repository context; families with a
// repository-level format get them in it, others as comments at the top of the prefix.
type FIMInput struct {
	RepoName string        // e.g. the workspace folder's name; used by repository-level formats
	Path     string        // the current file, slash-separated
	Language string        // selects the comment syntax for families without file separators
	Prefix   string        // text before the cursor
	Suffix   string        // text after the cursor
	Files    []ContextFile // stable order: they come first so the server's prompt cache reuses them
}

// FormatFIM writes the FIM prompt for f. It returns "" for FamilyChat and FamilyUnknown, which
// have no FIM format.
func (f Family) FormatFIM(in FIMInput) string {
	var b strings.Builder
	b.Grow(len(in.Prefix) + len(in.Suffix) + 256)
	switch f {
	case FamilyQwen:
		// Repository-level: <|repo_name|>name\n<|file_sep|>path\ncontent\n ... <|file_sep|>current\n<FIM>.
		if len(in.Files) > 0 {
			b.WriteString(qwenRepoName + pick(in.RepoName, "repo") + "\n")
			for _, cf := range in.Files {
				b.WriteString(qwenFileSep + cf.Path + "\n" + withNewline(cf.Text))
			}
			b.WriteString(qwenFileSep + pick(in.Path, "file") + "\n")
		}
		b.WriteString(qwenPrefix + in.Prefix + qwenSuffix + in.Suffix + qwenMiddle)
	case FamilyStarCoder2:
		// <repo_name>name<file_sep>path\ncontent ... <file_sep>current\n<fim_prefix>...
		if len(in.Files) > 0 {
			b.WriteString(starRepoName + pick(in.RepoName, "repo"))
			for _, cf := range in.Files {
				b.WriteString(starFileSep + cf.Path + "\n" + withNewline(cf.Text))
			}
			b.WriteString(starFileSep + pick(in.Path, "file") + "\n")
		}
		b.WriteString(starPrefix + in.Prefix + starSuffix + in.Suffix + starMiddle)
	case FamilyCodeGemma:
		for _, cf := range in.Files {
			b.WriteString(gemmaFileSep + cf.Path + "\n" + withNewline(cf.Text))
		}
		if len(in.Files) > 0 {
			b.WriteString(gemmaFileSep + pick(in.Path, "file") + "\n")
		}
		b.WriteString(qwenPrefix + in.Prefix + qwenSuffix + in.Suffix + qwenMiddle)
	case FamilyDeepSeek:
		b.WriteString(deepseekBegin + commentedFiles(in) + in.Prefix + deepseekHole + in.Suffix + deepseekEnd)
	case FamilyStarCoder, FamilyGranite:
		b.WriteString(starPrefix + commentedFiles(in) + in.Prefix + starSuffix + in.Suffix + starMiddle)
	case FamilyCodeLlama:
		b.WriteString(llamaPre + commentedFiles(in) + in.Prefix + llamaSuf + in.Suffix + llamaMid)
	case FamilyCodestral:
		b.WriteString(codestralSuffix + in.Suffix + codestralPrefix + commentedFiles(in) + in.Prefix)
	default:
		return ""
	}
	return b.String()
}

// StopTokens are the sequences that end a completion for f: its end-of-text token and the FIM
// and file tokens, which a model that overruns its hole starts to emit.
func (f Family) StopTokens() []string {
	switch f {
	case FamilyQwen:
		return []string{qwenEOT, qwenFileSep, qwenRepoName, qwenPrefix, qwenSuffix, qwenMiddle, qwenPad, "<|im_end|>"}
	case FamilyDeepSeek:
		return []string{deepseekEOS, deepseekBegin, deepseekHole, deepseekEnd, "<|EOT|>"}
	case FamilyStarCoder, FamilyGranite:
		return []string{starEOT, starPrefix, starSuffix, starMiddle, starPad, "<file_sep>"}
	case FamilyStarCoder2:
		return []string{starEOT, starFileSep, starRepoName, starPrefix, starSuffix, starMiddle, starPad}
	case FamilyCodeLlama:
		return []string{llamaEOT, "<PRE>", "<SUF>", "<MID>"}
	case FamilyCodestral:
		return []string{codestralEOS, codestralPrefix, codestralSuffix}
	case FamilyCodeGemma:
		return []string{gemmaFileSep, gemmaEOS, qwenPrefix, qwenSuffix, qwenMiddle, "<end_of_turn>"}
	}
	return nil
}

// overhead is a generous token estimate of f's fixed text around prefix and suffix.
func (f Family) overhead(in FIMInput) string {
	in.Prefix, in.Suffix, in.Files = "", "", nil
	if f == FamilyQwen || f == FamilyStarCoder2 || f == FamilyCodeGemma {
		in.Files = []ContextFile{{Path: in.Path}}
	}
	return f.FormatFIM(in)
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// commentedFiles renders context files for families with no file separator: each as a block of
// line comments headed by its path, so the model reads them as notes, not as code of this file.
func commentedFiles(in FIMInput) string {
	if len(in.Files) == 0 {
		return ""
	}
	lead := commentLeader(in.Language)
	var b strings.Builder
	for _, cf := range in.Files {
		b.WriteString(lead + " Path: " + cf.Path + "\n")
		for _, line := range strings.SplitAfter(withNewline(cf.Text), "\n") {
			if line == "" {
				continue
			}
			b.WriteString(lead + " " + line)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func commentLeader(lang string) string {
	switch strings.ToLower(lang) {
	case "python", "ruby", "shell", "bash", "sh", "perl", "r", "yaml", "toml", "elixir", "julia", "nim", "make", "makefile", "dockerfile":
		return "#"
	case "lua", "sql", "haskell", "ada", "elm":
		return "--"
	case "lisp", "clojure", "scheme", "elisp", "emacs-lisp":
		return ";;"
	case "erlang", "tex", "latex", "matlab":
		return "%"
	case "vim":
		return "\""
	}
	return "//"
}
