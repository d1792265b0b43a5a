package eval

import (
	"context"
	"strings"
	"testing"
)

func TestHideCallKeepsOffsets(t *testing.T) {
	src := "x := strings.Index(a, b)\ny := Index(c)\n"
	s := Site{Start: 5, Open: 19, Name: "Index"}
	got := hideCall(src, s)
	if len(got) != len(src) || strings.Contains(got[:24], "Index") || got[5:13] != "strings." {
		t.Errorf("hideCall = %q", got)
	}
	if !strings.Contains(got[24:], "Index(c)") {
		t.Errorf("hideCall touched another call: %q", got)
	}
}

func TestNamedAbove(t *testing.T) {
	for _, tt := range []struct {
		before, name string
		want         bool
	}{
		{"import { format } from './format.js'\n", "format", true},
		{"x := formatter(1)\n", "format", false},
		{"a.Reformat()\n", "format", false},
		{"", "f", false},
		{"f", "f", true},
	} {
		if got := namedAbove(tt.before, tt.name); got != tt.want {
			t.Errorf("namedAbove(%q, %q) = %v, want %v", tt.before, tt.name, got, tt.want)
		}
	}
}

func TestGenericSitesRust(t *testing.T) {
	files := mapFiles{
		"src/util.rs": "pub fn parse_number(s: &str) -> u32 {\n    0\n}\n\npub fn helper() {}\n",
		"src/main.rs": "use crate::util::parse_number;\n\n#[cfg(not(test))]\nfn main() {\n    let n = parse_number(\"1\");\n    util::helper();\n    local();\n}\n\nfn local() {}\n",
	}
	sites, err := FindSites(context.Background(), "rust", files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range sites {
		got = append(got, s.Callee+"@"+s.Form)
		if s.Defs[0].Path != "src/util.rs" {
			t.Errorf("%s: defs %v", s, s.Defs)
		}
	}
	if strings.Join(got, " ") != "parse_number@F util::helper@qualified" {
		t.Errorf("sites = %v, want parse_number (bare) and util::helper (qualified); no main, local or cfg(not)", got)
	}
}

func TestBM25WindowsRankSharedRareTerms(t *testing.T) {
	files := mapFiles{
		"a.go": "package a\n\nfunc frobnicateWidget(w int) int {\n\treturn w\n}\n",
		"b.go": "package b\n\nfunc other(x int) int {\n\treturn x + x\n}\n",
		"c.go": "package c\n\nfunc use() {\n\tfrobnicateWidget(1)\n}\n",
	}
	j, err := NewJaccard(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	hits := j.RetrieveBM25("c.go", "package c\n\nfunc use() {\n\tfrobnicateWidget(", 1024)
	if len(hits) == 0 || hits[0].Path != "a.go" {
		t.Errorf("BM25 windows = %v, want a.go first", hits)
	}
	for _, h := range hits {
		if h.Path == "c.go" {
			t.Errorf("the current file was retrieved: %v", h)
		}
	}
}
