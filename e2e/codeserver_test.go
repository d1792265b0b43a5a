package e2e

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCodeServer runs the packaged extension (.vsix) in a real VS Code: code-server, driven in
// Debian's Chromium by playwright-core: indexing progress in the status bar, a hover, Explain and
// Document from the quick-fix menu seen in the DOM, and ghost text accepted with Tab. Against
// the real model server (shapes: something was explained, inserted, accepted) and against the
// fake model, whose answers make the edits exact.
//
// Tools (installed by .ci/vscode/install.sh, packaged by .ci/vscode/package.sh; scripts/test sets
// them): RAGLS_VSIX, RAGLS_CODE_SERVER, RAGLS_NODE24, RAGLS_PLAYWRIGHT, RAGLS_CHROMIUM.
func TestCodeServer(t *testing.T) {
	t.Parallel()
	need := func(env string) string {
		p := os.Getenv(env)
		if p == "" {
			missing(t, "%s is not set (run .ci/vscode/install.sh and package.sh; see scripts/test)", env)
		}
		if _, err := os.Stat(p); err != nil {
			missing(t, "%s: %v", env, err)
		}
		return p
	}
	vsix, codeServer, node, playwright, chromium := need("RAGLS_VSIX"), need("RAGLS_CODE_SERVER"), need("RAGLS_NODE24"), need("RAGLS_PLAYWRIGHT"), need("RAGLS_CHROMIUM")
	// code-server's bin is a link to its out/node/entry.js, which Node 24 runs.
	entry, err := filepath.EvalSymlinks(codeServer)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		model func(*testing.T) model
		exact bool
	}{
		{"real model", realModel, false},
		{"fake model", func(t *testing.T) model { return newFakeModel(t, "ok").model() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runCodeServer(t, tc.model(t), tc.exact, vsix, entry, node, playwright, chromium)
		})
	}
}

func runCodeServer(t *testing.T, m model, exact bool, vsix, entry, node, playwright, chromium string) {
	root := workspace(t)
	settings := map[string]any{"ragls.path": ragls(t)}
	for k, v := range m.settings() {
		settings["ragls."+k] = v
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	plan := map[string]any{
		"codeServer":    entry,
		"node":          node,
		"vsix":          vsix,
		"chromium":      chromium,
		"workspace":     root,
		"port":          port,
		"dir":           t.TempDir(),
		"settings":      settings,
		"hover":         visual(hoverAt),
		"action":        visual(actionAt),
		"ghost":         map[string]any{"line": completeAt.Line, "character": visual(completeAt).Character, "type": "\n"},
		"actionTimeout": (m.Timeout + 5*time.Second).Milliseconds(),
	}
	cmd := exec.Command(node, abs(t, filepath.Join("testdata", "codeserver.js")), mustJSON(t, plan))
	cmd.Env = append(environ(t), "NODE_PATH="+filepath.Dir(playwright))
	out := run(t, 3*time.Minute, cmd)
	var res struct {
		Errors         []string `json:"errors"`
		Steps          []string `json:"steps"`
		StatusTexts    []string `json:"statusTexts"`
		Hover          string   `json:"hover"`
		QuickFixTitles []string `json:"quickFixTitles"`
		Explanation    string   `json:"explanation"`
		Documented     string   `json:"documented"`
		Ghost          []string `json:"ghost"`
		AfterGhost     string   `json:"afterGhost"`
		Original       string   `json:"original"`
		InstallMs      int      `json:"installMs"`
		ServerLog      string   `json:"serverLog"`
		Screenshot     string   `json:"screenshot"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("codeserver.js printed %q: %v", out, err)
	}
	t.Logf("steps %v; extension installed in %d ms; status bar: %q", res.Steps, res.InstallMs, res.StatusTexts)
	for _, e := range res.Errors {
		t.Error(e)
	}
	// Four files index in a blink, faster than the DOM can be watched; the ready state names what
	// the indexing progress reported ("4 files, 8 chunks, ...").
	if last := res.StatusTexts[len(res.StatusTexts)-1:]; len(last) == 0 || !strings.Contains(last[0], "index ready (4 files") {
		t.Errorf("status bar did not show the finished indexing: %q", res.StatusTexts)
	}
	if !strings.Contains(res.Hover, "Total") {
		t.Errorf("hover = %q", res.Hover)
	}
	if res.Explanation == "" {
		t.Error("Explain opened no explanation")
	}
	if res.Documented == "" || res.Documented == res.Original {
		t.Errorf("Document function did not change the editor:\n%s", res.Documented)
	}
	if len(res.Ghost) == 0 || res.AfterGhost == "" || res.AfterGhost == res.Original {
		t.Errorf("ghost text %q; after Tab the editor shows:\n%s", res.Ghost, res.AfterGhost)
	}
	if exact {
		if !strings.Contains(res.Documented, "// "+fakeDoc+"\nfunc Checkout") {
			t.Errorf("after Document function the editor shows:\n%s\nwant the doc comment %q above Checkout", res.Documented, fakeDoc)
		}
		// The typed newline, then the ghost text (which starts with its own newline) at the cursor.
		if want := "}\n\n" + strings.ReplaceAll(strings.TrimPrefix(fakeCompletion, "\n"), "\t", "    ") + "\n"; !strings.Contains(res.AfterGhost, want) {
			t.Errorf("after Tab the editor shows:\n%q\nwant %q", res.AfterGhost, want)
		}
	}
	if t.Failed() {
		if res.Screenshot != "" {
			if b, err := os.ReadFile(res.Screenshot); err == nil {
				shot := filepath.Join(os.TempDir(), "ragls-codeserver-failure.png")
				if os.WriteFile(shot, b, 0o644) == nil {
					t.Logf("screenshot of the failure: %s", shot)
				}
			}
		}
		t.Logf("code-server log:\n%s", res.ServerLog)
	}
}

// visual converts a position in cart.go to the column VS Code's Go to Line takes: tabs count as
// the tab size (4).
func visual(p pos) pos {
	line := strings.Split(cartGo, "\n")[p.Line]
	tabs := strings.Count(line[:p.Character], "\t")
	return pos{Line: p.Line, Character: p.Character + 3*tabs}
}
