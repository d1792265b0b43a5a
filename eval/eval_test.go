package eval

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"ragls/indexer"
	"ragls/workspace"
)

// fixture is a small workspace: a Go package and its user, a Python package and its user, and
// ES modules, with calls that must and must not count as sites.
var fixture = map[string]string{
	"util/strs.go": `package util

type T struct{}

func (T) M() {}

func Join(a, b string) string {
	return a + b
}

func helper() {}
`,
	"util/more.go": `package util

func Twice(s string) string {
	helper()
	return Join(s, s)
}

func shadow(helper func()) { helper() }

func local() string { return Twice("x") }
`,
	"util/gen.go": `//go:build ignore

package main

func Generate() {}
`,
	"util/strs_test.go": `package util

import "testing"

func TestTwice(t *testing.T) {
	if Twice("a") != "aa" {
		t.Fatal("no")
	}
}
`,
	"app/main.go": `package main

import (
	"fmt"
	"util"
)

func main() {
	fmt.Println(util.Join("a", "b"))
	util.T{}.M()
	s := "util.Join(x)"
	_ = s
}
`,
	"pkg/__init__.py": "",
	"pkg/mod.py": `def f(x):
    return x


class C:
    def g(self):
        pass


def h():
    pass
`,
	"json_helpers.py": `def dump(x):
    """Doc with mod.f( inside."""
    return str(x)
`,
	"app.py": `import json_helpers
from pkg import mod
from pkg.mod import h as hh


def main():
    mod.f(1)
    hh()
    json_helpers.dump({})
    mod.C()
    s = "mod.f(2)"
    # mod.f(3)
    return s
`,
	"js/b.js": `export function f() {}
function g() {}
export { g };
`,
	"js/c.js": `function dd() { return 1; }
export default dd;
`,
	"js/a.js": `import { f, g as gg } from './b.js';
import d from './c';
import * as ns from './b.js';

f(1);
gg();
const re = /f(/g;
d();
ns.f();
const s = "f()"; // f()
class K { f() { return 1; } }
`,
	// TypeScript imports name the JavaScript a module compiles to ("./m.js" for m.ts); calls
	// in .ts files are the ts row's, and declaration files are no code to call or measure.
	"ts/m.ts": `export function map<T>(x: T): T;
export function map<T>(x: T): T { return x; }
export const twice = (n: number) => n * 2;
`,
	"ts/m.d.ts": `export declare function map<T>(x: T): T;
`,
	"ts/use.ts": `import { map, twice } from './m.js';
import type { Opts } from './m.js';

map(twice(2));
`,
	"ts/decl.d.ts": `import { map } from './m.js';
map(1);
`,
	"ts/plain.js": `import { map } from './m.js';
map(3);
`,
}

func writeFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for p, text := range fixture {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// indexFixture indexes the fixture in memory.
func indexFixture(t *testing.T) *indexer.Index {
	t.Helper()
	s := workspace.NewSession(workspace.Config{})
	t.Cleanup(s.Close)
	r, err := s.AddRoot(writeFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	return r.Index
}

// brief is a site without its offsets, for comparison.
type brief struct {
	At, Callee, Form string
	Defs             []Def
}

func briefs(t *testing.T, files Files, sites []Site) []brief {
	t.Helper()
	var out []brief
	for _, s := range sites {
		src, _ := files.Content(s.Path)
		// The offsets must point at the callee and just past its "(".
		if !strings.HasPrefix(src[s.Start:], s.Callee) || src[s.Open-1] != '(' || lineAt(src, s.Start) != s.Line {
			t.Errorf("%s: offsets %d..%d do not delimit %q(", s, s.Start, s.Open, s.Callee)
		}
		out = append(out, brief{s.Path + ":" + strconv.Itoa(s.Line), s.Callee, s.Form, s.Defs})
	}
	return out
}

func TestFindSites(t *testing.T) {
	x := indexFixture(t)
	tests := []struct {
		lang string
		want []brief
	}{
		{"go", []brief{
			{"app/main.go:9", "util.Join", "pkg.F", []Def{{"util/strs.go", 7}}},
			{"util/more.go:4", "helper", "F", []Def{{"util/strs.go", 11}}},
			{"util/more.go:5", "Join", "F", []Def{{"util/strs.go", 7}}},
			// Twice in local() is declared in the same file; shadow's helper is a parameter.
			{"util/strs_test.go:6", "Twice", "F", []Def{{"util/more.go", 3}}},
		}},
		{"python", []brief{
			{"app.py:7", "mod.f", "mod.f", []Def{{"pkg/mod.py", 1}}},
			{"app.py:8", "hh", "from-import", []Def{{"pkg/mod.py", 10}}},
			{"app.py:9", "json_helpers.dump", "mod.f", []Def{{"json_helpers.py", 1}}},
		}},
		{"js", []brief{
			{"js/a.js:5", "f", "import", []Def{{"js/b.js", 1}}},
			{"js/a.js:6", "gg", "import", []Def{{"js/b.js", 2}}},
			{"js/a.js:8", "d", "import", []Def{{"js/c.js", 1}}},
			{"js/a.js:9", "ns.f", "ns.f", []Def{{"js/b.js", 1}}},
			{"ts/plain.js:2", "map", "import", []Def{{"ts/m.ts", 1}, {"ts/m.ts", 2}}},
		}},
		{"ts", []brief{
			{"ts/use.ts:4", "map", "import", []Def{{"ts/m.ts", 1}, {"ts/m.ts", 2}}},
			{"ts/use.ts:4", "twice", "import", []Def{{"ts/m.ts", 3}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			sites, err := FindSites(context.Background(), tt.lang, x)
			if err != nil {
				t.Fatal(err)
			}
			if got := briefs(t, x, sites); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sites:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
	if _, err := FindSites(context.Background(), "cobol", x); err == nil {
		t.Error("an unknown language was accepted")
	}
}

// fakeIndex answers context with the definition of the site at the cursor when the call is
// typed (the cursor after its "("), except for the callees in miss; and nothing when it is not
// (the cursor where the call begins).
type fakeIndex struct {
	Files
	sites []Site
	miss  map[string]bool
}

func (f fakeIndex) Context(_ context.Context, req indexer.ContextRequest) (indexer.ContextResult, error) {
	for _, s := range f.sites {
		if s.Path == req.Path && s.Start == req.Offset {
			return indexer.ContextResult{}, nil // the call not typed
		}
		if s.Path == req.Path && s.Open == req.Offset && !f.miss[s.Callee] {
			d := s.Defs[0]
			return indexer.ContextResult{Items: []indexer.Hit{{Chunk: indexer.Chunk{Path: d.Path, StartLine: d.Line - 1, EndLine: d.Line + 1}}}}, nil
		}
	}
	// Something elsewhere in the right file, not overlapping the definition.
	return indexer.ContextResult{Items: []indexer.Hit{{Chunk: indexer.Chunk{Path: "util/strs.go", StartLine: 1, EndLine: 3}, Source: "lexical"}}}, nil
}

func TestRunComputesRates(t *testing.T) {
	x := indexFixture(t)
	sites, err := FindSites(context.Background(), "go", x)
	if err != nil {
		t.Fatal(err)
	}
	fake := fakeIndex{Files: x, sites: sites, miss: map[string]bool{"helper": true}}
	rep, err := Run(context.Background(), fake, "go", Options{N: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sites != 4 || rep.Candidates != 4 || rep.SiteFiles != 3 {
		t.Errorf("sites %d candidates %d files %d, want 4 4 3", rep.Sites, rep.Candidates, rep.SiteFiles)
	}
	if rep.Ragls != (Rates{Typed: 0.75, Untyped: 0}) {
		t.Errorf("ragls rates %+v, want typed 0.75 untyped 0", rep.Ragls)
	}
	if got := rep.ByForm["pkg.F"]; got.Sites != 1 || got.Typed != 1 {
		t.Errorf("pkg.F rates %+v, want 1 site, typed 1", got)
	}
	if got := rep.ByForm["F"]; got.Sites != 3 || got.Typed < 0.66 || got.Typed > 0.67 {
		t.Errorf("F rates %+v, want 3 sites, typed 2/3", got)
	}
	var typedMisses []string
	for _, m := range rep.Misses {
		if m.Condition == Typed {
			typedMisses = append(typedMisses, m.Callee)
		}
	}
	if !slices.Equal(typedMisses, []string{"helper"}) || len(rep.Misses) != 1+4 {
		t.Errorf("misses %+v, want helper typed and all 4 untyped", rep.Misses)
	}
	if m := rep.Misses[0]; m.Site != "util/more.go:4" || !slices.Equal(m.Want, []string{"util/strs.go:11"}) || len(m.Got) != 1 {
		t.Errorf("first miss %+v", m)
	}
}

func TestRunOnRealIndex(t *testing.T) {
	x := indexFixture(t)
	rep, err := Run(context.Background(), x, "python", Options{N: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sites != 3 || rep.Windows == 0 {
		t.Errorf("sites %d windows %d, want 3 sites and some windows", rep.Sites, rep.Windows)
	}
	// With the callee typed, its definition is one identifier away: ragls must find all three.
	if rep.Ragls.Typed != 1 {
		t.Errorf("ragls typed %.2f on the fixture, want 1; misses %+v", rep.Ragls.Typed, rep.Misses)
	}
}

func TestSample(t *testing.T) {
	var sites []Site
	for f := range 5 {
		for i := range 10 {
			sites = append(sites, Site{Path: "f" + strconv.Itoa(f), Start: i})
		}
	}
	a := Sample(sites, 12, 3, 7)
	b := Sample(sites, 12, 3, 7)
	c := Sample(sites, 12, 3, 8)
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed sampled differently")
	}
	if reflect.DeepEqual(a, c) {
		t.Error("another seed sampled the same sites")
	}
	perFile := map[string]int{}
	for _, s := range a {
		perFile[s.Path]++
	}
	if len(a) != 12 || len(perFile) != 5 {
		t.Errorf("sampled %d sites over %d files, want 12 over 5", len(a), len(perFile))
	}
	for p, n := range perFile {
		if n > 3 {
			t.Errorf("%d sites from %s, want at most 3", n, p)
		}
	}
	if got := Sample(sites, 100, 2, 1); len(got) != 10 {
		t.Errorf("with 2 per file, sampled %d, want 10", len(got))
	}
}

func TestCutCall(t *testing.T) {
	src := "a\nx := pkg.F(1,\n2)\nb"
	off := strings.Index(src, "pkg")
	if got, want := cutCall(src, off), "a\nx := \n2)\nb"; got != want {
		t.Errorf("cutCall = %q, want %q", got, want)
	}
	if got := cutCall("f(", 0); got != "" {
		t.Errorf("cutCall at the last line = %q, want \"\"", got)
	}
}

type mapFiles map[string]string

func (m mapFiles) Paths() []string {
	var ps []string
	for p := range m {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

func (m mapFiles) Content(p string) (string, bool) { s, ok := m[p]; return s, ok }

func TestJaccard(t *testing.T) {
	long := strings.Repeat("noise\n", 40)
	files := mapFiles{
		"cur.go":   "alpha beta gamma delta\n",
		"other.go": long + "alpha beta gamma delta epsilon\n" + long,
		"near.go":  "alpha beta\n",
	}
	j, err := NewJaccard(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	// other.go: 81 lines -> windows at 1, 11, ..., 71 (the last reaching the end).
	if got := j.Windows(); got != 1+1+8 {
		t.Errorf("%d windows, want 10", got)
	}
	hits := j.Retrieve("cur.go", "func f() {\n\talpha beta gamma delta", 1024)
	if len(hits) == 0 || hits[0].Path != "other.go" || hits[0].StartLine > 41 || hits[0].EndLine < 41 {
		t.Fatalf("best window %+v, want the one of other.go holding line 41", hits)
	}
	for i, h := range hits {
		if h.Path == "cur.go" {
			t.Errorf("the current file was retrieved: %+v", h)
		}
		for _, g := range hits[:i] {
			if g.Path == h.Path && h.StartLine <= g.EndLine && g.StartLine <= h.EndLine {
				t.Errorf("overlapping windows %d-%d and %d-%d", g.StartLine, g.EndLine, h.StartLine, h.EndLine)
			}
		}
	}
	// A budget that fits only the small file.
	if hits := j.Retrieve("cur.go", "alpha beta", 3); len(hits) != 1 || hits[0].Path != "near.go" {
		t.Errorf("with 3 tokens got %+v, want near.go alone", hits)
	}
	if hits := j.Retrieve("cur.go", "", 1024); hits != nil {
		t.Errorf("an empty query retrieved %+v", hits)
	}
}

func TestTokenizeSkipsStringsAndComments(t *testing.T) {
	py := "x = '''f(\n'''  # g(\ny = rb\"h(\" ; k(1)\n"
	var ids []string
	for _, tk := range tokenize(py, python) {
		if tk.kind == tIdent {
			ids = append(ids, tk.text)
		}
	}
	if !slices.Equal(ids, []string{"x", "y", "k"}) {
		t.Errorf("python identifiers %v, want [x y k]", ids)
	}
	js := "a(`${b(1)} c(`) /* d( */ // e(\nx = 4 / 2 / f; /g(/.test(s)"
	ids = nil
	for _, tk := range tokenize(js, javascript) {
		if tk.kind == tIdent {
			ids = append(ids, tk.text)
		}
	}
	if !slices.Equal(ids, []string{"a", "x", "f", "test", "s"}) {
		t.Errorf("js identifiers %v, want [a x f test s]", ids)
	}
}
