package lsp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

type pipeRWC struct {
	io.Reader
	out    bytes.Buffer
	closed bool
}

func (p *pipeRWC) Write(b []byte) (int, error) { return p.out.Write(b) }
func (p *pipeRWC) Close() error                { p.closed = true; return nil }

// TestOversizedFrameEndsTheConnection: a frame announcing more than the limit (and a valid frame
// after it) ends the connection with a logged reason and an error reply, instead of the stream
// waiting for a body that never comes and swallowing the frames after it.
func TestOversizedFrameEndsTheConnection(t *testing.T) {
	next := `{"jsonrpc":"2.0","id":2,"method":"shutdown"}`
	in := fmt.Sprintf("Content-Length: %d\r\n\r\n{}Content-Length: %d\r\n\r\n%s", maxBody+1, len(next), next)
	rwc := &pipeRWC{Reader: strings.NewReader(in)}
	var logs bytes.Buffer
	s := newStream(rwc, slog.New(slog.NewTextHandler(&logs, nil)))
	body, _, err := s.ReadFrame(context.Background())
	if err == nil {
		t.Fatalf("read %q after an oversized frame", body)
	}
	if !strings.Contains(err.Error(), "over the limit") || !strings.Contains(logs.String(), "closing the connection") {
		t.Errorf("error %v, log %q: the reason is not given", err, logs.String())
	}
	if !rwc.closed {
		t.Error("the connection was not closed")
	}
	if !strings.Contains(rwc.out.String(), "exceeds the limit") {
		t.Errorf("no error reply to the client: %q", rwc.out.String())
	}
	select {
	case <-s.ended:
	default:
		t.Error("the stream did not end")
	}
}
