package prompts

import (
	"cmp"
	"context"
	"sync"
)

// alternativeTemperature is the least temperature alternatives are sampled at: near-greedy
// sampling (the 0.2 default) mostly repeats the first answer, and a candidate that only
// repeats it is dropped as a duplicate.
const alternativeTemperature = 0.8

// Alternatives returns up to n further completions for p, for a client that lets the user
// cycle through candidates. They are sampled at a higher temperature with fixed seeds (1..n),
// so the same prompt gets the same alternatives again. Where the server honours the
// OpenAI-compatible n (vLLM) they come from one request; elsewhere (Ollama and llama.cpp
// ignore n) from n concurrent requests, each with its own seed. Duplicates are the caller's to
// drop; the first error is returned only when no alternative came back.
func (c *Client) Alternatives(ctx context.Context, p Prompt, n int) ([]string, error) {
	if n <= 0 {
		return nil, nil
	}
	temp := max(c.cfg.Temperature, alternativeTemperature)
	p.Temperature = &temp
	var outs []string
	first := 1
	if p.Messages == nil && p.Text != "" && c.kind(ctx) == ServerVLLM {
		seed := first
		got, err := c.CompleteN(ctx, CompletionRequest{Prompt: p.Text, Model: p.Model, MaxTokens: p.MaxTokens,
			Stop: p.Stop, Temperature: &temp, Seed: &seed, N: n})
		if err != nil {
			return nil, err
		}
		outs = append(outs, got[:min(len(got), n)]...)
		first += len(outs)
	}
	rest := n - len(outs)
	if rest <= 0 {
		return outs, nil
	}
	texts := make([]string, rest)
	errs := make([]error, rest)
	var wg sync.WaitGroup
	for i := range rest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := p
			seed := first + i
			q.Seed = &seed
			texts[i], errs[i] = c.Fill(ctx, q, nil)
		}()
	}
	wg.Wait()
	var failed error
	for i := range rest {
		if errs[i] != nil {
			failed = cmp.Or(failed, errs[i])
			continue
		}
		outs = append(outs, texts[i])
	}
	if len(outs) == 0 {
		return nil, failed
	}
	return outs, nil
}
