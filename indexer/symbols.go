package indexer

import (
	"slices"
	"strings"
)

// symbols is the symbol table: definitions by exact name. Like the lexical dictionary, a loaded
// table is searched in its sorted on-disk form and only turned into a map by the first change,
// so that a command-line query does not pay for building a map of every definition.
type symbols struct {
	byName map[string][]symRef // nil while the loaded form is in use

	// The loaded form: names sorted, refs[i] holding (file number, definition number) pairs
	// for names[i], files numbering the files as they were saved.
	names []string
	refs  [][]uint32
	files []*fileEntry
}

func (s *symbols) lookup(name string) []symRef {
	if s.byName != nil || s.names == nil {
		return s.byName[name]
	}
	i, ok := slices.BinarySearch(s.names, name)
	if !ok {
		return nil
	}
	pairs := s.refs[i]
	out := make([]symRef, 0, len(pairs)/2)
	for j := 0; j+1 < len(pairs); j += 2 {
		if int(pairs[j]) < len(s.files) {
			out = append(out, symRef{file: s.files[pairs[j]], i: int32(pairs[j+1])})
		}
	}
	return out
}

func (s *symbols) mutable() {
	if s.byName != nil {
		return
	}
	// Read the loaded form before switching to the map: lookup prefers the map once it is set,
	// and reading through it here would empty the table.
	m := make(map[string][]symRef, len(s.names))
	for _, name := range s.names {
		m[name] = s.lookup(name)
	}
	s.byName = m
	s.names, s.refs, s.files = nil, nil, nil
}

func (s *symbols) add(name string, r symRef) {
	s.mutable()
	s.byName[name] = append(s.byName[name], r)
}

func (s *symbols) remove(name string, f *fileEntry) {
	s.mutable()
	refs := slices.DeleteFunc(s.byName[name], func(r symRef) bool { return r.file == f })
	if len(refs) == 0 {
		delete(s.byName, name)
	} else {
		s.byName[name] = refs
	}
}

// sorted returns every name in order with its definitions.
func (s *symbols) sorted() ([]string, [][]symRef) {
	if s.byName == nil {
		refs := make([][]symRef, len(s.names))
		for i, n := range s.names {
			refs[i] = s.lookup(n)
		}
		return s.names, refs
	}
	names := make([]string, 0, len(s.byName))
	for n := range s.byName {
		names = append(names, n)
	}
	slices.Sort(names)
	refs := make([][]symRef, len(names))
	for i, n := range names {
		refs[i] = s.byName[n]
	}
	return names, refs
}

// Definitions returns the definitions named name, ranked for a reader at path: the same file
// first, then the same directory, then the directory named by qualifier (the "bytes" of
// "bytes.NewReader"), then the rest; test files last.
func (s *Snapshot) Definitions(name, path, qualifier string) []Symbol {
	x := s.x
	x.mu.RLock()
	refs := x.symsAtLocked(name, s.gen)
	out := make([]Symbol, 0, len(refs))
	for _, r := range refs {
		out = append(out, r.file.defs[r.i])
	}
	x.mu.RUnlock()
	rank := func(d Symbol) int {
		switch {
		case d.Path == path:
			return 0
		case pathDir(d.Path) == pathDir(path):
			return 1
		case qualifier != "" && (pathBase(pathDir(d.Path)) == qualifier || d.Container == qualifier):
			return 2
		case isTestPath(d.Path):
			return 4
		}
		return 3
	}
	slices.SortStableFunc(out, func(a, b Symbol) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return a.Line - b.Line
	})
	return out
}

// A Location is a line in a file of the index.
type Location struct {
	Path string
	Line int
}

// Uses returns up to limit places where the identifier name occurs as a whole word, outside its
// definitions, and how many there are in all. The lexical index narrows the search to chunks
// containing the word; each is then scanned for exact, case-sensitive occurrences.
func (s *Snapshot) Uses(name string, limit int) ([]Location, int) {
	x, g := s.x, s.gen
	x.mu.RLock()
	defer x.mu.RUnlock()
	p, ok := x.lex.lookup(lower(name))
	if !ok {
		return nil, 0
	}
	defLines := map[Location]bool{}
	for _, r := range x.symsAtLocked(name, g) {
		defLines[Location{r.file.path, r.file.defs[r.i].Line}] = true
	}
	var out []Location
	total := 0
	for _, id := range p.ids {
		c := &x.chunks[id]
		if !x.liveAtLocked(id, g) {
			continue
		}
		text := x.textLocked(id)
		line := c.meta.StartLine
		last := -1
		scanIdents(text, func(ident string, off int) {
			if ident != name {
				return
			}
			l := line + strings.Count(text[:off], "\n")
			loc := Location{c.file.path, l}
			if l == last || defLines[loc] || commentLine(text, off) {
				return
			}
			last = l
			total++
			if len(out) < limit {
				out = append(out, loc)
			}
		})
	}
	return out, total
}

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// commentLine reports whether the line holding text[off] is a comment line, by its first
// characters: a mention in prose is not a use.
func commentLine(text string, off int) bool {
	start := strings.LastIndexByte(text[:off], '\n') + 1
	t := strings.TrimLeft(text[start:off], " \t")
	for _, m := range []string{"//", "#", "/*", "*", "--", ";"} {
		if strings.HasPrefix(t, m) {
			return true
		}
	}
	return false
}
