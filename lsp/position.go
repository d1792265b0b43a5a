package lsp

import (
	"strings"
	"unicode/utf8"

	"go.lsp.dev/protocol"
)

// encoding is the unit in which a client counts the character of a Position, negotiated at
// initialize. Every conversion between LSP positions and byte offsets goes through this file.
type encoding int

const (
	utf16     encoding = iota // the LSP default: UTF-16 code units
	utf8Bytes                 // bytes of UTF-8, when the client offers "utf-8"
)

func (e encoding) kind() protocol.PositionEncodingKind {
	if e == utf8Bytes {
		return protocol.PositionEncodingKindUTF8
	}
	return protocol.PositionEncodingKindUTF16
}

// units returns how many code units the rune r, occupying size bytes of the text, counts for.
// An invalid byte (r == RuneError, size 1) counts as one unit in either encoding, as the U+FFFD
// a client would show in its place does in UTF-16.
func (e encoding) units(r rune, size int) int {
	if e == utf8Bytes {
		return size
	}
	if r >= 0x10000 {
		return 2 // a surrogate pair
	}
	return 1
}

// lineBreak finds the first line terminator in s ("\n", "\r\n" or a lone "\r", as LSP defines
// them) and returns its offset and length, or -1, 0 if there is none.
func lineBreak(s string) (at, size int) {
	n := strings.IndexByte(s, '\n')
	search := s
	if n >= 0 {
		search = s[:n]
	}
	if r := strings.IndexByte(search, '\r'); r >= 0 {
		if r+1 < len(s) && s[r+1] == '\n' {
			return r, 2
		}
		return r, 1
	}
	if n >= 0 {
		return n, 1
	}
	return -1, 0
}

// lineSpan returns the byte range [start, end) of line (0-based) without its terminator. A line
// past the last one yields the end of the text and ok == false.
func lineSpan(text string, line uint32) (start, end int, ok bool) {
	for l := uint32(0); ; l++ {
		at, size := lineBreak(text[start:])
		if l == line {
			if at < 0 {
				return start, len(text), true
			}
			return start, start + at, true
		}
		if at < 0 {
			return len(text), len(text), false
		}
		start += at + size
	}
}

// offsetOf converts pos to a byte offset in text. Positions outside the text are clamped, as the
// LSP asks of servers: a line past the end maps to the end of the text, a character past the end
// of its line maps to the end of that line (before its terminator). A character that falls inside
// a UTF-16 surrogate pair or a multi-byte sequence is rounded down to the start of that character,
// so an offset never splits a rune.
func offsetOf(text string, pos protocol.Position, enc encoding) int {
	start, end, ok := lineSpan(text, pos.Line)
	if !ok {
		return len(text)
	}
	want := int(pos.Character)
	count := 0
	for i := start; i < end; {
		if count >= want {
			return i
		}
		r, size := utf8.DecodeRuneInString(text[i:end])
		count += enc.units(r, size)
		if count > want {
			return i // inside this character
		}
		i += size
	}
	return end
}

// positionOf converts a byte offset in text to a Position. An offset outside the text is clamped
// to it; one inside a line terminator maps to the end of that line, and one inside a multi-byte
// character to the start of that character.
func positionOf(text string, offset int, enc encoding) protocol.Position {
	offset = max(0, min(offset, len(text)))
	var line uint32
	start := 0
	for {
		at, size := lineBreak(text[start:])
		if at < 0 || offset < start+at+size {
			break
		}
		line++
		start += at + size
	}
	end := len(text)
	if at, _ := lineBreak(text[start:]); at >= 0 {
		end = start + at
	}
	offset = min(offset, end)
	var char uint32
	for i := start; i < offset; {
		r, size := utf8.DecodeRuneInString(text[i:end])
		if i+size > offset {
			break // offset splits this rune
		}
		char += uint32(enc.units(r, size))
		i += size
	}
	return protocol.Position{Line: line, Character: char}
}

// rangeOffsets converts an LSP range to byte offsets, ordered so start <= end.
func rangeOffsets(text string, r protocol.Range, enc encoding) (start, end int) {
	start = offsetOf(text, r.Start, enc)
	end = offsetOf(text, r.End, enc)
	if end < start {
		start, end = end, start
	}
	return start, end
}

// rangeOf converts byte offsets to an LSP range.
func rangeOf(text string, start, end int, enc encoding) protocol.Range {
	return protocol.Range{Start: positionOf(text, start, enc), End: positionOf(text, end, enc)}
}
