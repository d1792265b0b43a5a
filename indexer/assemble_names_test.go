package indexer

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TypeScript code defines and calls functions whose names other languages reserve (rxjs's map,
// from and defer are Go, Python and Go keywords) or that start with "$" (zod's $constructor):
// each must resolve to its definition, with the call typed and before it is.
func TestContextResolvesJSNames(t *testing.T) {
	files := map[string]string{
		"src/operators/map.ts": "import { OperatorFunction } from '../types';\n\n" +
			"export function map<T, R>(project: (value: T, index: number) => R): OperatorFunction<T, R>;\n" +
			"export function map<T, R, A>(project: (this: A, value: T, index: number) => R, thisArg: A): OperatorFunction<T, R>;\n" +
			"export function map<T, R>(project: (value: T, index: number) => R, thisArg?: any): OperatorFunction<T, R> {\n" +
			"  return operate((source, subscriber) => {\n    let index = 0;\n    source.subscribe(createOperatorSubscriber(subscriber, (value: T) => {\n" +
			"      subscriber.next(project.call(thisArg, value, index++));\n    }));\n  });\n}\n",
		"src/observable/from.ts": "export function from<O extends ObservableInput<any>>(input: O): Observable<ObservedValueOf<O>>;\n" +
			"export function from<T>(input: ObservableInput<T>, scheduler?: SchedulerLike): Observable<T> {\n" +
			"  return scheduler ? scheduled(input, scheduler) : innerFrom(input);\n}\n",
		"src/observable/defer.ts": "export function defer<R extends ObservableInput<any>>(observableFactory: () => R): Observable<ObservedValueOf<R>> {\n" +
			"  return new Observable<ObservedValueOf<R>>((subscriber) => {\n    innerFrom(observableFactory()).subscribe(subscriber);\n  });\n}\n",
		"src/core.ts": "export function $constructor<T extends ZodTrait>(name: string, initializer: (inst: T, def: T['_zod']['def']) => void): $constructor<T> {\n" +
			"  function init(inst: T, def: T['_zod']['def']) {\n    initializer(inst, def);\n  }\n  return init as any;\n}\n",
	}
	// Decoys that share the callers' words, so that only resolving the name finds the callee.
	for i := range 30 {
		files[fmt.Sprintf("src/util/helper%d.ts", i)] = fmt.Sprintf("export function helper%d<T>(source: Observable<T>, project: (value: T) => T, index: number): Observable<T> {\n"+
			"  return new Observable<T>((subscriber) => source.subscribe((value) => subscriber.next(project(value))));\n}\n", i)
	}
	syn := NewSyntax()
	t.Cleanup(syn.Close)
	x := New(syn, nil)
	for p, text := range files {
		if _, err := x.Upsert(context.Background(), p, []byte(text), FileState{Size: int64(len(text))}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, path, content, marker string
		def                         string // path of the definition
		line                        int    // a line of it
	}{
		{"map, typed", "src/operators/pluck.ts", "import { map } from './map';\n\nexport function pluck<T, R>(...properties: string[]): OperatorFunction<T, R> {\n  const length = properties.length;\n  return map(", "map(", "src/operators/map.ts", 3},
		{"map, not typed", "src/operators/pluck.ts", "import { map } from './map';\n\nexport function pluck<T, R>(...properties: string[]): OperatorFunction<T, R> {\n  const length = properties.length;\n  return ", "return ", "src/operators/map.ts", 3},
		{"from, typed", "src/observable/concat.ts", "import { from } from './from';\nimport { popScheduler } from '../util/args';\n\nexport function concat(...args: any[]): Observable<unknown> {\n  return concatAll()(from(", "from(", "src/observable/from.ts", 1},
		{"defer, typed", "src/observable/iif.ts", "import { defer } from './defer';\n\nexport function iif<T, F>(condition: () => boolean, trueResult: T, falseResult: F): Observable<T | F> {\n  return defer(", "defer(", "src/observable/defer.ts", 1},
		{"$constructor through a namespace, typed", "src/checks.ts", "import * as core from './core.js';\n\nexport const $ZodCheck = core.$constructor(", "$constructor(", "src/core.ts", 1},
		{"$constructor, not typed", "src/errors.ts", "import { $constructor } from './core.js';\n\nexport const $ZodError = ", "= ", "src/core.ts", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := contextAt(t, x, tt.path, tt.content, tt.marker, 200)
			if !slices.ContainsFunc(res.Items, func(h Hit) bool { return h.Path == tt.def && h.StartLine <= tt.line && tt.line <= h.EndLine }) {
				t.Errorf("%s:%d missing from the context: %v", tt.def, tt.line, hitPaths(res.Items))
			}
			// Other sources may find a small index's callee by chance; the name itself must
			// reach it: pinned as the function being called, or offered among the scope's
			// signatures before the call is typed.
			off := strings.LastIndex(tt.content, tt.marker) + len(tt.marker)
			snap := x.Snapshot()
			defer snap.Release()
			cur := x.current(ContextRequest{Path: tt.path, Content: tt.content, HasContent: true, Offset: off}, snap.Generation())
			var reached []string
			if strings.HasSuffix(tt.marker, "(") {
				_, pinned := x.cursorDefinitions(cur, tt.content[:off])
				for _, id := range pinned {
					x.mu.RLock()
					c := x.chunkLocked(id)
					x.mu.RUnlock()
					reached = append(reached, fmt.Sprintf("%s:%d-%d", c.Path, c.StartLine, c.EndLine))
					if c.Path == tt.def && c.StartLine <= tt.line && tt.line <= c.EndLine {
						return
					}
				}
			} else {
				_, sigs := x.scopeSignatures(cur, map[string]bool{})
				for _, d := range sigs {
					reached = append(reached, fmt.Sprintf("%s:%d", d.Path, d.Line))
					if d.Path == tt.def {
						return
					}
				}
			}
			t.Errorf("the name did not reach %s: got %v", tt.def, reached)
		})
	}
}

func TestNameRules(t *testing.T) {
	var got []string
	js := namesOf("a.ts")
	js.scan("x = core.$constructor(source$, $) + a$b", func(id string, _ int) { got = append(got, id) })
	if want := "x core $constructor source$ $ a$b"; strings.Join(got, " ") != want {
		t.Errorf("TypeScript names = %q, want %q", got, want)
	}
	got = nil
	namesOf("a.go").scan(`s := "$HOME" + x$y`, func(id string, _ int) { got = append(got, id) })
	if want := "s HOME x y"; strings.Join(got, " ") != want {
		t.Errorf("Go names = %q, want %q", got, want)
	}
	if l := js.last("core.$constructor"); l != "$constructor" {
		t.Errorf("last = %q, want $constructor", l)
	}
	for _, tt := range []struct {
		path, word string
		want       bool
	}{{"a.ts", "map", false}, {"a.js", "from", false}, {"a.go", "map", true}, {"a.go", "defer", true}, {"a.py", "from", true}, {"a.ts", "return", true}} {
		if got := namesOf(tt.path).keyword(tt.word); got != tt.want {
			t.Errorf("keyword(%s, %q) = %v, want %v", tt.path, tt.word, got, tt.want)
		}
	}
}
