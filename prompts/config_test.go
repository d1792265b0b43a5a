package prompts

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.BaseURL != "http://127.0.0.1:11434/v1" || c.CompletionModel == "" || c.ChatModel == "" || c.EmbeddingModel == "" {
		t.Errorf("defaults = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
	if FamilyForModel(c.CompletionModel, c.FIM) != FamilyQwen {
		t.Error("the default completion model should get a FIM format")
	}
}

func TestWithEnv(t *testing.T) {
	c := DefaultConfig().WithEnv(env(map[string]string{
		"RAGLS_MODEL_URL":        "http://127.0.0.1:8080/v1",
		"RAGLS_API_KEY":          "k",
		"RAGLS_CHAT_MODEL":       "c",
		"RAGLS_COMPLETION_MODEL": "p",
		"RAGLS_EMBEDDING_MODEL":  "e",
		"RAGLS_MODEL_TIMEOUT":    "1500",
	}))
	if c.BaseURL != "http://127.0.0.1:8080/v1" || c.APIKey != "k" || c.ChatModel != "c" || c.CompletionModel != "p" || c.EmbeddingModel != "e" || c.Timeout != 1500*time.Millisecond {
		t.Errorf("env not applied: %+v", c)
	}
	c = DefaultConfig().WithEnv(env(map[string]string{"RAGLS_MODEL_TIMEOUT": "45s", "RAGLS_CHAT_MODEL": "  "}))
	if c.Timeout != 45*time.Second || c.ChatModel != DefaultChatModel {
		t.Errorf("duration or blank handling: %+v", c)
	}
	c = DefaultConfig().WithEnv(env(map[string]string{"RAGLS_MODEL_TIMEOUT": "soon"}))
	if c.Timeout != DefaultTimeout {
		t.Errorf("bad timeout applied: %v", c.Timeout)
	}
}

func TestMerge(t *testing.T) {
	var m map[string]any
	if err := json.Unmarshal([]byte(`{"modelUrl":"http://127.0.0.1:1234/v1","apiKey":"a","chatModel":"c","completionModel":"p",
		"embeddingModel":"e","timeoutMs":2500,"maxTokens":100,"temperature":0,"stop":["\n\n"],"fim":"deepseek",
		"contextWindow":16384,"templatesDir":"/tmp/t"}`), &m); err != nil {
		t.Fatal(err)
	}
	c, err := DefaultConfig().Merge(m)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{BaseURL: "http://127.0.0.1:1234/v1", APIKey: "a", ChatModel: "c", CompletionModel: "p", EmbeddingModel: "e",
		Timeout: 2500 * time.Millisecond, MaxTokens: 100, Temperature: 0, Stop: []string{"\n\n"}, FIM: "deepseek",
		ContextWindow: 16384, TemplatesDir: "/tmp/t", WarmUp: true}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("merged\n%+v\nwant\n%+v", c, want)
	}

	// Bad values are reported, valid ones still applied, nothing else lost.
	c, err = DefaultConfig().Merge(map[string]any{"chatModel": "ok", "maxTokens": "lots", "temperature": 9.0, "stop": []any{1}, "fim": "gpt", "colour": "red", "contextWindow": nil})
	if err == nil {
		t.Fatal("no error for bad settings")
	}
	for _, want := range []string{`"maxTokens"`, `"temperature"`, `"stop"`, `unknown FIM family "gpt"`, `unknown setting "colour"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if c.ChatModel != "ok" || c.MaxTokens != DefaultMaxTokens || c.Temperature != DefaultTemperature || c.ContextWindow != DefaultContextWindow {
		t.Errorf("after bad merge: %+v", c)
	}
}

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	if err := os.WriteFile(path, []byte(`{"chatModel":"from-file","completionModel":"from-file","embeddingModel":"from-file","maxTokens":64}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path, map[string]any{"completionModel": "from-editor", "embeddingModel": "from-editor"},
		env(map[string]string{"RAGLS_EMBEDDING_MODEL": "from-env"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ChatModel != "from-file" || c.CompletionModel != "from-editor" || c.EmbeddingModel != "from-env" || c.MaxTokens != 64 || c.BaseURL != DefaultBaseURL {
		t.Errorf("precedence wrong: %+v", c)
	}
}

func TestLoadConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadConfigFile(filepath.Join(dir, "missing.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"chatModel": "x",`), 0o600)
	c, err := LoadConfigFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("malformed file: err = %v", err)
	}
	if !reflect.DeepEqual(c, DefaultConfig()) {
		t.Errorf("malformed file changed the config: %+v", c)
	}
	// An explicit path that is missing is an error; the default location may be absent.
	if _, err := LoadConfig(filepath.Join(dir, "missing.json"), nil, nil); err == nil {
		t.Error("explicit missing file not reported")
	}
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	if c, err := LoadConfig("", nil, nil); err != nil || c.BaseURL != DefaultBaseURL {
		t.Errorf("absent default file: %+v, %v", c, err)
	}
	if p, err := DefaultConfigPath(); err != nil || !strings.HasSuffix(p, filepath.Join("ragls", "config.json")) {
		t.Errorf("DefaultConfigPath = %q, %v", p, err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		mod  func(*Config)
		want string
	}{
		{func(c *Config) { c.BaseURL = "127.0.0.1:11434" }, "not an http(s) URL"},
		{func(c *Config) { c.ContextWindow, c.MaxTokens = 512, 512 }, "leaves no room"},
		{func(c *Config) { c.ContextWindow = -1 }, "contextWindow"},
		{func(c *Config) { c.Timeout = 0 }, "timeout"},
		{func(c *Config) { c.FIM = "gpt" }, "unknown FIM family"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate() = %v, want %q", err, tt.want)
		}
	}
}

func TestDisabledLanguagesSetting(t *testing.T) {
	c, err := DefaultConfig().Merge(map[string]any{"disabledLanguages": []any{"Python", ".md"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, ext string
		want      bool
	}{{"python", ".py", false}, {"text", ".md", false}, {"text", "md", false}, {"text", ".txt", true}, {"go", ".go", true}} {
		if got := c.CompletesLanguage(tc.lang, tc.ext); got != tc.want {
			t.Errorf("CompletesLanguage(%q, %q) = %v, want %v", tc.lang, tc.ext, got, tc.want)
		}
	}
	if _, err := DefaultConfig().Merge(map[string]any{"disabledLanguages": "python"}); err == nil || !strings.Contains(err.Error(), "disabledLanguages") {
		t.Errorf("a string for disabledLanguages: %v, want an error naming it", err)
	}
}

func TestWarmUpSetting(t *testing.T) {
	if !DefaultConfig().WarmUp {
		t.Fatal("warm-up is off by default")
	}
	c, err := DefaultConfig().Merge(map[string]any{"warmUp": false})
	if err != nil || c.WarmUp {
		t.Errorf("warmUp: false merged to %v, %v", c.WarmUp, err)
	}
	if _, err := DefaultConfig().Merge(map[string]any{"warmUp": "no"}); err == nil || !strings.Contains(err.Error(), "warmUp") {
		t.Errorf("warmUp: \"no\" error = %v, want one naming the key", err)
	}
	for v, want := range map[string]bool{"0": false, "off": false, "false": false, "1": true, "yes": true, "maybe": false} {
		base := DefaultConfig()
		base.WarmUp = v != "maybe" && !want // start from the opposite, except for the unreadable value
		got := base.WithEnv(env(map[string]string{"RAGLS_WARM_UP": v})).WarmUp
		if v == "maybe" {
			want = base.WarmUp
		}
		if got != want {
			t.Errorf("RAGLS_WARM_UP=%s: WarmUp = %v, want %v", v, got, want)
		}
	}
	// The settings file layer.
	path := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(path, []byte(`{"warmUp": false}`), 0o644)
	if c, err := LoadConfigFile(path); err != nil || c.WarmUp {
		t.Errorf("settings file with warmUp false: %v, %v", c.WarmUp, err)
	}
}
