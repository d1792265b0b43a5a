package lsp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"go.lsp.dev/jsonrpc2"
)

// maxBody bounds the size of one message. The largest legitimate message is a didOpen of a big
// file; a frame announcing more ends the connection (see readOne) rather than being buffered.
const maxBody = 64 << 20

// errBadFrame marks a frame that was skipped; the stream is still usable after it.
var errBadFrame = errors.New("malformed frame")

// stream is the LSP base protocol (Content-Length headers, JSON bodies) over a byte stream.
//
// Unlike the framing in jsonrpc2, which ends the connection on the first malformed frame, it
// answers a frame it cannot use with a JSON-RPC error and carries on with the next one, and it
// never allocates more than it has actually received, whatever a header claims.
type stream struct {
	in     *bufio.Reader
	out    io.Writer
	closer io.Closer
	log    *slog.Logger

	rbuf []byte // reused by ReadFrame, which the connection calls from one goroutine at a time

	wmu  sync.Mutex // serializes writes so that frames never interleave
	wbuf []byte     // guarded by wmu

	endOnce sync.Once
	ended   chan struct{} // closed when reading has stopped for good
}

func newStream(rwc io.ReadWriteCloser, log *slog.Logger) *stream {
	return &stream{
		in:     bufio.NewReaderSize(rwc, 64<<10),
		out:    rwc,
		closer: rwc,
		log:    log,
		ended:  make(chan struct{}),
	}
}

// ReadFrame returns the body of the next well-formed message, skipping (and answering) those that
// are not. The body is valid until the next call. Together with WriteFrame it lets jsonrpc2 use
// its allocation-free fast path.
func (s *stream) ReadFrame(ctx context.Context) ([]byte, int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			s.end()
			return nil, 0, err
		}
		body, n, err := s.readOne()
		if err == nil {
			return body, n, nil
		}
		if !errors.Is(err, errBadFrame) {
			s.end()
			return nil, 0, err
		}
		s.log.Warn("skipping malformed message from client", "error", err)
	}
}

// readOne reads one frame. Errors wrapping errBadFrame leave the stream positioned at the next
// frame (or as close to it as can be found); other errors are final.
func (s *stream) readOne() ([]byte, int64, error) {
	length, headerLen, err := readHeader(s.in)
	if err != nil {
		return nil, 0, err
	}
	if length > maxBody {
		// Skipping the body would mean reading up to the announced length, which a client that
		// lied about it never sends: every later frame would be swallowed and the editor would
		// wait forever. Say why and end the connection instead; the editor can restart it.
		s.reply(jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "message of %d bytes exceeds the limit of %d; closing the connection", length, maxBody))
		err := fmt.Errorf("a message announced %d bytes, over the limit of %d: closing the connection", length, maxBody)
		s.log.Error("ending the LSP connection", "error", err)
		if cerr := s.closer.Close(); cerr != nil {
			s.log.Debug("closing the connection", "error", cerr)
		}
		return nil, 0, err
	}
	// Grow the buffer as bytes arrive, so a header announcing a huge body that never comes costs
	// nothing.
	body := s.rbuf[:0]
	for len(body) < length {
		chunk := min(length-len(body), max(len(body), 64<<10))
		body = append(body, make([]byte, chunk)...)
		if _, err := io.ReadFull(s.in, body[len(body)-chunk:]); err != nil {
			return nil, 0, unexpected(err)
		}
	}
	s.rbuf = body
	if err := validMessage(body); err != nil {
		s.reply(err)
		return nil, 0, fmt.Errorf("%w: %v", errBadFrame, err)
	}
	return body, int64(headerLen + length), nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// validMessage reports, as the JSON-RPC error to answer with, why body is not a message that
// jsonrpc2 can dispatch; jsonrpc2 would otherwise end the connection on it.
func validMessage(body []byte) *jsonrpc2.Error {
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		if _, err := jsonrpc2.ParseRequests(body); err != nil {
			return jsonrpc2.Errorf(jsonrpc2.ParseError, "malformed batch: %v", err)
		}
		return nil
	}
	if _, err := jsonrpc2.DecodeMessage(body); err != nil {
		var werr *jsonrpc2.Error
		if errors.As(err, &werr) {
			return werr
		}
		return jsonrpc2.Errorf(jsonrpc2.ParseError, "malformed message: %v", err)
	}
	return nil
}

// reply answers a frame that could not be decoded; the id is unknown, so it is null.
func (s *stream) reply(werr *jsonrpc2.Error) {
	msg := jsonrpc2.AppendResponse(nil, jsonrpc2.ID{}, nil, werr)
	if _, err := s.WriteFrame(context.Background(), msg); err != nil {
		s.log.Debug("could not answer malformed message", "error", err)
	}
}

// readHeader reads a header block and returns the Content-Length. A block it cannot use is
// consumed and reported with errBadFrame.
func readHeader(in *bufio.Reader) (length, n int, err error) {
	length = -1
	lines := 0
	for {
		line, err := in.ReadSlice('\n')
		n += len(line)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				// An absurdly long header line: drop the rest of it.
				for errors.Is(err, bufio.ErrBufferFull) {
					line, err = in.ReadSlice('\n')
					n += len(line)
				}
				if err == nil {
					return 0, n, fmt.Errorf("%w: header line too long", errBadFrame)
				}
			}
			if err == io.EOF && n > 0 {
				return 0, n, io.ErrUnexpectedEOF
			}
			return 0, n, err
		}
		lines++
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if lines == 1 {
				// Tolerate stray blank lines between frames.
				lines = 0
				continue
			}
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, n, fmt.Errorf("%w: header line %q has no colon", errBadFrame, clip(line))
		}
		if bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")) {
			v, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			if err != nil || v <= 0 {
				return 0, n, fmt.Errorf("%w: bad Content-Length %q", errBadFrame, clip(value))
			}
			length = v
		}
	}
	if length < 0 {
		return 0, n, fmt.Errorf("%w: no Content-Length header", errBadFrame)
	}
	return length, n, nil
}

func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// WriteFrame writes one message body with its header as a single write.
func (s *stream) WriteFrame(ctx context.Context, body []byte) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	buf := append(s.wbuf[:0], "Content-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	buf = append(buf, body...)
	if cap(buf) <= 1<<20 {
		s.wbuf = buf // keep the buffer unless one huge message would pin it
	}
	n, err := s.out.Write(buf)
	return int64(n), err
}

// Read implements jsonrpc2.Stream.
func (s *stream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	body, n, err := s.ReadFrame(ctx)
	if err != nil {
		return nil, 0, err
	}
	msg, err := jsonrpc2.DecodeMessage(body)
	return msg, n, err
}

// Write implements jsonrpc2.Stream.
func (s *stream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	body, err := jsonrpc2.EncodeMessage(msg)
	if err != nil {
		return 0, err
	}
	return s.WriteFrame(ctx, body)
}

// Close implements jsonrpc2.Stream.
func (s *stream) Close() error {
	s.end()
	return s.closer.Close()
}

func (s *stream) end() { s.endOnce.Do(func() { close(s.ended) }) }
