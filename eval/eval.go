package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"ragls/indexer"
)

// Index is what the measurement needs of a ragls index: its files, and context at a cursor.
type Index interface {
	Files
	Context(ctx context.Context, req indexer.ContextRequest) (indexer.ContextResult, error)
}

// An Updater replaces the indexed text of a file. When the index is one, each site is measured
// as a user would meet it: the indexed copy of the calling file does not hold the call being
// typed (the callee's name there is replaced by a same-length identifier), and is restored after.
type Updater interface {
	Upsert(ctx context.Context, path string, text []byte, st indexer.FileState) (bool, error)
}

// Options tune a run. The zero value measures 300 sites with a 1024-token budget.
type Options struct {
	N        int    // sites to sample; 0 means 300
	Budget   int    // context tokens; 0 means 1024
	Seed     uint64 // sampling seed
	PerFile  int    // most sites taken from one file; 0 means 3
	Examples int    // misses kept per retriever and condition; 0 means 5
	// Progress, if set, is called after each site.
	Progress func(done, total int)
}

// The two conditions a site is measured in.
const (
	Typed   = "typed"   // the cursor just after "name(": the callee is in the buffer
	Untyped = "untyped" // the call not yet typed: the buffer is cut where the callee begins
)

// Report is the outcome of a run for one language.
type Report struct {
	Lang       string `json:"lang"`
	Files      int    `json:"files"`      // files indexed
	Candidates int    `json:"candidates"` // call sites found before sampling
	Sites      int    `json:"sites"`      // sites measured
	SiteFiles  int    `json:"site_files"` // distinct files they are in
	Budget     int    `json:"budget"`
	Seed       uint64 `json:"seed"`
	Windows    int    `json:"jaccard_windows"`

	Ragls   Rates `json:"ragls"`
	Jaccard Rates `json:"jaccard"`
	BM25    Rates `json:"bm25"` // sliding windows ranked by BM25
	// Named and NotNamed split the untyped rates by whether the callee's name appears anywhere
	// in the buffer above the cursor.
	Named    Split `json:"named"`
	NotNamed Split `json:"not_named"`
	// Hidden reports that the call was removed from the indexed copy of the calling file.
	Hidden bool `json:"call_hidden_from_index"`
	// ByForm splits the ragls rates by how the callee is reached ("pkg.F", "F", "mod.f", ...).
	ByForm map[string]FormRates `json:"by_form"`

	// Empty counts context calls that returned nothing.
	Empty int `json:"ragls_empty"`

	Latency        Latencies `json:"ragls_latency_ms"`
	JaccardLatency Latencies `json:"jaccard_latency_ms"`

	Misses        []Miss  `json:"misses"`         // ragls's, typed then untyped
	JaccardMisses []Miss  `json:"jaccard_misses"` // the baseline's, untyped only
	Seconds       float64 `json:"seconds"`
}

// Rates are the fractions of sites whose definition was in the context.
type Rates struct {
	Typed   float64 `json:"typed"`
	Untyped float64 `json:"untyped"`
}

// Split is the untyped rate of each retriever over a subset of the sites.
type Split struct {
	Sites   int     `json:"sites"`
	Ragls   float64 `json:"ragls"`
	BM25    float64 `json:"bm25"`
	Jaccard float64 `json:"jaccard"`
}

// FormRates are ragls's rates for the sites of one form.
type FormRates struct {
	Sites int `json:"sites"`
	Rates
}

// Latencies of context assembly, in milliseconds.
type Latencies struct {
	TypedP50   float64 `json:"typed_p50"`
	TypedP95   float64 `json:"typed_p95"`
	UntypedP50 float64 `json:"untyped_p50"`
	UntypedP95 float64 `json:"untyped_p95"`
}

// A Miss is a site whose definition the context left out, with what it held instead.
type Miss struct {
	Site      string   `json:"site"` // path:line
	Callee    string   `json:"callee"`
	Want      []string `json:"want"` // path:line of the definitions
	Condition string   `json:"condition"`
	Got       []string `json:"got"` // path:start-end source symbol, best first
}

// Run finds the call sites of lang in x, samples them, and measures ragls's context and the
// Jaccard baseline at each, in both conditions.
func Run(ctx context.Context, x Index, lang string, opt Options) (*Report, error) {
	start := time.Now()
	if opt.N <= 0 {
		opt.N = 300
	}
	if opt.Budget <= 0 {
		opt.Budget = 1024
	}
	if opt.Examples <= 0 {
		opt.Examples = 5
	}
	all, err := FindSites(ctx, lang, x)
	if err != nil {
		return nil, err
	}
	sites := Sample(all, opt.N, opt.PerFile, opt.Seed)
	rep := &Report{Lang: lang, Files: len(x.Paths()), Candidates: len(all), Sites: len(sites), Budget: opt.Budget, Seed: opt.Seed, ByForm: map[string]FormRates{}}
	if len(sites) == 0 {
		return nil, fmt.Errorf("no %s call sites of functions defined in another file were found among %d indexed files", lang, rep.Files)
	}
	jac, err := NewJaccard(ctx, x)
	if err != nil {
		return nil, err
	}
	rep.Windows = jac.Windows()

	var lat, jlat [2][]time.Duration
	var hits, jhits, bhits [2]int
	var named, notNamed [4]int // sites, ragls, bm25, jaccard hits (untyped)
	up, _ := x.(Updater)
	rep.Hidden = up != nil
	files := map[string]bool{}
	forms := map[string]*[3]int{} // sites, typed hits, untyped hits
	for n, s := range sites {
		files[s.Path] = true
		src, ok := x.Content(s.Path)
		if !ok {
			return nil, fmt.Errorf("%s is no longer in the index", s.Path)
		}
		f := forms[s.Form]
		if f == nil {
			f = new([3]int)
			forms[s.Form] = f
		}
		f[0]++
		split := &notNamed
		if namedAbove(src[:s.Start], s.Name) {
			split = &named
		}
		split[0]++
		if up != nil {
			if _, err := up.Upsert(ctx, s.Path, []byte(hideCall(src, s)), indexer.FileState{Size: int64(len(src))}); err != nil {
				return nil, fmt.Errorf("hiding the call at %s: %w", s, err)
			}
		}
		for c, cond := range []string{Typed, Untyped} {
			// A generous time limit per source: quality is measured apart from speed (the
			// latencies are reported), so that a loaded machine does not change the rates.
			// The buffer is the file as the user has it, the call typed; the index may hold
			// the copy without it.
			req := indexer.ContextRequest{Path: s.Path, Budget: opt.Budget, Offset: s.Open, Content: src, HasContent: true, SourceTimeout: 5 * time.Second}
			before := src[:s.Open]
			if cond == Untyped {
				buf := cutCall(src, s.Start)
				req.Content, req.HasContent, req.Offset = buf, true, s.Start
				before = src[:s.Start]
			}
			t0 := time.Now()
			res, err := x.Context(ctx, req)
			lat[c] = append(lat[c], time.Since(t0))
			if err != nil {
				return nil, fmt.Errorf("context at %s: %w", s, err)
			}
			if len(res.Items) == 0 {
				rep.Empty++
			}
			if found(res.Items, s.Defs) {
				hits[c]++
				f[c+1]++
				if cond == Untyped {
					split[1]++
				}
			} else if countCond(rep.Misses, cond) < opt.Examples {
				rep.Misses = append(rep.Misses, miss(s, cond, res.Items))
			}
			t0 = time.Now()
			jres := jac.Retrieve(s.Path, before, opt.Budget)
			jlat[c] = append(jlat[c], time.Since(t0))
			if found(jres, s.Defs) {
				jhits[c]++
			} else if cond == Untyped && len(rep.JaccardMisses) < opt.Examples {
				rep.JaccardMisses = append(rep.JaccardMisses, miss(s, cond, jres))
			}
			if cond == Untyped && found(jres, s.Defs) {
				split[3]++
			}
			if found(jac.RetrieveBM25(s.Path, before, opt.Budget), s.Defs) {
				bhits[c]++
				if cond == Untyped {
					split[2]++
				}
			}
		}
		if up != nil {
			if _, err := up.Upsert(ctx, s.Path, []byte(src), indexer.FileState{Size: int64(len(src))}); err != nil {
				return nil, fmt.Errorf("restoring %s: %w", s.Path, err)
			}
		}
		if opt.Progress != nil {
			opt.Progress(n+1, len(sites))
		}
	}
	n := float64(len(sites))
	rep.SiteFiles = len(files)
	rep.Ragls = Rates{float64(hits[0]) / n, float64(hits[1]) / n}
	rep.Jaccard = Rates{float64(jhits[0]) / n, float64(jhits[1]) / n}
	rep.BM25 = Rates{float64(bhits[0]) / n, float64(bhits[1]) / n}
	rep.Named, rep.NotNamed = splitRates(named), splitRates(notNamed)
	for form, f := range forms {
		rep.ByForm[form] = FormRates{f[0], Rates{float64(f[1]) / float64(f[0]), float64(f[2]) / float64(f[0])}}
	}
	rep.Latency = Latencies{ms(quantile(lat[0], 0.5)), ms(quantile(lat[0], 0.95)), ms(quantile(lat[1], 0.5)), ms(quantile(lat[1], 0.95))}
	rep.JaccardLatency = Latencies{ms(quantile(jlat[0], 0.5)), ms(quantile(jlat[0], 0.95)), ms(quantile(jlat[1], 0.5)), ms(quantile(jlat[1], 0.95))}
	slices.SortStableFunc(rep.Misses, func(a, b Miss) int { return strings.Compare(a.Condition, b.Condition) })
	rep.Seconds = time.Since(start).Seconds()
	return rep, nil
}

// cutCall returns src with the line holding off cut at off: what the buffer holds just before
// the call is typed. The lines after it stay.
func cutCall(src string, off int) string {
	eol := strings.IndexByte(src[off:], '\n')
	if eol < 0 {
		return src[:off]
	}
	return src[:off] + src[off+eol:]
}

func splitRates(c [4]int) Split {
	if c[0] == 0 {
		return Split{}
	}
	n := float64(c[0])
	return Split{c[0], float64(c[1]) / n, float64(c[2]) / n, float64(c[3]) / n}
}

// namedAbove reports whether name occurs as a whole identifier in before.
func namedAbove(before, name string) bool {
	for i := 0; ; {
		j := strings.Index(before[i:], name)
		if j < 0 {
			return false
		}
		j += i
		e := j + len(name)
		if (j == 0 || !identByte(before[j-1])) && (e == len(before) || !identByte(before[e])) {
			return true
		}
		i = j + 1
	}
}

func identByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// hideCall returns src with the callee's name at the site replaced by an identifier of the same
// length that names nothing, so that line numbers and offsets stay put.
func hideCall(src string, s Site) string {
	seg := src[s.Start:s.Open]
	i := strings.LastIndex(seg, s.Name)
	if i < 0 || s.Name == "" {
		return src
	}
	repl := []byte(strings.Repeat("q", len(s.Name)))
	repl[0] = 'Q'
	return src[:s.Start+i] + string(repl) + src[s.Start+i+len(s.Name):]
}

// found reports whether some item overlaps the line of one of the definitions.
func found(items []indexer.Hit, defs []Def) bool {
	for _, h := range items {
		for _, d := range defs {
			if h.Path == d.Path && h.StartLine <= d.Line && d.Line <= h.EndLine {
				return true
			}
		}
	}
	return false
}

func countCond(ms []Miss, cond string) int {
	n := 0
	for _, m := range ms {
		if m.Condition == cond {
			n++
		}
	}
	return n
}

func miss(s Site, cond string, items []indexer.Hit) Miss {
	m := Miss{Site: fmt.Sprintf("%s:%d", s.Path, s.Line), Callee: s.Callee, Condition: cond}
	for _, d := range s.Defs {
		m.Want = append(m.Want, fmt.Sprintf("%s:%d", d.Path, d.Line))
	}
	for _, h := range items {
		g := fmt.Sprintf("%s:%d-%d %s", h.Path, h.StartLine, h.EndLine, h.Source)
		if h.Symbol != "" {
			g += " " + h.Symbol
		}
		m.Got = append(m.Got, g)
	}
	return m
}

// quantile returns the q-quantile of ds (nearest rank).
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
