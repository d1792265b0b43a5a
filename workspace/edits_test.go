package workspace

import "testing"

func TestApplyEdits(t *testing.T) {
	for _, tc := range []struct {
		text  string
		edits []TextEdit
		want  string
		err   bool
	}{
		{"abc", nil, "abc", false},
		{"abc", []TextEdit{{1, 2, "XYZ"}}, "aXYZc", false},
		{"abc", []TextEdit{{3, 3, "d"}, {0, 0, "_"}}, "_abcd", false},
		{"中文", []TextEdit{{3, 6, "😀"}}, "中😀", false},
		{"abc", []TextEdit{{2, 1, ""}}, "", true},
		{"abc", []TextEdit{{-1, 1, ""}}, "", true},
		{"abc", []TextEdit{{0, 0, ""}, {0, 9, ""}}, "", true},
	} {
		got, err := ApplyEdits(tc.text, tc.edits)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ApplyEdits(%q, %v) = %q, %v; want %q, error %v", tc.text, tc.edits, got, err, tc.want, tc.err)
		}
	}
}
