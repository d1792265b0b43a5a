package workspace

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWildmatch(t *testing.T) {
	tests := []struct {
		glob, text string
		want       bool
	}{
		{"*.go", "main.go", true},
		{"*.go", "dir/main.go", false}, // "*" stops at "/"
		{"a?c", "abc", true},
		{"a?c", "a/c", false},
		{"[abc].txt", "b.txt", true},
		{"[!abc].txt", "b.txt", false},
		{"[^abc].txt", "d.txt", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]x", "]x", true},
		{"[[:digit:]]*", "7up", true},
		{"[[:digit:]]*", "up", false},
		{"[unterminated", "u", false},
		{`\#file`, "#file", true},
		{`\!important`, "!important", true},
		{`a\*b`, "a*b", true},
		{`a\*b`, "axb", false},
		{`trailing\`, `trailing\`, false},
		{"**/foo", "foo", true},
		{"**/foo", "a/b/foo", true},
		{"**/foo", "a/b/foox", false},
		{"**/foo/bar", "x/foo/bar", true},
		{"foo/**", "foo/a", true},
		{"foo/**", "foo/a/b/c", true},
		{"foo/**", "foo", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"a**b", "axxb", true}, // not a whole element: a plain "*"
		{"a**b", "ax/xb", false},
		{"**", "any/thing/at/all", true},
		{"doc/*.txt", "doc/a.txt", true},
		{"doc/*.txt", "doc/sub/a.txt", false},
		{"*", "", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
	}
	for _, tt := range tests {
		if got := wildmatch(tt.glob, tt.text); got != tt.want {
			t.Errorf("wildmatch(%q, %q) = %v, want %v", tt.glob, tt.text, got, tt.want)
		}
	}
}

// TestWildmatchHostilePattern: many stars against a long name that almost matches would take
// exponential time without memoization; the test completes only if matching stays polynomial.
func TestWildmatchHostilePattern(t *testing.T) {
	glob := strings.Repeat("*a", 12) + "*b"
	name := strings.Repeat("a", 250)
	if wildmatch(glob, name) {
		t.Errorf("%q matched %q", glob, name)
	}
	if !wildmatch(glob, name+"b") {
		t.Errorf("%q did not match %q", glob, name+"b")
	}
	deep := strings.Repeat("**/a/", 8) + "b"
	path := strings.Repeat("a/", 40) + "c"
	if wildmatch(deep, path) {
		t.Errorf("%q matched %q", deep, path)
	}
}

// FuzzIgnoreLine: any line of an ignore file, matched against any path, is handled without a
// panic.
func FuzzIgnoreLine(f *testing.F) {
	for _, seed := range []string{"*.go", "!a/**/b/", `\#x`, "[a-", "[[:alpha:]]", "**", "a\\", "  ", "/"} {
		f.Add(seed, "a/b/c.go", true)
	}
	f.Fuzz(func(t *testing.T, line, rel string, isDir bool) {
		if p, ok := parsePattern(line); ok {
			p.match(rel, rel[strings.LastIndexByte(rel, '/')+1:], isDir)
		}
	})
}

func TestParsePattern(t *testing.T) {
	tests := []struct {
		line                      string
		ok                        bool
		glob                      string
		negate, dirOnly, anchored bool
	}{
		{line: "", ok: false},
		{line: "# comment", ok: false},
		{line: "   ", ok: false},
		{line: "/", ok: false},
		{line: `\#hash`, ok: true, glob: `\#hash`},
		{line: "!keep.go", ok: true, glob: "keep.go", negate: true},
		{line: `\!bang`, ok: true, glob: `\!bang`},
		{line: "build/", ok: true, glob: "build", dirOnly: true},
		{line: "/root.txt", ok: true, glob: "root.txt", anchored: true},
		{line: "a/b", ok: true, glob: "a/b", anchored: true},
		{line: "a/b/", ok: true, glob: "a/b", dirOnly: true, anchored: true},
		{line: "**/x", ok: true, glob: "**/x", anchored: true},
		{line: "trail   ", ok: true, glob: "trail"},
		{line: `space\ `, ok: true, glob: `space\ `},
		{line: "crlf\r", ok: true, glob: "crlf"},
	}
	for _, tt := range tests {
		p, ok := parsePattern(tt.line)
		if ok != tt.ok {
			t.Errorf("parsePattern(%q) ok = %v, want %v", tt.line, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if p.glob != tt.glob || p.negate != tt.negate || p.dirOnly != tt.dirOnly || p.anchored != tt.anchored {
			t.Errorf("parsePattern(%q) = glob %q negate %v dirOnly %v anchored %v, want %q %v %v %v",
				tt.line, p.glob, p.negate, p.dirOnly, p.anchored, tt.glob, tt.negate, tt.dirOnly, tt.anchored)
		}
	}
}

// ignoreTree exercises git's rules; it holds no secret-looking names so that git and Walk can
// be compared on it directly.
var ignoreTree = map[string]string{
	".gitignore": "# top level\n*.log\n!keep.log\n/only-root.txt\nbuild/\ndocs/*.tmp\n**/gen/**\n" +
		`\#hash.txt` + "\n" + `\!bang.txt` + "\n" + "trailing.txt   \n" + "vendor\n!vendor/keep.go\n" +
		"manual/**/*.md\n[Tt]emp*\n",
	"keep.log":             "kept by negation",
	"drop.log":             "ignored",
	"only-root.txt":        "ignored: anchored",
	"sub/only-root.txt":    "listed: anchored pattern is root-only",
	"build/out.go":         "ignored: dir-only pattern",
	"sub/build":            "listed: a file named build, not a dir",
	"docs/a.tmp":           "ignored: middle slash anchors",
	"docs/deep/a.tmp":      "listed: * does not cross /",
	"x/gen/y/z.go":         "ignored: **/gen/**",
	"#hash.txt":            "ignored via escape",
	"!bang.txt":            "ignored via escape",
	"trailing.txt":         "ignored: trailing spaces stripped",
	"vendor/keep.go":       "ignored: cannot re-include below an excluded dir",
	"main.go":              "listed",
	"sub/.gitignore":       "!drop2.log\n*.go\n!main.go\n/local.txt\n",
	"sub/drop2.log":        "listed: deeper negation overrides *.log",
	"sub/main.go":          "listed: negated",
	"sub/other.go":         "ignored by sub/.gitignore",
	"sub/local.txt":        "ignored: anchored to sub",
	"sub/deeper/local.txt": "listed",
	"sub/deeper/x.go":      "ignored: sub's *.go applies below",
	"sub/deeper/x.log":     "ignored: root *.log applies below",
	"manual/x.md":          "ignored: a/**/b matches zero directories",
	"manual/a/b/y.md":      "ignored: a/**/b matches several",
	"manual/keep.txt":      "listed",
	"Temp1":                "ignored: class",
	"temp2":                "ignored: class",
	"xtemp":                "listed",
	// A whitelist: ignore everything, re-include directories and Go files.
	"wl/.gitignore": "*\n!*/\n!*.go\n",
	"wl/a.go":       "listed",
	"wl/b.txt":      "ignored by the whitelist",
	"wl/deep/c.go":  "listed",
	"wl/deep/d.md":  "ignored by the whitelist",
}

func TestIgnoreRules(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, ignoreTree)
	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for p, content := range ignoreTree {
		isIgnoreFile := strings.HasSuffix(p, ".gitignore") && p != "wl/.gitignore"
		if strings.HasPrefix(content, "listed") || strings.HasPrefix(content, "kept") || isIgnoreFile {
			want = append(want, p)
		}
	}
	slices.Sort(want)
	if got := paths(rep); !slices.Equal(got, want) {
		t.Errorf("Walk listed\n  %q\nwant\n  %q", got, want)
	}
}

// TestIgnoreAgreesWithGit compares Walk with git itself on the same tree: the files git would
// offer to add are the files worth indexing.
func TestIgnoreAgreesWithGit(t *testing.T) {
	gitPath := os.Getenv("RAGLS_GIT")
	if gitPath == "" {
		gitPath = "git"
	}
	if _, err := exec.LookPath(gitPath); err != nil {
		skipOrFail(t, "git not found (set RAGLS_GIT): %v", err)
	}
	root := t.TempDir()
	writeTree(t, root, ignoreTree)
	run := func(args ...string) string {
		cmd := exec.Command(gitPath, args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return string(out)
	}
	run("init", "-q")
	if err := os.WriteFile(filepath.Join(root, ".git", "info", "exclude"), []byte("excluded-by-info.txt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{"excluded-by-info.txt": "x", "sub/excluded-by-info.txt": "x"})

	var want []string
	for line := range strings.Lines(run("ls-files", "--others", "--exclude-standard", "-z")) {
		for p := range strings.SplitSeq(line, "\x00") {
			if p != "" {
				want = append(want, p)
			}
		}
	}
	slices.Sort(want)
	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(rep); !slices.Equal(got, want) {
		t.Errorf("Walk listed\n  %q\ngit lists\n  %q", got, want)
	}
	if rep.Skipped[SkipIgnored] == 0 {
		t.Errorf("no ignored paths counted: %v", rep.Skipped)
	}
}

func TestIgnoreSources(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".git/info/exclude":       "from-exclude.txt\n",
		".git/config":             "[core]\n",
		".gitignore":              "*.gen.go\n",
		".raglsignore":            "fixtures/\n!wanted.gen.go\n",
		"wanted.gen.go":           "re-included by .raglsignore over .gitignore",
		"other.gen.go":            "ignored by .gitignore",
		"from-exclude.txt":        "ignored by info/exclude",
		"fixtures/a.txt":          "ignored by .raglsignore",
		"pkg/.raglsignore":        "big.txt\n",
		"pkg/big.txt":             "ignored by nested .raglsignore",
		"pkg/ok.txt":              "listed",
		"config/user-ignored.txt": "ignored by ExtraIgnores",
		"config/kept.txt":         "listed",
		"sub/.git":                "gitdir: ../.git/modules/sub\n", // a submodule's .git file
		"sub/code.go":             "listed",
	})
	opt := Options{ExtraIgnores: []string{"user-ignored.txt", "# comment", "!other.gen.go"}}
	rep, err := Walk(context.Background(), root, opt)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".gitignore", ".raglsignore", "config/kept.txt", "other.gen.go", "pkg/.raglsignore", "pkg/ok.txt", "sub/code.go", "wanted.gen.go"}
	if got := paths(rep); !slices.Equal(got, want) {
		t.Errorf("Walk listed %q, want %q", got, want)
	}
	// .git dir, .git file, from-exclude, fixtures/, pkg/big.txt, config/user-ignored.txt
	if got := rep.Skipped[SkipIgnored]; got != 6 {
		t.Errorf("ignored count = %d, want 6 (%v)", got, rep.Examples[SkipIgnored])
	}
}

// TestEnclosingRepository: a root opened below the top of a git work tree still obeys the
// ignore files above it, anchored where they live.
func TestEnclosingRepository(t *testing.T) {
	top := t.TempDir()
	writeTree(t, top, map[string]string{
		".git/info/exclude":  "*.bak\n",
		".gitignore":         "*.log\n/proj/gen/\n/gen/\n",
		"proj/.gitignore":    "!keep.log\n",
		"proj/a.go":          "listed",
		"proj/a.log":         "ignored from above",
		"proj/keep.log":      "re-included by the root's own .gitignore",
		"proj/a.bak":         "ignored by the repository's info/exclude",
		"proj/gen/x.go":      "ignored: anchored pattern in the top .gitignore",
		"proj/sub/gen/y.go":  "listed: the anchor does not reach here",
		"proj/sub/other.txt": "listed",
	})
	rep, err := Walk(context.Background(), filepath.Join(top, "proj"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".gitignore", "a.go", "keep.log", "sub/gen/y.go", "sub/other.txt"}
	if got := paths(rep); !slices.Equal(got, want) {
		t.Errorf("Walk listed %q, want %q", got, want)
	}
}

func TestFilterSkip(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, ignoreTree)
	f, err := NewFilter(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel   string
		isDir bool
		want  SkipReason
	}{
		{"main.go", false, ""},
		{"drop.log", false, SkipIgnored},
		{"build", true, SkipIgnored},
		{"build", false, ""}, // dir-only pattern
		{"build/anything/below.go", false, SkipIgnored},
		{"vendor/keep.go", false, SkipIgnored},
		{"sub/main.go", false, ""},
		{"sub/new.go", false, SkipIgnored},
		{".git", true, SkipIgnored},
		{".git/HEAD", false, SkipIgnored},
		{"deep/.git/config", false, SkipIgnored},
		{".env", false, SkipSecret},
		{"not-yet-created/dir/file.txt", false, ""},
		{"../outside.go", false, SkipOutsideRoot},
		{"/etc/passwd", false, SkipOutsideRoot},
		{"", true, ""},
		{"./sub/../main.go", false, ""},
	}
	for _, tt := range tests {
		got, skip := f.Skip(tt.rel, tt.isDir)
		if got != tt.want || skip != (tt.want != "") {
			t.Errorf("Skip(%q, %v) = %q, %v; want %q", tt.rel, tt.isDir, got, skip, tt.want)
		}
	}
}
