package indexer

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type benchFile struct {
	path string
	src  []byte
}

func loadFiles(b *testing.B, paths []string) ([]benchFile, int64) {
	var files []benchFile
	var total int64
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, benchFile{p, src})
		total += int64(len(src))
	}
	return files, total
}

// benchParse parses every file once per iteration on `workers` goroutines and reports MB/s and
// ns per file.
func benchParse(b *testing.B, files []benchFile, total int64, workers int) {
	s := NewSyntax()
	defer s.Close()
	b.SetBytes(total)
	b.ResetTimer()
	start := time.Now()
	var chunks, defs atomic.Int64
	for i := 0; i < b.N; i++ {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					j := int(next.Add(1)) - 1
					if j >= len(files) {
						return
					}
					p := s.Parse(files[j].path, files[j].src)
					chunks.Add(int64(len(p.Chunks)))
					defs.Add(int64(len(p.Defs)))
				}
			}()
		}
		wg.Wait()
	}
	el := time.Since(start)
	n := float64(b.N * len(files))
	b.ReportMetric(float64(el.Nanoseconds())/n, "ns/file")
	b.ReportMetric(float64(chunks.Load())/n, "chunks/file")
	b.ReportMetric(float64(defs.Load())/n, "defs/file")
	b.Logf("%d files, %.1f MB, %d workers: %.2f s per pass", len(files), float64(total)/1e6, workers, el.Seconds()/float64(b.N))
}

// BenchmarkParseGOROOT parses every .go file under GOROOT/src (set RAGLS_BENCH_SAMPLE=N for a
// sample of N), sequentially and on two goroutines.
func BenchmarkParseGOROOT(b *testing.B) {
	n := 0
	if v := os.Getenv("RAGLS_BENCH_SAMPLE"); v != "" {
		for _, c := range v {
			n = n*10 + int(c-'0')
		}
	}
	files, total := loadFiles(b, goSample(b, n))
	for _, w := range []int{1, 2} {
		b.Run(map[int]string{1: "seq", 2: "par2"}[w], func(b *testing.B) { benchParse(b, files, total, w) })
	}
}

// BenchmarkParsePython parses the Python standard library found at RAGLS_PYTHON_LIB (default
// /usr/lib/python3.11).
func BenchmarkParsePython(b *testing.B) {
	root := os.Getenv("RAGLS_PYTHON_LIB")
	if root == "" {
		root = "/usr/lib/python3.11"
	}
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
			paths = append(paths, p)
		}
		return nil
	})
	if len(paths) == 0 {
		b.Skipf("no Python sources under %s (set RAGLS_PYTHON_LIB)", root)
	}
	files, total := loadFiles(b, paths)
	benchParse(b, files, total, 1)
}
