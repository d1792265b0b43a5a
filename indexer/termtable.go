package indexer

import (
	"hash/maphash"
	"unsafe"
)

// termTable numbers the terms of a lexical index being built or changed: term i is the one
// added i-th. A map[string]int32 holds a string header and a separate allocation per term
// (300k terms for the Go tree), all of which the garbage collector scans; here the terms' bytes
// sit back to back in one buffer and the hash table holds only numbers, a third of the memory
// and no pointers.
type termTable struct {
	seed  maphash.Seed
	text  []byte   // the terms, back to back
	start []uint32 // term i is text[start[i]:start[i+1]]; one more entry than terms
	slots []int32  // open addressing, linear probing: term number+1, 0 for empty
}

func newTermTable(hint int) *termTable {
	t := &termTable{seed: maphash.MakeSeed(), start: make([]uint32, 1, hint+1)}
	n := 16
	for n*3 < hint*4 {
		n *= 2
	}
	t.slots = make([]int32, n)
	return t
}

func (t *termTable) len() int { return len(t.start) - 1 }

// term returns term i. The string stays valid after later additions.
func (t *termTable) term(i int32) string {
	b := t.text[t.start[i]:t.start[i+1]]
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// get returns the number of term.
func (t *termTable) get(term string) (int32, bool) {
	mask := uint64(len(t.slots) - 1)
	for h := maphash.String(t.seed, term) & mask; ; h = (h + 1) & mask {
		v := t.slots[h]
		if v == 0 {
			return 0, false
		}
		if t.term(v-1) == term {
			return v - 1, true
		}
	}
}

// add numbers a term that get did not find, copying its bytes.
func (t *termTable) add(term string) int32 {
	if (t.len()+1)*4 > len(t.slots)*3 {
		t.grow()
	}
	i := int32(t.len())
	t.text = append(t.text, term...)
	t.start = append(t.start, uint32(len(t.text)))
	t.place(i)
	return i
}

func (t *termTable) place(i int32) {
	mask := uint64(len(t.slots) - 1)
	h := maphash.String(t.seed, t.term(i)) & mask
	for t.slots[h] != 0 {
		h = (h + 1) & mask
	}
	t.slots[h] = i + 1
}

func (t *termTable) grow() {
	t.slots = make([]int32, 2*len(t.slots))
	for i := range t.len() {
		t.place(int32(i))
	}
}
