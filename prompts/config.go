package prompts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config says which model server to talk to and how. The zero value is not useful; start from
// [DefaultConfig] and layer the other sources on top, lowest precedence first:
//
//	defaults < config file < editor settings < environment
//
// [LoadConfig] does exactly that.
type Config struct {
	BaseURL         string        // OpenAI-compatible base URL, including /v1
	APIKey          string        // sent as "Authorization: Bearer"; "" sends none
	ChatModel       string        // explain, document, refactor, fix, test, chat
	CompletionModel string        // fill-in-the-middle completion; a base (not instruct) model works best
	EmbeddingModel  string        // vectors for repository search
	Timeout         time.Duration // bounds a non-streamed answer, and a stream's first byte (see Timeouts)
	Timeouts        Timeouts      // the stages of a request; zero fields take the defaults
	MaxTokens       int           // output tokens per request
	Temperature     float32       // 0 is greedy and is sent as 0, not omitted
	Stop            []string      // extra stop sequences, added to the FIM family's own
	FIM             string        // FIM family override ("qwen", "deepseek", ...); "" = from the model name
	ContextWindow   int           // overrides the model's context length the server reports (0 = ask the server)
	TemplatesDir    string        // directory whose *.tmpl files replace the built-in templates
	// DisabledLanguages are the languages ("disabledLanguages") in which ragls offers no
	// completions: language IDs (go, python, javascript, typescript, tsx, rust, java, c, cpp,
	// text for every other file) or file extensions without the dot ("md").
	DisabledLanguages []string
	// WarmUp ("warmUp", RAGLS_WARM_UP) sends one silent one-token completion when a file is
	// opened, so that the first real one finds the model loaded and the prompt's head cached.
	// On by default; off suits a server that is metered or shared.
	WarmUp bool
}

// CompletesLanguage reports whether completions are on for a file of language lang (its ID)
// with extension ext (".md" or "md"); matching ignores case.
func (c Config) CompletesLanguage(lang, ext string) bool {
	ext = strings.TrimPrefix(ext, ".")
	for _, d := range c.DisabledLanguages {
		if strings.EqualFold(d, lang) || (ext != "" && strings.EqualFold(strings.TrimPrefix(d, "."), ext)) {
			return false
		}
	}
	return true
}

// Default settings. They suit Ollama on its default port with models that run on a laptop:
//
//   - qwen2.5-coder:1.5b-base completes code with FIM in well under a second on a CPU; the -base
//     variant matters, instruct variants ignore FIM tokens;
//   - qwen2.5-coder:7b-instruct follows the structured-output instructions reliably;
//   - nomic-embed-text is small (137M) and embeds code and prose well.
//
// ContextWindow is 0: the window is read from the server for each model (see [Client.Limits]),
// because a prompt longer than what the server holds is cut from the front silently.
const (
	DefaultBaseURL         = "http://127.0.0.1:11434/v1"
	DefaultChatModel       = "qwen2.5-coder:7b-instruct"
	DefaultCompletionModel = "qwen2.5-coder:1.5b-base"
	DefaultEmbeddingModel  = "nomic-embed-text"
	DefaultTimeout         = 120 * time.Second
	DefaultMaxTokens       = 512
	DefaultTemperature     = 0.2
	DefaultContextWindow   = 0
)

// Timeouts are the limits of each stage of a request (see [DefaultIdleTimeout] and the
// constants beside it for why there are several). Zero fields take the defaults.
type Timeouts struct {
	FirstByte  time.Duration // a stream's first byte; never longer than Config.Timeout
	Idle       time.Duration // between the bytes of a stream
	Completion time.Duration // a whole completion
}

func (t Timeouts) withDefaults() Timeouts {
	if t.FirstByte <= 0 {
		t.FirstByte = DefaultFirstByteTimeout
	}
	if t.Idle <= 0 {
		t.Idle = DefaultIdleTimeout
	}
	if t.Completion <= 0 {
		t.Completion = DefaultCompletionTimeout
	}
	return t
}

// DefaultConfig returns the settings for a stock Ollama on this machine.
func DefaultConfig() Config {
	return Config{
		BaseURL:         DefaultBaseURL,
		ChatModel:       DefaultChatModel,
		CompletionModel: DefaultCompletionModel,
		EmbeddingModel:  DefaultEmbeddingModel,
		Timeout:         DefaultTimeout,
		MaxTokens:       DefaultMaxTokens,
		Temperature:     DefaultTemperature,
		ContextWindow:   DefaultContextWindow,
		WarmUp:          true,
	}
}

// WithEnv returns c with the RAGLS_* environment variables applied. getenv is usually os.Getenv;
// tests pass a map lookup. Empty variables are ignored. RAGLS_MODEL_TIMEOUT is a Go duration
// ("45s") or a number of milliseconds; an unparsable value is ignored rather than failing the
// process, since [Config.Validate] and the client report real problems later.
func (c Config) WithEnv(getenv func(string) string) Config {
	set := func(dst *string, name string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	set(&c.BaseURL, "RAGLS_MODEL_URL")
	set(&c.APIKey, "RAGLS_API_KEY")
	set(&c.ChatModel, "RAGLS_CHAT_MODEL")
	set(&c.CompletionModel, "RAGLS_COMPLETION_MODEL")
	set(&c.EmbeddingModel, "RAGLS_EMBEDDING_MODEL")
	if v := strings.TrimSpace(getenv("RAGLS_MODEL_TIMEOUT")); v != "" {
		if d, err := parseTimeout(v); err == nil {
			c.Timeout = d
		}
	}
	if on, ok := parseSwitch(getenv("RAGLS_WARM_UP")); ok {
		c.WarmUp = on
	}
	return c
}

// parseSwitch reads an on/off environment variable: 1/0, true/false, on/off, yes/no. ok is
// false for an empty or unreadable value, which leaves the setting as the lower layers said.
func parseSwitch(v string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true, true
	case "0", "false", "off", "no":
		return false, true
	}
	return false, false
}

func parseTimeout(v string) (time.Duration, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		if ms <= 0 {
			return 0, fmt.Errorf("timeout %q must be positive", v)
		}
		return time.Duration(ms) * time.Millisecond, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("timeout %q is neither milliseconds nor a duration like 45s", v)
	}
	return d, nil
}

// settingKeys are the keys of the settings file and of the editor's settings; the package
// documentation shows them all with their defaults.
var settingKeys = []string{"modelUrl", "apiKey", "chatModel", "completionModel", "embeddingModel",
	"timeoutMs", "maxTokens", "temperature", "stop", "fim", "contextWindow", "templatesDir", "disabledLanguages", "warmUp"}

// Merge returns c with the settings in m applied (keys as listed under "Settings" in the package
// documentation). m is
// typically decoded JSON, so numbers may be float64 or json.Number. Keys that are unknown or have
// the wrong type are reported in the error, and every valid key is still applied: the returned
// Config is always usable. A nil m changes nothing.
func (c Config) Merge(m map[string]any) (Config, error) {
	var problems []string
	bad := func(k string, v any, want string) {
		problems = append(problems, fmt.Sprintf("%q: want %s, got %v (%T)", k, want, v, v))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable error text
	for _, k := range keys {
		v := m[k]
		if v == nil {
			continue // JSON null: keep what lower layers said
		}
		switch k {
		case "modelUrl", "apiKey", "chatModel", "completionModel", "embeddingModel", "fim", "templatesDir":
			s, ok := v.(string)
			if !ok {
				bad(k, v, "a string")
				continue
			}
			switch k {
			case "modelUrl":
				c.BaseURL = s
			case "apiKey":
				c.APIKey = s
			case "chatModel":
				c.ChatModel = s
			case "completionModel":
				c.CompletionModel = s
			case "embeddingModel":
				c.EmbeddingModel = s
			case "fim":
				if s != "" && ParseFamily(s) == FamilyUnknown {
					problems = append(problems, fmt.Sprintf("%q: unknown FIM family %q (known: %s)", k, s, strings.Join(familyNames(), ", ")))
					continue
				}
				c.FIM = s
			case "templatesDir":
				c.TemplatesDir = expandHome(s)
			}
		case "timeoutMs", "maxTokens", "contextWindow":
			n, ok := number(v)
			if !ok || n <= 0 || n != math.Trunc(n) || n > math.MaxInt32 {
				bad(k, v, "a positive integer")
				continue
			}
			switch k {
			case "timeoutMs":
				c.Timeout = time.Duration(n) * time.Millisecond
			case "maxTokens":
				c.MaxTokens = int(n)
			case "contextWindow":
				c.ContextWindow = int(n)
			}
		case "temperature":
			n, ok := number(v)
			if !ok || n < 0 || n > 2 {
				bad(k, v, "a number between 0 and 2")
				continue
			}
			c.Temperature = float32(n)
		case "warmUp":
			on, ok := v.(bool)
			if !ok {
				bad(k, v, "true or false")
				continue
			}
			c.WarmUp = on
		case "stop", "disabledLanguages":
			list, ok := stringList(v)
			if !ok {
				bad(k, v, "a list of strings")
				continue
			}
			if k == "stop" {
				c.Stop = list
			} else {
				c.DisabledLanguages = list
			}
		default:
			problems = append(problems, fmt.Sprintf("unknown setting %q (known: %s)", k, strings.Join(settingKeys, ", ")))
		}
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("model settings: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// stringList returns v as a list of strings, as decoded JSON or Go code gives one.
func stringList(v any) ([]string, bool) {
	if ss, ok := v.([]string); ok {
		return append([]string(nil), ss...), true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// DefaultConfigPath is where ragls looks for its settings file: os.UserConfigDir()/ragls/config.json
// (on Linux $XDG_CONFIG_HOME/ragls/config.json or ~/.config/ragls/config.json).
func DefaultConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("locating the config directory: %w", err)
	}
	return filepath.Join(dir, "ragls", "config.json"), nil
}

// LoadConfigFile returns [DefaultConfig] with the JSON settings file at path applied. The file is
// one JSON object with the keys listed under "Settings" in the package documentation (the same
// keys the editor sends); for example, for llama.cpp's server:
//
//	{"modelUrl": "http://127.0.0.1:8080/v1", "completionModel": "qwen2.5-coder-1.5b", "fim": "qwen"}
//
// A missing file is an error wrapping fs.ErrNotExist; see [LoadConfig] for the forgiving variant.
// Invalid keys are reported and the valid ones are still applied.
func LoadConfigFile(path string) (Config, error) {
	cfg := DefaultConfig()
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("reading model settings: %w", err)
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return cfg, fmt.Errorf("model settings %s: not a JSON object: %w", path, err)
	}
	cfg, err = cfg.Merge(m)
	if err != nil {
		return cfg, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// LoadConfig layers every source in precedence order: defaults, the file at path ("" means
// [DefaultConfigPath], where a missing file is normal), editor settings (nil if none) and the
// environment through getenv (nil means none). The Config is always usable; the error collects
// what was ignored and why, for the caller to show.
func LoadConfig(path string, editor map[string]any, getenv func(string) string) (Config, error) {
	var errs []error
	explicit := path != ""
	if !explicit {
		p, err := DefaultConfigPath()
		if err != nil {
			errs = append(errs, err)
		}
		path = p
	}
	cfg := DefaultConfig()
	if path != "" {
		c, err := LoadConfigFile(path)
		switch {
		case err == nil:
			cfg = c
		case errors.Is(err, os.ErrNotExist) && !explicit:
		default:
			cfg = c
			errs = append(errs, err)
		}
	}
	cfg, err := cfg.Merge(editor)
	if err != nil {
		errs = append(errs, fmt.Errorf("editor %w", err))
	}
	if getenv != nil {
		cfg = cfg.WithEnv(getenv)
	}
	return cfg, errors.Join(errs...)
}

// Validate reports settings the client cannot work with, worded for the user.
func (c Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("model URL %q is not an http(s) URL; set RAGLS_MODEL_URL, e.g. %s", c.BaseURL, DefaultBaseURL))
	}
	if c.ContextWindow < 0 {
		errs = append(errs, fmt.Errorf("contextWindow must be positive (or unset, to ask the server), not %d", c.ContextWindow))
	}
	if c.MaxTokens <= 0 {
		errs = append(errs, fmt.Errorf("maxTokens must be positive, not %d", c.MaxTokens))
	} else if c.ContextWindow > 0 && c.MaxTokens >= c.ContextWindow {
		errs = append(errs, fmt.Errorf("maxTokens (%d) leaves no room for the prompt in contextWindow (%d)", c.MaxTokens, c.ContextWindow))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout must be positive, not %s", c.Timeout))
	}
	if c.FIM != "" && ParseFamily(c.FIM) == FamilyUnknown {
		errs = append(errs, fmt.Errorf("unknown FIM family %q (known: %s)", c.FIM, strings.Join(familyNames(), ", ")))
	}
	return errors.Join(errs...)
}
