package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestVSCodeExtension loads editors/vscode/extension.js in Node with stand-ins for the vscode
// module and vscode-languageclient (VS Code itself cannot run here) and checks what is the
// extension's own: it starts `ragls serve` from ragls.path, sends only the settings the user
// set, answers workspace/configuration from them, and passes a change on to the running server.
func TestVSCodeExtension(t *testing.T) {
	t.Parallel()
	node := tool(t, "RAGLS_NODE", "node")
	modules := nodeModules(t)
	first, second := newFakeModel(t, "ok"), newFakeModel(t, "ok")
	root := workspace(t)
	bin := ragls(t)
	m := first.model()
	user := map[string]any{
		"path":            bin,
		"modelUrl":        m.URL,
		"chatModel":       m.Name,
		"completionModel": m.Name,
		"fim":             "chat",
		"timeoutMs":       10000,
	}
	plan := map[string]any{
		"extension":   abs(t, filepath.Join("..", "editors", "vscode", "extension.js")),
		"root":        root,
		"file":        filepath.Join(root, "cart.go"),
		"user":        user,
		"change":      map[string]any{"modelUrl": second.URL},
		"completion":  completeAt,
		"completion2": pos{Line: 8, Character: 0}, // elsewhere, so that no cached answer serves it
	}
	cmd := exec.Command(node, abs(t, filepath.Join("testdata", "vscode.js")), mustJSON(t, plan))
	cmd.Env = append(environ(t), "NODE_PATH="+modules)
	out := run(t, 60*time.Second, cmd)
	var res struct {
		Errors  []string `json:"errors"`
		Clients []struct {
			ServerOptions struct {
				Run struct {
					Command string   `json:"command"`
					Args    []string `json:"args"`
				} `json:"run"`
			} `json:"serverOptions"`
			InitializationOptions map[string]any `json:"initializationOptions"`
			Languages             []string       `json:"languages"`
		} `json:"clients"`
		ConfigurationAnswers [][]map[string]any `json:"configurationAnswers"`
		Completions          [][]string         `json:"completions"`
		ServerExit           *int               `json:"serverExit"`
		Stderr               string             `json:"stderr"`
		ProposedFeatures     bool               `json:"proposedFeatures"`
		Inline               map[string]any     `json:"inline"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("vscode.js printed %q: %v", out, err)
	}
	for _, e := range res.Errors {
		t.Errorf("vscode.js: %s", e)
	}
	if len(res.Clients) != 1 {
		t.Fatalf("the extension made %d language clients, want 1", len(res.Clients))
	}
	c := res.Clients[0]
	if c.ServerOptions.Run.Command != bin || !reflect.DeepEqual(c.ServerOptions.Run.Args, []string{"serve"}) {
		t.Errorf("server started as %q %q, want %q [serve]", c.ServerOptions.Run.Command, c.ServerOptions.Run.Args, bin)
	}
	want := map[string]any{}
	for k, v := range user {
		if k != "path" {
			want[k] = v
		}
	}
	// Through JSON, numbers are float64.
	var wantJSON map[string]any
	if err := json.Unmarshal([]byte(mustJSON(t, want)), &wantJSON); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.InitializationOptions, wantJSON) {
		t.Errorf("initializationOptions = %v, want exactly the settings the user set: %v", c.InitializationOptions, wantJSON)
	}
	if len(res.ConfigurationAnswers) == 0 || len(res.ConfigurationAnswers[0]) != 1 || !reflect.DeepEqual(res.ConfigurationAnswers[0][0], wantJSON) {
		t.Errorf("workspace/configuration answers = %v, want [%v]", res.ConfigurationAnswers, wantJSON)
	}
	if !strings.Contains(strings.Join(c.Languages, " "), "go") {
		t.Errorf("document selector languages %q lack go", c.Languages)
	}
	if len(res.Completions) != 2 || len(res.Completions[0]) != 1 || res.Completions[0][0] != fakeCompletion {
		t.Errorf("completions = %q, want first [%q] from the configured model server", res.Completions, fakeCompletion)
	}
	if !res.ProposedFeatures {
		t.Error("the extension did not call registerProposedFeatures(): VS Code would never ask for ghost text")
	}
	if res.Inline["go"] != "asked" || res.Inline["disabled"] != nil || res.Inline["cancelled"] != nil {
		t.Errorf("inline completion middleware = %v, want asked in go, nothing when disabled or cancelled", res.Inline)
	}
	if sent, _ := res.Inline["sent"].([]any); !reflect.DeepEqual(sent, []any{2.0, 1.0, 2.0}) {
		t.Errorf("inline trigger kinds sent to ragls = %v, want [2 1 2] (typing, VS Code's Invoke as LSP Invoked, Automatic)", res.Inline["sent"])
	}
	if first.requestCount() == 0 {
		t.Errorf("the model server named by ragls.modelUrl got no request")
	}
	if second.requestCount() == 0 {
		t.Errorf("after ragls.modelUrl changed, the new model server got no request")
	}
	if res.ServerExit == nil || *res.ServerExit != 0 {
		t.Errorf("ragls serve exit status = %s, want 0", ptrString(res.ServerExit))
	}
	if t.Failed() {
		t.Logf("ragls serve stderr:\n%s", res.Stderr)
	}
}
