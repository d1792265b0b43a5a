package indexer

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkChunks verifies what every Parse result must satisfy: chunks in file order, not
// overlapping, Text equal to the source bytes they claim, line numbers matching the bytes, each
// under the byte cap, and every non-blank line covered; definitions inside the file.
func checkChunks(t *testing.T, path string, src []byte, p Parsed) {
	t.Helper()
	lines := bytes.Count(src, []byte("\n")) + 1
	covered := make([]bool, lines+1)
	prevEnd := 0
	for i, c := range p.Chunks {
		where := fmt.Sprintf("%s chunk %d (%d-%d %s %q)", path, i, c.StartLine, c.EndLine, c.Kind, c.Symbol)
		if c.StartByte < prevEnd || c.EndByte <= c.StartByte || c.EndByte > len(src) {
			t.Fatalf("%s: bytes %d-%d overlap, are empty or out of range (previous end %d, size %d)", where, c.StartByte, c.EndByte, prevEnd, len(src))
		}
		prevEnd = c.EndByte
		if c.Text != string(src[c.StartByte:c.EndByte]) {
			t.Fatalf("%s: Text differs from src[StartByte:EndByte]", where)
		}
		if c.Path != path {
			t.Fatalf("%s: Path %q", where, c.Path)
		}
		if want := bytes.Count(src[:c.StartByte], []byte("\n")) + 1; c.StartLine != want {
			t.Fatalf("%s: StartLine %d, bytes say %d", where, c.StartLine, want)
		}
		if want := bytes.Count(bytes.TrimSuffix(src[:c.EndByte], []byte("\n")), []byte("\n")) + 1; c.EndLine != want {
			t.Fatalf("%s: EndLine %d, bytes say %d", where, c.EndLine, want)
		}
		if len(c.Text) > maxChunkBytes {
			t.Fatalf("%s: %d bytes, over the cap", where, len(c.Text))
		}
		if c.Kind == "" {
			t.Fatalf("%s: no kind", where)
		}
		for l := c.StartLine; l <= c.EndLine; l++ {
			covered[l] = true
		}
	}
	for i, line := range bytes.Split(src, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 && !covered[i+1] {
			t.Fatalf("%s: line %d %q is in no chunk", path, i+1, line)
		}
	}
	for _, d := range p.Defs {
		if d.Name == "" || d.Kind == "" || d.StartLine < 1 || d.EndLine < d.StartLine || d.EndLine > lines ||
			d.Line < d.StartLine || d.Line > d.EndLine || d.Path != path {
			t.Fatalf("%s: bad definition %+v", path, d)
		}
		if len(d.Signature) > maxSigBytes || len(d.Doc) > maxDocBytes || !utf8.ValidString(d.Signature) && utf8.Valid(src) {
			t.Fatalf("%s: signature or doc too long or broken: %+v", path, d)
		}
		if strings.Contains(d.Signature, "\n") {
			t.Fatalf("%s: signature on several lines: %q", path, d.Signature)
		}
	}
}

// goSample returns up to n .go files under GOROOT/src, spread over the tree.
func goSample(t testing.TB, n int) []string {
	root := filepath.Join(runtime.GOROOT(), "src")
	var all []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".go") {
			all = append(all, p)
		}
		return nil
	})
	if len(all) == 0 {
		t.Skipf("no Go sources under %s", root)
	}
	if n <= 0 || n >= len(all) {
		return all
	}
	out := make([]string, 0, n)
	step := float64(len(all)) / float64(n)
	for i := 0; i < n; i++ {
		out = append(out, all[int(float64(i)*step)])
	}
	return out
}

func TestParseInvariantsGOROOT(t *testing.T) {
	s := NewSyntax()
	defer s.Close()
	n := 150
	if testing.Short() {
		n = 60
	}
	defs := 0
	for _, p := range goSample(t, n) {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got := s.Parse(p, src)
		if got.Lang != "go" {
			t.Fatalf("%s: lang %q", p, got.Lang)
		}
		checkChunks(t, p, src, got)
		defs += len(got.Defs)
	}
	if defs < n {
		t.Errorf("only %d definitions in %d Go files", defs, n)
	}
}
