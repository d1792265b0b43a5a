package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"ragls/engine"
)

// recordingModel is an OpenAI-compatible server that answers every request and keeps its body.
type recordingModel struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
}

func newRecordingModel(t *testing.T) *recordingModel {
	m := &recordingModel{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m.mu.Lock()
		m.bodies = append(m.bodies, r.URL.Path+" "+string(body))
		m.mu.Unlock()
		var req map[string]any
		json.Unmarshal(body, &req)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			content := `{"code": "// changed\n", "explanation": "done", "doc": "Does things."}`
			if req["stream"] == true {
				w.Header().Set("Content-Type", "text/event-stream")
				b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": "It works."}}}})
				fmt.Fprintf(w, "data: %s\n\n", b)
				b, _ = json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}})
				fmt.Fprintf(w, "data: %s\n\ndata: [DONE]\n\n", b)
				return
			}
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": content}, "finish_reason": "stop"}}})
			w.Write(b)
		case strings.HasSuffix(r.URL.Path, "/completions"):
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"text": "x := 1", "index": 0, "finish_reason": "stop"}}})
			w.Write(b)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *recordingModel) all() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.bodies...)
}

// A user opens secret files, an ignored file and a link out of the workspace, edits them, asks
// for everything ragls offers there and in an ordinary file, saves and quits: no secret value
// reaches the model or the stored index, and the ignored and outside files' values reach
// neither the index nor any request about another file.
func TestSecretsNeverLeaveTheBuffer(t *testing.T) {
	model := newRecordingModel(t)
	secretSession(t, model.srv.URL+"/v1", "qwen2.5-coder:1.5b-base", "chat-model", model.all)
}

// The same against the real model server scripts/test starts (Ollama), every request recorded
// by a proxy on the way.
func TestSecretsNeverLeaveTheBufferRealModel(t *testing.T) {
	u, name := os.Getenv("RAGLS_TEST_MODEL_URL"), os.Getenv("RAGLS_TEST_MODEL")
	if u == "" || name == "" {
		msg := "no model server: RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL are unset (scripts/test starts one)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: required)")
		}
		t.Skip(msg)
	}
	target, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies []string
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.URL.Path+" "+string(body))
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		r.ContentLength = int64(len(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	secretSession(t, srv.URL+target.Path, name, name, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), bodies...)
	})
}

// secretSession plays the session against the model server at modelURL; requests returns what
// that server has received so far.
func secretSession(t *testing.T, modelURL, completionModel, chatModel string, requests func() []string) {
	root := t.TempDir()
	outside := t.TempDir()
	cache := t.TempDir()
	const (
		envValue    = "AKIAENVSECRET0001"
		envEdit     = "EDITEDSECRET0002"
		keyValue    = "KEYMATERIALSECRET0003"
		k8sValue    = "KUBESECRETVALUE0004"
		ignored     = "IGNOREDVALUE0005"
		outsideVal  = "OUTSIDEVALUE0006"
		awsValue    = "AWSCREDSECRET0007"
		privateEdit = "IGNOREDEDIT0008"
	)
	files := map[string]string{
		"main.go":                 "package main\n\nfunc main() {\n\tprintln(\"hello\")\n}\n\nfunc helper(n int) int {\n\treturn n + 1\n}\n",
		".env":                    "API_KEY=" + envValue + "\n",
		"deploy/id_ed25519":       "-----BEGIN OPENSSH PRIVATE KEY-----\n" + keyValue + "\n-----END OPENSSH PRIVATE KEY-----\n",
		"deploy/app-manifest.yml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: " + k8sValue + "\n",
		"aws_credentials":         "[default]\naws_secret_access_key = " + awsValue + "\n",
		".gitignore":              "notes/\n",
		"notes/private.go":        "package notes\n\nfunc Private() string {\n\treturn \"" + ignored + "\"\n}\n",
	}
	for p, text := range files {
		abs := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(abs), 0o755)
		if err := os.WriteFile(abs, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:"+outsideVal+":0:0\n"), 0o644)
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(root, "passwd.go")); err != nil {
		t.Fatal(err)
	}

	env := map[string]string{
		"RAGLS_CONFIG":           filepath.Join(root, "no-config.json"),
		"RAGLS_MODEL_URL":        modelURL,
		"RAGLS_COMPLETION_MODEL": completionModel,
		"RAGLS_CHAT_MODEL":       chatModel,
		"RAGLS_MODEL_TIMEOUT":    "30s",
	}
	eng, err := engine.New(engine.Options{CacheDir: cache, Getenv: func(k string) string { return env[k] }, Watch: true})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			eng.Close()
		}
	}()
	h := newHarnessFor(t, eng)
	var init protocol.InitializeResult
	h.mustCall(protocol.MethodInitialize, jsonObject(map[string]any{
		"processId": 1, "rootUri": string(uri.File(root)), "capabilities": json.RawMessage(capsFull),
	}), &init)
	h.notify(protocol.MethodInitialized, `{}`)
	waitUntil(t, func() bool { return len(eng.Roots()) == 1 && eng.Roots()[0].Index.Stats().Files > 0 })
	if err := eng.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}

	docs := []struct {
		rel    string
		edit   string // appended by a didChange
		secret bool
	}{
		{".env", "TOKEN=" + envEdit + "\n", true},
		{"deploy/id_ed25519", "", true},
		{"deploy/app-manifest.yml", "  user: " + k8sValue + "\n", true},
		{"aws_credentials", "", true},
		{"notes/private.go", "\n// " + privateEdit + "\n", false},
		{"passwd.go", "\n// more\n", false},
		{"main.go", "\nfunc other() int {\n\treturn helper(2)\n}\n", false},
	}
	texts := map[string]string{}
	for _, d := range docs {
		abs := filepath.Join(root, d.rel)
		b, _ := os.ReadFile(abs)
		u := string(uri.File(abs))
		h.notify(protocol.MethodTextDocumentDidOpen, jsonObject(map[string]any{
			"textDocument": map[string]any{"uri": u, "languageId": "plaintext", "version": 1, "text": string(b)},
		}))
		text := string(b) + d.edit
		h.notify(protocol.MethodTextDocumentDidChange, jsonObject(map[string]any{
			"textDocument":   map[string]any{"uri": u, "version": 2},
			"contentChanges": []any{map[string]any{"text": text}},
		}))
		texts[d.rel] = text
	}
	// Every feature in every document, an ordinary one last so that it could pick up the others
	// as context if anything let them in.
	ownPhaseEnd := 0 // requests before this index were about the other documents
	for _, d := range docs {
		if d.rel == "main.go" {
			eng.Settle(context.Background())
			ownPhaseEnd = len(requests())
		}
		u := string(uri.File(filepath.Join(root, d.rel)))
		lines := strings.Count(texts[d.rel], "\n")
		pos := map[string]any{"line": max(lines-2, 0), "character": 1}
		tdp := map[string]any{"textDocument": map[string]any{"uri": u}, "position": pos}
		var list protocol.CompletionList
		h.mustCall(protocol.MethodTextDocumentCompletion, jsonObject(tdp), &list)
		var inline protocol.InlineCompletionList
		tdp["context"] = map[string]any{"triggerKind": 1}
		h.mustCall(protocol.MethodTextDocumentInlineCompletion, jsonObject(tdp), &inline)
		if d.secret && (len(list.Items) > 0 || len(inline.Items) > 0) {
			t.Errorf("%s: completions offered in a secret file: %v %v", d.rel, list.Items, inline.Items)
		}
		var hover json.RawMessage
		h.mustCall(protocol.MethodTextDocumentHover, jsonObject(map[string]any{"textDocument": map[string]any{"uri": u}, "position": pos}), &hover)
		var actions []json.RawMessage
		whole := map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": lines, "character": 0}}
		h.mustCall(protocol.MethodTextDocumentCodeAction, jsonObject(map[string]any{
			"textDocument": map[string]any{"uri": u}, "range": whole,
			"context": map[string]any{"diagnostics": []any{map[string]any{"range": whole, "message": "something is wrong"}}},
		}), &actions)
		if d.secret && len(actions) > 0 {
			t.Errorf("%s: %d code actions offered in a secret file", d.rel, len(actions))
		}
		for _, raw := range actions {
			var ca struct {
				Data    json.RawMessage   `json:"data"`
				Command *protocol.Command `json:"command"`
			}
			json.Unmarshal(raw, &ca)
			switch {
			case len(ca.Data) > 0:
				h.call(protocol.MethodCodeActionResolve, string(raw), nil) // failures are fine here
			case ca.Command != nil:
				h.call(protocol.MethodWorkspaceExecuteCommand, jsonObject(map[string]any{"command": ca.Command.Command, "arguments": ca.Command.Arguments}), nil)
			}
		}
		if !d.secret && len(actions) == 0 {
			t.Errorf("%s: no code actions offered", d.rel)
		}
	}
	// Saved: the disk now holds the edits.
	for _, d := range docs {
		abs := filepath.Join(root, d.rel)
		if d.rel != "passwd.go" {
			os.WriteFile(abs, []byte(texts[d.rel]), 0o644)
		}
		h.notify(protocol.MethodTextDocumentDidSave, jsonObject(map[string]any{"textDocument": map[string]any{"uri": string(uri.File(abs))}}))
	}
	if err := eng.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The user was told, in words, why nothing happens in a secret file.
	told := false
	for _, m := range h.waitFor(protocol.MethodWindowShowMessage, 1) {
		told = told || strings.Contains(string(m.params), "holds secrets")
	}
	if !told {
		t.Error("the user was never told why ragls is silent in secret files")
	}
	h.mustCall(protocol.MethodShutdown, "", nil)
	h.notify(protocol.MethodExit, "")
	<-h.runErr
	h.runErr <- nil // for the harness's cleanup
	eng.Close()
	closed = true

	var stored strings.Builder
	idx, _ := filepath.Glob(filepath.Join(cache, "*"))
	if len(idx) == 0 {
		t.Fatal("no index was stored")
	}
	for _, f := range idx {
		b, _ := os.ReadFile(f)
		stored.Write(b)
	}
	if !strings.Contains(stored.String(), "helper") {
		t.Fatal("the stored index lacks main.go: the check below would prove nothing")
	}
	for _, v := range []string{envValue, envEdit, keyValue, k8sValue, awsValue, ignored, privateEdit, outsideVal} {
		if strings.Contains(stored.String(), v) {
			t.Errorf("stored index holds %s", v)
		}
	}
	reqs := requests()
	if ownPhaseEnd == 0 || len(reqs)-ownPhaseEnd < 3 {
		t.Fatalf("%d requests, %d about main.go: the check below would prove nothing", len(reqs), len(reqs)-ownPhaseEnd)
	}
	if len(reqs) < 5 {
		t.Fatalf("the model received only %d requests: the check below would prove nothing", len(reqs))
	}
	for i, body := range reqs {
		for _, v := range []string{envValue, envEdit, keyValue, k8sValue, awsValue} {
			if strings.Contains(body, v) {
				t.Errorf("request %d to the model carries secret %s: %.300s", i, v, body)
			}
		}
		// The ignored and outside buffers may be the current file of their own requests, never
		// context for another file's.
		for _, v := range []string{ignored, privateEdit, outsideVal} {
			if i >= ownPhaseEnd && strings.Contains(body, v) {
				t.Errorf("request %d, about main.go, carries %s as context: %.300s", i, v, body)
			}
		}
	}
}
