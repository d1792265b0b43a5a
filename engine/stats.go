package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"ragls/indexer"
)

// The acceptance statistics of completions are kept on this machine only, in one JSON file in
// the cache directory beside the indexes. Nothing of them is ever sent anywhere.
const (
	// StatsFile is the statistics file's name in the cache directory.
	StatsFile = "completion-stats.json"
	// statsFlushEvery is how often a running server merges its counts into the file: often
	// enough that a crash loses little, rarely enough that typing never waits on a disk.
	statsFlushEvery = time.Minute
	// LatencySamples is how many recent latencies each language keeps for its percentiles.
	LatencySamples = 1000
	// recentShown is how many shown completions can still be accepted: a client runs the
	// command of the item the user accepts, long after newer ones were shown.
	recentShown = 512
)

// LanguageStats are the completion counts of one language.
type LanguageStats struct {
	Shown    int `json:"shown"`    // completions answered with text
	Accepted int `json:"accepted"` // of those, the ones the user took
	// LatencyMs are the most recent times to answer, in milliseconds, oldest first.
	LatencyMs []int64 `json:"latencyMs,omitempty"`
}

// AcceptanceRate is Accepted over Shown, 0 when nothing was shown.
func (l LanguageStats) AcceptanceRate() float64 {
	if l.Shown == 0 {
		return 0
	}
	return float64(l.Accepted) / float64(l.Shown)
}

// Latency returns the p-th percentile (0 < p <= 100) of the recent latencies, by the
// nearest-rank method; 0 when there are none.
func (l LanguageStats) Latency(p float64) time.Duration {
	if len(l.LatencyMs) == 0 {
		return 0
	}
	s := slices.Clone(l.LatencyMs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	i = min(max(i, 0), len(s)-1)
	return time.Duration(s[i]) * time.Millisecond
}

// add folds d into l, keeping the newest latencies.
func (l *LanguageStats) add(d LanguageStats) {
	l.Shown += d.Shown
	l.Accepted += d.Accepted
	l.LatencyMs = append(l.LatencyMs, d.LatencyMs...)
	if n := len(l.LatencyMs) - LatencySamples; n > 0 {
		l.LatencyMs = slices.Delete(l.LatencyMs, 0, n)
	}
}

// CompletionStats are the completion counts per language (the IDs of indexer.LangOf).
type CompletionStats struct {
	Languages map[string]LanguageStats `json:"languages"`
}

// LoadStats reads the statistics stored in cacheDir; none stored is not an error.
func LoadStats(cacheDir string) (CompletionStats, error) {
	out := CompletionStats{Languages: map[string]LanguageStats{}}
	if cacheDir == "" {
		return out, nil
	}
	path := filepath.Join(cacheDir, StatsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("reading completion statistics: %w", err)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return CompletionStats{Languages: map[string]LanguageStats{}}, fmt.Errorf("completion statistics %s are not valid JSON: %w", path, err)
	}
	if out.Languages == nil {
		out.Languages = map[string]LanguageStats{}
	}
	return out, nil
}

// statsState counts what this process showed and the user accepted since the last flush.
type statsState struct {
	dir string // "" keeps the counts in memory

	mu      sync.Mutex
	pending map[string]*LanguageStats // guarded by mu; counts since the last flush
	shown   map[string]offer          // guarded by mu; id of a recent completion -> what it was
	order   []string                  // guarded by mu; the ids of shown, oldest first
	seed    maphash.Seed              // for offer.doc
	run     string                    // this process's id prefix, so another run's ids never match
	next    uint64                    // guarded by mu
}

// offer is a recent completion answer, as much of it as an acceptance needs: its language
// for the counts, and where and what it inserts, for the prefetch of the next completion.
// The document is kept as a hash, not a copy: hundreds of offers must not pin hundreds of
// versions of a large buffer.
type offer struct {
	lang   string
	path   string
	offset int
	texts  []string // the candidates; nil for a completion counted without them
	doc    uint64   // hash of the document's text when it was offered
	size   int      // its length
}

func (s *statsState) init(dir string) {
	s.dir = dir
	s.pending = map[string]*LanguageStats{}
	s.shown = map[string]offer{}
	s.seed = maphash.MakeSeed()
	var b [4]byte
	_, _ = rand.Read(b[:])
	s.run = hex.EncodeToString(b[:])
}

func (s *statsState) lang(l string) *LanguageStats {
	p := s.pending[l]
	if p == nil {
		p = &LanguageStats{}
		s.pending[l] = p
	}
	return p
}

// CompletionShown counts a completion answered with text for the document at path, latency
// after it was asked for, and returns the id by which CompletionAccepted names it.
func (e *Engine) CompletionShown(path string, latency time.Duration) string {
	return e.stats.count(offer{lang: indexer.LangOf(path), path: path}, latency)
}

// CompletionOffered counts one answer of candidates texts for doc at offset (shown once,
// however many candidates), latency after it was asked for, and returns one id per candidate:
// accepting one (CompletionAccepted) counts the answer accepted and prefetches the completion
// after the candidate's text.
func (e *Engine) CompletionOffered(doc Doc, offset int, texts []string, latency time.Duration) []string {
	s := &e.stats
	o := offer{lang: indexer.LangOf(doc.Path), path: doc.Path, offset: min(max(offset, 0), len(doc.Text)),
		texts: slices.Clone(texts), doc: maphash.String(s.seed, doc.Text), size: len(doc.Text)}
	id := s.count(o, latency)
	ids := make([]string, len(texts))
	for i := range texts {
		ids[i] = id + "." + strconv.Itoa(i)
	}
	return ids
}

// count counts one shown answer and returns its id.
func (s *statsState) count(o offer, latency time.Duration) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.lang(o.lang)
	p.Shown++
	p.LatencyMs = append(p.LatencyMs, latency.Milliseconds())
	if n := len(p.LatencyMs) - LatencySamples; n > 0 {
		p.LatencyMs = slices.Delete(p.LatencyMs, 0, n)
	}
	s.next++
	id := s.run + "-" + strconv.FormatUint(s.next, 10)
	s.shown[id] = o
	s.order = append(s.order, id)
	if len(s.order) > recentShown {
		delete(s.shown, s.order[0])
		s.order = slices.Delete(s.order, 0, 1)
	}
	return id
}

// CompletionAccepted counts the acceptance of the completion CompletionShown or
// CompletionOffered named id. It reports false for an id it does not know (from another run,
// too old, or already accepted): one answer is accepted at most once, whichever of its
// candidates. Accepting a candidate prefetches the completion that follows it (see prefetch.go).
func (e *Engine) CompletionAccepted(id string) bool {
	s := &e.stats
	base, index := id, 0
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		n, err := strconv.Atoi(id[i+1:])
		if err != nil || n < 0 {
			return false
		}
		base, index = id[:i], n
	}
	s.mu.Lock()
	o, ok := s.shown[base]
	if !ok || (o.texts != nil && index >= len(o.texts)) {
		s.mu.Unlock()
		return false
	}
	delete(s.shown, base) // order keeps the id until it ages out; shown is what counts
	s.lang(o.lang).Accepted++
	s.mu.Unlock()
	if o.texts != nil {
		e.prefetchAfter(o, o.texts[index])
	}
	return true
}

// Stats returns the stored statistics with this process's unflushed counts added.
func (e *Engine) Stats() (CompletionStats, error) {
	st, err := LoadStats(e.stats.dir)
	e.stats.mu.Lock()
	for l, p := range e.stats.pending {
		v := st.Languages[l]
		v.add(*p)
		st.Languages[l] = v
	}
	e.stats.mu.Unlock()
	return st, err
}

// FlushStats merges the counts since the last flush into the statistics file, so that
// servers that ran before, or run beside this one, add up (a lock file orders their flushes).
// The file is replaced atomically: a reader sees the old file or the new one, never a part.
func (e *Engine) FlushStats() error {
	s := &e.stats
	if s.dir == "" {
		return nil
	}
	s.mu.Lock()
	pending := s.pending
	s.pending = map[string]*LanguageStats{}
	s.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		s.restore(pending)
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	unlock, err := lockStats(s.dir)
	if err != nil {
		s.restore(pending)
		return fmt.Errorf("locking completion statistics: %w", err)
	}
	defer unlock()
	st, err := LoadStats(s.dir)
	if err != nil {
		// A damaged file is kept aside rather than overwritten, so the user can look at it.
		bad := filepath.Join(s.dir, StatsFile+".bad")
		if rerr := os.Rename(filepath.Join(s.dir, StatsFile), bad); rerr != nil {
			s.restore(pending)
			return fmt.Errorf("%w (and cannot move it aside: %v)", err, rerr)
		}
		e.opts.Logger.Warn("completion statistics were damaged; starting afresh", "kept", bad, "err", err)
	}
	for l, p := range pending {
		v := st.Languages[l]
		v.add(*p)
		st.Languages[l] = v
	}
	if err := writeStats(s.dir, st); err != nil {
		s.restore(pending)
		return err
	}
	return nil
}

// restore puts counts that could not be written back, to be tried at the next flush.
func (s *statsState) restore(pending map[string]*LanguageStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for l, p := range pending {
		q := *p
		q.add(*s.lang(l))
		s.pending[l] = &q
	}
}

func writeStats(dir string, st CompletionStats) error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+StatsFile+"-*")
	if err != nil {
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, StatsFile)); err != nil {
		return fmt.Errorf("saving completion statistics: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename is durable only once the directory is
		d.Close()
	}
	return nil
}

// flushStatsEvery flushes the statistics every interval until ctx is done.
func (e *Engine) flushStatsEvery(ctx context.Context, interval time.Duration) {
	defer e.bg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := e.FlushStats(); err != nil {
				e.opts.Logger.Warn("cannot save completion statistics", "err", err)
			}
		}
	}
}

// completes reports whether the user's settings allow completions in the document at path
// (the "disabledLanguages" setting).
func (e *Engine) completes(path string) bool {
	cfg, _, _ := e.model.current()
	return cfg.CompletesLanguage(indexer.LangOf(path), filepath.Ext(path))
}
