package prompts

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkCancelToDisconnect measures the time from cancelling a streaming completion to the
// server seeing its request end (what makes a real server stop generating), and to Complete
// returning. Reported as p50/p95 in microseconds.
func BenchmarkCancelToDisconnect(b *testing.B) {
	seen := make(chan time.Time, 1)
	f := newFakeB(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				seen <- time.Now()
				return
			case <-tick.C:
				io.WriteString(w, `data: {"choices":[{"index":0,"text":"tok "}]}`+"\n\n")
				fl.Flush()
			}
		}
	})
	cfg := DefaultConfig()
	cfg.BaseURL = f.URL + "/v1"
	c := NewClient(cfg, f.Client())
	var disconnect, ret []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		var t0 time.Time
		_, err := c.Complete(ctx, CompletionRequest{Prompt: "x"}, func(string) {
			if t0.IsZero() {
				t0 = time.Now()
				cancel()
			}
		})
		returned := time.Now()
		if err == nil {
			b.Fatal("Complete succeeded after cancel")
		}
		disconnect = append(disconnect, (<-seen).Sub(t0))
		ret = append(ret, returned.Sub(t0))
		cancel()
	}
	b.StopTimer()
	report(b, "disconnect", disconnect)
	report(b, "return", ret)
}

func report(b *testing.B, name string, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	q := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) }
	b.ReportMetric(q(0.50), name+"-p50-µs")
	b.ReportMetric(q(0.95), name+"-p95-µs")
}

// BenchmarkBuildCompletion measures prompt assembly for a ~4k-token prompt: FIM formatting,
// budgeting and token counting over a 12k-token file with six context snippets, the cursor in the
// middle. Context lookup is the indexer's and is measured there.
func BenchmarkBuildCompletion(b *testing.B) {
	cfg := DefaultConfig()
	cfg.ContextWindow = 4096 + cfg.MaxTokens
	p, err := NewPrompter(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, cold := range []bool{true, false} {
		name := "warm"
		if cold {
			name = "cold"
		}
		b.Run(name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			in := benchInput()
			var ds, cpu []time.Duration
			var tokens int
			for i := 0; i < b.N; i++ {
				in.Prefix += "x" // a keystroke: the cursor's line changes
				if cold {
					p.counter.forget() // every line tokenized afresh
				}
				t0, c0 := time.Now(), threadCPU()
				pr, err := p.BuildCompletion(context.Background(), in)
				ds, cpu = append(ds, time.Since(t0)), append(cpu, threadCPU()-c0)
				if err != nil {
					b.Fatal(err)
				}
				tokens = pr.Tokens
			}
			// Wall time suffers from whatever else runs on the machine; CPU time of this thread
			// shows the cost of the work itself.
			report(b, "assembly", ds)
			report(b, "cpu", cpu)
			b.ReportMetric(float64(tokens), "prompt-tokens")
		})
	}
}

// benchInput is a Go file of ~12k tokens whose lines are all distinct (a line cache must not make
// the cold case look better than it is), the cursor in the middle, and six snippets of ~300 tokens.
func benchInput() CompletionInput {
	var file strings.Builder
	for i := 0; file.Len() < 48000; i++ {
		n := itoa(i)
		file.WriteString("func handler" + n + "(w http.ResponseWriter, r *http.Request) error {\n" +
			"\tif err := r.ParseForm(); err != nil { // form " + n + "\n" +
			"\t\treturn fmt.Errorf(\"parse " + n + ": %w\", err)\n" +
			"\t}\n\treturn serve" + n + "(w, r.Form.Get(\"q" + n + "\"))\n}\n\n")
	}
	s := file.String()
	mid := strings.LastIndexByte(s[:len(s)/2], '\n') + 1
	var snippets []Snippet
	for i := 0; i < 6; i++ {
		var text strings.Builder
		for j := 0; j < 20; j++ {
			text.WriteString("\tv" + itoa(i*100+j) + " := compute(a" + itoa(j) + ", b) // other file " + itoa(i) + "\n")
		}
		snippets = append(snippets, Snippet{Path: "pkg/file" + itoa(i) + ".go", StartLine: 10 * i, EndLine: 10*i + 20, Kind: "function", Text: text.String()})
	}
	return CompletionInput{Path: "server/handlers.go", Language: "go", RepoName: "ragls", Prefix: s[:mid] + "\tif ", Suffix: s[mid:], Snippets: snippets}
}

func newFakeB(b *testing.B, h http.HandlerFunc) *fakeServer {
	f := &fakeServer{}
	f.Server = newServer(h)
	b.Cleanup(f.Close)
	return f
}
