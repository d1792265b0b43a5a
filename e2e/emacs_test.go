package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestEmacs drives ragls from Emacs eglot in batch through editors/emacs/ragls.el. eglot 1.9
// (Debian 12) cannot resolve code actions, so this covers the workspace/executeCommand and
// workspace/applyEdit path; ragls.el adds the progress support that eglot 1.9 lacks.
func TestEmacs(t *testing.T) {
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
			emacs := tool(t, "RAGLS_EMACS", "emacs")
			m := tc.model(t)
			s := runEditor(t, m, func(plan map[string]any, env []string) *exec.Cmd {
				plan["plugin"] = abs(t, filepath.Join("..", "editors", "emacs"))
				cmd := exec.Command(emacs, "--batch", "-Q", "-l", abs(t, filepath.Join("testdata", "eglot.el")))
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
