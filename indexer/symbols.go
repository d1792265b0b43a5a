package indexer

import "slices"

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
	s.byName = make(map[string][]symRef, len(s.names))
	for _, name := range s.names {
		s.byName[name] = s.lookup(name)
	}
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
