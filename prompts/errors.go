package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	openai "github.com/sashabaranov/go-openai"
)

// ErrorKind classifies a failure of the model server. It is itself an error so that
// errors.Is(err, prompts.KindModelNotFound) works on any error returned by a [Client]; like
// syscall.Errno, it is a comparable constant.
type ErrorKind int

// The kinds of failure a [ModelError] reports.
const (
	KindUnknown       ErrorKind = iota
	KindUnreachable             // connection refused, no such host: the server is not running
	KindModelNotFound           // the server does not know the model
	KindEndpoint                // 404 for the endpoint itself: the base URL is wrong
	KindAuth                    // 401/403: API key missing or wrong
	KindBadRequest              // another 4xx: the server rejected what we sent
	KindRateLimited             // 429
	KindServer                  // 5xx
	KindTimeout                 // Config.Timeout elapsed
	KindCanceled                // the caller cancelled the context
	KindMalformed               // the body is not the JSON we expect
	KindTruncated               // the stream ended without [DONE] or mid-chunk
	KindContentType             // e.g. an HTML page where JSON or an event stream was expected
	KindEmpty                   // the model answered nothing
	KindRefusal                 // the model refused
)

var kindText = [...]string{
	KindUnknown:       "request failed",
	KindUnreachable:   "model server unreachable",
	KindModelNotFound: "model not found",
	KindEndpoint:      "endpoint not found",
	KindAuth:          "not authorized",
	KindBadRequest:    "request rejected",
	KindRateLimited:   "rate limited",
	KindServer:        "server error",
	KindTimeout:       "timed out",
	KindCanceled:      "canceled",
	KindMalformed:     "malformed response",
	KindTruncated:     "truncated stream",
	KindContentType:   "unexpected content type",
	KindEmpty:         "empty answer",
	KindRefusal:       "model refused",
}

func (k ErrorKind) Error() string {
	if int(k) < len(kindText) {
		return kindText[k]
	}
	return fmt.Sprintf("error kind %d", int(k))
}

// ModelError is the one error type the client returns for anything that went wrong talking to the
// model server. Its message is a single line naming the URL, the model and what to do about it.
type ModelError struct {
	Kind   ErrorKind
	URL    string // the request URL (or the base URL when no request was made)
	Model  string // the model asked for, "" for calls that name none (listing models)
	Status int    // HTTP status, 0 when there was no response
	Msg    string // what the server or the transport said, on one line
	Fix    string // what the user can do
	Err    error  // the underlying error, if any
}

// Error reads, on one line: kind (where, which model, status): what the server said; fix: remedy.
func (e *ModelError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Error())
	var where []string
	if e.URL != "" {
		where = append(where, e.URL)
	}
	if e.Model != "" {
		where = append(where, fmt.Sprintf("model %q", e.Model))
	}
	if e.Status != 0 {
		where = append(where, fmt.Sprintf("HTTP %d", e.Status))
	}
	if len(where) > 0 {
		b.WriteString(" (" + strings.Join(where, ", ") + ")")
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

func (e *ModelError) Unwrap() error { return e.Err }

// Is reports whether target is this error's kind, so callers can write errors.Is(err, KindTimeout).
func (e *ModelError) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}

// retryable reports whether repeating the request cannot do harm and may help: nothing reached the
// server (connection refused), or the server said it was busy or restarting.
func (e *ModelError) retryable() bool {
	switch e.Kind {
	case KindUnreachable:
		return true
	case KindRateLimited:
		return true
	case KindServer:
		return e.Status == 502 || e.Status == 503 || e.Status == 504
	}
	return false
}

// role names which configured model a request uses; it selects the environment variable a fix names.
type role int

const (
	roleNone role = iota
	roleChat
	roleCompletion
	roleEmbedding
)

func (r role) envVar() string {
	switch r {
	case roleChat:
		return "RAGLS_CHAT_MODEL"
	case roleCompletion:
		return "RAGLS_COMPLETION_MODEL"
	case roleEmbedding:
		return "RAGLS_EMBEDDING_MODEL"
	}
	return "the model setting"
}

func (r role) String() string {
	switch r {
	case roleChat:
		return "chat"
	case roleCompletion:
		return "completion"
	case roleEmbedding:
		return "embedding"
	}
	return ""
}

// oneLine collapses whitespace and bounds length so a server's HTML page or stack trace cannot
// flood the user's terminal or editor status line.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 200
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // don't split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// errorMessage extracts the message from the error bodies local servers send: OpenAI's
// {"error":{"message":...}}, Ollama's native {"error":"..."}, and plain text.
func errorMessage(body []byte) string {
	var obj struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"` // vLLM / FastAPI
	}
	if json.Unmarshal(body, &obj) == nil {
		var s string
		if json.Unmarshal(obj.Error, &s) == nil && s != "" {
			return oneLine(s)
		}
		var inner struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(obj.Error, &inner) == nil && inner.Message != "" {
			return oneLine(inner.Message)
		}
		if obj.Message != "" {
			return oneLine(obj.Message)
		}
		if obj.Detail != nil {
			return oneLine(fmt.Sprint(obj.Detail))
		}
	}
	return oneLine(string(body))
}

// classify turns whatever go-openai, net/http or our transport returned into a *ModelError.
// ctx is the per-call context (carrying the timeout cause); model and r say what was asked.
func (c *Client) classify(ctx context.Context, err error, url, model string, r role) *ModelError {
	if err == nil {
		return nil
	}
	var me *ModelError
	if errors.As(err, &me) {
		cp := *me // never mutate an error someone else may hold
		me = &cp
		if me.URL == "" {
			me.URL = url
		}
		if me.Model == "" {
			me.Model = model
		}
		if me.Fix == "" {
			me.Fix = c.fix(me.Kind, model, r)
		}
		return me
	}
	e := &ModelError{URL: url, Model: model, Err: err}
	if cerr := ctx.Err(); cerr != nil {
		e.Err = cerr
		var tc *timeoutCause
		switch {
		case errors.As(context.Cause(ctx), &tc):
			e.Kind = KindTimeout
			e.Msg = fmt.Sprintf("no complete answer within %s", tc.d)
			if tc.r == roleCompletion {
				e.Msg = fmt.Sprintf("the server is too slow for completions: no answer within %s", tc.d)
			}
			e.Fix = c.fix(e.Kind, model, r)
		case errors.Is(cerr, context.DeadlineExceeded):
			// The caller's own deadline, not Config.Timeout: raising the setting would not help.
			e.Kind = KindTimeout
			e.Msg = "the caller's deadline passed"
			e.Fix = "use a faster model or ask for fewer tokens"
		default:
			e.Kind = KindCanceled
		}
		return e
	}

	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	// RequestError first: when an error body does not parse as OpenAI's shape (Ollama's native
	// {"error":"..."}), go-openai wraps a half-filled APIError inside it.
	case errors.As(err, &reqErr):
		e.Status = reqErr.HTTPStatusCode
		e.Msg = errorMessage(reqErr.Body)
		e.Kind = statusKind(e.Status, e.Msg)
	case errors.As(err, &apiErr):
		e.Status = apiErr.HTTPStatusCode
		e.Msg = oneLine(apiErr.Message)
		e.Kind = statusKind(e.Status, e.Msg)
	case errors.Is(err, syscall.ECONNREFUSED):
		e.Kind = KindUnreachable
		e.Msg = "connection refused"
	case isDNS(err):
		e.Kind = KindUnreachable
		e.Msg = oneLine(err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = KindTimeout
		e.Msg = oneLine(err.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Kind = KindMalformed
		e.Msg = "the response ended in the middle of its JSON"
	case isJSONError(err):
		e.Kind = KindMalformed
		e.Msg = oneLine(err.Error())
	case errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		e.Kind = KindMalformed
		e.Msg = "the stream carried no data lines"
	default:
		e.Msg = oneLine(err.Error())
	}
	e.Fix = c.fix(e.Kind, model, r)
	return e
}

func isDNS(err error) bool {
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func isJSONError(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ) ||
		strings.Contains(err.Error(), "unexpected end of JSON input")
}

func statusKind(status int, msg string) ErrorKind {
	lower := strings.ToLower(msg)
	notFound := strings.Contains(lower, "model") &&
		(strings.Contains(lower, "not found") || strings.Contains(lower, "does not exist"))
	switch {
	case status == 0 && notFound: // an error event inside a stream
		return KindModelNotFound
	case status == 0:
		return KindServer
	case status == 401 || status == 403:
		return KindAuth
	case status == 404 && strings.Contains(lower, "model"):
		return KindModelNotFound
	case status == 404:
		return KindEndpoint
	case status == 429:
		return KindRateLimited
	case status >= 500:
		return KindServer
	case status >= 400 && notFound:
		// vLLM and LM Studio answer 400 for an unknown model.
		return KindModelNotFound
	case status >= 400:
		return KindBadRequest
	}
	return KindUnknown
}

// fix words the remedy for a kind of failure with the names the user has to type.
func (c *Client) fix(k ErrorKind, model string, r role) string {
	switch k {
	case KindUnreachable:
		return "start the model server (for Ollama: `ollama serve`) or set RAGLS_MODEL_URL to where it listens"
	case KindModelNotFound:
		m := model
		if m == "" {
			m = "MODEL"
		}
		return fmt.Sprintf("pull it (Ollama: `ollama pull %s`) or set %s to a model the server lists", m, r.envVar())
	case KindEndpoint:
		return "check RAGLS_MODEL_URL: it must be the OpenAI-compatible base URL, usually ending in /v1"
	case KindAuth:
		return "set RAGLS_API_KEY to the key the server expects"
	case KindBadRequest:
		return "check the model settings (max tokens, context window, stop sequences) against what the server accepts"
	case KindRateLimited, KindServer:
		return "see the model server's log; retry when it has recovered"
	case KindTimeout:
		if r == roleCompletion {
			return "use a smaller or faster completion model (RAGLS_COMPLETION_MODEL); completions wait at most " + c.cfg.Timeouts.withDefaults().Completion.String()
		}
		return "raise RAGLS_MODEL_TIMEOUT or use a smaller model"
	case KindMalformed, KindTruncated, KindContentType:
		return "check that RAGLS_MODEL_URL points at an OpenAI-compatible server (not a web page or proxy) and see its log"
	case KindEmpty, KindRefusal:
		return "rephrase the request or try another " + r.String() + " model (" + r.envVar() + ")"
	}
	return ""
}
