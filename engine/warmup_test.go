package engine

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ragls/prompts"
)

// warmUps counts the one-token completions the fake model got whose prompt holds marker.
func (f *fakeModel) warmUps(marker string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if p, _ := r["prompt"].(string); r["max_tokens"] == float64(1) && strings.Contains(p, marker) {
			n++
		}
	}
	return n
}

func TestWarmUpOnOpen(t *testing.T) {
	model := newFakeModel(t)
	e, root := newTestEngine(t, model)
	doc := docOf(t, root, "billing/invoice.go")
	env := filepath.Join(root, ".env")
	// Opened three times in a burst, then closed and opened again: one warm-up in all.
	for range 3 {
		modify(t, e, Modification{Path: doc.Path, Version: 1, Text: doc.Text, Kind: Open})
	}
	modify(t, e, Modification{Path: env, Version: 1, Text: "WARM_SECRET=hunter2\n", Kind: Open})
	deadline := time.Now().Add(5 * time.Second)
	for model.warmUps("RenderInvoice") == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	modify(t, e, Modification{Path: doc.Path, Kind: Close}, Modification{Path: doc.Path, Version: 2, Text: doc.Text, Kind: Open})
	time.Sleep(3 * warmDelay)
	if n := model.warmUps("RenderInvoice"); n != 1 {
		t.Errorf("%d warm-ups for one file opened 4 times within a minute, want 1", n)
	}
	if n := model.warmUps("hunter2"); n != 0 {
		t.Errorf("a secret file was sent in %d warm-ups", n)
	}
}

func TestWarmUpSkippedWhenServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/v1"
	ln.Close() // nothing listens there now
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n"), 0o644)
	os.WriteFile(filepath.Join(root, "b.go"), []byte("package a\n\nfunc B() {}\n"), 0o644)
	envv := map[string]string{"RAGLS_CONFIG": filepath.Join(root, "none.json"), "RAGLS_MODEL_URL": url}
	e := openEngine(t, root, envv)
	problems := problemsOf(e)
	modify(t, e, Modification{Path: filepath.Join(root, "a.go"), Version: 1, Text: "package a\n", Kind: Open})
	deadline := time.Now().Add(5 * time.Second)
	for {
		e.bufs.warm.mu.Lock()
		down := !e.bufs.warm.downAt.IsZero()
		e.bufs.warm.mu.Unlock()
		if down {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the warm-up never found the server down")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Another file opened now: no warm-up is even tried.
	modify(t, e, Modification{Path: filepath.Join(root, "b.go"), Version: 1, Text: "package a\n\nfunc B() {}\n", Kind: Open})
	time.Sleep(3 * warmDelay)
	e.bufs.warm.mu.Lock()
	_, tried := e.bufs.warm.last[filepath.Join(root, "b.go")]
	e.bufs.warm.mu.Unlock()
	if tried {
		t.Error("a warm-up was tried with the server known to be down")
	}
	if told := problems(); len(told) != 0 {
		t.Errorf("a background warm-up told the user: %q", told)
	}
	// A server the user's own requests found unreachable reads as down too.
	e.model.observe(&prompts.ModelError{Kind: prompts.KindUnreachable})
	if !e.model.down() {
		t.Error("an unreachable server does not read as down")
	}
}

// warmUp: false, from the editor's settings or RAGLS_WARM_UP=0, sends no warm-up; neither
// does a language whose completions are off.
func TestWarmUpOff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      string
		settings string
	}{
		{"editor setting", "", `{"warmUp": false}`},
		{"environment", "0", `{"warmUp": true}`},
		{"disabled language", "", `{"disabledLanguages": ["go"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := newFakeModel(t)
			e, root := newTestEngineEnv(t, model, map[string]string{"RAGLS_WARM_UP": tc.env})
			if err := e.Configure([]byte(tc.settings)); err != nil {
				t.Fatal(err)
			}
			doc := docOf(t, root, "billing/invoice.go")
			modify(t, e, Modification{Path: doc.Path, Version: 1, Text: doc.Text, Kind: Open})
			time.Sleep(3 * warmDelay)
			if n := model.warmUps("RenderInvoice"); n != 0 {
				t.Errorf("%d warm-ups with %s, want none", n, tc.name)
			}
		})
	}
	// And on by default (TestWarmUpOnOpen), so the test above can fail.
	if !prompts.DefaultConfig().WarmUp {
		t.Error("warm-up is off by default")
	}
}

// newTestEngineEnv is newTestEngine with more environment variables.
func newTestEngineEnv(t *testing.T, model *fakeModel, extra map[string]string) (*Engine, string) {
	t.Helper()
	root := t.TempDir()
	for p, text := range repo {
		abs := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"RAGLS_CONFIG": filepath.Join(root, "no-config.json"),
		"RAGLS_MODEL_URL": model.srv.URL + "/v1", "RAGLS_COMPLETION_MODEL": "qwen2.5-coder:1.5b-base", "RAGLS_CHAT_MODEL": "chat-model"}
	for k, v := range extra {
		env[k] = v
	}
	e, err := New(Options{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if _, _, err := e.AddRoot(context.Background(), root, nil); err != nil {
		t.Fatal(err)
	}
	return e, root
}
