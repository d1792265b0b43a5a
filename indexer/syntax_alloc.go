package indexer

/*
#include <stdlib.h>

// Declared here rather than included: the header lives inside the go-tree-sitter module, and the
// symbol is linked in from it.
extern void ts_set_allocator(void *(*new_malloc)(size_t), void *(*new_calloc)(size_t, size_t),
	void *(*new_realloc)(void *, size_t), void (*new_free)(void *));

static void ragls_ts_use_libc(void) {
	ts_set_allocator(malloc, calloc, realloc, free);
}
*/
import "C"

// useLibcAllocator makes tree-sitter allocate with the C library directly. go-tree-sitter
// routes every allocation through a Go callback (so that a Go program may swap the allocator),
// and those callbacks were most of the cost of parsing: each is a cgo round trip. Both routes end
// in the same malloc and free, so memory allocated before the switch is still freed correctly.
// The setting is process-wide and idempotent; calling it again changes nothing.
func useLibcAllocator() {
	C.ragls_ts_use_libc()
}
