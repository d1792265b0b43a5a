package indexer

import (
	"slices"
	"testing"
)

func TestSplitIdent(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"readFileHeader", []string{"read", "File", "Header"}},
		{"HTTPServer", []string{"HTTP", "Server"}},
		{"parse_url2", []string{"parse", "url2"}},
		{"__init__", []string{"init"}},
		{"XMLHttpRequest", []string{"XML", "Http", "Request"}},
		{"x", []string{"x"}},
		{"utf8Valid", []string{"utf8", "Valid"}},
		{"ÉcoleNormale", []string{"École", "Normale"}},
		{"MAX_SIZE", []string{"MAX", "SIZE"}},
	}
	for _, tt := range tests {
		var got []string
		splitIdent(tt.in, func(p string) { got = append(got, p) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("splitIdent(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTerms(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"func readFile(p string)", []string{"func", "readfile", "read", "file", "string"}},
		{"x := 0x1F + y2", []string{"y2"}},
		{"bad \xff\xfe bytes", []string{"bad", "bytes"}},
		{"中文 名字", []string{"中文", "名字"}},
		{"", nil},
	}
	for _, tt := range tests {
		var got []string
		terms(tt.in, func(s string) { got = append(got, s) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("terms(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTerms(f *testing.F) {
	f.Add("readFileHeader(x_y, 0x1f)")
	f.Add("\xff\xfe\x00中")
	f.Fuzz(func(t *testing.T, s string) {
		terms(s, func(term string) {
			if len(term) < minTermLen {
				t.Fatalf("term %q shorter than %d", term, minTermLen)
			}
		})
	})
}
