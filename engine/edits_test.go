package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// Edits in another open file reach the completion prompt as a diff hunk; a secret buffer's
// edits never do, nor those of a buffer that became secret after it was edited.
func TestRecentEditsInCompletionPrompt(t *testing.T) {
	e, root := newTestEngine(t, nil)
	ctx := context.Background()
	total := docOf(t, root, "billing/total.go")
	env := filepath.Join(root, ".env")
	k8s := filepath.Join(root, "k8s/db.yaml")
	modify(t, e,
		Modification{Path: total.Path, Version: 1, Text: total.Text, Kind: Open},
		Modification{Path: env, Version: 1, Text: "A=1\n", Kind: Open},
		Modification{Path: k8s, Version: 1, Text: "apiVersion: v1\nkind: Deployment\n", Kind: Open},
	)
	edited := total.Text + "\nfunc ApplyDiscount(total int, pct int) int { return total - total*pct/100 }\n"
	// Typed in pieces: one hunk, not one per keystroke.
	half := total.Text + "\nfunc ApplyDisc"
	modify(t, e,
		Modification{Path: total.Path, Version: 2, Text: half, Kind: Change},
		Modification{Path: total.Path, Version: 3, Text: edited, Kind: Change},
		Modification{Path: env, Version: 2, Text: "A=1\nSTRIPE_KEY=sk_live_leak123\n", Kind: Change},
		Modification{Path: k8s, Version: 2, Text: "apiVersion: v1\nkind: Deployment\nreplicas: 3\n", Kind: Change},
		// Now a Secret: what was typed in it before must go too.
		Modification{Path: k8s, Version: 3, Text: "apiVersion: v1\nkind: Secret\nreplicas: 3\ndata:\n  p: eA==\n", Kind: Change},
	)
	doc := docOf(t, root, "billing/invoice.go")
	p, err := e.CompletionPrompt(ctx, doc, len(doc.Text)/2)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<|file_sep|>" + EditsSnippetPath, "--- billing/total.go", "+func ApplyDiscount(total int, pct int) int"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("completion prompt lacks %q:\n%s", want, p.Text)
		}
	}
	if n := strings.Count(p.Text, "--- billing/total.go"); n != 1 {
		t.Errorf("the edit typed in two keystrokes gave %d hunks, want 1", n)
	}
	if strings.Contains(p.Text, "ApplyDisc\n") {
		t.Errorf("a half-typed state leaked into the hunk:\n%s", p.Text)
	}
	for _, never := range []string{"sk_live_leak123", ".env", "replicas", "k8s/db.yaml"} {
		if strings.Contains(p.Text, never) {
			t.Errorf("completion prompt holds %q of a secret buffer:\n%s", never, p.Text)
		}
	}
	// The edits come after the repository files, where a changing snippet leaves the prompt
	// cache its head.
	if i, j := strings.Index(p.Text, EditsSnippetPath), strings.LastIndex(p.Text, "<|file_sep|>billing/invoice.go"); i < 0 || j < i {
		t.Errorf("recent edits at %d, the current file at %d: want the edits just before it", i, j)
	}

	// Closed: its edits are gone with the buffer.
	modify(t, e, Modification{Path: total.Path, Kind: Close})
	if p, _ = e.CompletionPrompt(ctx, doc, len(doc.Text)/2); strings.Contains(p.Text, EditsSnippetPath) {
		t.Errorf("edits of a closed buffer still in the prompt:\n%s", p.Text)
	}
}

func TestEditLog(t *testing.T) {
	base := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	tests := []struct {
		name  string
		steps []string // successive texts of one buffer, from base
		want  []string // the hunks' texts, oldest first
	}{
		{"one line changed", []string{strings.Replace(base, "c\n", "C\n", 1)},
			[]string{"--- f.go\n+++ f.go\n@@ -3,1 +3,1 @@\n-c\n+C\n"}},
		{"keystrokes in one place", []string{strings.Replace(base, "c\n", "cX\n", 1), strings.Replace(base, "c\n", "cXY\n", 1)},
			[]string{"--- f.go\n+++ f.go\n@@ -3,1 +3,1 @@\n-c\n+cXY\n"}},
		{"typed and undone", []string{strings.Replace(base, "c\n", "cX\n", 1), base}, nil},
		{"two places", []string{strings.Replace(base, "a\n", "A\n", 1), strings.Replace(strings.Replace(base, "a\n", "A\n", 1), "j\n", "J\n", 1)},
			[]string{"--- f.go\n+++ f.go\n@@ -1,1 +1,1 @@\n-a\n+A\n", "--- f.go\n+++ f.go\n@@ -10,1 +10,1 @@\n-j\n+J\n"}},
		{"insertion", []string{strings.Replace(base, "e\n", "e\nnew\n", 1)},
			[]string{"--- f.go\n+++ f.go\n@@ -6,0 +6,1 @@\n+new\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l editLog
			prev := base
			for _, s := range tt.steps {
				l.record("/r/f.go", "f.go", prev, s)
				prev = s
			}
			var got []string
			for _, h := range l.hunks {
				got = append(got, h.text)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("hunks:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestEditLogBounded(t *testing.T) {
	var l editLog
	for i := range 3 * maxEditHunks {
		l.record(fmt.Sprintf("/r/f%d.go", i), fmt.Sprintf("f%d.go", i), "x\n", "x\n"+strings.Repeat("long line of code\n", 500))
	}
	if len(l.hunks) != maxEditHunks {
		t.Fatalf("%d hunks kept, want %d", len(l.hunks), maxEditHunks)
	}
	if got := l.hunks[0].rel; got != fmt.Sprintf("f%d.go", 2*maxEditHunks) {
		t.Errorf("oldest hunk kept is %s: the newest must be kept", got)
	}
	s, ok := l.snippet(func(string) bool { return true })
	if !ok || len(s.Text) > maxEditHunks*(maxHunkBytes+16) {
		t.Errorf("edits snippet is %d bytes for %d hunks", len(s.Text), maxEditHunks)
	}
	if !strings.Contains(s.Text, "more lines") {
		t.Errorf("a 500-line hunk is not elided:\n%s", s.Text)
	}
	for i, h := range l.hunks[:len(l.hunks)-1] {
		if h.base != "" {
			t.Errorf("hunk %d still holds a copy of its file", i)
		}
	}
	l.forget("/r/f17.go")
	if len(l.hunks) != maxEditHunks-1 {
		t.Errorf("forget left %d hunks", len(l.hunks))
	}
}
