package e2e

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestVim drives ragls from Vim 9's built-in LSP channel in silent Ex mode, through the client
// shipped as editors/vim/ragls.vim.
func TestVim(t *testing.T) {
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
			vim := tool(t, "RAGLS_VIM", "vim")
			m := tc.model(t)
			s := runEditor(t, m, func(plan map[string]any, env []string) *exec.Cmd {
				plan["plugin"] = abs(t, filepath.Join("..", "editors", "vim"))
				cmd := exec.Command(vim, "-Nu", "NONE", "-i", "NONE", "-es", "-S", abs(t, filepath.Join("testdata", "vim.vim")))
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
