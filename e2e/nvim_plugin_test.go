package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNeovimPlugin drives the shipped plugin's own features in headless Neovim (Debian's 0.7.2
// in CI) against ragls and the fake model, whose answers make the results exact: the
// buffer-local K, the :Ragls… commands, ghost-text extmarks accepted and dismissed, and a
// multi-line completion item inserted without ^@.
func TestNeovimPlugin(t *testing.T) {
	t.Parallel()
	bin := tool(t, "RAGLS_NVIM", "nvim")
	m := newFakeModel(t, "ok").model()
	root := workspace(t)
	result := filepath.Join(t.TempDir(), "result.json")
	plan := map[string]any{
		"server":        []string{ragls(t), "serve"},
		"plugin":        abs(t, filepath.Join("..", "editors", "nvim")),
		"file":          filepath.Join(root, "cart.go"),
		"result":        result,
		"settings":      m.settings(),
		"hover":         hoverAt,
		"action":        actionAt,
		"completion":    completeAt,
		"actionTimeout": (m.Timeout + 5*time.Second).Milliseconds(),
	}
	env := environ(t)
	cmd := exec.Command(bin, "--headless", "--clean", "-u", "NONE", "-c", "luafile "+abs(t, filepath.Join("testdata", "nvim_plugin.lua")))
	cmd.Env = append(env, "RAGLS_E2E_PLAN="+mustJSON(t, plan))
	cmd.Dir = root
	run(t, 60*time.Second, cmd)

	// Accepting ghost text and choosing an omni-completion item each ran the item's command:
	// the server, which has exited and written its statistics, counted both acceptances.
	stats := exec.Command(ragls(t), "stats", "--json")
	stats.Env = env
	var counted struct {
		Total struct {
			Accepted int `json:"accepted"`
		} `json:"total"`
	}
	if out := run(t, 30*time.Second, stats); json.Unmarshal(out, &counted) != nil || counted.Total.Accepted != 2 {
		t.Errorf("ragls stats after accepting ghost text and an omni-completion item: %s, want 2 acceptances counted", out)
	}

	raw, err := os.ReadFile(result)
	if err != nil {
		t.Fatalf("the Neovim script wrote no result: %v", err)
	}
	var got struct {
		Errors                []string `json:"errors"`
		Commands              []string `json:"commands"`
		KBufferLocal          bool     `json:"kBufferLocal"`
		Omnifunc              string   `json:"omnifunc"`
		Hover                 string   `json:"hover"`
		Documented            string   `json:"documented"`
		Status                string   `json:"status"`
		GhostText             string   `json:"ghostText"`
		MarksAfterDismiss     int      `json:"marksAfterDismiss"`
		UnchangedAfterDismiss bool     `json:"unchangedAfterDismiss"`
		Accepted              bool     `json:"accepted"`
		AfterAccept           string   `json:"afterAccept"`
		MarksAfterAccept      int      `json:"marksAfterAccept"`
		ItemWord              string   `json:"itemWord"`
		ItemRest              string   `json:"itemRest"`
		ItemCommand           string   `json:"itemCommand"`
		AfterItem             string   `json:"afterItem"`
		Original              string   `json:"original"`
		ServerExit            *int     `json:"serverExit"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("result: %v\n%s", err, raw)
	}
	for _, e := range got.Errors {
		t.Error(e)
	}
	for _, c := range []string{"RaglsExplain", "RaglsDocument", "RaglsRefactor", "RaglsFix", "RaglsTests", "RaglsReindex", "RaglsStatus"} {
		if !slices.Contains(got.Commands, c) {
			t.Errorf("command :%s missing; have %v", c, got.Commands)
		}
	}
	if !got.KBufferLocal {
		t.Error("K is not mapped buffer-locally")
	}
	if !strings.Contains(got.Omnifunc, "ragls") {
		t.Errorf("omnifunc = %q, want the plugin's", got.Omnifunc)
	}
	if !strings.Contains(got.Hover, "func Total") {
		t.Errorf("K showed %q, want the hover on Total", got.Hover)
	}
	if want := documented(); got.Documented != want {
		t.Errorf(":RaglsDocument:\n%s\nwant:\n%s", got.Documented, want)
	}
	if !strings.Contains(got.Status, "running") {
		t.Errorf(":RaglsStatus = %q", got.Status)
	}

	// The fake model completes with fakeCompletion: a newline, then an indented line.
	lines := strings.Split(got.Original, "\n")
	insertAt := func(text string) string {
		l := lines[completeAt.Line]
		out := slices.Clone(lines)
		out[completeAt.Line] = l[:completeAt.Character] + text + l[completeAt.Character:]
		return strings.Join(out, "\n")
	}
	shown := strings.ReplaceAll(fakeCompletion, "\t", "        ") // tabs shown as tabstop spaces
	if got.GhostText != shown {
		t.Errorf("ghost text = %q, want %q", got.GhostText, shown)
	}
	if got.MarksAfterDismiss != 0 || !got.UnchangedAfterDismiss {
		t.Errorf("after dismiss: %d extmarks, buffer unchanged %v", got.MarksAfterDismiss, got.UnchangedAfterDismiss)
	}
	if want := insertAt(fakeCompletion); !got.Accepted || got.AfterAccept != want || got.MarksAfterAccept != 0 {
		t.Errorf("after accept (%v, %d extmarks):\n%q\nwant:\n%q", got.Accepted, got.MarksAfterAccept, got.AfterAccept, want)
	}
	if strings.Contains(got.ItemWord, "\n") || strings.ContainsRune(got.AfterItem, 0) {
		t.Errorf("completion item word %q inserts a newline as ^@", got.ItemWord)
	}
	if got.ItemCommand != "ragls.accepted" {
		t.Errorf("omni-completion item command = %q, want ragls.accepted", got.ItemCommand)
	}
	if want := insertAt(fakeCompletion); got.AfterItem != want {
		t.Errorf("after the multi-line item:\n%q\nwant:\n%q", got.AfterItem, want)
	}
	if got.ServerExit == nil || *got.ServerExit != 0 {
		t.Errorf("ragls serve exit = %v, want 0", got.ServerExit)
	}
}
