package engine

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// scriptedModel answers /v1/completions with what answer says for each request body, and
// /version like vLLM when vllm is set; it records the completion requests. release, when
// not nil, holds every completion until it is closed or the request is cancelled.
type scriptedModel struct {
	srv     *httptest.Server
	vllm    bool
	answer  func(req map[string]any) []string
	hold    func(req map[string]any) bool // requests to hold until release or cancel
	release chan struct{}

	mu        sync.Mutex
	reqs      []map[string]any
	cancelled int
}

func newScriptedModel(t *testing.T, vllm bool, answer func(map[string]any) []string) *scriptedModel {
	m := &scriptedModel{vllm: vllm, answer: answer, release: make(chan struct{})}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/version" && m.vllm:
			w.Write([]byte(`{"version":"0.9.0"}`))
		case r.URL.Path == "/v1/completions":
			var req map[string]any
			json.NewDecoder(r.Body).Decode(&req)
			if req["max_tokens"] == float64(1) {
				w.Write([]byte(`{"choices":[{"index":0,"text":""}]}`)) // a calibration or warm-up
				return
			}
			m.mu.Lock()
			m.reqs = append(m.reqs, req)
			m.mu.Unlock()
			if m.hold != nil && m.hold(req) {
				select {
				case <-m.release:
				case <-r.Context().Done():
					m.mu.Lock()
					m.cancelled++
					m.mu.Unlock()
					return
				}
			}
			var choices []any
			for i, text := range m.answer(req) {
				choices = append(choices, map[string]any{"index": i, "text": text, "finish_reason": "stop"})
			}
			json.NewEncoder(w).Encode(map[string]any{"choices": choices})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() {
		m.srv.CloseClientConnections()
		m.srv.Close()
	})
	return m
}

func (m *scriptedModel) requests() []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.reqs)
}

func seedOf(req map[string]any) int {
	s, _ := req["seed"].(float64)
	return int(s)
}

func TestWithVariants(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{[]string{"x)"}, []string{"x)"}},
		{[]string{"a\n\tb\n}"}, []string{"a\n\tb\n}", "a"}},
		{[]string{"\n\treturn x\n}"}, []string{"\n\treturn x\n}", "\n\treturn x"}},
		{[]string{"a\n"}, []string{"a\n"}},                                        // one line and a newline: no variant
		{[]string{"a\nb", "a", "a\nb  \n", ""}, []string{"a\nb", "a"}},            // duplicates, trailing space, empty
		{[]string{"", "b"}, []string{"b"}},                                        // an empty first is not offered
		{[]string{"1\n2", "3\n4", "5\n6"}, []string{"1\n2", "3\n4", "5\n6", "1"}}, // bounded
	} {
		if got := withVariants(slices.Clone(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("withVariants(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	const first = "Println(total)\n\treturn total"
	for _, vllm := range []bool{false, true} {
		name := "Ollama-like"
		if vllm {
			name = "vLLM"
		}
		t.Run(name, func(t *testing.T) {
			model := newScriptedModel(t, vllm, func(req map[string]any) []string {
				if n, _ := req["n"].(float64); n > 1 { // vLLM honours n
					return []string{"Printf(\"%d\", total)", first}
				}
				switch seedOf(req) {
				case 1:
					return []string{"Printf(\"%d\", total)"}
				case 2:
					return []string{first + "\n"} // the same as the first: dropped
				}
				return []string{first}
			})
			e, root := newTestEngineEnv(t, &fakeModel{srv: model.srv}, map[string]string{"RAGLS_WARM_UP": "0"})
			doc := Doc{Path: filepath.Join(root, "billing/c.go"), Text: "package billing\n\nfunc f() {\n\tfmt.\n}\n"}
			off := strings.Index(doc.Text, "fmt.") + 4

			// Typing: one model call, the answer and its first line.
			got, err := e.Candidates(context.Background(), doc, off, false)
			if want := []string{first, "Println(total)"}; err != nil || !slices.Equal(got, want) {
				t.Fatalf("Candidates without sampling = %q, %v; want %q", got, err, want)
			}
			if n := len(model.requests()); n != 1 {
				t.Fatalf("%d model requests for the first candidates, want 1", n)
			}

			// Cycling: alternatives sampled, deduplicated, after the first.
			got, err = e.Candidates(context.Background(), doc, off, true)
			want := []string{first, "Printf(\"%d\", total)", "Println(total)"}
			if err != nil || !slices.Equal(got, want) {
				t.Fatalf("Candidates with sampling = %q, %v; want %q", got, err, want)
			}
			reqs := model.requests()[1:]
			if vllm {
				if len(reqs) != 1 || reqs[0]["n"] != float64(2) {
					t.Errorf("vLLM: alternatives asked in %d requests (%v), want one with n=2", len(reqs), reqs)
				}
			} else {
				seeds := []int{}
				for _, r := range reqs {
					seeds = append(seeds, seedOf(r))
					if _, ok := r["n"]; ok {
						t.Errorf("n sent to a server that ignores it: %v", r)
					}
				}
				slices.Sort(seeds)
				if !slices.Equal(seeds, []int{1, 2}) {
					t.Errorf("alternatives asked with seeds %v, want 1 and 2", seeds)
				}
			}
			for _, r := range reqs {
				if temp, _ := r["temperature"].(float64); temp < 0.7 {
					t.Errorf("alternative sampled at temperature %v", r["temperature"])
				}
			}

			// Asked again, and typed through: from the cache, no model call.
			before := len(model.requests())
			if c, ok := e.CachedCandidates(doc, off, true); !ok || !slices.Equal(c, want) {
				t.Errorf("CachedCandidates = %q, %v", c, ok)
			}
			typed := Doc{Path: doc.Path, Text: doc.Text[:off] + "Print" + doc.Text[off:]}
			c, err := e.Candidates(context.Background(), typed, off+5, true)
			if want := []string{"ln(total)\n\treturn total", "f(\"%d\", total)", "ln(total)"}; err != nil || !slices.Equal(c, want) {
				t.Errorf("typed through: %q, %v; want %q", c, err, want)
			}
			if n := len(model.requests()); n != before {
				t.Errorf("%d more model requests for cached candidates", n-before)
			}
		})
	}
}
