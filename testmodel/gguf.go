// Package testmodel writes a tiny llama-architecture model in the GGUF format, with random
// weights from a fixed seed, so the end-to-end tests can run a real model server (Ollama) with
// nothing from outside the repository. The model knows nothing: tests assert on plumbing
// (streaming, stops, limits, context windows, cancellation), never on what it writes.
//
// Its SentencePiece vocabulary is small (single characters, letter pairs, a few hundred
// English and code words, byte fallback), so it needs about twice as many tokens for a text as
// OpenAI's cl100k does: a prompt budget that trusts a cl100k estimate overflows its window.
package testmodel

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
)

// Config sizes the model. The zero value of a field takes the default.
type Config struct {
	ContextLength int    // tokens (default 2048)
	Embedding     int    // width of the residual stream (default 64)
	Layers        int    // transformer blocks (default 2)
	Heads         int    // attention heads (default 4)
	KVHeads       int    // key/value heads (default 2)
	FeedForward   int    // hidden width of the feed-forward layers (default 128)
	Seed          uint64 // random weights come from this seed (default 1)
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.ContextLength, 2048)
	def(&c.Embedding, 64)
	def(&c.Layers, 2)
	def(&c.Heads, 4)
	def(&c.KVHeads, 2)
	def(&c.FeedForward, 128)
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Embedding%c.Heads != 0:
		return fmt.Errorf("embedding width %d is not a multiple of the %d heads", c.Embedding, c.Heads)
	case c.Heads%c.KVHeads != 0:
		return fmt.Errorf("%d heads are not a multiple of the %d key/value heads", c.Heads, c.KVHeads)
	case c.Embedding < 16:
		return fmt.Errorf("embedding width %d is too small (at least 16)", c.Embedding)
	case (c.Embedding/c.Heads)%2 != 0:
		return fmt.Errorf("head width %d must be even for rotary embeddings", c.Embedding/c.Heads)
	}
	return nil
}

// Token types of the GGUF tokenizer metadata (llama.cpp's llama_token_type).
const (
	typeNormal  = 1
	typeUnknown = 2
	typeControl = 3
	typeByte    = 6
)

// words become whole tokens (with SentencePiece's leading "▁" for a preceding space); every
// prefix of each is a token too, because SentencePiece only merges adjacent pieces into pieces
// the vocabulary holds.
var words = strings.Fields(`
the and of to in is that for it with as on this be are was by at from or an not but have
has had all can will one if else return func function def class import package const var let
type struct interface int string bool float error nil null none true false self new make map
range len for while break continue switch case default go select chan defer public private
static void main print println fmt value name file path data code test result list index key
count size line text error err ctx context request response server client model token prompt
once upon time there little girl boy named day happy big small she he they them said
`)

// vocab returns the token strings, scores and types: control tokens, the 256 byte tokens,
// then the pieces, longer pieces scoring higher so they are merged first.
func vocab() (tokens []string, scores []float32, types []int32) {
	add := func(t string, score float32, typ int32) {
		tokens = append(tokens, t)
		scores = append(scores, score)
		types = append(types, typ)
	}
	add("<unk>", 0, typeUnknown)
	add("<s>", 0, typeControl)
	add("</s>", 0, typeControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, typeByte)
	}
	seen := map[string]bool{}
	var pieces []string
	piece := func(p string) {
		if !seen[p] {
			seen[p] = true
			pieces = append(pieces, p)
		}
	}
	piece("▁")
	for c := byte('!'); c <= '~'; c++ {
		piece(string(c))
		piece("▁" + string(c))
	}
	for a := byte('a'); a <= 'z'; a++ {
		for b := byte('a'); b <= 'z'; b++ {
			piece(string([]byte{a, b}))
		}
	}
	for _, w := range words {
		for i := 1; i <= len(w); i++ {
			piece("▁" + w[:i])
			piece(w[:i])
		}
	}
	// Stable order: by length, then bytes. The score favours long pieces.
	sort.SliceStable(pieces, func(i, j int) bool {
		if len(pieces[i]) != len(pieces[j]) {
			return len(pieces[i]) < len(pieces[j])
		}
		return pieces[i] < pieces[j]
	})
	for i, p := range pieces {
		add(p, float32(len([]rune(p)))+float32(i)/float32(len(pieces)*10), typeNormal)
	}
	return tokens, scores, types
}

// Write writes the model to w.
func Write(w io.Writer, cfg Config) error {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	tokens, scores, types := vocab()
	g := &gguf{}
	g.str("general.architecture", "llama")
	g.str("general.name", "ragls-testmodel")
	g.u32("general.alignment", alignment)
	g.u32("llama.context_length", uint32(cfg.ContextLength))
	g.u32("llama.embedding_length", uint32(cfg.Embedding))
	g.u32("llama.feed_forward_length", uint32(cfg.FeedForward))
	g.u32("llama.block_count", uint32(cfg.Layers))
	g.u32("llama.attention.head_count", uint32(cfg.Heads))
	g.u32("llama.attention.head_count_kv", uint32(cfg.KVHeads))
	g.u32("llama.rope.dimension_count", uint32(cfg.Embedding/cfg.Heads))
	g.f32("llama.attention.layer_norm_rms_epsilon", 1e-5)
	g.u32("llama.vocab_size", uint32(len(tokens)))
	g.str("tokenizer.ggml.model", "llama")
	g.strs("tokenizer.ggml.tokens", tokens)
	g.f32s("tokenizer.ggml.scores", scores)
	g.i32s("tokenizer.ggml.token_type", types)
	g.u32("tokenizer.ggml.unknown_token_id", 0)
	g.u32("tokenizer.ggml.bos_token_id", 1)
	g.u32("tokenizer.ggml.eos_token_id", 2)
	g.boolean("tokenizer.ggml.add_bos_token", true)
	g.boolean("tokenizer.ggml.add_eos_token", false)

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7261676c73)) // "ragls"
	normal := func(n int, std float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64() * std)
		}
		return v
	}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	d, nv, ff := cfg.Embedding, len(tokens), cfg.FeedForward
	kv := d / cfg.Heads * cfg.KVHeads

	// Random weights alone would pick control and byte tokens as often as text, and a byte
	// token on its own is no valid UTF-8: the server then holds it back, and a 12-token answer
	// could come out empty. So every token's embedding shares a large first component, the
	// blocks' weights are small enough to leave it dominant, and the output projection scores
	// text pieces up and the other tokens down along it. The model then writes printable text,
	// and (as tests rely on) never stops by itself before max_tokens.
	//
	// With the blocks this weak the model is in effect a bigram table, and it is built to
	// cycle: each text piece belongs to one of `cycle` classes and prefers a successor of the
	// next class, the last class being the quote pieces. So every few tokens it writes a '"',
	// which ends a JSON string: under a JSON schema (structured outputs) its answers are short
	// valid objects instead of one string that never closes.
	const cycle = 8
	class := func(t int) int {
		switch tokens[t] {
		case "\"", "▁\"":
			return cycle - 1
		}
		return t % (cycle - 1)
	}
	emb := normal(nv*d, 0.5)
	for t := 0; t < nv; t++ {
		emb[t*d] = 4
		emb[t*d+1+class(t)] += 3
	}
	out := normal(nv*d, 0.3)
	for t := 0; t < nv; t++ {
		if types[t] == typeNormal {
			out[t*d] = 1
			out[t*d+1+(class(t)+cycle-1)%cycle] += 2
		} else {
			out[t*d] = -1
		}
	}
	g.tensor("token_embd.weight", []uint64{uint64(d), uint64(nv)}, emb)
	g.tensor("output_norm.weight", []uint64{uint64(d)}, ones(d))
	g.tensor("output.weight", []uint64{uint64(d), uint64(nv)}, out)
	const std = 0.02
	for l := 0; l < cfg.Layers; l++ {
		b := fmt.Sprintf("blk.%d.", l)
		g.tensor(b+"attn_norm.weight", []uint64{uint64(d)}, ones(d))
		g.tensor(b+"attn_q.weight", []uint64{uint64(d), uint64(d)}, normal(d*d, std))
		g.tensor(b+"attn_k.weight", []uint64{uint64(d), uint64(kv)}, normal(d*kv, std))
		g.tensor(b+"attn_v.weight", []uint64{uint64(d), uint64(kv)}, normal(d*kv, std))
		g.tensor(b+"attn_output.weight", []uint64{uint64(d), uint64(d)}, normal(d*d, std))
		g.tensor(b+"ffn_norm.weight", []uint64{uint64(d)}, ones(d))
		g.tensor(b+"ffn_gate.weight", []uint64{uint64(d), uint64(ff)}, normal(d*ff, std))
		g.tensor(b+"ffn_up.weight", []uint64{uint64(d), uint64(ff)}, normal(d*ff, std))
		g.tensor(b+"ffn_down.weight", []uint64{uint64(ff), uint64(d)}, normal(ff*d, std))
	}
	return g.write(w)
}

// The GGUF container, version 3: header, key/value metadata, tensor descriptions, then the
// tensors' data, each aligned.
const (
	alignment = 32

	kvUint32  = 4
	kvInt32   = 5
	kvFloat32 = 6
	kvBool    = 7
	kvString  = 8
	kvArray   = 9

	ggmlF32 = 0
)

type tensor struct {
	name string
	dims []uint64
	data []float32
}

type gguf struct {
	kv      []byte // encoded key/value pairs
	nkv     uint64
	tensors []tensor
}

func (g *gguf) key(k string, typ uint32) {
	g.kv = appendString(g.kv, k)
	g.kv = binary.LittleEndian.AppendUint32(g.kv, typ)
	g.nkv++
}

func (g *gguf) str(k, v string) { g.key(k, kvString); g.kv = appendString(g.kv, v) }
func (g *gguf) u32(k string, v uint32) {
	g.key(k, kvUint32)
	g.kv = binary.LittleEndian.AppendUint32(g.kv, v)
}
func (g *gguf) f32(k string, v float32) {
	g.key(k, kvFloat32)
	g.kv = binary.LittleEndian.AppendUint32(g.kv, math.Float32bits(v))
}
func (g *gguf) boolean(k string, v bool) {
	g.key(k, kvBool)
	if v {
		g.kv = append(g.kv, 1)
	} else {
		g.kv = append(g.kv, 0)
	}
}

func (g *gguf) array(k string, elem uint32, n int) {
	g.key(k, kvArray)
	g.kv = binary.LittleEndian.AppendUint32(g.kv, elem)
	g.kv = binary.LittleEndian.AppendUint64(g.kv, uint64(n))
}

func (g *gguf) strs(k string, v []string) {
	g.array(k, kvString, len(v))
	for _, s := range v {
		g.kv = appendString(g.kv, s)
	}
}

func (g *gguf) f32s(k string, v []float32) {
	g.array(k, kvFloat32, len(v))
	for _, f := range v {
		g.kv = binary.LittleEndian.AppendUint32(g.kv, math.Float32bits(f))
	}
}

func (g *gguf) i32s(k string, v []int32) {
	g.array(k, kvInt32, len(v))
	for _, n := range v {
		g.kv = binary.LittleEndian.AppendUint32(g.kv, uint32(n))
	}
}

func (g *gguf) tensor(name string, dims []uint64, data []float32) {
	g.tensors = append(g.tensors, tensor{name, dims, data})
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

func align(n uint64) uint64 { return (n + alignment - 1) / alignment * alignment }

func (g *gguf) write(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var head []byte
	head = append(head, "GGUF"...)
	head = binary.LittleEndian.AppendUint32(head, 3)
	head = binary.LittleEndian.AppendUint64(head, uint64(len(g.tensors)))
	head = binary.LittleEndian.AppendUint64(head, g.nkv)
	head = append(head, g.kv...)
	var offset uint64
	for _, t := range g.tensors {
		head = appendString(head, t.name)
		head = binary.LittleEndian.AppendUint32(head, uint32(len(t.dims)))
		n := uint64(1)
		for _, d := range t.dims {
			head = binary.LittleEndian.AppendUint64(head, d)
			n *= d
		}
		if n != uint64(len(t.data)) {
			return fmt.Errorf("tensor %s: %d values for dimensions %v", t.name, len(t.data), t.dims)
		}
		head = binary.LittleEndian.AppendUint32(head, ggmlF32)
		head = binary.LittleEndian.AppendUint64(head, offset)
		offset = align(offset + 4*n)
	}
	head = append(head, make([]byte, align(uint64(len(head)))-uint64(len(head)))...)
	if _, err := bw.Write(head); err != nil {
		return err
	}
	var written uint64
	buf := make([]byte, 4)
	for _, t := range g.tensors {
		for _, f := range t.data {
			binary.LittleEndian.PutUint32(buf, math.Float32bits(f))
			if _, err := bw.Write(buf); err != nil {
				return err
			}
		}
		written += 4 * uint64(len(t.data))
		if pad := align(written) - written; pad > 0 {
			if _, err := bw.Write(make([]byte, pad)); err != nil {
				return err
			}
			written += pad
		}
	}
	return bw.Flush()
}
