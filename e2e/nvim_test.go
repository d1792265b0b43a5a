package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestNeovim drives ragls from headless Neovim (0.7 is what Debian ships) through the plugin in
// editors/nvim: progress, hover, code actions resolved and applied, completion, shutdown.
func TestNeovim(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		model func(*testing.T) model
		check func(*testing.T, session)
	}{
		{"real model", realModel, nil},
		{"fake model", func(t *testing.T) model { return newFakeModel(t, "ok").model() }, checkFakeDoc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			nvim := tool(t, "RAGLS_NVIM", "nvim")
			m := tc.model(t)
			s := runEditor(t, m, func(plan map[string]any, env []string) *exec.Cmd {
				plan["plugin"] = abs(t, filepath.Join("..", "editors", "nvim"))
				cmd := exec.Command(nvim, "--headless", "--clean", "-u", "NONE", "-c", "luafile "+abs(t, filepath.Join("testdata", "nvim.lua")))
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
