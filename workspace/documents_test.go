package workspace

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestDocumentsLifecycle(t *testing.T) {
	d := NewDocuments()
	if _, ok := d.Get("/a"); ok {
		t.Fatal("empty store has a document")
	}
	d.Open("/a", 1, "hello world")
	doc, err := d.Change("/a", 2, []TextEdit{
		{Start: 0, End: 5, NewText: "goodbye"}, // "goodbye world"
		{Start: 8, End: 13, NewText: "moon"},   // offsets refer to the text after the first edit
	})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Text != "goodbye moon" || doc.Version != 2 {
		t.Errorf("after change: %q v%d", doc.Text, doc.Version)
	}
	if _, err := d.Change("/a", 3, []TextEdit{{Start: 5, End: 99}}); err == nil {
		t.Error("out-of-range edit accepted")
	}
	if got, _ := d.Get("/a"); got.Text != "goodbye moon" || got.Version != 2 {
		t.Errorf("failed change altered the document: %q v%d", got.Text, got.Version)
	}
	if _, err := d.Change("/missing", 1, nil); err == nil {
		t.Error("change to a closed document accepted")
	}
	d.Open("/b", 1, "b")
	if all := d.All(); len(all) != 2 || all[0].Path != "/b" {
		t.Errorf("All = %+v, want /b (most recent) first", all)
	}
	if !d.Close("/a") || d.Close("/a") {
		t.Error("Close should report whether the document was open")
	}
}

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

// Thousands of keystrokes must not make memory grow beyond the document itself.
func TestDocumentsMemoryFlat(t *testing.T) {
	d := NewDocuments()
	base := strings.Repeat("x", 32<<10)
	d.Open("/big", 0, base)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 1; i <= 2000; i++ {
		doc, _ := d.Get("/big")
		at := i % len(doc.Text)
		// Type a character, then delete it.
		if _, err := d.Change("/big", int32(2*i), []TextEdit{{at, at, "y"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Change("/big", int32(2*i+1), []TextEdit{{at, at + 1, ""}}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 4<<20 {
		t.Errorf("heap grew by %d bytes over 4000 edits of a 32 KiB document", grown)
	}
	if doc, _ := d.Get("/big"); doc.Text != base {
		t.Error("typing and deleting did not restore the text")
	}
}

func TestDocumentsConcurrent(t *testing.T) {
	d := NewDocuments()
	var wg sync.WaitGroup
	for w := range 4 {
		path := fmt.Sprintf("/f%d", w)
		d.Open(path, 0, "")
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if _, err := d.Change(path, int32(i+1), []TextEdit{{i, i, "a"}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for range 200 {
				doc, _ := d.Get(path)
				if strings.Trim(doc.Text, "a") != "" || len(doc.Text) != int(doc.Version) {
					t.Errorf("inconsistent snapshot %q v%d", doc.Text, doc.Version)
					return
				}
				_ = d.All()
			}
		}()
	}
	wg.Wait()
}
