package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"ragls/indexer"
)

// runCLI runs ragls in-process with a private cache and returns its exit status and output.
func runCLI(t *testing.T, dir, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cache := filepath.Join(dir, ".cache-for-test")
	env := map[string]string{"RAGLS_CACHE_DIR": cache, "RAGLS_CONFIG": filepath.Join(dir, "none.json"), "RAGLS_MODEL_URL": "http://127.0.0.1:1/v1"}
	code := run(context.Background(), args, env2(strings.NewReader(stdin), &out, &errOut, env))
	return code, out.String(), errOut.String()
}

func env2(in *strings.Reader, out, errOut *bytes.Buffer, m map[string]string) env {
	return env{stdin: in, stdout: out, stderr: errOut, getenv: func(k string) string { return m[k] }}
}

func testRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"lib/math.go": "package lib\n\n// Scale multiplies v by the factor.\nfunc Scale(v, factor int) int {\n\treturn v * factor\n}\n",
		"app/main.go": "package main\n\nimport \"example/lib\"\n\nfunc main() {\n\tprintln(lib.Scale(2, 3))\n}\n",
		".env":        "SECRET=1\n",
		"notes/a.txt": "some notes about scaling\n",
		".gitignore":  ".cache-for-test/\n",
	}
	for p, text := range files {
		abs := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIndexSearchContextContract(t *testing.T) {
	dir := testRepo(t)
	code, out, errOut := runCLI(t, dir, "", "index", "--root", dir, "--json")
	if code != 0 {
		t.Fatalf("index exit %d: %s", code, errOut)
	}
	var sum struct {
		Files   int            `json:"files"`
		Chunks  int            `json:"chunks"`
		Skipped map[string]int `json:"skipped"`
		Seconds float64        `json:"seconds"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("index --json is not one JSON object: %v: %q", err, out)
	}
	if sum.Files != 4 || sum.Chunks == 0 || sum.Skipped["secret"] != 1 {
		t.Errorf("summary %+v: want 4 files, some chunks, 1 secret skipped", sum)
	}

	code, out, errOut = runCLI(t, dir, "", "search", "--root", dir, "-k", "2", "--json", "Scale")
	if code != 0 {
		t.Fatalf("search exit %d: %s", code, errOut)
	}
	var res struct {
		Items []struct {
			Path      string  `json:"path"`
			StartLine int     `json:"start_line"`
			EndLine   int     `json:"end_line"`
			Kind      string  `json:"kind"`
			Score     float64 `json:"score"`
			Text      string  `json:"text"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Items) == 0 || len(res.Items) > 2 {
		t.Fatalf("search --json = %q (%v)", out, err)
	}
	if it := res.Items[0]; it.Path != "lib/math.go" || it.StartLine != 3 || !strings.Contains(it.Text, "func Scale") {
		t.Errorf("first search item = %+v", it)
	}

	pos := filepath.Join(dir, "app/main.go") + ":6:20" // just after "lib.Scale("
	code, out, errOut = runCLI(t, dir, "", "context", "--root", dir, "--json", "--budget", "200", pos)
	if code != 0 {
		t.Fatalf("context exit %d: %s", code, errOut)
	}
	var ctxRes struct {
		Items []struct {
			Path string `json:"path"`
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"items"`
		Tokens int `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(out), &ctxRes); err != nil {
		t.Fatal(err)
	}
	if len(ctxRes.Items) == 0 || ctxRes.Items[0].Path != "lib/math.go" || ctxRes.Items[0].Kind != "definition" || ctxRes.Tokens <= 0 || ctxRes.Tokens > 200 {
		t.Errorf("context = %+v", ctxRes)
	}

	batch := strings.Join([]string{
		`{"path": "app/main.go", "line": 6, "col": 20}`,
		`not json`,
		`{"path": "app/main.go", "line": 6, "col": 12, "content": "package main\n\nfunc f() {\n\tx := 1\n\t_ = x\n\tlib.Scale("}`,
		`{"path": "missing.go", "line": 1, "col": 1}`,
	}, "\n")
	code, out, errOut = runCLI(t, dir, batch, "context", "--batch", "--root", dir)
	if code != 0 {
		t.Fatalf("context --batch exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("--batch wrote %d lines for 4 inputs: %q", len(lines), out)
	}
	for i, want := range []string{"lib/math.go", "bad input line", "lib/math.go", "missing.go"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("batch line %d = %s, want it to mention %q", i+1, lines[i], want)
		}
	}
}

func TestUserMistakesGiveOneLineErrors(t *testing.T) {
	dir := testRepo(t)
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"search", "--root", dir}, 2, "no query"},
		{[]string{"context", "--root", dir, "app/main.go"}, 2, "FILE:LINE:COL"},
		{[]string{"context", "--root", dir, "x.go:0:1"}, 2, "numbers from 1"},
		{[]string{"index", "--root", filepath.Join(dir, "nope")}, 1, "no such file"},
		{[]string{"index", "--bogus"}, 2, "flag provided but not defined"},
		{[]string{"explain", "--root", dir, "app/main.go:x"}, 2, "lines must be numbers"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, dir, "", tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, "goroutine") {
			t.Errorf("ragls %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

func TestDoctorReportsServerDown(t *testing.T) {
	dir := testRepo(t)
	code, out, _ := runCLI(t, dir, "", "doctor", "--root", dir)
	if code != 1 || !strings.Contains(out, "unreachable") || !strings.Contains(out, "127.0.0.1:1") || !strings.Contains(out, "RAGLS_MODEL_URL") {
		t.Errorf("doctor with no server: exit %d\n%s", code, out)
	}
}

func TestParsePosition(t *testing.T) {
	tests := []struct {
		in        string
		file      string
		line, col int
		wantErr   bool
	}{
		{"a.go:3:4", "a.go", 3, 4, false},
		{"C:/x/a.go:10:1", "C:/x/a.go", 10, 1, false},
		{"a.go:3", "", 0, 0, true},
		{"a.go:-1:2", "", 0, 0, true},
		{":1:1", "", 0, 0, true},
	}
	for _, tt := range tests {
		f, l, c, err := parsePosition(tt.in)
		if (err != nil) != tt.wantErr || f != tt.file || l != tt.line || c != tt.col {
			t.Errorf("parsePosition(%q) = %q %d %d %v", tt.in, f, l, c, err)
		}
	}
}

// TestJSONKeepsInvalidUTF8NamesApart: two files whose names differ only in bytes that are not
// UTF-8 stay distinguishable in --json output.
func TestJSONKeepsInvalidUTF8NamesApart(t *testing.T) {
	names := []string{"caf\xe9.go", "caf\xe8.go", "café.go"}
	var hits []indexer.Hit
	for _, n := range names {
		hits = append(hits, indexer.Hit{Chunk: indexer.Chunk{Path: n}})
	}
	items := toItems(hits)
	seen := map[string]bool{}
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		var back item
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if seen[back.Path] {
			t.Errorf("two names print as %q", back.Path)
		}
		seen[back.Path] = true
		if utf8.ValidString(names[i]) != (len(back.PathBytes) == 0) || (len(back.PathBytes) > 0 && string(back.PathBytes) != names[i]) {
			t.Errorf("%q: path_bytes %q", back.Path, back.PathBytes)
		}
	}
	if items[0].Path != `caf\xe9.go` || string(items[0].PathBytes) != "caf\xe9.go" || items[2].Path != "café.go" {
		t.Errorf("items: %+v", items)
	}
}

func TestCLIPositionsPastTheEnd(t *testing.T) {
	dir := testRepo(t) // lib/math.go has 6 lines
	file := filepath.Join(dir, "lib/math.go")
	for _, args := range [][]string{
		{"explain", "--root", dir, file + ":7"},
		{"explain", "--root", dir, file + ":4-99"},
		{"complete", "--root", dir, file + ":99:1"},
		{"complete", "--root", dir, file + ":4:500"},
		{"context", "--root", dir, file + ":99:1"},
	} {
		code, out, errOut := runCLI(t, dir, "", args...)
		if code == 0 || !strings.Contains(errOut, "past its end") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// The position just after the last line's newline is a real place to complete.
	if code, _, errOut := runCLI(t, dir, "", "complete", "--root", dir, "--prompt", file+":7:1"); code != 0 {
		t.Errorf("complete at the end of the file: exit %d %s", code, errOut)
	}
}

func TestCLIFindsTheProjectRoot(t *testing.T) {
	dir := testRepo(t)
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(dir, "app"))
	code, out, errOut := runCLI(t, dir, "", "search", "--json", "Scale multiplies")
	if code != 0 || !strings.Contains(out, `"path":"lib/math.go"`) {
		t.Errorf("search from a subdirectory did not search the project: exit %d %s %s", code, out, errOut)
	}
	// A FILE relative to the subdirectory is found from there.
	code, out, errOut = runCLI(t, dir, "", "context", "--json", "main.go:6:10")
	if code != 0 || !strings.Contains(out, "lib/math.go") {
		t.Errorf("context for main.go from app/: exit %d %s %s", code, out, errOut)
	}
	// With --root, a relative FILE that is not here is taken relative to the root.
	t.Chdir(t.TempDir())
	code, out, errOut = runCLI(t, dir, "", "context", "--root", dir, "--json", "app/main.go:6:10")
	if code != 0 || !strings.Contains(out, "lib/math.go") {
		t.Errorf("context --root DIR app/main.go from elsewhere: exit %d %s %s", code, out, errOut)
	}
}
