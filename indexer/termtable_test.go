package indexer

import (
	"fmt"
	"testing"
)

// The table numbers terms in the order they are added, finds every one after it has grown
// many times, and finds nothing that was not added.
func TestTermTable(t *testing.T) {
	tt := newTermTable(0)
	const n = 20000
	var held []string
	for i := range n {
		term := fmt.Sprintf("term%d", i)
		if _, ok := tt.get(term); ok {
			t.Fatalf("%s found before it was added", term)
		}
		if got := tt.add(term); got != int32(i) {
			t.Fatalf("%s numbered %d, want %d", term, got, i)
		}
		if i%1000 == 0 {
			held = append(held, tt.term(int32(i)))
		}
	}
	if tt.len() != n {
		t.Fatalf("len %d, want %d", tt.len(), n)
	}
	for i := range n {
		term := fmt.Sprintf("term%d", i)
		if got, ok := tt.get(term); !ok || got != int32(i) || tt.term(got) != term {
			t.Fatalf("get(%s) = %d, %v", term, got, ok)
		}
	}
	for j, s := range held { // strings handed out survive the buffer's growth
		if want := fmt.Sprintf("term%d", j*1000); s != want {
			t.Errorf("held term %q, want %q", s, want)
		}
	}
	for _, absent := range []string{"", "term", "term20000", "xterm1"} {
		if _, ok := tt.get(absent); ok {
			t.Errorf("get(%q) found a term never added", absent)
		}
	}
}
