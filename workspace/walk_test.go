package workspace

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"unicode/utf8"
)

// writeTree creates files (slash-separated relative path -> content) under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func paths(rep *Report) []string {
	var out []string
	for _, f := range rep.Files {
		out = append(out, f.Path)
	}
	return out
}

// skipOrFail skips a test whose external requirement is missing, except in CI where the
// requirement is part of the contract.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func TestWalkSymlinks(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	writeTree(t, outside, map[string]string{"secret.txt": "not ours"})
	writeTree(t, root, map[string]string{
		".gitignore":      "build/\nignored_link\n",
		"real/a.go":       "package real",
		"real/sub/b.go":   "package sub",
		"build/gen.go":    "ignored",
		"loop/keep.go":    "package loop",
		"chain/target.go": "package chain",
	})
	symlink(t, "real", filepath.Join(root, "link_dir"))      // sorts before real: still a duplicate
	symlink(t, "real/a.go", filepath.Join(root, "alink.go")) // file reachable twice
	symlink(t, outside, filepath.Join(root, "out"))          // absolute, outside
	symlink(t, filepath.Join(outside, "secret.txt"), filepath.Join(root, "outfile"))
	symlink(t, "../../"+filepath.Base(outside), filepath.Join(root, "real", "rel_out")) // relative, outside
	symlink(t, "..", filepath.Join(root, "loop", "up"))
	symlink(t, ".", filepath.Join(root, "loop", "self"))
	symlink(t, "l2", filepath.Join(root, "l1"))
	symlink(t, "l1", filepath.Join(root, "l2"))
	symlink(t, "nowhere", filepath.Join(root, "dangling"))
	symlink(t, "build", filepath.Join(root, "gen_link"))     // target ignored: ignored under any name
	symlink(t, outside, filepath.Join(root, "ignored_link")) // its name is ignored: that comes first
	symlink(t, "target.go", filepath.Join(root, "chain", "hop1.go"))
	symlink(t, "hop1.go", filepath.Join(root, "chain", "hop2.go"))

	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".gitignore", "chain/target.go", "loop/keep.go", "real/a.go", "real/sub/b.go"}
	if got := paths(rep); !slices.Equal(got, want) {
		t.Errorf("Walk listed %q, want %q", got, want)
	}
	wantSkipped := map[SkipReason]int{
		SkipDuplicate:      4, // link_dir, alink.go, chain/hop1.go, chain/hop2.go
		SkipSymlinkOutside: 3, // out, outfile, real/rel_out
		SkipSymlinkLoop:    4, // loop/up, loop/self, l1, l2
		SkipUnreadable:     1, // dangling
		SkipIgnored:        3, // build, gen_link, ignored_link
	}
	if !maps.Equal(rep.Skipped, wantSkipped) {
		t.Errorf("Skipped = %v, want %v\nexamples %v", rep.Skipped, wantSkipped, rep.Examples)
	}
	if ex := rep.Examples[SkipSymlinkOutside]; !slices.Contains(ex, "out") {
		t.Errorf("examples for %s = %q, want it to name out", SkipSymlinkOutside, ex)
	}
	// Filter.Stat gives the same verdicts one path at a time.
	f, err := NewFilter(root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]SkipReason{
		"out": SkipSymlinkOutside, "real/rel_out": SkipSymlinkOutside, "l1": SkipSymlinkLoop,
		"dangling": SkipUnreadable, "gen_link": SkipIgnored, "ignored_link": SkipIgnored,
		"alink.go": "", "chain/hop2.go": "", "real/sub/b.go": "", "link_dir/sub/b.go": "",
	} {
		if _, got := f.Stat(rel); got != want {
			t.Errorf("Stat(%q) = %q, want %q", rel, got, want)
		}
	}
}

// TestWalkThroughSymlinkedRoot: a root given through a symlink is walked, and its files are
// named under the root as given, not the resolved one.
func TestWalkThroughSymlinkedRoot(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"real/x.go": "package x", "real/.env": "S=1"})
	link := filepath.Join(dir, "rootlink")
	symlink(t, "real", link)
	rep, err := Walk(context.Background(), link, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(rep); !slices.Equal(got, []string{"x.go"}) {
		t.Errorf("Walk listed %q, want [x.go]", got)
	}
	if rep.Files[0].Abs != filepath.Join(link, "x.go") {
		t.Errorf("Abs = %q, want it under the root as given", rep.Files[0].Abs)
	}
	if rep.Skipped[SkipSecret] != 1 {
		t.Errorf("Skipped = %v, want one secret", rep.Skipped)
	}
}

func TestWalkSizeAndKind(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"small.txt":    "0123456789",  // exactly the limit
		"big.txt":      "0123456789A", // one byte over
		"sub/huge.txt": strings.Repeat("x", 100),
	})
	if err := syscall.Mkfifo(filepath.Join(root, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Walk(context.Background(), root, Options{MaxFileSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := paths(rep); !slices.Equal(got, []string{"small.txt"}) {
		t.Errorf("Walk listed %q, want [small.txt]", got)
	}
	want := map[SkipReason]int{SkipTooLarge: 2, SkipSpecial: 1}
	if !maps.Equal(rep.Skipped, want) {
		t.Errorf("Skipped = %v, want %v", rep.Skipped, want)
	}
	if f := rep.Files[0]; f.Size != 10 || f.ModTime.IsZero() || f.Abs != filepath.Join(root, "small.txt") {
		t.Errorf("File = %+v, want size 10, a mod time and the absolute path", f)
	}
}

func TestWalkExamplesBounded(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{}
	for i := range 8 {
		files[string(rune('a'+i))+".pem"] = "key"
	}
	writeTree(t, root, files)
	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped[SkipSecret] != 8 || len(rep.Examples[SkipSecret]) != maxExamples {
		t.Errorf("secret: count %d, %d examples; want 8 and %d", rep.Skipped[SkipSecret], len(rep.Examples[SkipSecret]), maxExamples)
	}
	rep.Note(SkipBinary, "img.bin")
	if rep.Skipped[SkipBinary] != 1 || !slices.Equal(rep.Examples[SkipBinary], []string{"img.bin"}) {
		t.Errorf("after Note: %v %v", rep.Skipped, rep.Examples)
	}
}

func TestWalkUnreadableDir(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"locked/inside.go": "package locked", "open.go": "package open"})
	locked := filepath.Join(root, "locked")
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(locked, 0o755) })
	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Permissions do not bind root: the directory is readable and must be listed normally.
		if got := paths(rep); !slices.Equal(got, []string{"locked/inside.go", "open.go"}) {
			t.Errorf("as root, Walk listed %q", got)
		}
		return
	}
	if got := paths(rep); !slices.Equal(got, []string{"open.go"}) {
		t.Errorf("Walk listed %q, want [open.go]", got)
	}
	if rep.Skipped[SkipUnreadable] != 1 {
		t.Errorf("Skipped = %v, want one unreadable", rep.Skipped)
	}
}

func TestWalkRootErrors(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"file.txt": "x"})
	for _, root := range []string{filepath.Join(dir, "missing"), filepath.Join(dir, "file.txt")} {
		if _, err := Walk(context.Background(), root, Options{}); err == nil || !strings.Contains(err.Error(), root) {
			t.Errorf("Walk(%q) error = %v, want one naming the root", root, err)
		}
	}
}

func TestWalkCancelled(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a/b.go": "x", "c.go": "y"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Walk(ctx, root, Options{})
	if !errors.Is(err, context.Canceled) || rep != nil {
		t.Errorf("Walk with a cancelled context = %v, %v; want nil, context.Canceled", rep, err)
	}
}

// TestFilterAgreesWithWalk: every path Walk lists is accepted by Filter.Stat, and every path it
// skips (other than a duplicate, which only a walk can see) is refused for the same reason.
func TestFilterAgreesWithWalk(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, ignoreTree)
	writeTree(t, root, map[string]string{".env": "x", "keys/server.pem": "x", "big.txt": strings.Repeat("x", 50)})
	symlink(t, t.TempDir(), filepath.Join(root, "out"))
	opt := Options{MaxFileSize: 40}
	rep, err := Walk(context.Background(), root, opt)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFilter(root, opt)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, p := range paths(rep) {
		listed[p] = true
	}
	checked := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := f.Rel(p)
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		file, reason := f.Stat(rel)
		if d.IsDir() {
			if reason != SkipSpecial && reason != SkipIgnored && reason != SkipSecret {
				t.Errorf("Stat(%q) on a directory = %q", rel, reason)
			}
			return nil
		}
		checked++
		if listed[rel] != (reason == "") {
			t.Errorf("Stat(%q) = %q but Walk listed it: %v", rel, reason, listed[rel])
		}
		if reason == "" && file.Path != rel {
			t.Errorf("Stat(%q).Path = %q", rel, file.Path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < len(ignoreTree) {
		t.Errorf("checked %d files, want at least %d", checked, len(ignoreTree))
	}
}

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	const limit = sniffLen + 100
	binaryLate := append(bytes.Repeat([]byte("a"), sniffLen), 0) // NUL just past the sniffed prefix
	invalid := []byte("ok \xff\xfe done\n\xc3(\n")
	files := map[string]string{
		"text.go":     "package main\n",
		"empty.txt":   "",
		"binary.bin":  "ELF\x00\x01\x02",
		"late.txt":    string(binaryLate),
		"invalid.txt": string(invalid),
		"exact.txt":   strings.Repeat("x", limit),
		"over.txt":    strings.Repeat("x", limit+1),
	}
	writeTree(t, dir, files)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		want   string // expected text when reason is empty
		reason SkipReason
	}{
		{"text.go", "package main\n", ""},
		{"empty.txt", "", ""},
		{"binary.bin", "", SkipBinary},
		{"late.txt", string(binaryLate), ""},
		{"invalid.txt", "ok \uFFFD done\n\uFFFD(\n", ""},
		{"exact.txt", strings.Repeat("x", limit), ""},
		{"over.txt", "", SkipTooLarge},
		{"fifo", "", SkipSpecial},
	}
	for _, tt := range tests {
		text, reason, err := ReadText(filepath.Join(dir, tt.name), limit)
		if reason != tt.reason || err != nil {
			t.Errorf("ReadText(%s) reason %q err %v, want %q", tt.name, reason, err, tt.reason)
			continue
		}
		if reason != "" && text != nil {
			t.Errorf("ReadText(%s) returned text with reason %q", tt.name, reason)
		}
		if reason == "" && (string(text) != tt.want || !utf8.Valid(text)) {
			t.Errorf("ReadText(%s) = %q, want %q", tt.name, text, tt.want)
		}
	}

	// A file gone between the walk and the read.
	text, reason, err := ReadText(filepath.Join(dir, "vanished.go"), 0)
	if reason != SkipUnreadable || !errors.Is(err, fs.ErrNotExist) || text != nil {
		t.Errorf("ReadText(missing) = %q, %q, %v; want unreadable wrapping ErrNotExist", text, reason, err)
	}
	// max <= 0 means the default limit.
	big := filepath.Join(dir, "big.txt")
	if err := os.WriteFile(big, bytes.Repeat([]byte("y"), DefaultMaxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, reason, _ := ReadText(big, 0); reason != SkipTooLarge {
		t.Errorf("ReadText(1 MiB + 1, 0) reason = %q, want too-large", reason)
	}
}

func TestReadTextUnreadable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked.go")
	if err := os.WriteFile(p, []byte("package locked\n"), 0); err != nil {
		t.Fatal(err)
	}
	text, reason, err := ReadText(p, 0)
	if os.Geteuid() == 0 {
		// Root reads a mode-000 file: the permission test cannot apply, the read must succeed.
		if reason != "" || err != nil || string(text) != "package locked\n" {
			t.Errorf("as root: ReadText = %q, %q, %v", text, reason, err)
		}
		return
	}
	if reason != SkipUnreadable || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("ReadText(mode 000) = %q, %v; want unreadable wrapping ErrPermission", reason, err)
	}
}

func goroot(b *testing.B) string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		skipOrFail(b, "go env GOROOT: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// BenchmarkWalkGOROOT walks $(go env GOROOT)/src, a large tree nobody on the team wrote.
func BenchmarkWalkGOROOT(b *testing.B) {
	src := filepath.Join(goroot(b), "src")
	var files int
	for b.Loop() {
		rep, err := Walk(context.Background(), src, Options{})
		if err != nil {
			b.Fatal(err)
		}
		files = len(rep.Files)
	}
	b.ReportMetric(float64(files), "files/op")
}

func mkfifo(p string) error { return syscall.Mkfifo(p, 0o644) }
