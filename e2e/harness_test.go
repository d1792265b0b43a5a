package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// build is the ragls binary under test, built once per run into a directory TestMain removes.
var build struct {
	dir  string
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ragls-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	build.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ragls returns the path of the ragls binary, building it on first use.
func ragls(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		build.path = filepath.Join(build.dir, "ragls")
		args := []string{"build", "-o", build.path}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/ragls")...)
		cmd.Dir = ".." // the module root
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/ragls: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// missing skips the test for want of something outside the repository, or fails it under CI.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + " (CI=true: required)")
	}
	t.Skip(msg)
}

// tool finds an external program named by env, else def, on PATH.
func tool(t *testing.T, env, def string) string {
	t.Helper()
	name := os.Getenv(env)
	if name == "" {
		name = def
	}
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, "%s not found (set %s): %v", name, env, err)
	}
	return path
}

// nodeModules returns the directory holding vscode-languageserver-protocol.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RAGLS_NODE_MODULES")
	if dir == "" {
		dir = filepath.Join("..", ".ci", "node", "node_modules")
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "vscode-languageserver-protocol", "package.json"))
	}
	if err != nil {
		missing(t, "vscode-languageserver-protocol not found in RAGLS_NODE_MODULES (run scripts/setup): %v", err)
	}
	return dir
}

// model is the model server a session talks to, as the settings an editor sends.
type model struct {
	URL, Name string
	FIM       string
	Timeout   time.Duration
}

// realModel is the Ollama server of scripts/test with the tiny TinyStories model. It writes
// stories, not code, so tests on it check plumbing, never content.
func realModel(t *testing.T) model {
	t.Helper()
	u, name := os.Getenv("RAGLS_TEST_MODEL_URL"), os.Getenv("RAGLS_TEST_MODEL")
	if u == "" || name == "" {
		missing(t, "no model server: RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL are unset (scripts/test starts one)")
	}
	// The story model knows no FIM tokens, but Ollama passes a /v1/completions prompt through
	// as it is (the model has no template), so a FIM family's prompt gets an answer: story text,
	// through the same path a code model's completion takes.
	return model{URL: u, Name: name, FIM: "starcoder", Timeout: 15 * time.Second}
}

// settings are the "ragls" settings an editor sends for m.
func (m model) settings() map[string]any {
	return map[string]any{
		"modelUrl":        m.URL,
		"chatModel":       m.Name,
		"completionModel": m.Name,
		"embeddingModel":  m.Name,
		"fim":             m.FIM,
		"timeoutMs":       m.Timeout.Milliseconds(),
		"maxTokens":       48,
		"temperature":     0,
	}
}

// The fixture workspace: a Go package with a call across files, and a Python module.
const (
	priceGo = `package shop

// Total returns the sum of prices with the tax rate applied.
func Total(prices []float64, rate float64) float64 {
	sum := 0.0
	for _, p := range prices {
		sum += p
	}
	return sum * (1 + rate)
}
`
	cartGo = `package shop

import "fmt"

// Cart holds the prices of what a customer picked.
type Cart struct {
	Prices []float64
}

func Checkout(c Cart) string {
	t := Total(c.Prices, 0.2)
	return fmt.Sprintf("total %.2f", t)
}
`
	slugPy = `def slugify(title):
    """Returns title in lower case with words joined by dashes."""
    return "-".join(title.lower().split())


def page_path(title):
    return "/pages/" + slugify(title)
`
)

// Positions in cart.go (0-based line, UTF-16 column), shared by every client.
var (
	// hoverAt is on the call to Total, defined in price.go.
	hoverAt = pos{Line: 10, Character: 7}
	// hoverAfterEdit is the call to Total once a doc comment line was added above Checkout.
	hoverAfterEdit = pos{Line: 11, Character: 7}
	// actionAt is inside Checkout, which has no doc comment.
	actionAt = pos{Line: 10, Character: 2}
	// completeAt is after the brace that closes Cart: above Checkout, so that the doc comment
	// the action inserts does not move it.
	completeAt = pos{Line: 7, Character: 1}
	// pyHoverAt is on the call to slugify in slug.py.
	pyHoverAt = pos{Line: 6, Character: 24}
	// checkoutLine is the line "func Checkout(c Cart) string {".
	checkoutLine = 9
)

// totalSignature must appear in the hover on the call to Total.
const totalSignature = "func Total(prices []float64, rate float64) float64"

// fakeDiagnostic is a diagnostic as another server would have published it; ragls offers to fix it.
var fakeDiagnostic = map[string]any{
	"range":    map[string]any{"start": pos{10, 1}, "end": pos{10, 2}},
	"severity": 1,
	"source":   "e2e",
	"message":  "declared and not used: t",
}

type pos struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// workspace writes the fixture into a new directory and returns it.
func workspace(t *testing.T) string {
	t.Helper()
	// Spaces, "=" and non-ASCII in the path: every client and the server must agree on its URI.
	dir := filepath.Join(t.TempDir(), "my shop=é")
	files := map[string]string{
		"go.mod":   "module example.com/shop\n\ngo 1.22\n",
		"price.go": priceGo,
		"cart.go":  cartGo,
		"slug.py":  slugPy,
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Resolve symlinks (macOS's /var) so paths compare equal to what the server reports.
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// environ is the environment of an editor (and so of the server it starts): none of the
// developer's RAGLS_* settings, a private index cache, an empty config file in place of the
// user's, and a private HOME so that editors keep their state and history away from the user's.
func environ(t *testing.T) []string {
	t.Helper()
	home := t.TempDir()
	// An empty config file of the test's own: an explicitly named file that is missing would be
	// reported to the user as a settings problem.
	config := filepath.Join(home, "ragls-config.json")
	if err := os.WriteFile(config, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "RAGLS_"), strings.HasPrefix(k, "XDG_"), k == "HOME",
			k == "LANG", k == "LANGUAGE", strings.HasPrefix(k, "LC_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		// The workspace path is not ASCII: editors must read it as UTF-8 whatever the
		// caller's locale (CI may run with none).
		"LANG=C.UTF-8",
		"LC_ALL=C.UTF-8",
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME="+filepath.Join(home, ".local", "state"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"RAGLS_CACHE_DIR="+filepath.Join(home, "ragls-cache"),
		"RAGLS_CONFIG="+config,
	)
}

// run runs cmd with a deadline, returning its stdout; stderr goes to the test log on failure.
func run(t *testing.T, limit time.Duration, cmd *exec.Cmd) []byte {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A server the editor started could outlive it holding our pipes: do not wait for it.
	cmd.WaitDelay = 2 * time.Second
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cmd.Path, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not finish within %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(cmd.Path), limit, stdout.String(), tail(stderr.String(), 4000))
	}
	t.Logf("%s ran in %v", filepath.Base(cmd.Path), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(cmd.Path), err, stdout.String(), tail(stderr.String(), 4000))
	}
	if s := stderr.String(); s != "" {
		t.Logf("%s stderr:\n%s", filepath.Base(cmd.Path), tail(s, 4000))
	}
	return []byte(stdout.String())
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// session is what an editor script saw, written as JSON to a file by the script. Every client
// writes the same shape, so one set of checks covers them all.
type session struct {
	Progress   []string `json:"progress"`   // kinds of the $/progress values, in order
	Hover      string   `json:"hover"`      // the hover's text on the call to Total
	Actions    []string `json:"actions"`    // code action titles
	HoverAfter string   `json:"hoverAfter"` // the hover on the call to Total, one line down after the edit
	Before     string   `json:"before"`     // cart.go before the action's edit
	After      string   `json:"after"`      // cart.go after it
	Completion []string `json:"completion"` // completion item labels
	Messages   []string `json:"messages"`   // window/showMessage texts
	Errors     []string `json:"errors"`     // anything that went wrong in the script
	ServerExit *int     `json:"serverExit"` // exit status of ragls serve
}

func readSession(t *testing.T, path string) session {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the editor script wrote no result: %v", err)
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("result %s: %v\n%s", path, err, b)
	}
	return s
}

// check asserts what every editor's session must show: progress that begins and ends, a hover
// with the callee's signature, ragls's code actions, an edit that applied and changed the
// buffer, the model's completion item, and a clean exit.
func (s session) check(t *testing.T, wantProgress bool) {
	t.Helper()
	t.Logf("progress %v; completion %q; messages %q; cart.go after Document function:\n%s", s.Progress, s.Completion, s.Messages, s.After)
	for _, e := range s.Errors {
		t.Errorf("editor script: %s", e)
	}
	if wantProgress {
		if len(s.Progress) < 2 || s.Progress[0] != "begin" || s.Progress[len(s.Progress)-1] != "end" {
			t.Errorf("indexing progress = %v, want begin ... end", s.Progress)
		}
	}
	if !strings.Contains(s.Hover, totalSignature) {
		t.Errorf("hover on the call to Total = %q, want it to contain %q", s.Hover, totalSignature)
	}
	checkActions(t, s.Actions)
	if s.Before != cartGo {
		t.Errorf("buffer before the action = %q, want the fixture's cart.go", s.Before)
	}
	checkDocumented(t, s.After)
	if !strings.Contains(s.HoverAfter, totalSignature) {
		t.Errorf("hover on the call to Total after the edit = %q, want %q: the server did not follow the edit", s.HoverAfter, totalSignature)
	}
	if len(s.Completion) == 0 {
		t.Errorf("completion offered no item from the model")
	}
	if s.ServerExit == nil || *s.ServerExit != 0 {
		t.Errorf("ragls serve exit status = %v, want 0", ptrString(s.ServerExit))
	}
}

func ptrString(p *int) string {
	if p == nil {
		return "unknown (not seen)"
	}
	return fmt.Sprint(*p)
}

// checkActions asserts the titles ragls lists at actionAt with fakeDiagnostic.
func checkActions(t *testing.T, titles []string) {
	t.Helper()
	for _, want := range []string{
		"ragls: Explain function",
		"ragls: Explain inline (comments)",
		"ragls: Document function",
		"ragls: Write tests",
		"ragls: Fix: declared and not used: t",
	} {
		found := false
		for _, got := range titles {
			found = found || got == want
		}
		if !found {
			t.Errorf("code actions %q lack %q", titles, want)
		}
	}
	for _, got := range titles {
		if !strings.HasPrefix(got, "ragls: ") {
			t.Errorf("code action title %q does not start with \"ragls: \"", got)
		}
	}
}

// checkDocumented asserts that "Document function" changed cart.go only by adding comment
// lines right above Checkout: the model's words are its own, their place is not.
func checkDocumented(t *testing.T, after string) {
	t.Helper()
	if after == cartGo {
		t.Errorf("Document function left the buffer unchanged")
		return
	}
	lines := strings.Split(cartGo, "\n")
	head := strings.Join(lines[:checkoutLine], "\n") + "\n"
	rest := strings.Join(lines[checkoutLine:], "\n")
	if !strings.HasPrefix(after, head) || !strings.HasSuffix(after, rest) || len(after) <= len(cartGo) {
		t.Errorf("Document function changed more than the lines above Checkout:\n%s", after)
		return
	}
	added := strings.TrimSuffix(after[len(head):len(after)-len(rest)], "\n")
	for _, l := range strings.Split(added, "\n") {
		if !strings.HasPrefix(l, "//") {
			t.Errorf("Document function inserted %q, not a comment line, above Checkout", l)
		}
	}
}

// documented is cart.go after "Document function" with the fake model's answer.
func documented() string {
	return strings.Replace(cartGo, "func Checkout", "// "+fakeDoc+"\nfunc Checkout", 1)
}

// fakeModel serves an OpenAI-compatible API on loopback that fails in one way: "slow" never
// answers on /v1/ (until the request is abandoned; other paths are not found), "html" answers a web page, "badjson" cut-off JSON;
// "ok" answers fixed JSON. For "down" it returns the URL of a port nothing listens on.
type fakeModel struct {
	URL string

	mu       sync.Mutex
	requests []string // paths asked, in order
	aborted  int      // requests whose client went away before an answer
}

// Answers of the "ok" fake, so that tests can assert exact edits.
const (
	fakeDoc        = "Checkout formats the total of the cart, tax included."
	fakeCompletion = "\n\tfmt.Println(t)"
)

func newFakeModel(t *testing.T, mode string) *fakeModel {
	t.Helper()
	f := &fakeModel{}
	if mode == "down" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		f.URL = "http://" + l.Addr().String() + "/v1"
		l.Close()
		return f
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.Path)
		f.mu.Unlock()
		switch {
		case mode == "slow" && !strings.HasPrefix(r.URL.Path, "/v1/"):
			// Not a model server ragls can tell the kind of: it answers only the OpenAI API,
			// and that never, so what is measured is the completion's own request.
			http.NotFound(w, r)
		case mode == "slow":
			select {
			case <-r.Context().Done():
				f.mu.Lock()
				f.aborted++
				f.mu.Unlock()
			case <-time.After(30 * time.Second):
			}
		case mode == "html":
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>{not json</body></html>")
		case mode == "badjson":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"content":`)
		default:
			f.answer(w, r.URL.Path, body)
		}
	}))
	t.Cleanup(srv.Close)
	f.URL = srv.URL + "/v1"
	return f
}

func (f *fakeModel) answer(w http.ResponseWriter, path string, body []byte) {
	var req struct {
		Model          string `json:"model"`
		ResponseFormat *struct {
			JSONSchema struct {
				Name string `json:"name"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	_ = json.Unmarshal(body, &req)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(path, "/chat/completions"):
		content := fakeCompletion
		if req.ResponseFormat != nil {
			switch req.ResponseFormat.JSONSchema.Name {
			case "ragls_document":
				content = `{"doc": "` + fakeDoc + `"}`
			case "ragls_test":
				content = `{"path": "cart_test.go", "code": "func TestCheckout(t *testing.T) {}"}`
			default:
				content = `{"code": "// fixed\n", "explanation": "fixed"}`
			}
		}
		msg, _ := json.Marshal(content)
		fmt.Fprintf(w, `{"id":"x","object":"chat.completion","model":%q,"choices":[{"index":0,"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, req.Model, msg)
	case strings.HasSuffix(path, "/completions"):
		text, _ := json.Marshal(fakeCompletion)
		fmt.Fprintf(w, `{"id":"x","object":"text_completion","model":%q,"choices":[{"index":0,"text":%s,"finish_reason":"stop"}]}`, req.Model, text)
	case strings.HasSuffix(path, "/models"):
		io.WriteString(w, `{"object":"list","data":[{"id":"fake","object":"model"}]}`)
	default:
		http.NotFound(w, nil)
	}
}

func (f *fakeModel) model() model {
	return model{URL: f.URL, Name: "fake", FIM: "chat", Timeout: 20 * time.Second}
}

func (f *fakeModel) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeModel) abortedRequests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.aborted
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}

// mustJSON encodes v for a script's command line or environment.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
