package indexer

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syntaxCases are small realistic files per language with the chunks ("start-end kind symbol")
// and definitions ("name kind container start-end@line | signature | doc") Parse must produce.
var syntaxCases = []struct {
	name, path, src string
	chunks, defs    []string
}{
	{name: "java", path: "A.java", src: `package com.example;

import java.util.List;

/**
 * Math helpers.
 */
public class MathUtil {
    public static final int LIMIT = 10;

    /** Returns the larger. */
    @Override
    public static int max(int a, int b) {
        return a > b ? a : b;
    }

    public MathUtil() {}

    interface Op { int apply(int x); }
}

enum Color { RED, GREEN; int code() { return 1; } }
`,
		chunks: []string{
			"1-3 decl ",
			"5-20 class MathUtil",
			"22-22 enum Color",
		},
		defs: []string{
			"MathUtil class  8-20@8 | public class MathUtil | Math helpers.",
			"LIMIT field MathUtil 9-9@9 | public static final int LIMIT = 10 | ",
			"max method MathUtil 12-15@13 | public static int max(int a, int b) | Returns the larger.",
			"MathUtil method MathUtil 17-17@17 | public MathUtil() | ",
			"Op interface MathUtil 19-19@19 | interface Op | ",
			"apply method Op 19-19@19 | int apply(int x) | ",
			"Color enum  22-22@22 | enum Color | ",
			"code method Color 22-22@22 | int code() | ",
		}},
	{name: "c", path: "a.c", src: `#include <stdio.h>
#include "x.h"

#define MAX 10
#define SQ(x) ((x) * (x))

// A point.
typedef struct point {
    int x, y;
} Point;

typedef int myint;

struct node {
    struct node *next;
};

int counter = 0;

static int helper(int a);

// Returns the max.
int max(int a, int b)
{
    return a > b ? a : b;
}

char *dup(const char *s) {
    return 0;
}
`,
		chunks: []string{
			"1-5 decl ",
			"7-10 struct Point",
			"12-12 decl ",
			"14-16 struct node",
			"18-20 decl ",
			"22-26 function max",
			"28-30 function dup",
		},
		defs: []string{
			"MAX macro  4-4@4 | #define MAX | ",
			"SQ macro  5-5@5 | #define SQ(x) | ",
			"point struct  8-10@8 | struct point | ",
			"Point type  8-10@10 | typedef struct point { int x, y; } Point | A point.",
			"myint type  12-12@12 | typedef int myint | ",
			"node struct  14-16@14 | struct node | ",
			"next field node 15-15@15 | struct node *next | ",
			"counter var  18-18@18 | int counter | ",
			"helper function  20-20@20 | static int helper(int a) | ",
			"max function  23-26@23 | int max(int a, int b) | Returns the max.",
			"dup function  28-30@28 | char *dup(const char *s) | ",
		}},
	{name: "cpp", path: "a.cpp", src: `#include <vector>

namespace geo {

// A shape.
class Shape {
public:
    virtual double area() const = 0;
    int id() { return id_; }
private:
    int id_;
};

double Shape::perimeter() const {
    return 0;
}

template <typename T>
T maxOf(T a, T b) {
    return a > b ? a : b;
}

}  // namespace geo
`,
		chunks: []string{
			"1-3 decl ",
			"5-12 class Shape",
			"14-16 method perimeter",
			"18-21 function maxOf",
			"23-23 decl ",
		},
		defs: []string{
			"geo module  3-23@3 | namespace geo | ",
			"Shape class  6-12@6 | class Shape | A shape.",
			"area method Shape 8-8@8 | virtual double area() const = 0 | ",
			"id method Shape 9-9@9 | int id() | ",
			"id_ field Shape 11-11@11 | int id_ | ",
			"perimeter method Shape 14-16@14 | double Shape::perimeter() const | ",
			"maxOf function  19-21@19 | T maxOf(T a, T b) | ",
		}},
	{name: "go", path: "a.go", src: `// Package buf implements buffers.
package buf

import (
	"errors"
	"io"
)

// MaxSize is the largest buffer.
const MaxSize = 1 << 20

const (
	a, b = 1, 2
	c    = 3
)

var ErrFull = errors.New("full")

// Buffer holds bytes.
// It grows.
type Buffer struct {
	data []byte
}

type Reader interface {
	Read(p []byte) (int, error)
}

// Write appends p.
func (b *Buffer) Write(p []byte) (n int, err error) {
	b.data = append(b.data, p...)
	return len(p), nil
}

func New[T any](x T) *Buffer { return nil }

var _ io.Writer = (*Buffer)(nil)
`,
		chunks: []string{
			"1-17 decl ",
			"19-23 type Buffer",
			"25-27 type Reader",
			"29-33 method Write",
			"35-35 function New",
			"37-37 decl ",
		},
		defs: []string{
			"MaxSize const  10-10@10 | const MaxSize = 1 << 20 | MaxSize is the largest buffer.",
			"a const  13-13@13 | const a, b = 1, 2 | ",
			"b const  13-13@13 | const a, b = 1, 2 | ",
			"c const  14-14@14 | const c = 3 | ",
			"ErrFull var  17-17@17 | var ErrFull = errors.New(\"full\") | ",
			"Buffer struct  21-23@21 | type Buffer struct | Buffer holds bytes.\nIt grows.",
			"Reader interface  25-27@25 | type Reader interface | ",
			"Read method Reader 26-26@26 | Read(p []byte) (int, error) | ",
			"Write method Buffer 30-33@30 | func (b *Buffer) Write(p []byte) (n int, err error) | Write appends p.",
			"New function  35-35@35 | func New[T any](x T) *Buffer | ",
			"_ var  37-37@37 | var _ io.Writer = (*Buffer)(nil) | ",
		}},
	{name: "c", path: "a.h", src: `#ifndef A_H
#define A_H

/* Frees it. */
void free_it(void *p);

struct s { int a; };

#endif
`,
		chunks: []string{
			"1-5 decl ",
			"7-7 struct s",
			"9-9 decl ",
		},
		defs: []string{
			"A_H macro  2-2@2 | #define A_H | ",
			"free_it function  5-5@5 | void free_it(void *p) | Frees it.",
			"s struct  7-7@7 | struct s | ",
			"a field s 7-7@7 | int a | ",
		}},
	{name: "python", path: "a.py", src: `"""Module doc."""
import os
from typing import List

MAX = 10


def read(self, n=-1):
    """Read n bytes.

    Returns bytes.
    """
    return os.read(n)


# Foo is a thing.
class Foo(Base):
    """A foo."""

    x = 1

    def __init__(self):
        self.y = 2

    @property
    def size(self) -> int:
        return 3


@decorator
def helper():
    pass
`,
		chunks: []string{
			"1-5 decl ",
			"8-13 function read",
			"16-27 class Foo",
			"30-32 function helper",
		},
		defs: []string{
			"MAX var  5-5@5 | MAX = 10 | ",
			"read function  8-13@8 | def read(self, n=-1): | Read n bytes.\n\nReturns bytes.",
			"Foo class  17-27@17 | class Foo(Base): | A foo.",
			"__init__ method Foo 22-23@22 | def __init__(self): | ",
			"size method Foo 25-27@26 | def size(self) -> int: | ",
			"helper function  30-32@31 | def helper(): | ",
		}},
	{name: "rust", path: "a.rs", src: `use std::fmt;

/// Parses input.
pub fn parse(input: &str) -> Result<Ast, Error> {
    todo!()
}

/// A point.
#[derive(Debug)]
pub struct Point {
    x: i32,
}

pub enum Shape { Circle, Square }

pub trait Area {
    fn area(&self) -> f64;
}

impl<T> fmt::Display for Wrapper<T> {
    /// Formats it.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "w")
    }
}

const MAX: usize = 10;

macro_rules! square {
    ($x:expr) => { $x * $x };
}
`,
		chunks: []string{
			"1-1 decl ",
			"3-6 function parse",
			"8-12 struct Point",
			"14-14 enum Shape",
			"16-18 trait Area",
			"20-25 impl Wrapper",
			"27-27 decl ",
			"29-31 macro square",
		},
		defs: []string{
			"parse function  4-6@4 | pub fn parse(input: &str) -> Result<Ast, Error> | Parses input.",
			"Point struct  10-12@10 | pub struct Point | A point.",
			"Shape enum  14-14@14 | pub enum Shape | ",
			"Area trait  16-18@16 | pub trait Area | ",
			"area method Area 17-17@17 | fn area(&self) -> f64 | ",
			"fmt method Wrapper 22-24@22 | fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result | Formats it.",
			"MAX const  27-27@27 | const MAX: usize = 10 | ",
			"square macro  29-31@29 | macro_rules! square { ($x:expr) => { $x * $x }; } | ",
		}},
	{name: "typescript", path: "a.ts", src: `import { x } from "./x";

/** Adds numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

export const mul = (a: number, b: number): number => a * b;

const LIMIT = 10;

export interface Shape {
  area(): number;
}

type ID = string | number;

enum Color { Red, Green }

/** A circle. */
export class Circle implements Shape {
  radius: number;
  constructor(r: number) {
    this.radius = r;
  }
  area(): number {
    return Math.PI * this.radius ** 2;
  }
}
`,
		chunks: []string{
			"1-1 decl ",
			"3-6 function add",
			"8-8 function mul",
			"10-10 decl ",
			"12-14 interface Shape",
			"16-16 type ID",
			"18-18 enum Color",
			"20-29 class Circle",
		},
		defs: []string{
			"add function  4-6@4 | function add(a: number, b: number): number | Adds numbers.",
			"mul function  8-8@8 | const mul = (a: number, b: number): number => | ",
			"LIMIT const  10-10@10 | const LIMIT = 10 | ",
			"Shape interface  12-14@12 | interface Shape | ",
			"ID type  16-16@16 | type ID = string | number | ",
			"Color enum  18-18@18 | enum Color | ",
			"Circle class  21-29@21 | class Circle implements Shape | A circle.",
			"radius field Circle 22-22@22 | radius: number | ",
			"constructor method Circle 23-25@23 | constructor(r: number) | ",
			"area method Circle 26-28@26 | area(): number | ",
		}},
}

func TestSyntaxCases(t *testing.T) {
	s := NewSyntax()
	defer s.Close()
	for _, tc := range syntaxCases {
		t.Run(tc.path, func(t *testing.T) {
			p := s.Parse(tc.path, []byte(tc.src))
			if p.Lang != tc.name {
				t.Errorf("Lang = %q, want %q", p.Lang, tc.name)
			}
			checkChunks(t, tc.path, []byte(tc.src), p)
			var chunks, defs []string
			for _, c := range p.Chunks {
				chunks = append(chunks, fmt.Sprintf("%d-%d %s %s", c.StartLine, c.EndLine, c.Kind, c.Symbol))
			}
			for _, d := range p.Defs {
				defs = append(defs, fmt.Sprintf("%s %s %s %d-%d@%d | %s | %s", d.Name, d.Kind, d.Container, d.StartLine, d.EndLine, d.Line, d.Signature, d.Doc))
			}
			diffLists(t, "chunks", chunks, tc.chunks)
			diffLists(t, "defs", defs, tc.defs)
		})
	}
}

func diffLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s[%d]:\n got  %q\n want %q", what, i, g, w)
		}
	}
}

// repeatLines returns n numbered lines made by f.
func repeatLines(n int, f func(i int) string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(f(i))
		b.WriteByte('\n')
	}
	return b.String()
}

func TestParseSplitsLongBodies(t *testing.T) {
	goSrc := "package p\n\n// Long does a lot.\nfunc Long() {\n" + repeatLines(150, func(i int) string {
		if i%10 == 0 {
			return fmt.Sprintf("\tif x%d {\n\t\ty()\n\t}", i)
		}
		return fmt.Sprintf("\tx%d := %d", i, i)
	}) + "}\n"
	pySrc := "def long():\n" + repeatLines(130, func(i int) string { return fmt.Sprintf("    x%d = %d", i, i) })
	cases := []struct{ path, src, kind, symbol string }{
		{"long.go", goSrc, "function", "Long"},
		{"long.py", pySrc, "function", "long"},
		{"long.rs", "fn long() {\n" + repeatLines(130, func(i int) string { return fmt.Sprintf("    let x%d = %d;", i, i) }) + "}\n", "function", "long"},
	}
	s := NewSyntax()
	defer s.Close()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			src := []byte(tc.src)
			p := s.Parse(tc.path, src)
			checkChunks(t, tc.path, src, p)
			pieces := 0
			for _, c := range p.Chunks {
				if c.Symbol != tc.symbol {
					continue
				}
				pieces++
				if c.Kind != tc.kind {
					t.Errorf("piece %d-%d has kind %q, want %q", c.StartLine, c.EndLine, c.Kind, tc.kind)
				}
				if n := c.EndLine - c.StartLine + 1; n > MaxLines {
					t.Errorf("piece %d-%d is %d lines, over %d", c.StartLine, c.EndLine, n, MaxLines)
				}
			}
			if pieces < 2 {
				t.Fatalf("long body in %d piece(s), want it split: %v", pieces, p.Chunks)
			}
			if len(p.Defs) != 1 || p.Defs[0].Name != tc.symbol {
				t.Errorf("defs = %+v, want just %s", p.Defs, tc.symbol)
			}
		})
	}
	// The Go pieces are cut between statements: no piece starts inside an if block.
	p := s.Parse("long.go", []byte(goSrc))
	for _, c := range p.Chunks[1:] {
		if first := strings.SplitN(c.Text, "\n", 2)[0]; strings.HasPrefix(first, "\t\t") || strings.HasPrefix(first, "\t}") {
			t.Errorf("piece %d-%d starts inside a statement: %q", c.StartLine, c.EndLine, first)
		}
	}
}

func TestParseLargeClassByMethod(t *testing.T) {
	method := func(i int) string {
		return fmt.Sprintf("    def m%d(self):\n        \"\"\"Method %d.\"\"\"\n%s", i, i,
			repeatLines(8, func(j int) string { return fmt.Sprintf("        x = %d", j) }))
	}
	src := "class Big(Base):\n    \"\"\"Big class.\"\"\"\n\n    size = 3\n\n" + repeatLines(10, method)
	s := NewSyntax()
	defer s.Close()
	p := s.Parse("big.py", []byte(src))
	checkChunks(t, "big.py", []byte(src), p)
	if len(p.Chunks) != 11 {
		t.Fatalf("got %d chunks, want a head and 10 methods: %v", len(p.Chunks), p.Chunks)
	}
	if c := p.Chunks[0]; c.Kind != "class" || c.Symbol != "Big" || c.StartLine != 1 || c.EndLine != 4 {
		t.Errorf("head chunk = %d-%d %s %s, want 1-4 class Big", c.StartLine, c.EndLine, c.Kind, c.Symbol)
	}
	for i, c := range p.Chunks[1:] {
		if c.Kind != "method" || c.Symbol != fmt.Sprintf("m%d", i) {
			t.Errorf("chunk %d = %s %s, want method m%d", i+1, c.Kind, c.Symbol, i)
		}
	}
	if d := p.Defs[3]; d.Name != "m2" || d.Container != "Big" || d.Doc != "Method 2." || d.Signature != "def m2(self):" {
		t.Errorf("defs[3] = %+v", d)
	}
}

func TestParseRecoversFromSyntaxErrors(t *testing.T) {
	cases := []struct {
		path, src string
		want      []string
	}{
		{"broken.go", "package p\n\nfunc Good() int {\n\treturn 1\n}\n\nfunc Bad( {\n\tx := \n}\n\nfunc AlsoGood() {}\n", []string{"Good", "AlsoGood"}},
		{"broken.py", "def good():\n    return 1\n\ndef bad(:\n    pass\n\ndef also_good():\n    pass\n", []string{"good", "also_good"}},
		{"broken.java", "class A {\n  int good() { return 1; }\n  int bad( { }\n  void alsoGood() {}\n}\n", []string{"good", "alsoGood"}},
	}
	s := NewSyntax()
	defer s.Close()
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			p := s.Parse(tc.path, []byte(tc.src))
			checkChunks(t, tc.path, []byte(tc.src), p)
			have := map[string]bool{}
			for _, d := range p.Defs {
				have[d.Name] = true
			}
			for _, w := range tc.want {
				if !have[w] {
					t.Errorf("definition %s lost; defs: %+v", w, p.Defs)
				}
			}
		})
	}
}

func TestParseBadBytes(t *testing.T) {
	junk := []string{
		"",
		"\n\n   \n",
		"\x00\x00\x00",
		"func \xff\xfe(x \x00) {\n\treturn \"\xc3\x28\"\n}\n",
		"package p\n\nfunc F() {\n\ts := \"\x80\x81\"\n\t_ = s\x00\n}\n",
		"\xef\xbb\xbfpackage p\r\n\r\nfunc F() {}\r\n",
		strings.Repeat("\xff", 5000),
		"class A:\n\tdef f(self):\n\t\treturn '\xe2\x82'\n",
	}
	exts := []string{".go", ".py", ".js", ".ts", ".tsx", ".rs", ".java", ".c", ".cpp", ".h", ".txt", ""}
	s := NewSyntax()
	defer s.Close()
	for i, src := range junk {
		for _, ext := range exts {
			path := fmt.Sprintf("f%d%s", i, ext)
			p := s.Parse(path, []byte(src))
			checkChunks(t, path, []byte(src), p)
			if len(bytes.TrimSpace([]byte(src))) == 0 && (len(p.Chunks) != 0 || len(p.Defs) != 0) {
				t.Errorf("%s: blank file gave %d chunks, %d defs", path, len(p.Chunks), len(p.Defs))
			}
		}
	}
}

func TestParseCapsLongLines(t *testing.T) {
	// A minified bundle: 2 MB on one line.
	var b strings.Builder
	for i := 0; b.Len() < 2<<20; i++ {
		fmt.Fprintf(&b, "function f%d(a){return a+%d};var v%d=f%d(%d);", i, i, i, i, i)
	}
	s := NewSyntax()
	defer s.Close()
	for _, path := range []string{"bundle.min.js", "bundle.txt"} {
		src := []byte(b.String())
		p := s.Parse(path, src)
		checkChunks(t, path, src, p)
		if len(p.Chunks) < len(src)/maxChunkBytes {
			t.Errorf("%s: %d chunks for %d bytes", path, len(p.Chunks), len(src))
		}
		for _, d := range p.Defs {
			if len(d.Signature) > maxSigBytes {
				t.Fatalf("%s: signature of %d bytes", path, len(d.Signature))
			}
		}
	}
}

func TestParseTextWindows(t *testing.T) {
	src := []byte(repeatLines(100, func(i int) string {
		if i >= 40 && i < 45 {
			return ""
		}
		return fmt.Sprintf("line %d", i+1)
	}))
	s := NewSyntax()
	defer s.Close()
	p := s.Parse("notes/README.md", src)
	checkChunks(t, "notes/README.md", src, p)
	var got []string
	for _, c := range p.Chunks {
		got = append(got, fmt.Sprintf("%d-%d %s %s", c.StartLine, c.EndLine, c.Kind, c.Symbol))
	}
	diffLists(t, "windows", got, []string{"1-40 window ", "46-80 window ", "81-100 window "})
	if p.Lang != "text" || len(p.Defs) != 0 {
		t.Errorf("Lang %q, %d defs", p.Lang, len(p.Defs))
	}
}

func TestParseConcurrent(t *testing.T) {
	var files [][2]string
	for _, tc := range syntaxCases {
		files = append(files, [2]string{tc.path, tc.src})
	}
	s := NewSyntax()
	defer s.Close()
	want := make([]Parsed, len(files))
	for i, f := range files {
		want[i] = s.Parse(f[0], []byte(f[1]))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				i := (g + round) % len(files)
				p := s.Parse(files[i][0], []byte(files[i][1]))
				if fmt.Sprint(p) != fmt.Sprint(want[i]) {
					errs <- files[i][0]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("%s parsed differently under concurrency", e)
	}
}

func TestLangOf(t *testing.T) {
	for path, want := range map[string]string{
		"a/b.go": "go", "x.py": "python", "x.pyi": "python", "x.js": "javascript", "x.mjs": "javascript",
		"x.cjs": "javascript", "x.jsx": "javascript", "x.ts": "typescript", "x.mts": "typescript",
		"x.cts": "typescript", "x.tsx": "tsx", "lib.rs": "rust", "A.java": "java", "x.c": "c", "x.h": "c",
		"x.cc": "cpp", "x.cpp": "cpp", "x.cxx": "cpp", "x.hpp": "cpp", "x.hh": "cpp", "x.hxx": "cpp",
		"x.h++": "cpp", "X.GO": "go", "README.md": "text", "Makefile": "text", "noext": "text",
		"dir.go/file": "text", "SConstruct": "python", `win\path\x.rs`: "rust",
	} {
		if got := LangOf(path); got != want {
			t.Errorf("LangOf(%q) = %q, want %q", path, got, want)
		}
	}
}

// TestParseInvariantsTreeSitterGo runs the tree-sitter Go path (used for files with syntax
// errors) over real files too.
func TestParseInvariantsTreeSitterGo(t *testing.T) {
	s := NewSyntax()
	defer s.Close()
	for _, path := range goSample(t, 40) {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.langs["go"].parse(path, src)
		if err != nil {
			t.Fatal(err)
		}
		checkChunks(t, path, src, p)
		q := s.Parse(path, src)
		if len(p.Defs) != len(q.Defs) {
			t.Errorf("%s: tree-sitter found %d definitions, go/parser %d", path, len(p.Defs), len(q.Defs))
		}
	}
}

// TestParseInvariantsPython checks real Python files, from RAGLS_PYTHON_LIB (default
// /usr/lib/python3.11) when present.
func TestParseInvariantsPython(t *testing.T) {
	root := os.Getenv("RAGLS_PYTHON_LIB")
	if root == "" {
		root = "/usr/lib/python3.11"
	}
	paths, _ := filepath.Glob(filepath.Join(root, "*.py"))
	if len(paths) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Python sources under %s (set RAGLS_PYTHON_LIB)", root)
		}
		t.Skipf("no Python sources under %s (set RAGLS_PYTHON_LIB)", root)
	}
	if len(paths) > 60 {
		paths = paths[:60]
	}
	s := NewSyntax()
	defer s.Close()
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		checkChunks(t, path, src, s.Parse(path, src))
	}
}

func TestParseJunkIsBounded(t *testing.T) {
	// A quarter megabyte of punctuation soup sends tree-sitter's error recovery into a long search;
	// the parse budget must stop it and leave windows that still cover the file.
	const alphabet = "{}()[];,.=+-*/ \n\tabcxyz0123\"'`#<>:"
	src := make([]byte, 256<<10)
	seed := uint32(1)
	for i := range src {
		seed = seed*1664525 + 1013904223
		src[i] = alphabet[int(seed>>24)%len(alphabet)]
	}
	s := NewSyntax()
	defer s.Close()
	for _, path := range []string{"soup.py", "soup.c"} {
		p := s.Parse(path, src)
		checkChunks(t, path, src, p)
		if len(p.Chunks) == 0 {
			t.Errorf("%s: no chunks", path)
		}
	}
}
