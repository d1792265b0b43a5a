// Package lsp serves ragls to editors over the Language Server Protocol.
//
// It is a thin translation layer: it decodes LSP messages, hands every change to the Engine
// (which owns the open buffers) through DidModifyFiles, converts positions to byte offsets
// (position.go is the only place that does), calls the Engine, and converts the answers back. Prompts, retrieval and the model live
// behind the Engine interface, which the CLI uses as well.
//
// Notifications are applied in the order they arrive, on the goroutine that reads the
// connection, so a request always sees the buffers as the client left them; requests then run
// concurrently, each cancellable with $/cancelRequest.
package lsp
