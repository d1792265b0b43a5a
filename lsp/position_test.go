package lsp

import (
	"testing"

	"go.lsp.dev/protocol"
)

func pos(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

func TestOffsetOf(t *testing.T) {
	// "a😀b" : a=1 byte, 😀=4 bytes (2 UTF-16 units), b=1 byte.
	// "中é"  : 中=3 bytes (1 unit), é=2 bytes (1 unit).
	const text = "a😀b\r\n中é\rx\n\xffz\n"
	for _, tc := range []struct {
		name  string
		pos   protocol.Position
		utf16 int
		utf8  int
	}{
		{"start", pos(0, 0), 0, 0},
		{"after a", pos(0, 1), 1, 1},
		{"inside surrogate pair rounds down", pos(0, 2), 1, 1},
		{"after emoji", pos(0, 3), 5, 1},
		{"utf-8 after emoji", pos(0, 5), 6, 5},
		{"end of line before CRLF", pos(0, 4), 6, 1},
		{"past end of line clamps before CRLF", pos(0, 99), 6, 6},
		{"line 1 start", pos(1, 0), 8, 8},
		{"after 中", pos(1, 1), 11, 8},
		{"utf-8 after 中", pos(1, 3), 13, 11},
		{"utf-8 inside 中 rounds down", pos(1, 2), 13, 8},
		{"after é", pos(1, 2), 13, 8},
		{"lone CR ends line 1", pos(1, 9), 13, 13},
		{"line 2 after lone CR", pos(2, 0), 14, 14},
		{"invalid byte counts as one unit", pos(3, 1), 17, 17},
		{"after invalid byte", pos(3, 2), 18, 18},
		{"last empty line", pos(4, 0), 19, 19},
		{"past last line clamps to end", pos(9, 3), 19, 19},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := offsetOf(text, tc.pos, utf16); got != tc.utf16 {
				t.Errorf("utf-16 offsetOf(%v) = %d, want %d", tc.pos, got, tc.utf16)
			}
			if got := offsetOf(text, tc.pos, utf8Bytes); got != tc.utf8 {
				t.Errorf("utf-8 offsetOf(%v) = %d, want %d", tc.pos, got, tc.utf8)
			}
		})
	}
}

func TestPositionOf(t *testing.T) {
	const text = "a😀b\r\n中é\rx\n\xffz\n"
	for _, tc := range []struct {
		offset      int
		utf16, utf8 protocol.Position
	}{
		{0, pos(0, 0), pos(0, 0)},
		{1, pos(0, 1), pos(0, 1)},
		{3, pos(0, 1), pos(0, 1)}, // inside the emoji: start of it
		{5, pos(0, 3), pos(0, 5)},
		{6, pos(0, 4), pos(0, 6)},
		{7, pos(0, 4), pos(0, 6)}, // between CR and LF: end of line 0
		{8, pos(1, 0), pos(1, 0)},
		{11, pos(1, 1), pos(1, 3)},
		{13, pos(1, 2), pos(1, 5)},
		{14, pos(2, 0), pos(2, 0)},
		{17, pos(3, 1), pos(3, 1)},
		{19, pos(4, 0), pos(4, 0)},
		{-4, pos(0, 0), pos(0, 0)},
		{99, pos(4, 0), pos(4, 0)},
	} {
		if got := positionOf(text, tc.offset, utf16); got != tc.utf16 {
			t.Errorf("utf-16 positionOf(%d) = %v, want %v", tc.offset, got, tc.utf16)
		}
		if got := positionOf(text, tc.offset, utf8Bytes); got != tc.utf8 {
			t.Errorf("utf-8 positionOf(%d) = %v, want %v", tc.offset, got, tc.utf8)
		}
	}
}

// Every rune boundary survives a round trip in both encodings.
func TestPositionRoundTrip(t *testing.T) {
	for _, text := range []string{"", "x", "héllo\nwörld 😀😀\r\n中文\n", "\r\r\n\n", "a\xffb\xc3"} {
		for _, enc := range []encoding{utf16, utf8Bytes} {
			for off := 0; off <= len(text); off++ {
				p := positionOf(text, off, enc)
				back := offsetOf(text, p, enc)
				if back > off {
					t.Errorf("%q enc %d: offset %d -> %v -> %d, went forward", text, enc, off, p, back)
				}
				if positionOf(text, back, enc) != p {
					t.Errorf("%q enc %d: offset %d -> %v -> %d is not stable", text, enc, off, p, back)
				}
			}
		}
	}
}

func FuzzPosition(f *testing.F) {
	f.Add("a😀b\r\n中é", uint32(0), uint32(3))
	f.Fuzz(func(t *testing.T, text string, line, char uint32) {
		for _, enc := range []encoding{utf16, utf8Bytes} {
			off := offsetOf(text, pos(line, char), enc)
			if off < 0 || off > len(text) {
				t.Fatalf("offset %d outside text of %d bytes", off, len(text))
			}
			p := positionOf(text, off, enc)
			if offsetOf(text, p, enc) != off {
				t.Fatalf("offset %d -> %v does not map back", off, p)
			}
		}
	})
}
