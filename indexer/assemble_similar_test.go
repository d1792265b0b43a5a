package indexer

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// Code like the code being written calls what the user is about to call: the buffer has never
// named Unlock, but every similar function in the repository unlocks after locking.
func TestSimilarCallsOffersWhatSimilarCodeCalls(t *testing.T) {
	files := map[string]string{
		"sync2/mutex.go": "package sync2\n\n// Lock acquires m.\nfunc Lock(m *Mutex) {}\n\n// Unlock releases m.\nfunc Unlock(m *Mutex) {}\n\n// Audit records an event.\nfunc Audit(event string) {}\n",
	}
	for i := range 6 {
		files[fmt.Sprintf("bank/op%d.go", i)] = fmt.Sprintf("package bank\n\nfunc withdraw%d(acct *Account, amount int) {\n\tsync2.Lock(acct.mu)\n\tacct.balance -= amount\n\tacct.history = append(acct.history, -amount)\n\tsync2.Unlock(acct.mu)\n}\n", i)
	}
	// Unrelated code that calls Audit: not similar, so not offered first.
	for i := range 6 {
		files[fmt.Sprintf("report/r%d.go", i)] = fmt.Sprintf("package report\n\nfunc render%d(w Writer, rows []Row) {\n\tfor _, r := range rows {\n\t\tw.Write(r.Cells)\n\t}\n\tsync2.Audit(\"render\")\n}\n", i)
	}
	syn := NewSyntax()
	t.Cleanup(syn.Close)
	x := New(syn, nil)
	for p, text := range files {
		if _, err := x.Upsert(context.Background(), p, []byte(text), FileState{Size: int64(len(text))}); err != nil {
			t.Fatal(err)
		}
	}
	buf := "package bank\n\nfunc deposit(acct *Account, amount int) {\n\tsync2.Lock(acct.mu)\n\tacct.balance += amount\n\tacct.history = append(acct.history, amount)\n\t"
	snap := x.Snapshot()
	defer snap.Release()
	cur := x.current(ContextRequest{Path: "bank/deposit.go", Content: buf, HasContent: true, Offset: len(buf)}, snap.Generation())
	lex, _ := x.similar(cur, lastLines(buf, queryLinesBefore), 24)
	got := x.similarCalls(cur, lex)
	var names []string
	x.mu.RLock()
	for _, s := range got {
		names = append(names, x.chunks[s.id].meta.Symbol)
	}
	x.mu.RUnlock()
	if len(names) == 0 || names[0] != "Unlock" {
		t.Fatalf("similar code's calls = %v, want Unlock first", names)
	}
	for _, n := range names {
		if n == "Lock" {
			t.Errorf("Lock is named in the buffer, the scope's to offer: got %v", names)
		}
	}
	res := contextAt(t, x, "bank/deposit.go", buf, "\n\t", 300)
	if h, ok := findItem(res, "sync2/mutex.go", "Unlock"); !ok || !strings.Contains(h.Text, "func Unlock(m *Mutex)") {
		t.Errorf("Unlock's definition missing from the context: %v", hitPaths(res.Items))
	}
}

func TestIsDeclaration(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"func f(", true}, {"def f(", true}, {"x = f(", false}, {"async function f(", true}, {"pub fn f(", true},
		{"return f(", false}, {"static CharPredicate f(", true}, {"int f(", true}, {"throw new f(", false},
		{"if f(", false}, {"defer f(", false}, {"x.f(", false}, {"g(f(", false},
	} {
		off := strings.LastIndexAny(strings.TrimSuffix(tt.text, "("), " .(") + 1
		if got := isDeclaration(tt.text, off); got != tt.want {
			t.Errorf("isDeclaration(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
