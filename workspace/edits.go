package workspace

import (
	"fmt"
	"slices"
	"strings"
)

// TextEdit replaces Text[Start:End] with NewText. Offsets are in bytes.
type TextEdit struct {
	Start, End int
	NewText    string
}

// ApplyEdits returns text with edits applied in order; the offsets of each edit refer to the
// result of the edits before it. It fails, changing nothing, if an edit is out of range.
func ApplyEdits(text string, edits []TextEdit) (string, error) {
	if len(edits) == 1 {
		// The common case (one keystroke) builds the new text with a single allocation.
		e := edits[0]
		if err := checkEdit(e, len(text)); err != nil {
			return "", err
		}
		var b strings.Builder
		b.Grow(len(text) - (e.End - e.Start) + len(e.NewText))
		b.WriteString(text[:e.Start])
		b.WriteString(e.NewText)
		b.WriteString(text[e.End:])
		return b.String(), nil
	}
	buf := []byte(text)
	for i, e := range edits {
		if err := checkEdit(e, len(buf)); err != nil {
			return "", fmt.Errorf("edit %d: %w", i, err)
		}
		buf = slices.Replace(buf, e.Start, e.End, []byte(e.NewText)...)
	}
	return string(buf), nil
}

func checkEdit(e TextEdit, n int) error {
	if e.Start < 0 || e.End < e.Start || e.End > n {
		return fmt.Errorf("edit range [%d, %d) is outside the text (%d bytes)", e.Start, e.End, n)
	}
	return nil
}
