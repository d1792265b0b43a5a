package testmodel

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestWriteIsDeterministicAndWellFormed(t *testing.T) {
	var a, b bytes.Buffer
	if err := Write(&a, Config{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&b, Config{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two writes with the same seed differ")
	}
	var c bytes.Buffer
	if err := Write(&c, Config{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("another seed gave the same weights")
	}
	data := a.Bytes()
	if string(data[:4]) != "GGUF" || binary.LittleEndian.Uint32(data[4:]) != 3 {
		t.Fatalf("header %q", data[:8])
	}
	if n := binary.LittleEndian.Uint64(data[8:]); n != 3+2*9 {
		t.Errorf("%d tensors, want 21 for two blocks", n)
	}
	if len(data)%alignment != 0 {
		t.Errorf("file size %d is not aligned to %d", len(data), alignment)
	}
}

func TestVocabularyIsUniqueAndReachable(t *testing.T) {
	tokens, scores, types := vocab()
	if len(tokens) != len(scores) || len(tokens) != len(types) {
		t.Fatal("metadata arrays differ in length")
	}
	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Errorf("token %q twice", tok)
		}
		seen[tok] = true
	}
	// SentencePiece merges adjacent pieces only into pieces it knows: every prefix of a
	// multi-character piece must be a piece too, or the piece is never produced.
	for i, tok := range tokens {
		if types[i] != typeNormal {
			continue
		}
		r := []rune(tok)
		for j := 1; j < len(r); j++ {
			if !seen[string(r[:j])] {
				t.Errorf("piece %q is unreachable: %q is missing", tok, string(r[:j]))
			}
		}
	}
	if err := (Config{Embedding: 64, Heads: 5, KVHeads: 1}).withDefaults().validate(); err == nil {
		t.Error("64 wide with 5 heads was accepted")
	}
}
