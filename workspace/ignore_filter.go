package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
)

// A Filter decides, for one root, whether a path is skipped by the ignore and secret rules, with
// exactly the rules [Walk] applies. It loads ignore files lazily and caches them; a Filter does
// not notice later edits to ignore files (make a new one, as [Watcher] does). It is safe for
// concurrent use.
type Filter struct {
	root     string // absolute, as given (paths handed out are under it)
	realRoot string // root with symlinks resolved: containment is judged on real paths
	maxSize  int64
	extra    *ruleSet // Options.ExtraIgnores: the user's configuration overrides every ignore file
	secrets  *rules

	mu   sync.Mutex
	dirs map[string]*rules // directory (relative to root, "" for root) -> its rules; guarded by mu
}

// NewFilter prepares the rules for root. It reads the root's .gitignore and .raglsignore, the
// repository's .git/info/exclude, and, when root lies inside a git work tree, the ignore files of
// the directories between the top of that tree and root; deeper ignore files are read on demand.
func NewFilter(root string, opt Options) (*Filter, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("workspace root %q: %w", root, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("workspace root %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("workspace root %s is not a directory", abs)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("workspace root %s: %w", abs, err)
	}
	f := &Filter{
		root:     abs,
		realRoot: real,
		maxSize:  opt.maxFileSize(),
		secrets:  secretRules(opt.ExtraSecrets),
		dirs:     make(map[string]*rules),
	}
	if len(opt.ExtraIgnores) > 0 {
		f.extra = parseRules([]byte(strings.Join(opt.ExtraIgnores, "\n")), "", "")
	}
	f.dirs[""] = loadDirRules(repoRules(abs), abs, "")
	return f, nil
}

// Root returns the absolute root the filter judges paths under.
func (f *Filter) Root() string { return f.root }

// Rel converts an absolute path to the slash-separated form relative to the root that Skip and
// the rest of the package use. ok is false when abs is not under the root.
func (f *Filter) Rel(abs string) (rel string, ok bool) {
	r, err := filepath.Rel(f.root, abs)
	if err != nil {
		return "", false
	}
	return cleanRel(filepath.ToSlash(r))
}

// cleanRel normalizes a slash-separated relative path; ok is false when it leaves the root.
func cleanRel(rel string) (string, bool) {
	if path.IsAbs(rel) || filepath.IsAbs(rel) {
		return "", false
	}
	rel = path.Clean(rel)
	if rel == "." {
		return "", true
	}
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

// repoRules finds the git work tree that holds dir and returns the rules that apply to dir from
// above it: the repository's info/exclude and the ignore files of dir's ancestors within the
// work tree, each matched against paths made relative to its own directory. It returns nil when
// dir is not in a work tree.
func repoRules(dir string) *rules {
	var ups []string // ancestors of dir, nearest first
	top := ""
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			top = d
			break
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		ups = append(ups, parent)
		d = parent
	}
	if top == "" {
		return nil
	}
	prefixOf := func(d string) string {
		r, err := filepath.Rel(d, dir)
		if err != nil || r == "." {
			return ""
		}
		return filepath.ToSlash(r) + "/"
	}
	var r *rules
	if data, err := os.ReadFile(filepath.Join(gitDir(top), "info", "exclude")); err == nil {
		if s := parseRules(data, "", prefixOf(top)); len(s.patterns) > 0 {
			r = &rules{sets: []*ruleSet{s}}
		}
	}
	for i := len(ups) - 1; i >= 0; i-- {
		var sets []*ruleSet
		for _, name := range ignoreFileNames {
			if data, err := os.ReadFile(filepath.Join(ups[i], name)); err == nil {
				if s := parseRules(data, "", prefixOf(ups[i])); len(s.patterns) > 0 {
					sets = append(sets, s)
				}
			}
		}
		if len(sets) > 0 {
			r = &rules{parent: r, sets: sets}
		}
	}
	return r
}

// gitDir returns the git directory of the work tree at top: top/.git, or where a ".git" file
// ("gitdir: ...", in worktrees and submodules) points.
func gitDir(top string) string {
	dotgit := filepath.Join(top, ".git")
	data, err := os.ReadFile(dotgit)
	if err != nil {
		return dotgit // a directory (ReadFile fails on it) or nothing usable
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return dotgit
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(top, target)
	}
	return target
}

// rulesFor returns the rules that apply to the entries of directory dir (relative to the root),
// reading the ignore files of dir and of any ancestor not yet seen.
func (f *Filter) rulesFor(dir string) *rules {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rulesForLocked(dir)
}

func (f *Filter) rulesForLocked(dir string) *rules {
	if r, ok := f.dirs[dir]; ok {
		return r
	}
	parentDir := ""
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		parentDir = dir[:i]
	}
	r := loadDirRules(f.rulesForLocked(parentDir), f.abs(dir), dir)
	f.dirs[dir] = r
	return r
}

// forget drops the cached rules of directory dir and everything below it, for a watcher that saw
// the directory go: whatever later takes its name has its own ignore files.
func (f *Filter) forget(dir string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	prefix := dir + "/"
	for d := range f.dirs {
		if d == dir || strings.HasPrefix(d, prefix) {
			delete(f.dirs, d)
		}
	}
}

// abs returns the absolute path of rel.
func (f *Filter) abs(rel string) string {
	if rel == "" {
		return f.root
	}
	return f.root + string(os.PathSeparator) + filepath.FromSlash(rel)
}

// Skip reports whether rel (slash-separated, relative to the root) is skipped by the ignore and
// secret rules, and why. A path inside a skipped directory is skipped for the directory's reason,
// as git cannot re-include a file whose parent is excluded. isDir matters for patterns that end
// in "/". Skip reads ignore files but never the path itself; symlink, size and content checks
// need [Filter.Stat] or [ReadText].
func (f *Filter) Skip(rel string, isDir bool) (SkipReason, bool) {
	rel, ok := cleanRel(rel)
	if !ok {
		return SkipOutsideRoot, true
	}
	if rel == "" {
		return "", false
	}
	dir := ""
	for i := 0; i < len(rel); i++ {
		if rel[i] != '/' {
			continue
		}
		if reason, skip := f.check(rel[:i], true, f.rulesFor(dir)); skip {
			return reason, true
		}
		dir = rel[:i]
	}
	return f.check(rel, isDir, f.rulesFor(dir))
}

// check applies the rules to rel alone, its parent directory's rules being r.
func (f *Filter) check(rel string, isDir bool, r *rules) (SkipReason, bool) {
	if path.Base(rel) == ".git" {
		return SkipIgnored, true
	}
	ignored, decided := false, false
	if f.extra != nil {
		ignored, decided = f.extra.decide(rel, isDir)
	}
	if !decided {
		ignored = r.ignored(rel, isDir)
	}
	if ignored {
		return SkipIgnored, true
	}
	if f.secrets.ignored(rel, isDir) {
		return SkipSecret, true
	}
	return "", false
}

// Stat applies every rule of [Walk] to one path, touching the disk: ignore and secret rules,
// symlinks (followed only inside the root), the kind of file and its size. It returns the File
// when the path is worth indexing; directories are reported as SkipSpecial. It cannot know
// whether the same file is also reachable under another path, which only a walk sees.
func (f *Filter) Stat(rel string) (File, SkipReason) {
	e, reason := f.inspect(rel)
	if reason != "" {
		return File{}, reason
	}
	if e.isDir {
		return File{}, SkipSpecial
	}
	return e.File, ""
}

// An entry is a path inspected on disk.
type entry struct {
	File
	isDir bool
	real  string // the path with symlinks resolved
}

// inspect is Stat without the conclusion about directories, for the walker and the watcher.
func (f *Filter) inspect(rel string) (entry, SkipReason) {
	rel, ok := cleanRel(rel)
	if !ok {
		return entry{}, SkipOutsideRoot
	}
	abs := f.abs(rel)
	fi, err := os.Lstat(abs)
	if err != nil {
		return entry{}, SkipUnreadable
	}
	e := entry{File: File{Path: rel, Abs: abs}}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if reason, skip := f.Skip(rel, statIsDir(abs)); skip {
			return entry{}, reason // as Walk does: the link's name first
		}
		var reason SkipReason
		if fi, e.real, reason = f.resolveLink(abs); reason != "" {
			return entry{}, reason
		}
	} else {
		// The parent may itself be reached through a symlink inside the root.
		realDir, err := filepath.EvalSymlinks(filepath.Dir(abs))
		if err != nil {
			return entry{}, SkipUnreadable
		}
		e.real = filepath.Join(realDir, fi.Name())
		if _, ok := within(f.realRoot, e.real); !ok {
			return entry{}, SkipSymlinkOutside
		}
	}
	e.isDir = fi.IsDir()
	if reason, skip := f.Skip(rel, e.isDir); skip {
		return entry{}, reason
	}
	if targetRel, _ := within(f.realRoot, e.real); targetRel != rel {
		if reason, skip := f.Skip(targetRel, e.isDir); skip {
			return entry{}, reason
		}
	}
	switch {
	case e.isDir:
		return e, ""
	case !fi.Mode().IsRegular():
		return entry{}, SkipSpecial
	case fi.Size() > f.maxSize:
		return entry{}, SkipTooLarge
	}
	e.Size, e.ModTime = fi.Size(), fi.ModTime()
	return e, ""
}

// resolveLink follows the symlink at abs. It fails when the link dangles or loops, or when its
// target is outside the root; otherwise it returns the target's info and real path.
func (f *Filter) resolveLink(abs string) (fs.FileInfo, string, SkipReason) {
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, "", SkipSymlinkLoop
		}
		return nil, "", SkipUnreadable
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, "", SkipUnreadable
	}
	if _, ok := within(f.realRoot, real); !ok {
		return nil, "", SkipSymlinkOutside
	}
	return fi, real, ""
}

// within returns p relative to root (slash-separated) when p is root or below it.
func within(root, p string) (string, bool) {
	if p == root {
		return "", true
	}
	sep := root
	if !strings.HasSuffix(sep, string(os.PathSeparator)) {
		sep += string(os.PathSeparator)
	}
	if rest, ok := strings.CutPrefix(p, sep); ok {
		return filepath.ToSlash(rest), true
	}
	return "", false
}
