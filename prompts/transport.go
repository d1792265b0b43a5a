package prompts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// guard is the RoundTripper under go-openai. It exists because go-openai (v1.43.0) cannot do three
// things ragls needs:
//
//   - send fields its request structs lack or drop: "temperature": 0 is removed by the struct's
//     omitempty, and Ollama's OpenAI layer then uses 1.0 (see its openai.go), so a
//     greedy completion would silently become a random one, and llama.cpp's "cache_prompt"
//     has no field at all. The fields travel in the request's context (see withBodyFields) and are
//     merged into the JSON body here;
//   - reject a 2xx answer that is not JSON or an event stream (an HTML login page of a proxy, a
//     wrong port): go-openai would try to decode it and report a cryptic JSON error, or, for a
//     stream, silently return nothing;
//   - notice a truncated stream: go-openai treats a connection closed before "data: [DONE]" (even
//     mid-line) as a normal end, so a server crash would look like a short answer.
type guard struct {
	base http.RoundTripper
}

type bodyFieldsKey struct{}

// withBodyFields asks the guard to set these top-level JSON fields on the request body.
func withBodyFields(ctx context.Context, fields map[string]any) context.Context {
	return context.WithValue(ctx, bodyFieldsKey{}, fields)
}

func (g guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if fields, ok := req.Context().Value(bodyFieldsKey{}).(map[string]any); ok && len(fields) > 0 && req.Body != nil {
		r, err := rewriteBody(req, fields)
		if err != nil {
			return nil, err
		}
		req = r
	}
	var resp *http.Response
	var err error
	st, staged := req.Context().Value(stagesKey{}).(stages)
	if staged {
		resp, err = watch(g.base, req, st)
	} else {
		resp, err = g.base.RoundTrip(req)
	}
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	media, _, _ := mime.ParseMediaType(ct)
	switch {
	case staged && st.stream && (media == "application/json" || strings.HasSuffix(media, "+json") || media == "application/x-ndjson"):
		// go-openai would read a JSON document as a stream without data lines: an "empty
		// answer" that no rephrasing can fix.
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		return nil, &ModelError{
			Kind:   KindMalformed,
			URL:    req.URL.String(),
			Status: resp.StatusCode,
			Msg:    fmt.Sprintf("asked for a stream, got %s (%s)", pick(ct, "no content type"), oneLine(string(snippet))),
		}
	case media == "text/event-stream":
		resp.Body = &sseBody{rc: resp.Body}
	case ct == "", media == "application/json", strings.HasSuffix(media, "+json"), media == "application/x-ndjson":
	default:
		snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		resp.Body.Close()
		return nil, &ModelError{
			Kind:   KindContentType,
			URL:    req.URL.String(),
			Status: resp.StatusCode,
			Msg:    fmt.Sprintf("got %s, not JSON (%s)", ct, oneLine(string(snippet))),
		}
	}
	return resp, nil
}

func rewriteBody(req *http.Request, fields map[string]any) (*http.Request, error) {
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		return nil, fmt.Errorf("request body is not a JSON object: %w", err)
	}
	for k, v := range fields {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("request field %s: %w", k, err)
		}
		body[k] = raw
	}
	if data, err = json.Marshal(body); err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.ContentLength = int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return r, nil
}

// sseBody watches an event stream for the "[DONE]" sentinel and turns an end of stream without it
// into a KindTruncated error.
type sseBody struct {
	rc   io.ReadCloser
	tail []byte // the last bytes seen, so a sentinel split across reads is still found
	done bool
}

// The end-of-stream line, with and without the optional space. Matching the "data:" too keeps a
// model that writes "[DONE]" in its answer (inside a JSON string) from faking the end.
var doneMarkers = [][]byte{[]byte("data: [DONE]"), []byte("data:[DONE]")}

const doneTail = len("data: [DONE]")

func (b *sseBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 && !b.done {
		window := append(b.tail, p[:n]...)
		for _, m := range doneMarkers {
			if bytes.Contains(window, m) {
				b.done = true
			}
		}
		if len(window) > doneTail {
			window = window[len(window)-doneTail:]
		}
		b.tail = append(b.tail[:0], window...)
	}
	if err == io.EOF && !b.done {
		// Returned instead of io.EOF; go-openai passes a read error through unchanged.
		return n, &ModelError{Kind: KindTruncated, Msg: "the stream ended before data: [DONE]"}
	}
	return n, err
}

func (b *sseBody) Close() error { return b.rc.Close() }
