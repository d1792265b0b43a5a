package lsp

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// reportPercentiles adds p50 and p95 of samples to the benchmark's output.
func reportPercentiles(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	at := func(q float64) time.Duration { return samples[min(len(samples)-1, int(q*float64(len(samples))))] }
	b.ReportMetric(float64(at(0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(at(0.95).Microseconds()), "p95-µs")
}

// BenchmarkInitialize measures the answer to initialize on a fresh connection (the engine's
// SetRoots runs after the answer, in the background).
func BenchmarkInitialize(b *testing.B) {
	var samples []time.Duration
	for b.Loop() {
		b.StopTimer()
		srvEnd, cliEnd := net.Pipe()
		srv := NewServer(&fakeEngine{}, Options{Logger: discardLogger()})
		done := make(chan error, 1)
		go func() { done <- srv.Run(context.Background(), srvEnd) }()
		conn := jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(cliEnd), jsonrpc2.WithCodec(codec{}))
		conn.Go(context.Background(), jsonrpc2.MethodNotFoundHandler)
		b.StartTimer()
		start := time.Now()
		var res protocol.InitializeResult
		if _, err := conn.Call(context.Background(), protocol.MethodInitialize, jsonrpc2.RawMessage(`{"processId": 1, "rootUri": "file:///work/root", "capabilities": `+capsFull+`}`), &res); err != nil {
			b.Fatal(err)
		}
		samples = append(samples, time.Since(start))
		b.StopTimer()
		conn.Close()
		<-done
		b.StartTimer()
	}
	reportPercentiles(b, samples)
}

// directServer returns an initialized server whose handlers the benchmark calls directly.
func directServer(b *testing.B, eng Engine) *Server {
	srv := NewServer(eng, Options{Logger: discardLogger(), Debounce: -1})
	srv.ctx = context.Background()
	if _, err := srv.initialize([]byte(`{"processId": 1, "capabilities": {}}`)); err != nil {
		b.Fatal(err)
	}
	return srv
}

// BenchmarkDidChange measures applying one keystroke to a 2000-line buffer, as the reading
// goroutine does it.
func BenchmarkDidChange(b *testing.B) {
	srv := directServer(b, &fakeEngine{})
	var text strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&text, "\tfmt.Println(\"line %d — héllo 😀\")\n", i)
	}
	srv.notification(context.Background(), protocol.MethodTextDocumentDidOpen, []byte(jsonObject(map[string]any{
		"textDocument": map[string]any{"uri": "file:///work/root/big.go", "languageId": "go", "version": 1, "text": text.String()},
	})))
	var samples []time.Duration
	version := 1
	for b.Loop() {
		version++
		line := version % 2000
		params := fmt.Sprintf(`{"textDocument": {"uri": "file:///work/root/big.go", "version": %d}, "contentChanges": [{"range": {"start": {"line": %d, "character": 1}, "end": {"line": %d, "character": 1}}, "text": "x"}]}`, version, line, line)
		start := time.Now()
		srv.notification(context.Background(), protocol.MethodTextDocumentDidChange, []byte(params))
		samples = append(samples, time.Since(start))
	}
	if doc, _ := srv.engine.Buffer("/work/root/big.go"); int(doc.Version) != version {
		b.Fatalf("version %d after %d changes", doc.Version, version)
	}
	reportPercentiles(b, samples)
}

// BenchmarkCompletionOverhead measures a completion round trip over a pipe with an engine that
// answers at once: everything the server adds around the model.
func BenchmarkCompletionOverhead(b *testing.B) {
	h := newHarness(b, &fakeEngine{complete: func(context.Context, Doc, int) (string, error) { return "Println()", nil }})
	h.initialize(capsUTF16NoResolve)
	h.open("/work/root/c.go", strings.Repeat("fmt.Pr ", 2000))
	var samples []time.Duration
	i := 0
	for b.Loop() {
		i++
		// A new position each time, so that the cache does not answer.
		params := fmt.Sprintf(`{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": %d}}`, (i*7)%14000)
		start := time.Now()
		var list protocol.CompletionList
		h.mustCall(protocol.MethodTextDocumentCompletion, params, &list)
		samples = append(samples, time.Since(start))
		if len(list.Items) != 1 {
			b.Fatalf("completion at %d: %+v", i, list)
		}
	}
	reportPercentiles(b, samples)
}

// BenchmarkCancelToEngine measures the time from the client sending $/cancelRequest to the
// engine's context being done.
func BenchmarkCancelToEngine(b *testing.B) {
	entered := make(chan struct{})
	observed := make(chan time.Time)
	h := newHarness(b, &fakeEngine{complete: func(ctx context.Context, _ Doc, _ int) (string, error) {
		entered <- struct{}{}
		<-ctx.Done()
		observed <- time.Now()
		return "", ctx.Err()
	}})
	h.initialize(capsFull)
	h.open("/work/root/c.go", strings.Repeat("x", 4000))
	var samples []time.Duration
	i := 0
	for b.Loop() {
		i++
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() {
			errc <- protocol.Call(ctx, h.conn, protocol.MethodTextDocumentCompletion, jsonrpc2.RawMessage(fmt.Sprintf(`{"textDocument": {"uri": "file:///work/root/c.go"}, "position": {"line": 0, "character": %d}}`, i%4000)), nil)
		}()
		<-entered
		start := time.Now()
		cancel()
		samples = append(samples, (<-observed).Sub(start))
		<-errc
	}
	reportPercentiles(b, samples)
}
