package eval

import (
	"context"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path"
	"strconv"
	"strings"
)

// goPackage is what one directory of Go files declares, as far as calls into it need.
type goPackage struct {
	name  string           // the package name most of its non-test files declare
	funcs map[string][]Def // top-level functions (not methods) of its non-test files
}

// goSites finds calls pkg.F( of top-level functions of another package under the root, and
// F( of functions declared in another file of the same package. There is no type checking:
// an import path is resolved to a directory of the root (as in GOROOT/src, or through vendor
// directories), and an identifier the parser resolved to a local declaration is not a call of
// the package's function.
func goSites(ctx context.Context, files Files) ([]Site, error) {
	byDir := map[string][]string{}
	for _, p := range files.Paths() {
		if strings.HasSuffix(p, ".go") && !isTestData(p) {
			byDir[dirOf(p)] = append(byDir[dirOf(p)], p)
		}
	}
	pkgs := map[string]*goPackage{}
	for dir, paths := range byDir {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if pkg := goDeclarations(files, paths); pkg != nil {
			pkgs[dir] = pkg
		}
	}
	var sites []Site
	for dir, paths := range byDir {
		for _, p := range paths {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			sites = append(sites, goCalls(files, p, pkgs, pkgs[dir])...)
		}
	}
	return sites, nil
}

// goDeclarations collects the top-level functions of the non-test files of one directory that
// belong to its main package; files excluded from every build ("//go:build ignore") and
// generators declaring package main beside a library are left out.
func goDeclarations(files Files, paths []string) *goPackage {
	type parsed struct {
		path string
		f    *ast.File
		fset *gotoken.FileSet
	}
	var all []parsed
	names := map[string]int{}
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, ok := files.Content(p)
		if !ok || buildIgnored(src) {
			continue
		}
		fset := gotoken.NewFileSet()
		f, err := parser.ParseFile(fset, p, src, parser.SkipObjectResolution)
		if f == nil || f.Name == nil || (err != nil && len(f.Decls) == 0) {
			continue
		}
		all = append(all, parsed{p, f, fset})
		names[f.Name.Name]++
	}
	pkg := &goPackage{funcs: map[string][]Def{}}
	for name, n := range names {
		if n > names[pkg.name] || (n == names[pkg.name] && name < pkg.name) {
			pkg.name = name
		}
	}
	if pkg.name == "" {
		return nil
	}
	for _, p := range all {
		if p.f.Name.Name != pkg.name {
			continue
		}
		for _, d := range p.f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name == "_" || fd.Name.Name == "init" || fd.Name.Name == "main" {
				continue
			}
			pkg.funcs[fd.Name.Name] = append(pkg.funcs[fd.Name.Name], Def{p.path, p.fset.Position(fd.Name.Pos()).Line})
		}
	}
	return pkg
}

// buildIgnored reports a file whose build constraint includes "ignore": a generator or example
// that is never compiled with its directory.
func buildIgnored(src string) bool {
	for line := range strings.Lines(src) {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "package ") {
			return false
		}
		if strings.HasPrefix(t, "//go:build") {
			return strings.Contains(t, "ignore")
		}
	}
	return false
}

// goCalls finds the sites of one file; own is its directory's package (nil if none).
func goCalls(files Files, p string, pkgs map[string]*goPackage, own *goPackage) []Site {
	src, ok := files.Content(p)
	if !ok || buildIgnored(src) {
		return nil
	}
	fset := gotoken.NewFileSet()
	// Object resolution is wanted here: an identifier it binds to a declaration in this file
	// (a parameter, a local variable) is not the package-level name.
	f, err := parser.ParseFile(fset, p, src, 0)
	if f == nil || (err != nil && len(f.Decls) == 0) {
		return nil
	}
	imports := map[string]*goPackage{}
	for _, spec := range f.Imports {
		ip, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			continue
		}
		pkg := resolveImport(pkgs, dirOf(p), ip)
		if pkg == nil || pkg.name == "main" {
			continue
		}
		name := pkg.name
		if spec.Name != nil {
			name = spec.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		imports[name] = pkg
	}
	samePkg := own != nil && f.Name.Name == own.name
	var sites []Site
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		var (
			start       gotoken.Pos
			callee, fn  string
			form        string
			defs        []Def
			unqualified bool
		)
		switch fun := call.Fun.(type) {
		case *ast.SelectorExpr:
			x, ok := fun.X.(*ast.Ident)
			if !ok || x.Obj != nil {
				return true
			}
			pkg := imports[x.Name]
			if pkg == nil {
				return true
			}
			start, callee, fn, form, defs = x.Pos(), x.Name+"."+fun.Sel.Name, fun.Sel.Name, "pkg.F", pkg.funcs[fun.Sel.Name]
		case *ast.Ident:
			if !samePkg || fun.Obj != nil {
				return true
			}
			start, callee, fn, form, defs, unqualified = fun.Pos(), fun.Name, fun.Name, "F", own.funcs[fun.Name], true
		default:
			return true
		}
		var other []Def
		for _, d := range defs {
			if d.Path != p {
				other = append(other, d)
			}
		}
		if len(other) == 0 || (unqualified && len(other) < len(defs)) {
			return true // declared in this very file (under some build constraint)
		}
		pos := fset.Position(start)
		sites = append(sites, Site{
			Path:   p,
			Line:   pos.Line,
			Callee: callee,
			Name:   fn,
			Form:   form,
			Start:  pos.Offset,
			Open:   fset.Position(call.Lparen).Offset + 1,
			Defs:   other,
		})
		return true
	})
	return sites
}

// resolveImport finds the directory an import path names from a file in dir: the nearest
// vendor directory holding it (cmd/vendor, vendor), else the directory of the same path.
func resolveImport(pkgs map[string]*goPackage, dir, ip string) *goPackage {
	for d := dir; ; d = dirOf(d) {
		if pkg := pkgs[join(d, "vendor/"+ip)]; pkg != nil {
			return pkg
		}
		if d == "" {
			break
		}
	}
	return pkgs[path.Clean(ip)]
}
