package workspace

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultMaxFileSize is the size above which a file is not indexed: beyond it a file is almost
// always generated or data, and would crowd out source in the index and in prompts.
const DefaultMaxFileSize = 1 << 20

// Options tune which files of a root are worth indexing. The zero value applies the defaults.
type Options struct {
	MaxFileSize  int64    // bytes; 0 means DefaultMaxFileSize
	ExtraSecrets []string // gitignore-syntax patterns added after DefaultSecretPatterns; "!x" re-includes
	ExtraIgnores []string // gitignore-syntax patterns from user config; they override ignore files
}

func (o Options) maxFileSize() int64 {
	if o.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return o.MaxFileSize
}

// A SkipReason says why a path is not indexed. Its value is meant for messages and JSON.
type SkipReason string

// Reasons for skipping a path. Walk and Filter.Stat judge by name and by what a stat tells:
// every reason but SkipBinary, which needs the content. ReadText judges the content: SkipBinary,
// and again SkipTooLarge, SkipUnreadable and SkipSpecial, since a file can change after the walk.
// Filter.Skip gives only SkipIgnored, SkipSecret and SkipOutsideRoot. Report.Note folds
// ReadText's verdicts into a Walk's Report.
const (
	SkipIgnored        SkipReason = "ignored"              // .gitignore, info/exclude, .raglsignore, user config, or .git
	SkipSecret         SkipReason = "secret"               // matches a secret pattern
	SkipBinary         SkipReason = "binary"               // a NUL byte in the first 8 KiB
	SkipTooLarge       SkipReason = "too-large"            // over Options.MaxFileSize
	SkipSymlinkOutside SkipReason = "symlink-outside-root" // a symlink whose target leaves the root
	SkipSymlinkLoop    SkipReason = "symlink-loop"         // a symlink back to one of its own ancestors, or a cycle of links
	SkipDuplicate      SkipReason = "duplicate"            // a symlink to a file or directory already listed under another path
	SkipUnreadable     SkipReason = "unreadable"           // permission denied, vanished, dangling symlink, I/O error
	SkipSpecial        SkipReason = "not-a-regular-file"   // device, FIFO, socket
	SkipOutsideRoot    SkipReason = "outside-root"         // a path given to Filter that is not under its root
)

// A File is a file worth indexing.
type File struct {
	Path    string // slash-separated, relative to the root
	Abs     string // absolute path to read it by (possibly through a symlink inside the root)
	Size    int64
	ModTime time.Time
}

// maxExamples bounds Report.Examples, which exist to make messages concrete, not to list all.
const maxExamples = 5

// A Report is the result of walking one root.
type Report struct {
	Root  string // absolute
	Files []File // sorted by Path
	// Skipped counts skipped paths by reason. A skipped directory counts once: its contents are
	// not visited (that is the point of skipping node_modules).
	Skipped  map[SkipReason]int
	Examples map[SkipReason][]string // up to 5 relative paths per reason
}

// Note records a path skipped for reason, for skips found after the walk (ReadText's binary,
// too-large and unreadable verdicts), so that one Report counts every reason. It does not
// remove the path from Files.
func (r *Report) Note(reason SkipReason, rel string) {
	if r.Skipped == nil {
		r.Skipped = make(map[SkipReason]int)
	}
	if r.Examples == nil {
		r.Examples = make(map[SkipReason][]string)
	}
	r.Skipped[reason]++
	if len(r.Examples[reason]) < maxExamples {
		r.Examples[reason] = append(r.Examples[reason], rel)
	}
}

// Walk lists the files of root worth indexing and counts the rest by reason. It applies the rules
// of [Filter] (ignore files at every level, secrets, .git), skips files over opt.MaxFileSize by
// their size on disk and anything that is not a regular file, and follows symlinks only to
// targets inside root. A file or directory reachable by several paths is listed once: under its
// real path when that is part of the walk, else under the first symlink path in walk order.
// Content checks (binary, invalid UTF-8) are left to ReadText, which the indexer calls anyway.
//
// Errors are returned only when the root itself cannot be walked or ctx is done; problems below
// the root are counted in the Report.
func Walk(ctx context.Context, root string, opt Options) (*Report, error) {
	f, err := NewFilter(root, opt)
	if err != nil {
		return nil, err
	}
	rep := &Report{Root: f.root, Skipped: map[SkipReason]int{}, Examples: map[SkipReason][]string{}}
	s := &scanner{
		f:    f,
		file: func(file File) { rep.Files = append(rep.Files, file) },
		skip: rep.Note,
	}
	if err := s.walk(ctx, ""); err != nil {
		return nil, err
	}
	slices.SortFunc(rep.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return rep, nil
}

// A scanner walks directories under a Filter's root. Walk uses one per call; a Watcher keeps one
// so that directories already watched are known as duplicates to later walks.
type scanner struct {
	f *Filter
	// enter is called for every directory before it is read (the watcher adds its watch there, so
	// nothing created after the read is missed); an error skips the directory as unreadable.
	enter func(rel, abs string) error
	file  func(File)
	skip  func(reason SkipReason, rel string)

	seenDirs  map[string]string // real path -> relative path of the directories walked
	seenFiles map[string]bool   // real paths of the files listed
}

// A link is a symlink whose resolution waits until the real tree has been walked, so that real
// paths win over symlinked ones.
type link struct {
	rel, abs, realParent string
}

// walk lists the directory rel (already judged worth walking) and everything below it.
func (s *scanner) walk(ctx context.Context, rel string) error {
	if s.seenDirs == nil {
		s.seenDirs = make(map[string]string)
	}
	// Files are de-duplicated within one walk only: a watcher's later walks list files that are
	// new, possibly at a real path a removed file once had.
	s.seenFiles = make(map[string]bool)
	abs := s.f.abs(rel)
	realDir, err := filepath.EvalSymlinks(abs)
	if err != nil {
		if rel == "" {
			return fmt.Errorf("walking %s: %w", abs, err)
		}
		s.skip(SkipUnreadable, rel)
		return nil
	}
	var links []link
	if err := s.walkDir(ctx, rel, abs, realDir, &links); err != nil {
		return err
	}
	for len(links) > 0 {
		l := links[0]
		links = links[1:]
		if err := s.followLink(ctx, l, &links); err != nil {
			return err
		}
	}
	return nil
}

// walkDir walks one real directory, deferring the symlinks it meets to links.
func (s *scanner) walkDir(ctx context.Context, rel, abs, realDir string, links *[]link) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("walking %s: %w", s.f.root, err)
	}
	if prev, ok := s.seenDirs[realDir]; ok && prev != rel {
		s.skip(SkipDuplicate, rel)
		return nil
	}
	s.seenDirs[realDir] = rel
	if s.enter != nil {
		if err := s.enter(rel, abs); err != nil {
			s.skip(SkipUnreadable, rel)
			return nil
		}
	}
	d, err := os.Open(abs)
	if err != nil {
		if rel == "" {
			return fmt.Errorf("walking %s: %w", abs, err)
		}
		s.skip(SkipUnreadable, rel)
		return nil
	}
	ents, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		// Keep what was read: a directory that fails half-way still lists its first entries.
		s.skip(SkipUnreadable, rel)
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	r := s.f.rulesFor(rel)
	for _, ent := range ents {
		name := ent.Name()
		childRel, childAbs := name, abs+string(os.PathSeparator)+name
		if rel != "" {
			childRel = rel + "/" + name
		}
		typ := ent.Type()
		if typ&fs.ModeSymlink != 0 {
			*links = append(*links, link{rel: childRel, abs: childAbs, realParent: realDir})
			continue
		}
		isDir := typ.IsDir()
		if reason, skip := s.f.check(childRel, isDir, r); skip {
			s.skip(reason, childRel)
			continue
		}
		childReal := realDir + string(os.PathSeparator) + name
		switch {
		case isDir:
			if err := s.walkDir(ctx, childRel, childAbs, childReal, links); err != nil {
				return err
			}
		case !typ.IsRegular():
			s.skip(SkipSpecial, childRel)
		case s.file == nil:
			// Only directories are wanted (a watcher placing its watches).
		default:
			fi, err := ent.Info()
			if err != nil {
				s.skip(SkipUnreadable, childRel)
				continue
			}
			s.listFile(childRel, childAbs, childReal, fi)
		}
	}
	return nil
}

func (s *scanner) listFile(rel, abs, real string, fi fs.FileInfo) {
	if !fi.Mode().IsRegular() {
		s.skip(SkipSpecial, rel)
		return
	}
	if fi.Size() > s.f.maxSize {
		s.skip(SkipTooLarge, rel)
		return
	}
	if s.seenFiles[real] {
		s.skip(SkipDuplicate, rel)
		return
	}
	s.seenFiles[real] = true
	s.file(File{Path: rel, Abs: abs, Size: fi.Size(), ModTime: fi.ModTime()})
}

// followLink resolves a deferred symlink and lists or walks its target when that is inside the
// root, allowed by the rules under both names, and not already seen.
func (s *scanner) followLink(ctx context.Context, l link, links *[]link) error {
	// The link's own name is judged first, so that an ignored link is "ignored" wherever it
	// points.
	if reason, skip := s.f.Skip(l.rel, statIsDir(l.abs)); skip {
		s.skip(reason, l.rel)
		return nil
	}
	fi, real, reason := s.f.resolveLink(l.abs)
	if reason != "" {
		s.skip(reason, l.rel)
		return nil
	}
	isDir := fi.IsDir()
	if targetRel, _ := within(s.f.realRoot, real); targetRel != "" {
		if reason, skip := s.f.Skip(targetRel, isDir); skip {
			s.skip(reason, l.rel)
			return nil
		}
	}
	if !isDir {
		if s.file != nil {
			s.listFile(l.rel, l.abs, real, fi)
		}
		return nil
	}
	if _, ok := within(real, l.realParent); ok {
		s.skip(SkipSymlinkLoop, l.rel) // the link points at one of its own ancestors
		return nil
	}
	if _, ok := s.seenDirs[real]; ok {
		s.skip(SkipDuplicate, l.rel)
		return nil
	}
	return s.walkDir(ctx, l.rel, l.abs, real, links)
}

// statIsDir reports whether p, followed through symlinks, is a directory; false when it cannot
// be followed.
func statIsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
