package prompts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
)

// fakeLlamaCpp answers /props like llama.cpp's server and /infill with infill; every /infill
// body is sent to bodies. /v1/completions fails the test: on llama.cpp it must not be used.
func fakeLlamaCpp(t *testing.T, infill http.HandlerFunc, bodies chan<- map[string]any) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/props", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"default_generation_settings":{"n_ctx":4096},"build_info":"b5000"}`)
	})
	mux.HandleFunc("/infill", func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &b); err != nil {
			t.Errorf("/infill body is not JSON: %v", err)
		}
		if bodies != nil {
			bodies <- b
		}
		infill(w, r)
	})
	mux.HandleFunc("/v1/completions", func(w http.ResponseWriter, r *http.Request) {
		t.Error("a FIM completion on llama.cpp went to /v1/completions, not /infill")
		writeJSON(w, 200, completionJSON("wrong"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func infillSetup(t *testing.T, srv *httptest.Server) (*Client, Prompt) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	cfg.CompletionModel = "qwen2.5-coder:1.5b-base"
	cfg.Temperature = 0
	c := NewClient(cfg, srv.Client())
	c.backoff = time.Millisecond
	if k := c.kind(context.Background()); k != ServerLlamaCpp {
		t.Fatalf("server kind = %q, want llama.cpp", k)
	}
	p, err := NewPrompter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{
		RepoName: "demo", Path: "main.go", Language: "go",
		Prefix: "package main\n\nfunc main() {\n\t", Suffix: "\n}\n",
		Snippets: []Snippet{{Path: "util/sum.go", Text: "func Sum(a, b int) int { return a + b }"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, pr
}

func TestInfillRequestOnLlamaCpp(t *testing.T) {
	bodies := make(chan map[string]any, 1)
	srv := fakeLlamaCpp(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"content":"fmt.Println(Sum(1, 2))","stop":true,"tokens_cached":37}`)
	}, bodies)
	c, p := infillSetup(t, srv)
	var streamed string
	got, err := c.Fill(context.Background(), p, func(s string) { streamed += s })
	if err != nil {
		t.Fatal(err)
	}
	if got != "fmt.Println(Sum(1, 2))" || streamed != got {
		t.Errorf("Fill = %q (onDelta %q), want the /infill content", got, streamed)
	}
	b := <-bodies
	want := map[string]any{
		"input_prefix":     "package main\n\nfunc main() {\n\t",
		"input_suffix":     "\n}\n",
		"input_extra":      []any{map[string]any{"filename": "util/sum.go", "text": "func Sum(a, b int) int { return a + b }\n"}},
		"n_predict":        float64(p.MaxTokens),
		"cache_prompt":     true,
		"temperature":      float64(0),
		"stream":           false,
		"model":            "qwen2.5-coder:1.5b-base",
		"t_max_predict_ms": float64(DefaultCompletionTimeout.Milliseconds()),
	}
	stop := b["stop"]
	delete(b, "stop")
	if !reflect.DeepEqual(b, want) {
		t.Errorf("/infill body:\n got %#v\nwant %#v", b, want)
	}
	var wantStop []any
	for _, s := range p.Stop {
		wantStop = append(wantStop, s)
	}
	if !reflect.DeepEqual(stop, wantStop) || len(wantStop) == 0 {
		t.Errorf("stop = %v, want the prompt's %v", stop, p.Stop)
	}
}

func TestInfillFaults(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		kind    ErrorKind
	}{
		{"garbage", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `<<not json>>`) }, KindMalformed},
		{"no content", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"tokens":[1,2]}`) }, KindMalformed},
		{"unsupported", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 501, `{"error":{"code":501,"message":"Infill is not supported by this model","type":"not_supported_error"}}`)
		}, KindServer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := infillSetup(t, fakeLlamaCpp(t, tc.handler, nil))
			_, err := c.Fill(context.Background(), p, nil)
			var me *ModelError
			if !errors.As(err, &me) || me.Kind != tc.kind {
				t.Fatalf("Fill error = %v, want a ModelError of kind %q", err, tc.kind)
			}
			if me.URL == "" || me.Model == "" {
				t.Errorf("error %q does not say which server and model", err)
			}
		})
	}
}

func TestInfillCancel(t *testing.T) {
	gone := make(chan struct{})
	srv := fakeLlamaCpp(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the server sees the connection close
		close(gone)
	}, nil)
	c, p := infillSetup(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Fill(ctx, p, nil)
	if !errors.Is(err, KindCanceled) {
		t.Fatalf("Fill error = %v, want canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled Fill returned after %s", d)
	}
	select {
	case <-gone:
	case <-time.After(2 * time.Second):
		t.Error("the server never saw the request cancelled")
	}
}

// The first completion on llama.cpp, before anything asked what the server is, goes to
// /infill: Fill waits for the kind probe rather than taking the OpenAI-compatible path.
func TestFirstFillOnLlamaCppUsesInfill(t *testing.T) {
	bodies := make(chan map[string]any, 4)
	srv := fakeLlamaCpp(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"content":"fmt.Println(Sum(1, 2))"}`)
	}, bodies)
	cfg := DefaultConfig()
	cfg.BaseURL = srv.URL + "/v1"
	cfg.CompletionModel = "qwen2.5-coder:1.5b-base"
	c := NewClient(cfg, srv.Client())
	p, err := NewPrompter(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.BuildCompletion(context.Background(), CompletionInput{Path: "main.go", Language: "go", Prefix: "func main() {\n\t", Suffix: "\n}\n"})
	if err != nil {
		t.Fatal(err)
	}
	// Concurrent first completions share one probe and all go to /infill.
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			got, err := c.Fill(context.Background(), pr, nil)
			if err == nil && got != "fmt.Println(Sum(1, 2))" {
				err = errors.New("Fill = " + got)
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(bodies); n != 3 {
		t.Errorf("%d requests reached /infill, want 3", n)
	}
}

// Alternatives on llama.cpp, which has no n: one /infill request per alternative, each with
// its own seed and the sampling temperature.
func TestAlternativesOnLlamaCpp(t *testing.T) {
	bodies := make(chan map[string]any, 4)
	srv := fakeLlamaCpp(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"content":"x"}`)
	}, bodies)
	c, pr := infillSetup(t, srv)
	got, err := c.Alternatives(context.Background(), pr, 2)
	if err != nil || len(got) != 2 {
		t.Fatalf("Alternatives = %q, %v", got, err)
	}
	close(bodies)
	seeds := map[float64]bool{}
	for b := range bodies {
		s, _ := b["seed"].(float64)
		seeds[s] = true
		if temp, _ := b["temperature"].(float64); temp < alternativeTemperature-0.01 {
			t.Errorf("alternative sampled at temperature %v", b["temperature"])
		}
	}
	if !seeds[1] || !seeds[2] {
		t.Errorf("seeds sent: %v, want 1 and 2", seeds)
	}
}
