package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// editor is a real LSP client the tests drive headless, through the integration shipped for it
// in editors/ (so the shipped configuration is what is tested).
type editor struct {
	name   string
	envVar string // where the binary is found; the default is defaultBin on PATH
	bin    string
	plugin string // the directory under editors/
	// args runs the editor on the test script; the plan reaches it through RAGLS_E2E_PLAN.
	args func(t *testing.T) []string
}

var editors = []editor{
	// Neovim 0.7 (Debian 12) through editors/nvim: progress, hover, a code action picked through
	// vim.lsp.buf.code_action (Neovim resolves it and applies the edit), completion, shutdown.
	{"neovim", "RAGLS_NVIM", "nvim", "nvim", func(t *testing.T) []string {
		return []string{"--headless", "--clean", "-u", "NONE", "-c", "luafile " + abs(t, filepath.Join("testdata", "nvim.lua"))}
	}},
	// Emacs eglot in batch through editors/emacs/ragls.el. eglot 1.9 (Debian 12) cannot resolve
	// code actions, so this covers the workspace/executeCommand and workspace/applyEdit path;
	// ragls.el adds the progress support that eglot 1.9 lacks.
	{"emacs", "RAGLS_EMACS", "emacs", "emacs", func(t *testing.T) []string {
		return []string{"--batch", "-Q", "-l", abs(t, filepath.Join("testdata", "eglot.el"))}
	}},
	// Vim 9's built-in LSP channel in silent Ex mode, through editors/vim/ragls.vim.
	{"vim", "RAGLS_VIM", "vim", "vim", func(t *testing.T) []string {
		return []string{"-Nu", "NONE", "-i", "NONE", "-es", "-S", abs(t, filepath.Join("testdata", "vim.vim"))}
	}},
}

// TestEditors runs every editor against the real model server (the happy path, asserting on
// shape) and against a fake one (asserting the exact edit).
func TestEditors(t *testing.T) {
	t.Parallel()
	models := []struct {
		name  string
		model func(*testing.T) model
		check func(*testing.T, session)
	}{
		{"real model", realModel, nil},
		{"fake model", func(t *testing.T) model { return newFakeModel(t, "ok").model() }, checkFakeDoc},
	}
	for _, ed := range editors {
		for _, tc := range models {
			t.Run(ed.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				bin := tool(t, ed.envVar, ed.bin)
				m := tc.model(t)
				s := runEditor(t, m, func(plan map[string]any, env []string) *exec.Cmd {
					plan["plugin"] = abs(t, filepath.Join("..", "editors", ed.plugin))
					cmd := exec.Command(bin, ed.args(t)...)
					cmd.Env = append(env, "RAGLS_E2E_PLAN="+mustJSON(t, plan))
					return cmd
				})
				s.check(t, true)
				if tc.check != nil {
					tc.check(t, s)
				}
			})
		}
	}
}

// checkFakeDoc asserts the exact edit "Document function" makes with the fake model's answer.
func checkFakeDoc(t *testing.T, s session) {
	t.Helper()
	if want := documented(); s.After != want {
		t.Errorf("after Document function:\n%s\nwant:\n%s", s.After, want)
	}
}

// runEditor writes the workspace and the plan an editor script follows, runs the editor and
// returns the session it recorded.
func runEditor(t *testing.T, m model, command func(plan map[string]any, env []string) *exec.Cmd) session {
	t.Helper()
	root := workspace(t)
	result := filepath.Join(t.TempDir(), "result.json")
	plan := map[string]any{
		"server":        []string{ragls(t), "serve"},
		"root":          root,
		"file":          filepath.Join(root, "cart.go"),
		"result":        result,
		"settings":      m.settings(),
		"hover":         hoverAt,
		"hoverAfter":    hoverAfterEdit,
		"action":        actionAt,
		"completion":    completeAt,
		"diagnostic":    fakeDiagnostic,
		"actionTimeout": (m.Timeout + 5*time.Second).Milliseconds(),
	}
	cmd := command(plan, environ(t))
	cmd.Dir = root
	run(t, 60*time.Second, cmd)
	return readSession(t, result)
}

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
