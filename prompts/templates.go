package prompts

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var builtinTemplates embed.FS

// Actions the prompts exist for. Explain and chat answer in prose; the others produce code and
// use structured output (see [Client.Structured]).
const (
	ActionExplain  = "explain"
	ActionDocument = "document"
	ActionRefactor = "refactor"
	ActionFix      = "fix"
	ActionTest     = "test"
	ActionChat     = "chat"
)

// Actions lists every action in a stable order.
func Actions() []string {
	return []string{ActionExplain, ActionDocument, ActionRefactor, ActionFix, ActionTest, ActionChat}
}

// templateNames are the files a user may override, by the same name, in Config.TemplatesDir:
// one system prompt per action, the user message layout (user.tmpl) and the two parts of the chat
// fallback for completion (complete.tmpl, complete_user.tmpl).
var templateNames = []string{"explain", "document", "refactor", "fix", "test", "chat", "user", "complete", "complete_user"}

// KindEdits is the Snippet.Kind of the user's recent edits, as diff hunks.
const KindEdits = "edits"

// Snippet is a piece of repository context: code from another place that the model should see.
// The indexer's retrieval produces them; their order is their rank, best first.
type Snippet struct {
	Path      string // slash-separated, relative to the workspace root
	StartLine int    // 1-based, inclusive
	EndLine   int
	Kind      string // "function", "type", "window", ...
	Text      string
}

// ActionInput is what an action's prompt is built from. Only Code is required.
type ActionInput struct {
	Language    string // "go", "python", ... ("" = unknown)
	Path        string // the current file, slash-separated
	StartLine   int    // first line of Code in the file, 1-based; 0 if unknown
	Code        string // the selection, or the function around the cursor
	Before      string // text just above Code, for orientation; trimmed first when over budget
	After       string // text just below Code
	Diagnostic  string // for ActionFix: the diagnostic's message (with its source and code)
	Instruction string // the user's request (refactor, chat) or question
	Snippets    []Snippet
}

// Prompter builds prompts: it holds the parsed templates and a token counter, and does no I/O
// after construction. It is safe for concurrent use.
type Prompter struct {
	cfg     Config
	counter *Counter
	tmpl    map[string]*template.Template
	client  *Client // set by Use: where the models' real limits are learned; nil = the settings only
}

// Use makes the prompter fit prompts to the limits client learns from its server (see
// [Client.Limits]) instead of to the settings alone. Call it before sharing the prompter.
func (p *Prompter) Use(c *Client) { p.client = c }

// Limits returns the limits prompts for model are fitted to. Without a client (see Use) they
// come from the settings: contextWindow (or the assumed window) and the plain cl100k estimate.
// With one, a discovery of the server's limits may be running: ctx ending stops the wait for
// it, not the discovery (see [Client.Limits]).
func (p *Prompter) Limits(ctx context.Context, model string) Limits {
	if p.client != nil {
		return p.client.Limits(ctx, model)
	}
	lim := Limits{Model: model, Window: p.cfg.ContextWindow, WindowSource: "the contextWindow setting", Ratio: 1, RatioSource: "cl100k estimate"}
	if lim.Window <= 0 {
		lim.Window, lim.WindowSource = assumedWindow, "assumed"
	}
	return lim
}

// NewPrompter parses the built-in templates, replaces any that have a file of the same name
// (e.g. "fix.tmpl") in cfg.TemplatesDir, and loads the tokenizer. A template file that does not
// parse or execute is an error naming it, so a typo is reported rather than silently ignored.
func NewPrompter(cfg Config) (*Prompter, error) {
	counter, err := NewCounter()
	if err != nil {
		return nil, err
	}
	p := &Prompter{cfg: cfg, counter: counter, tmpl: make(map[string]*template.Template)}
	for _, name := range templateNames {
		file := name + ".tmpl"
		text, err := fs.ReadFile(builtinTemplates, "templates/"+file)
		if err != nil {
			return nil, fmt.Errorf("built-in template %s: %w", file, err)
		}
		source := "built-in " + file
		if cfg.TemplatesDir != "" {
			path := filepath.Join(cfg.TemplatesDir, file)
			user, err := os.ReadFile(path)
			switch {
			case err == nil:
				text, source = user, path
			case !errors.Is(err, fs.ErrNotExist):
				return nil, fmt.Errorf("reading template override: %w", err)
			}
		}
		t, err := template.New(file).Funcs(template.FuncMap{"fence": fence}).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", source, err)
		}
		// Execute once on sample data so that a field typo in an override fails now, not when the
		// user first asks for that action.
		if err := t.Execute(new(bytes.Buffer), sampleData); err != nil {
			return nil, fmt.Errorf("template %s: %w", source, err)
		}
		p.tmpl[name] = t
	}
	return p, nil
}

// Counter returns the prompter's token counter.
func (p *Prompter) Counter() *Counter { return p.counter }

// templateData is what templates see. Fields are documented for template authors.
type templateData struct {
	Action      string    // the action name
	Language    string    // display name ("Go", "TypeScript"); "code" when unknown
	Tag         string    // Markdown fence tag, e.g. "go"
	Path        string    // current file
	StartLine   int       // first line of Code, 0 if unknown
	Code        string    // the selection (for completion: the file with <CURSOR>)
	Before      string    // text above the selection
	After       string    // text below the selection
	Diagnostic  string    // for fix
	Instruction string    // the user's request
	Snippets    []Snippet // repository context, in path order
}

var sampleData = templateData{Action: "explain", Language: "go", Tag: "go", Path: "a.go", StartLine: 1, Code: "x",
	Before: "b", After: "a", Diagnostic: "d", Instruction: "i", Snippets: []Snippet{{Path: "b.go", StartLine: 1, EndLine: 2, Kind: "function", Text: "y"}}}

// Render returns the chat messages for action: a system message with the action's instructions,
// then one user message with the repository context first and the code last. That order keeps the
// stable part of the prompt (system prompt, then context) at the front where a server's prompt
// cache can reuse it across requests, and uses one user message because some chat templates
// reject two in a row.
//
// The prompt is fitted to the chat model's window (see [Prompter.Limits]) minus Config.MaxTokens: snippets are dropped
// lowest-rank first, then Before and After are cut back at line boundaries (Before from the top,
// After from the bottom). If the selection alone does not fit, the error says by how much.
func (p *Prompter) Render(action string, in ActionInput) ([]Message, error) {
	sys, ok := p.tmpl[action]
	if !ok || action == "user" || action == "complete" || action == "complete_user" {
		return nil, fmt.Errorf("unknown action %q (known: %s)", action, strings.Join(Actions(), ", "))
	}
	if strings.TrimSpace(in.Code) == "" && action != ActionChat {
		return nil, fmt.Errorf("%s: no code selected", action)
	}
	d := p.data(action, in)
	var sb bytes.Buffer
	if err := sys.Execute(&sb, d); err != nil {
		return nil, fmt.Errorf("template %s: %w", action, err)
	}
	// Actions are not asked for on keystrokes: the discovery is worth waiting for.
	lim := p.Limits(context.Background(), p.cfg.ChatModel)
	cn := p.counter.scaled(lim.Multiplier())
	user, err := p.fitUser(cn, lim, p.tmpl["user"], d, cn.Count(sb.String()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return []Message{{Role: RoleSystem, Content: strings.TrimSpace(sb.String())}, {Role: RoleUser, Content: strings.TrimSpace(user)}}, nil
}

func (p *Prompter) data(action string, in ActionInput) templateData {
	lang := languageName(in.Language)
	return templateData{
		Action: action, Language: lang, Tag: fenceTag(in.Language), Path: pick(in.Path, "(unnamed)"),
		StartLine: in.StartLine, Code: in.Code, Before: in.Before, After: in.After,
		Diagnostic: strings.Join(strings.Fields(in.Diagnostic), " "), Instruction: strings.TrimSpace(in.Instruction),
		Snippets: in.Snippets,
	}
}

// fitUser renders the user message within the budget left after the system prompt, shedding
// snippets (lowest rank first) and then surrounding text until it fits.
func (p *Prompter) fitUser(cn *Counter, lim Limits, t *template.Template, d templateData, used int) (string, error) {
	budget := lim.Window - p.cfg.MaxTokens - used - chatOverhead
	render := func(d templateData) (string, int, error) {
		d.Snippets = stableOrder(d.Snippets)
		var b bytes.Buffer
		if err := t.Execute(&b, d); err != nil {
			return "", 0, err
		}
		s := b.String()
		return s, cn.Count(s), nil
	}
	// Measure without context first, so each snippet is added only when it fits.
	base := d
	base.Snippets = nil
	s, n, err := render(base)
	if err != nil {
		return "", err
	}
	if n > budget {
		// Surrounding text goes before the selection itself does.
		over := n - budget
		base.Before = trimTop(cn, base.Before, cn.Count(base.Before)-over)
		if s, n, err = render(base); err != nil {
			return "", err
		}
		if n > budget {
			base.After = trimBottom(cn, base.After, cn.Count(base.After)-(n-budget))
			if s, n, err = render(base); err != nil {
				return "", err
			}
		}
		if n > budget {
			return "", fmt.Errorf("the selection needs about %d tokens but the context window leaves %d (window %d from %s, maxTokens %d): select less or give the model a larger window",
				n, budget, lim.Window, lim.WindowSource, p.cfg.MaxTokens)
		}
	}
	left := budget - n
	var keep []Snippet
	for _, sn := range d.Snippets {
		cost := cn.Count(sn.Text) + snippetOverhead
		if cost <= left {
			keep = append(keep, sn)
			left -= cost
		}
	}
	if len(keep) == 0 {
		return s, nil
	}
	base.Snippets = keep
	s, _, err = render(base)
	return s, err
}

// Token estimates for text the templates add around parts: the chat template's role markers per
// message, and a snippet's header and fence.
const (
	chatOverhead    = 16
	snippetOverhead = 16
)

// stableOrder sorts chosen snippets by place, not rank: retrieval ranks shift a little between
// keystrokes while the chosen set often stays the same, and a byte-identical prompt head is what
// lets the server's prompt cache skip re-reading it.
func stableOrder(in []Snippet) []Snippet {
	out := append([]Snippet(nil), in...)
	sort.SliceStable(out, func(i, j int) bool {
		// The recent edits change with every edit: last, after the files, they leave the
		// head of the prompt as the prompt cache has it.
		if ei, ej := out[i].Kind == KindEdits, out[j].Kind == KindEdits; ei != ej {
			return ej
		}
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].StartLine < out[j].StartLine
	})
	return out
}

// fence wraps text in a Markdown code fence longer than any backtick run inside it, so code that
// itself contains fences (Markdown, docs) cannot end the block early.
func fence(tag, text string) string {
	longest, run := 0, 0
	for _, r := range text {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	ticks := strings.Repeat("`", max(3, longest+1))
	return ticks + tag + "\n" + withNewline(text) + ticks
}

// fenceTag maps a language identifier to the tag Markdown renderers know.
func fenceTag(lang string) string {
	switch l := strings.ToLower(lang); l {
	case "golang":
		return "go"
	case "tsx", "typescriptreact":
		return "tsx"
	case "javascriptreact":
		return "jsx"
	case "text", "plaintext":
		return ""
	default:
		return l
	}
}

// languageName is how prompts name a language: models follow "Go" and "C++" better than the
// identifiers editors use ("go", "cpp").
func languageName(id string) string {
	switch strings.ToLower(id) {
	case "":
		return "code"
	case "go", "golang":
		return "Go"
	case "python":
		return "Python"
	case "javascript", "javascriptreact", "jsx":
		return "JavaScript"
	case "typescript", "typescriptreact", "tsx":
		return "TypeScript"
	case "rust":
		return "Rust"
	case "java":
		return "Java"
	case "c":
		return "C"
	case "cpp", "c++":
		return "C++"
	case "csharp", "c#":
		return "C#"
	case "ruby":
		return "Ruby"
	case "php":
		return "PHP"
	case "kotlin":
		return "Kotlin"
	case "swift":
		return "Swift"
	case "lua":
		return "Lua"
	case "shellscript", "shell", "bash", "sh":
		return "shell"
	}
	return id
}
