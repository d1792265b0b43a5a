package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/protocol"
)

// candEngine is the fake engine with several candidates per completion; it records whether
// each request asked for sampled alternatives.
type candEngine struct {
	*fakeEngine
	mu      sync.Mutex
	samples []bool
	offered [][]string
}

func (e *candEngine) CachedCandidates(Doc, int, bool) ([]string, bool) { return nil, false }

func (e *candEngine) Candidates(_ context.Context, _ Doc, _ int, sample bool) ([]string, error) {
	e.mu.Lock()
	e.samples = append(e.samples, sample)
	e.mu.Unlock()
	if sample {
		return []string{"intln(x)\nreturn", "intf(x)", "intln(x)"}, nil
	}
	return []string{"intln(x)\nreturn", "intln(x)"}, nil
}

func (e *candEngine) CompletionOffered(_ Doc, _ int, texts []string, _ time.Duration) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.offered = append(e.offered, texts)
	ids := make([]string, len(texts))
	for i := range texts {
		ids[i] = "id." + string(rune('0'+i))
	}
	return ids
}

func (e *candEngine) CompletionAccepted(string) bool { return true }

// Inline completion asked for explicitly (the client cycling) gets every candidate, each
// with its own acceptance command; typing asks for no sampled alternatives. The completion
// list carries the candidates in the engine's order.
func TestSeveralCandidates(t *testing.T) {
	eng := &candEngine{fakeEngine: &fakeEngine{}}
	h := newHarnessFor(t, eng)
	h.eng = eng.fakeEngine
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/c.go", "fmt.Pr")
	pos := `"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": 6}`

	var inline protocol.InlineCompletionList
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{`+pos+`, "context": {"triggerKind": 1}}`, &inline)
	var texts, ids []string
	for _, it := range inline.Items {
		texts = append(texts, string(it.InsertText.(protocol.String)))
		var arg acceptedArg
		if len(it.Command.Arguments) == 1 {
			json.Unmarshal(it.Command.Arguments[0], &arg)
		}
		ids = append(ids, arg.ID)
	}
	if want := []string{"intln(x)\nreturn", "intf(x)", "intln(x)"}; !slices.Equal(texts, want) {
		t.Errorf("invoked inline completion = %q, want %q", texts, want)
	}
	if !slices.Equal(ids, []string{"id.0", "id.1", "id.2"}) {
		t.Errorf("acceptance ids = %q, want one per candidate", ids)
	}

	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{`+pos+`, "context": {"triggerKind": 2}}`, &inline)
	if len(inline.Items) != 2 {
		t.Errorf("automatic inline completion = %d items, want 2", len(inline.Items))
	}

	// VS Code's own numbers, as vscode-languageclient 9 passes them through: 0 is Invoke.
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{`+pos+`, "context": {"triggerKind": 0}}`, &inline)
	// No context at all: typing.
	h.mustCall(protocol.MethodTextDocumentInlineCompletion, `{`+pos+`}`, &inline)

	var list protocol.CompletionList
	h.mustCall(protocol.MethodTextDocumentCompletion, `{`+pos+`}`, &list)
	var labels, sorts []string
	for _, it := range list.Items {
		labels = append(labels, it.Label)
		st, _ := it.SortText.Get()
		sorts = append(sorts, st)
	}
	if want := []string{"Println(x) …", "Println(x)"}; !slices.Equal(labels, want) {
		t.Errorf("completion labels = %q, want %q", labels, want)
	}
	if !slices.IsSorted(sorts) || sorts[0] != completionSortText {
		t.Errorf("sort texts %q keep neither the order nor the first on top", sorts)
	}
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if !slices.Equal(eng.samples, []bool{true, false, true, false, false}) {
		t.Errorf("sampled alternatives asked for %v, want only for the invoked inline requests", eng.samples)
	}
	if len(eng.offered) != 5 {
		t.Errorf("%d answers counted as shown, want 5 (one per answer, not per candidate)", len(eng.offered))
	}
}
