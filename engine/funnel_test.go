package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// didClose while completions (and hovers, and actions) are in flight: once the engine has
// settled, the index holds the file on disk, never the closed buffer.
func TestCloseDuringCompletionsLeavesDisk(t *testing.T) {
	model := newFakeModel(t)
	e, root := newTestEngine(t, model)
	path := filepath.Join(root, "billing/invoice.go")
	disk, _ := os.ReadFile(path)
	ctx := context.Background()
	for round := range 20 {
		text := string(disk) + "\nfunc UnsavedOnly() int { return 42 }\n"
		modify(t, e, Modification{Path: path, Version: 1, Text: text, Kind: Open})
		if c, _ := e.session.Roots()[0].Index.Content("billing/invoice.go"); c != text {
			t.Fatalf("round %d: the open buffer was not indexed", round)
		}
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				doc := Doc{Path: path, Version: 1, Text: text}
				switch i % 3 {
				case 0:
					e.Complete(ctx, doc, len(text)-3)
				case 1:
					e.Hover(ctx, doc, strings.Index(text, "ComputeTotal"))
				default:
					e.Context(ctx, doc, len(text)/2, ContextOptions{Purpose: ForAction})
				}
			}()
		}
		if err := e.DidModifyFiles(ctx, []Modification{{Path: path, Kind: Close}}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if err := e.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := e.session.Roots()[0].Index.Content("billing/invoice.go"); c != string(disk) {
			t.Fatalf("round %d: after didClose the index holds %q, want the file on disk", round, c)
		}
		if _, open := e.Buffer(path); open {
			t.Fatalf("round %d: buffer still open after didClose", round)
		}
	}
}

// Buffers go through the same rules as files on disk.
func TestBufferRules(t *testing.T) {
	e, root := newTestEngine(t, nil)
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0\n"), 0o644)
	os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "link.go"))
	os.MkdirAll(filepath.Join(root, "k8s"), 0o755)
	big := strings.Repeat("x", 2<<20)
	tests := []struct {
		path, text string
		want       Access
	}{
		{"billing/new.go", "package billing\n", AccessIndexed},
		{".env", "A=1\n", AccessSecret},
		{"prod.env.bak", "A=1\n", AccessSecret},
		{"aws_credentials", "[default]\n", AccessSecret},
		{"config/secret_keys.txt", "k\n", AccessSecret},
		{"k8s/db.yaml", "apiVersion: v1\nkind: Secret\ndata:\n  p: eA==\n", AccessSecret},
		{"k8s/app.yaml", "apiVersion: v1\nkind: Deployment\n", AccessIndexed},
		{"link.go", "root:x:0:0\n", AccessPrivate},
		{"billing/../../escape.go", "package x\n", AccessPrivate},
		{"billing/huge.go", big, AccessPrivate},
	}
	for _, tt := range tests {
		p := filepath.Join(root, tt.path)
		if strings.Contains(tt.path, "..") {
			p = root + "/" + tt.path // unclean on purpose
		}
		modify(t, e, Modification{Path: p, Version: 1, Text: tt.text, Kind: Open})
		if got := e.Access(p); got != tt.want {
			t.Errorf("%s: access %v, want %v", tt.path, got, tt.want)
		}
		if tt.want == AccessIndexed {
			continue
		}
		for _, r := range e.Roots() {
			for _, ip := range r.Index.Paths() {
				if c, _ := r.Index.Content(ip); c == tt.text {
					t.Errorf("%s: its buffer is in the index as %s", tt.path, ip)
				}
			}
		}
		if tt.want == AccessSecret {
			if _, err := e.CompletionPrompt(context.Background(), Doc{Path: p, Text: tt.text}, 0); err == nil {
				t.Errorf("%s: a prompt was built for a secret file", tt.path)
			}
		}
	}
	if err := e.CheckWrite(filepath.Join(outside, "x_test.go")); err == nil {
		t.Error("CheckWrite allowed a file outside the roots")
	}
	if err := e.CheckWrite(filepath.Join(root, "billing", "..", "..", "x_test.go")); err == nil {
		t.Error("CheckWrite allowed a .. path out of the root")
	}
	if err := e.CheckWrite(filepath.Join(root, "billing", "invoice_test.go")); err != nil {
		t.Errorf("CheckWrite refused a test file in the root: %v", err)
	}
}

func TestSearchAndDefinitionsAcrossRoots(t *testing.T) {
	e, root := newTestEngine(t, nil)
	hits, err := e.Search(context.Background(), "ComputeTotal discount", 3)
	if err != nil || len(hits) == 0 || hits[0].Root != e.Roots()[0].Dir || hits[0].Path != "billing/total.go" {
		t.Fatalf("search = %+v, %v", hits, err)
	}
	defs := e.Definitions("ComputeTotal", filepath.Join(root, "billing/invoice.go"), "")
	if len(defs) != 1 || defs[0].Path != "billing/total.go" || defs[0].Kind != "function" {
		t.Errorf("definitions = %+v", defs)
	}
	// Nothing of a secret buffer can be found.
	modify(t, e, Modification{Path: filepath.Join(root, ".env"), Version: 1, Text: "TOKEN=FINDMENOT123\n", Kind: Open})
	if hits, _ := e.Search(context.Background(), "FINDMENOT123", 5); len(hits) > 0 {
		t.Errorf("a secret buffer was found by search: %+v", hits)
	}
}

// Typing is indexed once the user pauses; Settle waits for it.
func TestEditsReachTheIndexAfterAPause(t *testing.T) {
	e, root := newTestEngine(t, nil)
	path := filepath.Join(root, "billing/invoice.go")
	modify(t, e, Modification{Path: path, Version: 1, Text: "package billing\n", Kind: Open})
	for v := int32(2); v < 6; v++ {
		if err := e.DidModifyFiles(context.Background(), []Modification{{Path: path, Version: v, Text: fmt.Sprintf("package billing\n\nfunc Typed%d() {}\n", v), Kind: Change}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.Roots()[0].Index.Content("billing/invoice.go"); !strings.Contains(c, "Typed5") {
		t.Errorf("index after typing = %q, want the last edit", c)
	}
}

// The file watcher's events go through the funnel: while a file is open its buffer, not the
// disk, is what the index holds; once closed, the disk again.
func TestWatcherRespectsOpenBuffers(t *testing.T) {
	root := t.TempDir()
	a := filepath.Join(root, "a.go")
	os.WriteFile(a, []byte("package a\n\nfunc OnDisk() {}\n"), 0o644)
	e, err := New(Options{Getenv: func(string) string { return "" }, Watch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.SetRoots(context.Background(), []string{root}); err != nil {
		t.Fatal(err)
	}
	content := func(rel string) string {
		for _, r := range e.Roots() {
			if c, ok := r.Index.Content(rel); ok {
				return c
			}
		}
		return ""
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; !cond(); i++ {
			if i > 1000 {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("the first scan", func() bool { return strings.Contains(content("a.go"), "OnDisk") })
	buffer := "package a\n\nfunc InBuffer() {}\n"
	modify(t, e, Modification{Path: a, Version: 1, Text: buffer, Kind: Open})
	os.WriteFile(a, []byte("package a\n\nfunc ChangedOnDisk() {}\n"), 0o644)
	os.WriteFile(filepath.Join(root, "sentinel.go"), []byte("package a\n"), 0o644)
	waitFor("the watcher", func() bool { return content("sentinel.go") != "" })
	e.Settle(context.Background())
	if got := content("a.go"); got != buffer {
		t.Errorf("while open, index holds %q, want the buffer", got)
	}
	modify(t, e, Modification{Path: a, Kind: Close})
	if got := content("a.go"); !strings.Contains(got, "ChangedOnDisk") {
		t.Errorf("after close, index holds %q, want the disk", got)
	}
}
