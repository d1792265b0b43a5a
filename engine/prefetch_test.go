package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds or a generous bound passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func promptOf(req map[string]any) string { p, _ := req["prompt"].(string); return p }

// Accepting a completion computes the next one, at the end of the inserted text on the buffer
// as it will be, so that the client's next request is answered from the cache; it works
// whether the client sent the insertion before the acceptance or after.
func TestPrefetchAfterAccept(t *testing.T) {
	for _, insertFirst := range []bool{false, true} {
		name := "acceptance first"
		if insertFirst {
			name = "insertion first"
		}
		t.Run(name, func(t *testing.T) {
			model := newScriptedModel(t, false, func(req map[string]any) []string {
				if strings.Contains(promptOf(req), "fmt.Println(total)") {
					return []string{"\n\treturn total"}
				}
				return []string{"Println(total)"}
			})
			e, root := newTestEngineEnv(t, &fakeModel{srv: model.srv}, map[string]string{"RAGLS_WARM_UP": "0"})
			path := filepath.Join(root, "billing/c.go")
			text := "package billing\n\nfunc f(total int) int {\n\tfmt.\n}\n"
			modify(t, e, Modification{Path: path, Version: 1, Text: text, Kind: Open})
			doc, _ := e.Buffer(path)
			off := strings.Index(text, "fmt.") + 4
			texts, err := e.Candidates(context.Background(), doc, off, false)
			if err != nil || len(texts) != 1 {
				t.Fatalf("candidates = %q, %v", texts, err)
			}
			ids := e.CompletionOffered(doc, off, texts, time.Millisecond)
			after := text[:off] + texts[0] + text[off:]
			if insertFirst {
				modify(t, e, Modification{Path: path, Version: 2, Text: after, Kind: Change})
			}
			if !e.CompletionAccepted(ids[0]) {
				t.Fatal("acceptance not counted")
			}
			if !insertFirst {
				modify(t, e, Modification{Path: path, Version: 2, Text: after, Kind: Change})
			}
			next := Doc{Path: path, Version: 2, Text: after}
			waitFor(t, "the prefetch", func() bool { _, ok := e.CachedCompletion(next, off+len(texts[0])); return ok })
			got, err := e.Complete(context.Background(), next, off+len(texts[0]))
			if err != nil || got != "\n\treturn total" {
				t.Errorf("next completion = %q, %v; want the prefetched one", got, err)
			}
			if n := len(model.requests()); n != 2 {
				t.Errorf("%d model requests, want 2 (the completion and its prefetch)", n)
			}
			if st, _ := e.Stats(); st.Languages["go"].Accepted != 1 {
				t.Errorf("stats = %+v", st.Languages["go"])
			}
		})
	}
}

// A request for the place being prefetched waits for the prefetch instead of asking again;
// an edit that makes the prefetch stale cancels it; so does a newer prefetch.
func TestPrefetchJoinedAndCancelled(t *testing.T) {
	model := newScriptedModel(t, false, func(req map[string]any) []string { return []string{"Println(total)"} })
	model.hold = func(req map[string]any) bool { return strings.Contains(promptOf(req), "Println(total)") }
	e, root := newTestEngineEnv(t, &fakeModel{srv: model.srv}, map[string]string{"RAGLS_WARM_UP": "0"})
	path := filepath.Join(root, "billing/c.go")
	text := "package billing\n\nfunc f(total int) int {\n\tfmt.\n}\n"
	off := strings.Index(text, "fmt.") + 4
	after := text[:off] + "Println(total)" + text[off:]
	accept := func() {
		t.Helper()
		modify(t, e, Modification{Path: path, Version: 1, Text: text, Kind: Open})
		doc, _ := e.Buffer(path)
		if _, err := e.Complete(context.Background(), doc, off); err != nil {
			t.Fatal(err)
		}
		ids := e.CompletionOffered(doc, off, []string{"Println(total)"}, time.Millisecond)
		e.CompletionAccepted(ids[0])
		waitFor(t, "the prefetch request", func() bool { return len(model.requests()) >= 2 })
	}

	// Joined: the editor's own request for the next place gets the prefetch's answer.
	accept()
	done := make(chan string)
	go func() {
		got, _ := e.Complete(context.Background(), Doc{Path: path, Text: after}, off+len("Println(total)"))
		done <- got
	}()
	time.Sleep(50 * time.Millisecond)
	model.release <- struct{}{}
	if got := <-done; got != "Println(total)" {
		t.Errorf("joined request = %q", got)
	}
	if n := len(model.requests()); n != 2 {
		t.Errorf("%d model requests, want 2: the request for the prefetched place asked again", n)
	}

	// Cancelled by an edit that is not the predicted insertion.
	modify(t, e, Modification{Path: path, Kind: Close})
	model.mu.Lock()
	model.reqs = nil
	model.mu.Unlock()
	accept()
	modify(t, e, Modification{Path: path, Version: 2, Text: text[:off] + "Sprintf" + text[off:], Kind: Change})
	waitFor(t, "the stale prefetch to be cancelled", func() bool {
		model.mu.Lock()
		defer model.mu.Unlock()
		return model.cancelled == 1
	})
}

// No prefetch for a secret file or a language whose completions are off: no model call.
func TestPrefetchNeverForSecretOrDisabled(t *testing.T) {
	model := newScriptedModel(t, false, func(req map[string]any) []string { return []string{"x"} })
	e, root := newTestEngineEnv(t, &fakeModel{srv: model.srv}, map[string]string{"RAGLS_WARM_UP": "0"})
	if err := e.Configure([]byte(`{"disabledLanguages": ["python"]}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ rel, text string }{
		{".env", "API_KEY=hunter2\nOTHER="},
		{"tool.py", "def f():\n    return "},
	} {
		path := filepath.Join(root, tc.rel)
		os.WriteFile(path, []byte(tc.text), 0o600)
		modify(t, e, Modification{Path: path, Version: 1, Text: tc.text, Kind: Open})
		doc, _ := e.Buffer(path)
		ids := e.CompletionOffered(doc, len(tc.text), []string{"secret"}, time.Millisecond)
		e.CompletionAccepted(ids[0])
	}
	e.pf.mu.Lock()
	running := e.pf.cur != nil
	e.pf.mu.Unlock()
	time.Sleep(200 * time.Millisecond)
	if n := len(model.requests()); n != 0 || running {
		t.Errorf("%d model requests (prefetch running: %v) after accepting in a secret file and a disabled language, want none", n, running)
	}
}
