package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"strings"
)

// A Site is a call, in one file, of a function defined in another file: the place where a model
// completing the code would need that function's definition.
type Site struct {
	Path   string // the calling file, slash path relative to the root
	Line   int    // 1-based line of the callee expression
	Callee string // the callee as written: "strings.Index", "mod.f", "f"
	Name   string // the function's name as defined
	Form   string // how the function is reached: "pkg.F", "F" (same package), "mod.f", "from-import", "import"
	Start  int    // byte offset where the callee expression begins (before "strings" in "strings.Index")
	Open   int    // byte offset just after the call's "("
	// Defs are the definitions the call may reach; several when build constraints or runtime
	// branches pick one. Context that shows any of them shows the model what it needs.
	Defs []Def
}

// A Def is where a function's name is defined.
type Def struct {
	Path string
	Line int // 1-based line of the name
}

func (s Site) String() string { return fmt.Sprintf("%s:%d %s", s.Path, s.Line, s.Callee) }

// Files is the code sites are looked for in: the paths of an index and their indexed text.
type Files interface {
	Paths() []string
	Content(path string) (string, bool)
}

// Langs are the languages FindSites knows.
var Langs = []string{"go", "python", "js", "ts", "rust", "java", "c", "cpp"}

// FindSites returns every call site of lang in files whose callee is defined in another file,
// ordered by path and position.
func FindSites(ctx context.Context, lang string, files Files) ([]Site, error) {
	var (
		sites []Site
		err   error
	)
	switch lang {
	case "go":
		sites, err = goSites(ctx, files)
	case "python":
		sites, err = pythonSites(ctx, files)
	case "js", "ts":
		sites, err = jsSites(ctx, lang, files)
	case "rust", "java", "c", "cpp":
		sites, err = genericSites(ctx, lang, files)
	default:
		return nil, fmt.Errorf("unknown language %q (want one of %s)", lang, strings.Join(Langs, ", "))
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(sites, func(a, b Site) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return a.Start - b.Start
	})
	return sites, nil
}

// Sample picks up to n sites deterministically for seed, at most perFile from any one file, so
// that a few files full of calls (tests, tables) do not dominate: files are visited in a shuffled
// order, one site each per round.
func Sample(sites []Site, n, perFile int, seed uint64) []Site {
	if perFile <= 0 {
		perFile = 3
	}
	byFile := map[string][]Site{}
	var paths []string
	for _, s := range sites {
		if _, ok := byFile[s.Path]; !ok {
			paths = append(paths, s.Path)
		}
		byFile[s.Path] = append(byFile[s.Path], s)
	}
	slices.Sort(paths)
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	r.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	for _, p := range paths {
		l := byFile[p]
		r.Shuffle(len(l), func(i, j int) { l[i], l[j] = l[j], l[i] })
	}
	var out []Site
	for round := 0; round < perFile && len(out) < n; round++ {
		for _, p := range paths {
			if len(out) == n {
				break
			}
			if l := byFile[p]; round < len(l) {
				out = append(out, l[round])
			}
		}
	}
	return out
}

// isTestData reports paths under a testdata directory: fixtures that are often not valid code.
func isTestData(p string) bool {
	return strings.HasPrefix(p, "testdata/") || strings.Contains(p, "/testdata/")
}

// dirOf is path.Dir with "" for the root, so that dir+"/"+name joins need no special case.
func dirOf(p string) string {
	d := path.Dir(p)
	if d == "." {
		return ""
	}
	return d
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// lineAt returns the 1-based line of byte offset off in src.
func lineAt(src string, off int) int {
	return strings.Count(src[:min(off, len(src))], "\n") + 1
}
