package indexer

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The imports of each language, read from the syntax tree: the module paths they hint at, the
// aliases they bind and the files relative imports name exactly.
func TestImports(t *testing.T) {
	tests := []struct {
		path    string
		src     string
		hints   []string
		aliases map[string]string
		rel     []string // some of the exact files expected
	}{
		// Go: named imports, blank and dot imports bind nothing; a cut file still has its imports.
		{"p/a.go", "package x\n\nimport (\n\t\"encoding/json\"\n\tfoo \"example.com/lib/foo\"\n\t_ \"embed\"\n\t. \"math\"\n)\n\nimport rr \"math/rand/v2\"\n",
			[]string{"encoding/json", "example.com/lib/foo", "embed", "math", "math/rand/v2"}, map[string]string{"rr": "rand"}, nil},
		{"p/b.go", "package x\nimport str \"strings\"\nfunc f() { str.Cut(", []string{"strings"}, map[string]string{"str": "strings"}, nil},
		// Python: "import a as b", dotted modules, "from m import a as b", relative imports,
		// imports inside a function, and a string that only looks like one.
		{"pkg/a.py", "import numpy as np, os.path\nimport re as _re\nfrom reprlib import recursive_repr as rr, other\nfrom . import sib\nfrom ..up.mod import (f as g,\n    h)\ns = \"import fake\"\n\ndef f():\n    import json\n",
			[]string{"numpy", "os/path", "re", "reprlib", "sib", "up/mod", "json"},
			map[string]string{"np": "numpy", "_re": "re", "rr": "recursive_repr", "g": "f"}, []string{"pkg/sib.py", "up/mod.py"}},
		{"a.py", "import json\n", []string{"json"}, map[string]string{}, nil},
		// JavaScript and TypeScript: "import { a as b } from", "* as ns", default and bare
		// imports, require, re-exports, TypeScript's import = require and "import type".
		{"src/a.js", "import d, { toDate as td, c } from './toDate.js';\nimport * as fp from './fp/index.js'\nimport 'side';\nconst x = require('../req')\nexport { q as r } from './ex';\nexport * from 'all';\n",
			[]string{"toDate", "fp/index", "side", "req", "ex", "all"},
			map[string]string{"td": "toDate", "fp": "index", "r": "q"}, []string{"src/toDate.js", "src/fp/index.js", "req.js", "src/ex.ts"}},
		{"src/a.ts", "import type { T as U } from '../types';\nimport fs = require('fs');\n", []string{"types", "fs"}, map[string]string{"U": "T"}, []string{"types.ts"}},
		{"src/a.tsx", "import React, { useState as useS } from 'react';\n", []string{"react"}, map[string]string{"useS": "useState"}, nil},
		// Rust: "use x::y as z", use lists, crate-relative paths, wildcards, extern crate.
		{"src/a.rs", "use std::collections::HashMap as Map;\nuse crate::parser::{Ast, lex as lx, tok::Token};\nuse super::*;\nextern crate serde as sd;\nuse ser::{self, Serializer};\n",
			[]string{"std/collections/HashMap", "parser/Ast", "parser/lex", "parser/tok/Token", "serde", "ser", "ser/Serializer"},
			map[string]string{"Map": "HashMap", "lx": "lex", "sd": "serde"}, nil},
		// Java: plain, wildcard and static imports (a static import names its class).
		{"src/A.java", "package p.q;\nimport java.util.List;\nimport static org.junit.Assert.assertEquals;\nimport java.io.*;\nimport static java.lang.Math.*;\nclass A {}\n",
			[]string{"java/util/List", "org/junit/Assert", "java/io", "java/lang/Math"}, map[string]string{}, nil},
		// C and C++: local and system includes; a C++ namespace alias.
		{"lib/a.c", "#include <stdio.h>\n#include \"buf.h\"\nint main(void) { return 0; }\n", []string{"stdio", "buf"}, map[string]string{}, nil},
		{"lib/a.cpp", "#include <vector>\n#include \"a/b.hpp\"\nnamespace fs = std::filesystem;\nusing namespace std;\n",
			[]string{"vector", "a/b"}, map[string]string{"fs": "filesystem"}, nil},
		// No grammar: no imports.
		{"notes.txt", "import this\n", nil, map[string]string{}, nil},
	}
	syn := NewSyntax()
	defer syn.Close()
	for _, tt := range tests {
		imps := syn.Imports(tt.path, tt.src)
		lang := LangOf(tt.path)
		if got := importHints(lang, imps); !slices.Equal(got, tt.hints) {
			t.Errorf("%s: hints %q, want %q (imports %+v)", tt.path, got, tt.hints, imps)
		}
		if got := importAliases(imps); !maps.Equal(got, tt.aliases) {
			t.Errorf("%s: aliases %v, want %v", tt.path, got, tt.aliases)
		}
		rel := relImports(lang, imps, pathDir(tt.path))
		for _, p := range tt.rel {
			if !rel[p] {
				t.Errorf("%s: relative imports %v lack %s", tt.path, slices.Sorted(maps.Keys(rel)), p)
			}
		}
	}
}

// The source parsed for imports holds the import statements, dedented, multi-line ones whole,
// and nothing else.
func TestImportSource(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"import os\n\ndef f():\n    import json\n    pass\n", "import os\nimport json\n"},
		{"import {\n  a,\n  b,\n} from './x';\n\nfunction f() {}\nexport function g() {}\nexport { h } from './h'", "import {\na,\nb,\n} from './x';\nexport { h } from './h'\n"},
		{"from m import (a,\n    b)\nx = 1\n", "from m import (a,\nb)\n"},
		{"x = 1\n", ""},
		{"#include <a.h>\n#if X\n# include \"b.h\"\n#endif\nnamespace n {\nnamespace fs = std::filesystem;\n", "#include <a.h>\n# include \"b.h\"\nnamespace fs = std::filesystem;\n"},
		{"const a = require(\n  './a')\nlet b = 2\n", "const a = require(\n'./a')\n"},
	}
	for _, tt := range tests {
		if got := string(importSource(tt.src)); got != tt.want {
			t.Errorf("importSource(%q) = %q, want %q", tt.src, got, tt.want)
		}
	}
}

// BenchmarkImports is what reading the current buffer's imports costs a request, on real files
// of each language (set RAGLS_EVAL_PYTHON etc. as for the quality evaluation; a missing one is
// skipped).
func BenchmarkImports(b *testing.B) {
	files := []struct{ env, rel string }{
		{"RAGLS_EVAL_PYTHON", "argparse.py"},
		{"RAGLS_EVAL_PYTHON", "asyncio/base_events.py"},
		{"RAGLS_EVAL_JS_DIR", "date-fns/format.js"},
		{"RAGLS_EVAL_C", "regex.c"},
		{"RAGLS_EVAL_JAVA", "java/util/HashMap.java"},
		{"", "lexical.go"},
	}
	syn := NewSyntax()
	defer syn.Close()
	for _, f := range files {
		p := f.rel
		if f.env != "" {
			dir := os.Getenv(f.env)
			if dir == "" {
				continue
			}
			p = filepath.Join(dir, f.rel)
		}
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		b.Run(f.rel, func(b *testing.B) {
			for range b.N {
				if imps := syn.Imports(p, string(src)); len(imps) == 0 {
					b.Fatalf("no imports found in %s", p)
				}
			}
			b.ReportMetric(float64(len(importSource(string(src)))), "parsed-bytes")
		})
	}
}
