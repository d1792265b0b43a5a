package engine

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSlowCompletionsToldOnce: a server that accepts completions and never answers holds each
// one only for the completion deadline, and the user is told once that it is too slow.
func TestSlowCompletionsToldOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // only then does the server notice the client hanging up
		<-r.Context().Done()
	}))
	defer srv.Close()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.go"), []byte("package a\n\nfunc f() int {\n\treturn 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"RAGLS_CONFIG": filepath.Join(root, "none.json"), "RAGLS_MODEL_URL": srv.URL + "/v1",
		"RAGLS_MODEL_TIMEOUT": "400", // ms; the completion deadline is never longer
	}
	e := openEngine(t, root, env)
	problems := problemsOf(e)
	text, _ := os.ReadFile(filepath.Join(root, "a.go"))
	doc := Doc{Path: filepath.Join(root, "a.go"), Version: 1, Text: string(text)}
	var waits []time.Duration
	for range 3 {
		start := time.Now()
		if _, err := e.Complete(context.Background(), doc, strings.Index(doc.Text, "1")); err == nil {
			t.Fatal("a server that never answers gave a completion")
		}
		waits = append(waits, time.Since(start))
	}
	t.Logf("completion waits on a server that never answers (deadline 400 ms; the first includes 2 s of window discovery): %v", waits)
	for i, w := range waits[1:] {
		if w > time.Second {
			t.Errorf("completion %d waited %v", i+2, w)
		}
	}
	if told := problems(); len(told) != 1 || !strings.Contains(told[0], "too slow for completions") {
		t.Errorf("problems shown: %q", told)
	}
}
