package main

import (
	"regexp"
	"testing"
)

func TestVersion(t *testing.T) {
	code, out, errOut := runCLI(t, t.TempDir(), "", "version")
	if code != 0 || !regexp.MustCompile(`^ragls \S+ \(go1\.\d+\S*, \w+/\w+\)\n$`).MatchString(out) {
		t.Errorf("ragls version = %d, %q (stderr %q)", code, out, errOut)
	}
	if code, _, _ := runCLI(t, t.TempDir(), "", "version", "extra"); code != 2 {
		t.Errorf("ragls version extra: exit %d, want 2", code)
	}
}
