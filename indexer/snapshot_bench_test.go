package indexer

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkSnapshot is the fixed cost a request pays for its consistent view.
func BenchmarkSnapshot(b *testing.B) {
	x := newTestIndex(b, nil)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			x.Snapshot().Release()
		}
	})
}

// BenchmarkContextWhileReplacing times context requests on an index of generated files, alone
// ("idle") and while another goroutine replaces files as fast as it can ("replacing"): the
// second pays for the old versions kept for open snapshots and filtered out of every lookup.
func BenchmarkContextWhileReplacing(b *testing.B) {
	const files = 400
	x := newTestIndex(b, nil)
	ctx := context.Background()
	path := func(i int) string { return fmt.Sprintf("ver/d%d/f%d.go", i%20, i) }
	for i := range files {
		if _, err := x.Upsert(ctx, path(i), []byte(versionedFile(i, 0)), FileState{}); err != nil {
			b.Fatal(err)
		}
	}
	query := "package ver\n\nfunc use() int {\n\treturn Ver3_1(nil, 0) + sharedword Ver7_2("
	req := ContextRequest{Path: "ver/d3/use.go", Content: query, HasContent: true, Offset: len(query), Budget: 1024}
	for _, replacing := range []bool{false, true} {
		name := "idle"
		if replacing {
			name = "replacing"
		}
		b.Run(name, func(b *testing.B) {
			var stop atomic.Bool
			var wg sync.WaitGroup
			var replaced atomic.Int64
			if replacing {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for v := 1; !stop.Load(); v++ {
						if _, err := x.Upsert(ctx, path(v%files), []byte(versionedFile(v%files, v)), FileState{}); err != nil {
							b.Error(err)
							return
						}
						replaced.Add(1)
					}
				}()
			}
			b.ResetTimer()
			for range b.N {
				if _, err := x.Context(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			stop.Store(true)
			wg.Wait()
			b.ReportMetric(float64(replaced.Load())/float64(b.N), "replaced/op")
		})
	}
}
