package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mcpModules returns the directory holding the official MCP TypeScript SDK.
func mcpModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RAGLS_MCP_NODE_MODULES")
	if dir == "" {
		dir = filepath.Join("..", ".ci", "mcp", "node_modules")
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "@modelcontextprotocol", "sdk", "package.json"))
	}
	if err != nil {
		missing(t, "@modelcontextprotocol/sdk not found in RAGLS_MCP_NODE_MODULES (run scripts/setup): %v", err)
	}
	return dir
}

type mcpCall struct {
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
	Progress  bool           `json:"progress,omitempty"`
}

type mcpOutcome struct {
	mcpCall
	IsError       bool              `json:"isError"`
	Text          string            `json:"text"`
	ProtocolError string            `json:"protocolError"`
	MS            int               `json:"ms"`
	ProgressSeen  []json.RawMessage `json:"progress"`
}

type mcpSession struct {
	InitializeMS int `json:"initializeMs"`
	Server       struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"server"`
	Instructions string `json:"instructions"`
	Tools        []struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Required    []string `json:"required"`
		Properties  []string `json:"properties"`
	} `json:"tools"`
	Calls  []mcpOutcome `json:"calls"`
	Stderr string       `json:"stderr"`
}

// realCode copies ragls's own workspace and indexer packages into a fresh root — real code,
// some thousands of lines — with a secret file and an ignored directory beside them.
func realCode(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ragls src")
	for _, pkg := range []string{"workspace", "indexer"} {
		files, err := filepath.Glob(filepath.Join("..", pkg, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in ../%s: %v", pkg, err)
		}
		if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, pkg, filepath.Base(f)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	extra := map[string]string{
		".env":            "DATABASE_PASSWORD=e2e-secret-q8Zx41w\n",
		"config/prod.pem": "-----BEGIN PRIVATE KEY-----\ne2e-secret-q8Zx41w\n-----END PRIVATE KEY-----\n",
		".gitignore":      "dist/\n",
		"dist/bundle.go":  "package dist\n\nfunc BundledCopyOfNewFilter() {}\n",
	}
	for name, text := range extra {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// findCall returns the 1-based line and the column just after the first "call(" in a file.
func findCall(t *testing.T, file, call string) (line, col int) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if j := strings.Index(l, call+"("); j >= 0 && !strings.HasPrefix(strings.TrimSpace(l), "func ") {
			return i + 1, j + len(call) + 2
		}
	}
	t.Fatalf("no call to %s in %s", call, file)
	return 0, 0
}

// TestMCPClient drives "ragls mcp" with the official TypeScript SDK's client on real code:
// initialize, list the tools, call each one, bad arguments and secret files.
func TestMCPClient(t *testing.T) {
	t.Parallel()
	node := tool(t, "RAGLS_NODE", "node")
	modules := mcpModules(t)
	root := realCode(t)
	line, col := findCall(t, filepath.Join(root, "workspace", "session.go"), "NewFilter")
	calls := []mcpCall{
		// The first call on a root being indexed: it asks for progress.
		{Name: "definition", Arguments: map[string]any{"symbol": "NewFilter"}, Progress: true},
		{Name: "definition", Arguments: map[string]any{"symbol": "Index.Search"}},
		{Name: "search", Arguments: map[string]any{"query": "gitignore negated pattern", "k": 5}},
		{Name: "search", Arguments: map[string]any{"query": "NewFilter", "path": "workspace/*_test.go"}},
		{Name: "references", Arguments: map[string]any{"symbol": "NewFilter"}},
		{Name: "context", Arguments: map[string]any{"path": "workspace/session.go", "line": line, "column": col, "budget": 2048}},
		{Name: "outline", Arguments: map[string]any{"path": "workspace", "budget": 600}},
		{Name: "outline", Arguments: map[string]any{}},
		// Bad arguments.
		{Name: "search", Arguments: map[string]any{}},
		{Name: "search", Arguments: map[string]any{"query": "x", "k": 1000}},
		{Name: "context", Arguments: map[string]any{"path": "../../etc/passwd", "line": 1}},
		{Name: "definition", Arguments: map[string]any{"symbol": "two words"}},
		// Secret files, named directly.
		{Name: "context", Arguments: map[string]any{"path": ".env", "line": 1}},
		{Name: "context", Arguments: map[string]any{"path": filepath.Join(root, "config", "prod.pem"), "line": 2}},
		{Name: "outline", Arguments: map[string]any{"path": ".env"}},
		{Name: "search", Arguments: map[string]any{"query": "DATABASE_PASSWORD PRIVATE KEY", "k": 50}},
		{Name: "references", Arguments: map[string]any{"symbol": "DATABASE_PASSWORD"}},
		// An ignored directory.
		{Name: "definition", Arguments: map[string]any{"symbol": "BundledCopyOfNewFilter"}},
	}
	plan := map[string]any{
		"server": []string{ragls(t), "mcp", "--root", root},
		"calls":  calls,
	}
	script, err := filepath.Abs(filepath.Join("testdata", "mcp_client.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, mustJSON(t, plan))
	cmd.Env = append(environ(t), "NODE_PATH="+modules)
	out := run(t, 120*time.Second, cmd)
	var s mcpSession
	if err := json.Unmarshal(out, &s); err != nil {
		t.Fatalf("mcp_client.js printed %q: %v", out, err)
	}
	if testing.Verbose() || t.Failed() {
		t.Logf("ragls mcp stderr:\n%s", s.Stderr)
	}

	if s.Server.Name != "ragls" || s.Server.Version == "" {
		t.Errorf("serverInfo = %+v", s.Server)
	}
	if !strings.Contains(s.Instructions, "outline") {
		t.Errorf("instructions = %q", s.Instructions)
	}
	var names []string
	for _, tl := range s.Tools {
		names = append(names, tl.Name)
		if tl.Description == "" || len(tl.Properties) == 0 && tl.Name != "outline" {
			t.Errorf("tool %s: description %q, properties %v", tl.Name, tl.Description, tl.Properties)
		}
	}
	slices.Sort(names)
	if want := []string{"context", "definition", "outline", "references", "search"}; !slices.Equal(names, want) {
		t.Errorf("tools = %v, want %v", names, want)
	}

	checks := []struct {
		isError bool
		want    []string
		wantNot []string
	}{
		{false, []string{"workspace/ignore_filter.go:", "func NewFilter(root string, opt Options) (*Filter, error)", "// NewFilter prepares the rules for root."}, nil},
		{false, []string{"indexer/search.go:", "func (x *Index) Search(ctx context.Context, query string, k int) ([]Hit, error)"}, nil},
		{false, []string{"results for \"gitignore negated pattern\"", "workspace/ignore"}, nil},
		{false, []string{"_test.go:"}, []string{"workspace/session.go:", "ignore_filter.go:"}},
		{false, []string{"uses of NewFilter", "workspace/session.go:"}, []string{"ignore_filter.go:33:"}},
		{false, []string{"Context for workspace/session.go:", "workspace/ignore_filter.go:"}, nil},
		{false, []string{"Outline of workspace:", "workspace/", "tokens"}, []string{"indexer/"}},
		{false, []string{"Outline of the repository:", "indexer/", "workspace/"}, []string{"dist/"}},
		{true, []string{"query"}, nil},
		{true, []string{"\"k\"", "between 1 and 50"}, nil},
		{true, []string{"\"path\"", "leaves the root"}, nil},
		{true, []string{"\"symbol\"", "not an identifier"}, nil},
		{true, []string{"\"path\"", "secret file"}, nil},
		{true, []string{"\"path\"", "secret file"}, nil},
		{true, []string{"\"path\"", "secret file"}, nil},
		{false, nil, []string{"── .env:", "prod.pem:"}},
		{false, []string{"No uses of DATABASE_PASSWORD"}, nil},
		{false, []string{"No definition of BundledCopyOfNewFilter"}, []string{"dist/"}},
	}
	if len(s.Calls) != len(checks) {
		t.Fatalf("%d calls played, want %d", len(s.Calls), len(checks))
	}
	for i, c := range s.Calls {
		name := fmt.Sprintf("%s(%v)", c.Name, c.Arguments)
		t.Logf("%s: %d ms, %d progress notifications", name, c.MS, len(c.ProgressSeen))
		if c.ProtocolError != "" {
			t.Errorf("%s: protocol error %s; bad arguments must get an error result", name, c.ProtocolError)
			continue
		}
		if strings.Contains(c.Text, "q8Zx41w") {
			t.Errorf("%s returned a secret:\n%s", name, c.Text)
		}
		if strings.Contains(c.Text, root) && !c.IsError {
			t.Errorf("%s: absolute paths in the result, want them relative to the root:\n%s", name, c.Text)
		}
		ck := checks[i]
		if c.IsError != ck.isError {
			t.Errorf("%s: isError = %v, want %v:\n%s", name, c.IsError, ck.isError, c.Text)
			continue
		}
		for _, w := range ck.want {
			if !strings.Contains(c.Text, w) {
				t.Errorf("%s: result lacks %q:\n%s", name, w, c.Text)
			}
		}
		for _, w := range ck.wantNot {
			if strings.Contains(c.Text, w) {
				t.Errorf("%s: result has %q:\n%s", name, w, c.Text)
			}
		}
	}
	// The first call waited for the index, so it answered from the whole of it.
	if first := s.Calls[0]; strings.Contains(first.Text, "still being indexed") {
		t.Errorf("the first call answered from a partial index of a small root:\n%s", first.Text)
	}
}
