package mcp

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"ragls/engine"
)

// The fixture: a Go package with a call across files, a Python module, a secret and an
// ignored file.
var fixture = map[string]string{
	"shop/price.go": `package shop

// Total returns the sum of prices with the tax rate applied.
func Total(prices []float64, rate float64) float64 {
	sum := 0.0
	for _, p := range prices {
		sum += p
	}
	return sum * (1 + rate)
}
`,
	"shop/cart.go": `package shop

import "fmt"

// Cart holds the prices of what a customer picked.
type Cart struct {
	Prices []float64
}

func Checkout(c Cart) string {
	t := Total(c.Prices, 0.2)
	return fmt.Sprintf("total %.2f", t)
}

func Receipt(c Cart) string {
	return fmt.Sprintf("%s (%.2f before tax)", Checkout(c), Total(c.Prices, 0))
}
`,
	"tools/slug.py": `def slugify(title):
    """Returns title in lower case with words joined by dashes."""
    return "-".join(title.lower().split())


def page_path(title):
    return "/pages/" + slugify(title)
`,
	".env":         "STRIPE_KEY=sk_live_supersecretvalue\n",
	"deploy.pem":   "-----BEGIN PRIVATE KEY-----\nsupersecretvalue\n-----END PRIVATE KEY-----\n",
	".gitignore":   "build/\n",
	"build/gen.go": "package build\n\nfunc Generated() {}\n",
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

// newEngine starts the real engine on dirs, watching them as "ragls mcp" does, and waits for
// their first index.
func newEngine(t *testing.T, dirs ...string) Engine {
	t.Helper()
	e, err := engine.New(engine.Options{Watch: true, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	a := EngineFor(e)
	if err := e.SetRoots(context.Background(), dirs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, d := range dirs {
		if err := a.WaitIndexed(ctx, d, nil); err != nil {
			t.Fatalf("indexing %s: %v", d, err)
		}
	}
	return a
}

// connect serves eng to an SDK client over the in-memory transport.
func connect(t *testing.T, eng Engine, opts Options, copts *sdk.ClientOptions) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	st, ct := sdk.NewInMemoryTransports()
	ss, err := NewServer(eng, opts).Connect(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, copts).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call runs a tool and returns its text and whether it is an error result.
func call(t *testing.T, cs *sdk.ClientSession, tool string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s(%v): protocol error %v", tool, args, err)
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String(), res.IsError
}

func TestListTools(t *testing.T) {
	cs := connect(t, newEngine(t, writeTree(t, fixture)), Options{}, nil)
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	required := map[string][]string{
		"search":     {"query"},
		"context":    {"path", "line"},
		"definition": {"symbol"},
		"references": {"symbol"},
		"outline":    nil,
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		want, ok := required[tool.Name]
		if !ok {
			t.Errorf("unexpected tool %s", tool.Name)
			continue
		}
		if len(tool.Description) < 40 {
			t.Errorf("%s: description %q is too thin for an agent to act on", tool.Name, tool.Description)
		}
		schema, _ := tool.InputSchema.(map[string]any)
		var got []string
		if r, ok := schema["required"].([]any); ok {
			for _, x := range r {
				got = append(got, x.(string))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: required = %v, want %v", tool.Name, got, want)
		}
		props, _ := schema["properties"].(map[string]any)
		for name, p := range props {
			if d, _ := p.(map[string]any)["description"].(string); d == "" {
				t.Errorf("%s.%s has no description", tool.Name, name)
			}
		}
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s is not marked read-only", tool.Name)
		}
	}
	slices.Sort(names)
	if want := []string{"context", "definition", "outline", "references", "search"}; !slices.Equal(names, want) {
		t.Errorf("tools = %v, want %v", names, want)
	}
}

func TestTools(t *testing.T) {
	dir := writeTree(t, fixture)
	cs := connect(t, newEngine(t, dir), Options{}, nil)
	tests := []struct {
		name    string
		tool    string
		args    map[string]any
		want    []string // substrings of the result, in order
		wantNot []string
	}{
		{"search identifier", "search", map[string]any{"query": "Total"},
			[]string{"shop/price.go:3-10", "func Total("}, nil},
		{"search words", "search", map[string]any{"query": "slug from a title", "k": 3},
			[]string{"tools/slug.py:"}, nil},
		{"search path filter", "search", map[string]any{"query": "Total", "path": "tools"},
			nil, []string{"shop/"}},
		{"search glob", "search", map[string]any{"query": "Total prices", "path": "*.py"},
			nil, []string{"price.go"}},
		{"search never returns secrets", "search", map[string]any{"query": "STRIPE_KEY PRIVATE KEY", "k": 50},
			nil, []string{"supersecretvalue", ".env", "deploy.pem"}},
		{"search ignored", "search", map[string]any{"query": "Generated"},
			nil, []string{"build/gen.go"}},
		{"definition", "definition", map[string]any{"symbol": "Total"},
			[]string{"1 definition of Total", "shop/price.go:4-10", "// Total returns the sum of prices", "func Total(prices []float64, rate float64) float64"}, nil},
		{"definition qualified", "definition", map[string]any{"symbol": "shop.Checkout"},
			[]string{"shop/cart.go:10-13", "func Checkout(c Cart) string"}, nil},
		{"definition python", "definition", map[string]any{"symbol": "slugify"},
			[]string{"tools/slug.py:1-3", "Returns title in lower case"}, nil},
		{"definition unknown", "definition", map[string]any{"symbol": "Nowhere"},
			[]string{"No definition of Nowhere"}, nil},
		{"references", "references", map[string]any{"symbol": "Total"},
			[]string{"2 uses of Total", "shop/cart.go:11: t := Total(c.Prices, 0.2)", "shop/cart.go:16:"}, []string{"price.go:4"}},
		{"references limit", "references", map[string]any{"symbol": "Total", "limit": 1},
			[]string{"2 uses of Total", "shop/cart.go:11:", "[1 of 2 shown; narrow with path"}, []string{"cart.go:16"}},
		{"references scoped", "references", map[string]any{"symbol": "Total", "path": "tools"},
			[]string{"No uses of Total in tools"}, nil},
		{"outline repository", "outline", map[string]any{},
			[]string{"Outline of the repository", "shop/price.go:\n  4-10 func Total(", "shop/cart.go:", "tools/slug.py:"}, []string{"build/", ".env"}},
		{"outline file", "outline", map[string]any{"path": "shop/cart.go"},
			[]string{"shop/cart.go:\n  6-8 type Cart struct", "10-13 func Checkout(c Cart) string", "15-17 func Receipt"}, []string{"price.go"}},
		{"outline directory", "outline", map[string]any{"path": "tools"},
			[]string{"tools/slug.py:", "slugify"}, []string{"shop/"}},
		{"context", "context", map[string]any{"path": "shop/cart.go", "line": 11, "column": 8},
			[]string{"Context for shop/cart.go:11:8", "shop/price.go:", "func Total("}, nil},
		{"context with buffer", "context", map[string]any{"path": "shop/new.go", "line": 3, "column": 31,
			"content": "package shop\n\nvar x = slugify(Total(nil, 0))\n"},
			[]string{"Context for shop/new.go:3:31", "func Total("}, nil},
		{"context absolute path", "context", map[string]any{"path": filepath.Join(dir, "shop", "cart.go"), "line": 11, "column": 8},
			[]string{"shop/price.go:"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, isErr := call(t, cs, tt.tool, tt.args)
			if isErr {
				t.Fatalf("error result: %s", got)
			}
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("result lacks %q (in order):\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			for _, w := range tt.wantNot {
				if strings.Contains(got, w) {
					t.Errorf("result contains %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, dir) {
				t.Errorf("result has absolute paths, want them relative to the root:\n%s", got)
			}
		})
	}
}

// TestOutlineRanks checks that the map puts what the rest of the code leans on first.
func TestOutlineRanks(t *testing.T) {
	files := map[string]string{
		"a/core.go":   "package a\n\n// Parse is used everywhere.\nfunc Parse(s string) int { return len(s) }\n",
		"a/leaf.go":   "package a\n\nfunc Leaf() int { return 1 }\n",
		"b/one.go":    "package b\n\nfunc One() int { return a.Parse(\"1\") }\n",
		"b/two.go":    "package b\n\nfunc Two() int { return a.Parse(\"2\") }\n",
		"c/three.go":  "package c\n\nfunc Three() int { return a.Parse(\"3\") + b.One() }\n",
		"d/unused.go": "package d\n\nfunc Unused() {}\n",
	}
	cs := connect(t, newEngine(t, writeTree(t, files)), Options{}, nil)
	got, isErr := call(t, cs, "outline", map[string]any{})
	if isErr {
		t.Fatal(got)
	}
	parse, one, unused := strings.Index(got, "func Parse"), strings.Index(got, "func One"), strings.Index(got, "func Unused")
	if parse < 0 || one < 0 || unused < 0 || !(parse < one && one < unused) {
		t.Errorf("want Parse (used 3 times) before One (once) before Unused:\n%s", got)
	}
	// A small budget keeps the best ranked only.
	got, _ = call(t, cs, "outline", map[string]any{"budget": 20})
	if !strings.Contains(got, "func Parse") || strings.Contains(got, "func Unused") || !strings.Contains(got, "definitions left out; raise budget") {
		t.Errorf("budget 20: want Parse only and a note:\n%s", got)
	}
}

func TestBadArguments(t *testing.T) {
	dir := writeTree(t, fixture)
	cs := connect(t, newEngine(t, dir), Options{}, nil)
	tests := []struct {
		tool string
		args map[string]any
		arg  string // the argument the error must name
		want string
	}{
		{"search", map[string]any{}, "query", "missing properties"},
		{"search", map[string]any{"query": "  "}, "query", "must not be empty"},
		{"search", map[string]any{"query": "x", "k": 500}, "k", "between 1 and 50"},
		{"search", map[string]any{"query": "x", "k": "ten"}, "k", "integer"},
		{"search", map[string]any{"query": "x", "path": "../.."}, "path", "leaves the root"},
		{"search", map[string]any{"query": "x", "path": "[a-"}, "path", "bad glob"},
		{"context", map[string]any{"line": 1}, "path", "missing properties"},
		{"context", map[string]any{"path": "shop/cart.go", "line": 0}, "line", "1 or more"},
		{"context", map[string]any{"path": "shop/cart.go", "line": 99}, "line", "has 17 lines"},
		{"context", map[string]any{"path": "shop/cart.go", "line": 1, "column": -3}, "column", "1 or more"},
		{"context", map[string]any{"path": "shop/cart.go", "line": 1, "budget": 1 << 20}, "budget", "between 1 and"},
		{"context", map[string]any{"path": "shop/missing.go", "line": 1}, "path", "no file"},
		{"context", map[string]any{"path": "/etc/passwd", "line": 1}, "path", "outside the root"},
		{"context", map[string]any{"path": "build/gen.go", "line": 1}, "path", "ignored"},
		{"definition", map[string]any{"symbol": "not a name"}, "symbol", "not an identifier"},
		{"definition", map[string]any{"symbol": ""}, "symbol", "must not be empty"},
		{"references", map[string]any{"symbol": "Total", "limit": -1}, "limit", "between 1 and 500"},
		{"outline", map[string]any{"path": "nowhere"}, "path", "no indexed file or directory"},
		{"outline", map[string]any{"budget": 0.5}, "budget", "integer"},
	}
	for _, tt := range tests {
		got, isErr := call(t, cs, tt.tool, tt.args)
		if !isErr {
			t.Errorf("%s(%v): no error, got %s", tt.tool, tt.args, got)
			continue
		}
		if !strings.Contains(got, tt.arg) || !strings.Contains(got, tt.want) {
			t.Errorf("%s(%v) = %q, want an error naming %q with %q", tt.tool, tt.args, got, tt.arg, tt.want)
		}
	}
}

// TestSecretsNeverReturned names secret files directly, by every path a tool takes.
func TestSecretsNeverReturned(t *testing.T) {
	dir := writeTree(t, fixture)
	cs := connect(t, newEngine(t, dir), Options{}, nil)
	secret := "sk_live_supersecretvalue"
	for _, c := range []struct {
		tool string
		args map[string]any
	}{
		{"context", map[string]any{"path": ".env", "line": 1}},
		{"context", map[string]any{"path": filepath.Join(dir, ".env"), "line": 1}},
		{"context", map[string]any{"path": "deploy.pem", "line": 2}},
		{"context", map[string]any{"path": ".env", "line": 1, "content": "STRIPE_KEY=" + secret}},
		{"outline", map[string]any{"path": ".env"}},
		{"outline", map[string]any{"path": "deploy.pem"}},
		{"search", map[string]any{"query": "STRIPE_KEY", "path": ".env"}},
		{"references", map[string]any{"symbol": "STRIPE_KEY"}},
		{"definition", map[string]any{"symbol": "STRIPE_KEY"}},
	} {
		got, isErr := call(t, cs, c.tool, c.args)
		if strings.Contains(got, secret) || strings.Contains(got, "supersecretvalue") {
			t.Errorf("%s(%v) returned the secret: %s", c.tool, c.args, got)
		}
		if c.tool == "context" || c.tool == "outline" {
			if !isErr || !strings.Contains(got, "secret file") {
				t.Errorf("%s(%v) = %q, want an error saying it is a secret file", c.tool, c.args, got)
			}
		}
	}
}

func TestMultipleRoots(t *testing.T) {
	one := writeTree(t, map[string]string{"lib/total.go": fixture["shop/price.go"]})
	two := writeTree(t, map[string]string{"app/main.go": "package main\n\nfunc main() { println(shop.Total(nil, 0)) }\n"})
	cs := connect(t, newEngine(t, one, two), Options{}, nil)
	n1, n2 := filepath.Base(one), filepath.Base(two)
	got, _ := call(t, cs, "definition", map[string]any{"symbol": "Total"})
	if !strings.Contains(got, n1+"/lib/total.go:4-10") {
		t.Errorf("definition: want a path starting with the root's name %s:\n%s", n1, got)
	}
	got, _ = call(t, cs, "references", map[string]any{"symbol": "Total"})
	if !strings.Contains(got, n2+"/app/main.go:3:") {
		t.Errorf("references: want %s/app/main.go:3:\n%s", n2, got)
	}
	got, isErr := call(t, cs, "outline", map[string]any{"path": n2 + "/app"})
	if isErr || !strings.Contains(got, "func main()") || strings.Contains(got, "Total(") {
		t.Errorf("outline of %s/app:\n%s", n2, got)
	}
	if got, isErr := call(t, cs, "context", map[string]any{"path": "app/main.go", "line": 1}); !isErr || !strings.Contains(got, "root's name") {
		t.Errorf("a path without its root's name: %s", got)
	}
}

// slowIndex holds a root in its first indexing until released, to test what calls see then.
type slowIndex struct {
	Engine
	mu       sync.Mutex
	released bool
	ch       chan struct{}
}

func (s *slowIndex) Status(root string) Status {
	st := s.Engine.Status(root)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.released {
		st.Indexed, st.Done, st.Total = false, 1, 3
	}
	return st
}

func (s *slowIndex) WaitIndexed(ctx context.Context, root string, progress func(Status)) error {
	if progress != nil {
		progress(s.Status(root))
	}
	select {
	case <-s.ch:
		if progress != nil {
			progress(s.Status(root))
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *slowIndex) release() {
	s.mu.Lock()
	s.released = true
	s.mu.Unlock()
	close(s.ch)
}

func TestIndexingProgress(t *testing.T) {
	eng := &slowIndex{Engine: newEngine(t, writeTree(t, fixture)), ch: make(chan struct{})}
	var mu sync.Mutex
	var got []*sdk.ProgressNotificationParams
	cs := connect(t, eng, Options{IndexWait: 10 * time.Second}, &sdk.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *sdk.ProgressNotificationClientRequest) {
			mu.Lock()
			got = append(got, r.Params)
			mu.Unlock()
		},
	})
	time.AfterFunc(200*time.Millisecond, eng.release)
	params := &sdk.CallToolParams{Name: "definition", Arguments: map[string]any{"symbol": "Total"}}
	params.SetProgressToken("tok-1")
	start := time.Now()
	res, err := cs.CallTool(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 150*time.Millisecond {
		t.Errorf("the first call answered after %v, before the index was done", waited)
	}
	text := res.Content[0].(*sdk.TextContent).Text
	if strings.Contains(text, "still being indexed") || !strings.Contains(text, "func Total(") {
		t.Errorf("after waiting for the index: %s", text)
	}
	// Notifications may trail the result a little.
	deadline := time.Now().Add(2 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 {
		t.Fatalf("progress notifications = %d, want one while indexing and one when done", len(got))
	}
	if got[0].ProgressToken != "tok-1" || got[0].Progress != 1 || got[0].Total != 3 || !strings.Contains(got[0].Message, "1/3 files") {
		t.Errorf("first notification = %+v", got[0])
	}
	if last := got[len(got)-1]; !strings.Contains(last.Message, "indexed") {
		t.Errorf("last notification = %+v, want it to say the root is indexed", last)
	}
}

func TestAnswersFromPartialIndex(t *testing.T) {
	eng := &slowIndex{Engine: newEngine(t, writeTree(t, fixture)), ch: make(chan struct{})}
	defer eng.release()
	cs := connect(t, eng, Options{IndexWait: 100 * time.Millisecond}, nil)
	start := time.Now()
	got, isErr := call(t, cs, "definition", map[string]any{"symbol": "Total"})
	if isErr || !strings.Contains(got, "still being indexed (1 of 3 files examined") || !strings.Contains(got, "func Total(") {
		t.Errorf("first call on an unfinished index: %s", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the wait was not bounded: %v", d)
	}
	// Later calls answer at once, still saying so.
	start = time.Now()
	got, _ = call(t, cs, "search", map[string]any{"query": "Total"})
	if !strings.Contains(got, "still being indexed") {
		t.Errorf("later call: %s", got)
	}
	if d := time.Since(start); d > 90*time.Millisecond {
		t.Errorf("a later call waited %v again", d)
	}
}

func TestTruncation(t *testing.T) {
	files := map[string]string{}
	for i := range 30 {
		var b strings.Builder
		b.WriteString("package big\n\n")
		for j := range 20 {
			b.WriteString("// Widget does a widget thing, line " + strings.Repeat("widget ", 10) + "\n")
			_ = j
		}
		b.WriteString("func Widget" + string(rune('A'+i%26)) + strings.Repeat("x", i/26) + "() { widget() }\n")
		files["big/w"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+".go"] = b.String()
	}
	cs := connect(t, newEngine(t, writeTree(t, files)), Options{MaxOutput: 4 << 10}, nil)
	got, isErr := call(t, cs, "search", map[string]any{"query": "widget", "k": 30})
	if isErr {
		t.Fatal(got)
	}
	if len(got) > 5<<10 {
		t.Errorf("result is %d bytes, over the 4 KiB limit", len(got))
	}
	if !strings.Contains(got, "[truncated:") || !strings.Contains(got, "narrow the query with path") {
		t.Errorf("a truncated result must say how to narrow it:\n%s", got)
	}
}

// TestIndexFollowsChanges checks that the server's index is the watched one: a new file
// appears in answers without a restart.
func TestIndexFollowsChanges(t *testing.T) {
	dir := writeTree(t, fixture)
	cs := connect(t, newEngine(t, dir), Options{}, nil)
	if err := os.WriteFile(filepath.Join(dir, "shop", "discount.go"), []byte("package shop\n\n// Discount lowers a price.\nfunc Discount(p float64) float64 { return p * 0.9 }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, _ := call(t, cs, "definition", map[string]any{"symbol": "Discount"})
		if strings.Contains(got, "shop/discount.go:4") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new file never reached the index: %s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestProtocolVersions speaks raw newline-delimited JSON-RPC, as a client of each protocol
// version does, and checks that the server agrees on the version and serves the tools.
func TestProtocolVersions(t *testing.T) {
	eng := newEngine(t, writeTree(t, fixture))
	for _, v := range []string{"2025-06-18", "2025-03-26", "2024-11-05"} {
		t.Run(v, func(t *testing.T) {
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- NewServer(eng, Options{}).Run(ctx, &sdk.IOTransport{Reader: inR, Writer: outW}) }()
			dec := json.NewDecoder(outR)
			send := func(msg string) {
				if _, err := io.WriteString(inW, msg+"\n"); err != nil {
					t.Fatal(err)
				}
			}
			recv := func() map[string]any {
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					t.Fatal(err)
				}
				return m
			}
			send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + v + `","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
			init := recv()
			res, _ := init["result"].(map[string]any)
			if res["protocolVersion"] != v {
				t.Fatalf("initialize answered %v, want version %s", init, v)
			}
			send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
			send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"definition","arguments":{"symbol":"Total"}}}`)
			got := recv()
			b, _ := json.Marshal(got)
			if !strings.Contains(string(b), "func Total(prices []float64, rate float64) float64") {
				t.Errorf("tools/call answered %s", b)
			}
			inW.Close()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Error("the server did not stop when its input closed")
			}
			outR.Close()
		})
	}
}
