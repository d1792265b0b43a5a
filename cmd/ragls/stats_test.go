package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ragls/engine"
)

// ragls stats prints what the language server counted, per language and in total, as a table
// and as JSON.
func TestStatsCommand(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, dir, "", "stats")
	if code != 0 || !strings.Contains(out, "no completions recorded yet") {
		t.Errorf("stats with nothing recorded = %d, %q (stderr %q)", code, out, errOut)
	}

	e, err := engine.New(engine.Options{CacheDir: filepath.Join(dir, ".cache-for-test"), Getenv: func(k string) string {
		return map[string]string{"RAGLS_CONFIG": filepath.Join(dir, "none.json")}[k]
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range []int{100, 200, 300, 400} {
		id := e.CompletionShown("/r/a.go", time.Duration(ms)*time.Millisecond)
		if ms <= 200 {
			e.CompletionAccepted(id)
		}
	}
	e.CompletionShown("/r/a.py", 50*time.Millisecond)
	e.Close() // flushes

	code, out, errOut = runCLI(t, dir, "", "stats")
	if code != 0 {
		t.Fatalf("stats = %d, %q", code, errOut)
	}
	for _, want := range []string{
		`(?m)^\s*go\s+4\s+2\s+50\.0%\s+200ms\s+400ms\s*$`,
		`(?m)^\s*python\s+1\s+0\s+0\.0%\s+50ms\s+50ms\s*$`,
		`(?m)^\s*all\s+5\s+2\s+40\.0%\s+200ms\s+400ms\s*$`,
		`on this machine only`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("stats output lacks %s:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(t, dir, "", "stats", "--json")
	var got struct {
		Languages map[string]statsRow `json:"languages"`
		Total     statsRow            `json:"total"`
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("stats --json = %d, %v: %s", code, err, out)
	}
	if g := got.Languages["go"]; g != (statsRow{Shown: 4, Accepted: 2, AcceptanceRate: 0.5, LatencyP50Ms: 200, LatencyP95Ms: 400}) {
		t.Errorf("go = %+v", g)
	}
	if got.Total.Shown != 5 || got.Total.Accepted != 2 {
		t.Errorf("total = %+v", got.Total)
	}
	if code, _, _ := runCLI(t, dir, "", "stats", "extra"); code != 2 {
		t.Errorf("stats extra: exit %d, want 2", code)
	}
}
