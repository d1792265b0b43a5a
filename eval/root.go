package eval

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Environment variables that name the code measured, for runs on another machine or tree.
const (
	EnvGoRoot = "RAGLS_EVAL_GOROOT" // a Go source tree; default $(go env GOROOT)/src
	EnvPython = "RAGLS_EVAL_PYTHON" // a Python standard library; default the system's
	EnvJS     = "RAGLS_EVAL_JS_DIR" // JavaScript packages; default ./node_modules
	EnvTS     = "RAGLS_EVAL_TS_DIR" // TypeScript sources; default the current directory
	EnvRust   = "RAGLS_EVAL_RUST"   // Rust crate sources; default Debian's librust-*-dev registry
	EnvJava   = "RAGLS_EVAL_JAVA"   // Java sources; default openjdk-17-source's java.base, unpacked by scripts/setup
	EnvC      = "RAGLS_EVAL_C"      // C sources; default Debian's gnulib
	EnvCPP    = "RAGLS_EVAL_CPP"    // C++ sources; default Debian's googletest (libgtest-dev)
)

// genericRoots are the default trees of the languages measured by genericSites, and the
// variables that name others.
var genericRoots = map[string]struct{ env, dir string }{
	"rust": {EnvRust, "/usr/share/cargo/registry"},
	"java": {EnvJava, "$HOME/.cache/ragls-ci/eval/openjdk-17/java.base"},
	"c":    {EnvC, "/usr/share/gnulib/lib"},
	"cpp":  {EnvCPP, "/usr/src/googletest"},
}

// DefaultRoot returns the directory measured for lang unless the user names one: the Go tree's
// src, the Python standard library (the system's under /usr/lib, else python3's own, which may
// hold site-packages too), ./node_modules for JavaScript, the current directory for TypeScript
// (packages in node_modules ship compiled JavaScript and declarations beside their sources).
func DefaultRoot(ctx context.Context, lang string, getenv func(string) string) (string, error) {
	switch lang {
	case "go":
		if d := getenv(EnvGoRoot); d != "" {
			return d, nil
		}
		out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
		if err != nil {
			return "", fmt.Errorf("finding the Go tree (set %s): go env GOROOT: %w", EnvGoRoot, err)
		}
		return filepath.Join(strings.TrimSpace(string(out)), "src"), nil
	case "python":
		if d := getenv(EnvPython); d != "" {
			return d, nil
		}
		if d := systemPython(); d != "" {
			return d, nil
		}
		out, err := exec.CommandContext(ctx, "python3", "-c", `import sysconfig; print(sysconfig.get_paths()["stdlib"])`).Output()
		if err != nil {
			return "", fmt.Errorf("finding the Python standard library (set %s): %w", EnvPython, err)
		}
		return strings.TrimSpace(string(out)), nil
	case "js":
		if d := getenv(EnvJS); d != "" {
			return d, nil
		}
		return "node_modules", nil
	case "ts":
		if d := getenv(EnvTS); d != "" {
			return d, nil
		}
		return ".", nil
	}
	if g, ok := genericRoots[lang]; ok {
		if d := getenv(g.env); d != "" {
			return d, nil
		}
		return os.Expand(g.dir, getenv), nil
	}
	return "", fmt.Errorf("unknown language %q (want one of %s)", lang, strings.Join(Langs, ", "))
}

// systemPython returns the newest /usr/lib/python3.N that holds the standard library, "" if none.
func systemPython() string {
	dirs, _ := filepath.Glob("/usr/lib/python3.*")
	var ok []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "os.py")); err == nil {
			ok = append(ok, d)
		}
	}
	minor := func(d string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(d), "python3."))
		return n
	}
	slices.SortFunc(ok, func(a, b string) int { return minor(a) - minor(b) })
	if len(ok) == 0 {
		return ""
	}
	return ok[len(ok)-1]
}
