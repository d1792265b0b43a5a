package workspace

import (
	"bytes"
	"path"
	"path/filepath"
	"strings"
)

// Access says what ragls may do with a document, whatever way it was reached (an editor buffer,
// a file on disk, a command-line argument).
type Access int

const (
	// AccessIndexed is a file under a root that passes every rule: it is indexed and may be
	// context for other files.
	AccessIndexed Access = iota
	// AccessPrivate is the user's to work in but no one else's: a file that is ignored, too
	// large, binary or outside every root. The model may see it as the current buffer (the
	// prefix and suffix of a completion, the code of an action), but it is never indexed and
	// never context for another file.
	AccessPrivate
	// AccessSecret is a file that holds secrets by its name or its content: never indexed,
	// cached or sent to the model, not even as the current buffer.
	AccessSecret
)

func (a Access) String() string {
	switch a {
	case AccessIndexed:
		return "indexed"
	case AccessPrivate:
		return "private"
	case AccessSecret:
		return "secret"
	}
	return "unknown"
}

// A Place is where a document lives and what ragls may do with it.
type Place struct {
	// Real is the absolute path with symlinks and ".." resolved (for a file that does not exist
	// yet, its directory's), "" for a document with no file ("untitled:...").
	Real   string
	Root   *Root  // nil outside every root
	Rel    string // Real relative to Root.Dir, slash-separated
	Access Access
	Reason SkipReason // why the document is not indexed, "" for AccessIndexed
}

// ResolvePath returns p absolute and clean with symlinks resolved. A path that does not exist
// is resolved through its nearest existing ancestor, so that a file about to be created under a
// symlinked directory is judged where it will really be.
func ResolvePath(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	dir, rest := filepath.Dir(abs), []string{filepath.Base(abs)}
	for dir != filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(append([]string{real}, rest...)...)
		}
		rest = append([]string{filepath.Base(dir)}, rest...)
		dir = filepath.Dir(dir)
	}
	return abs
}

// Classify decides what ragls may do with the document at p (an absolute path, or a URI such
// as "untitled:1" for a buffer without a file) whose text is text. Every rule that keeps a file
// out of the index on disk holds for buffers too: the secret patterns, judged on the path as
// given and as resolved; the content check for secrets; the ignore rules; the size limit; and a
// path that resolves outside every root is outside, whatever root it seems to be in.
func (s *Session) Classify(p string, text string) Place {
	return s.JudgeText(s.ClassifyPath(p), p, text)
}

// ClassifyPath is Classify for what the path alone decides; JudgeText adds what the text does.
// A buffer's path is judged when it opens, its text on every change.
func (s *Session) ClassifyPath(p string) Place {
	if !filepath.IsAbs(p) {
		// No file: the buffer is the user's, nothing to index.
		return Place{Access: AccessPrivate, Reason: SkipOutsideRoot}
	}
	real := ResolvePath(p)
	pl := Place{Real: real}
	for _, name := range []string{filepath.Clean(p), real} {
		if secretByName(s.secrets, name) {
			pl.Access, pl.Reason = AccessSecret, SkipSecret
			return pl
		}
	}
	r, rel, ok := s.rootOfReal(real)
	if !ok || rel == "" {
		pl.Access, pl.Reason = AccessPrivate, SkipOutsideRoot
		return pl
	}
	pl.Root, pl.Rel = r, rel
	f, err := r.filter()
	if err != nil {
		pl.Access, pl.Reason = AccessPrivate, SkipUnreadable
		return pl
	}
	if reason, skip := f.Skip(rel, false); skip {
		pl.Access, pl.Reason = AccessPrivate, reason
		if reason == SkipSecret {
			pl.Access = AccessSecret
		}
	}
	return pl
}

// JudgeText applies the rules on content to the document p whose path was judged pl: the
// content check for secrets, the size limit and the binary check.
func (s *Session) JudgeText(pl Place, p, text string) Place {
	if pl.Access == AccessSecret {
		return pl
	}
	if IsSecretContent(p, text) {
		pl.Access, pl.Reason = AccessSecret, SkipSecret
		return pl
	}
	if pl.Access != AccessIndexed {
		return pl
	}
	switch {
	case int64(len(text)) > s.cfg.Options.maxFileSize():
		pl.Access, pl.Reason = AccessPrivate, SkipTooLarge
	case strings.IndexByte(text[:min(len(text), sniffLen)], 0) >= 0:
		pl.Access, pl.Reason = AccessPrivate, SkipBinary
	}
	return pl
}

// ReloadRules makes the root's next classification read the ignore files again.
func (r *Root) ReloadRules() { r.forgetFilter() }

// secretByName applies the secret patterns to every trailing part of an absolute path: a
// pattern such as ".ssh/" or "**/.docker/config.json" must match wherever the file lives.
func secretByName(secrets *rules, abs string) bool {
	parts := strings.Split(filepath.ToSlash(abs), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if parts[i] == "" {
			continue
		}
		for j := i; j < len(parts); j++ {
			// Each directory on the way, as Filter.Skip checks parents first.
			sub := strings.Join(parts[i:j+1], "/")
			if secrets.ignored(sub, j < len(parts)-1) {
				return true
			}
		}
	}
	return false
}

// IsSecretContent reports whether text holds secrets whatever the file's name: a Kubernetes
// Secret manifest (a YAML document with "kind: Secret"), or a PEM private key block.
func IsSecretContent(name, text string) bool {
	if strings.Contains(text, "-----BEGIN ") && strings.Contains(text, "PRIVATE KEY-----") {
		return true
	}
	switch strings.ToLower(path.Ext(filepath.ToSlash(name))) {
	case ".yaml", ".yml", ".json", "":
	default:
		return false
	}
	return kubernetesSecret([]byte(text))
}

// kubernetesSecret looks for a top-level "kind: Secret" line (or its JSON spelling).
func kubernetesSecret(b []byte) bool {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		t := bytes.TrimSpace(line)
		t = bytes.Trim(t, `",`)
		k, v, ok := bytes.Cut(t, []byte(":"))
		if !ok {
			continue
		}
		k = bytes.Trim(bytes.TrimSpace(k), `"`)
		v = bytes.Trim(bytes.TrimSpace(v), `"' ,`)
		if string(k) == "kind" && (string(v) == "Secret" || string(v) == "SealedSecret") {
			return true
		}
	}
	return false
}

// filter returns the root's current Filter, made anew when ignore files may have changed.
func (r *Root) filter() (*Filter, error) {
	r.filterMu.Lock()
	defer r.filterMu.Unlock()
	if r.cachedFilter == nil {
		f, err := NewFilter(r.Dir, r.session.cfg.Options)
		if err != nil {
			return nil, err
		}
		r.cachedFilter = f
	}
	return r.cachedFilter, nil
}

// forgetFilter makes the next classification read the ignore files again.
func (r *Root) forgetFilter() {
	r.filterMu.Lock()
	r.cachedFilter = nil
	r.filterMu.Unlock()
}

// Contains reports whether the absolute path p, resolved, lies inside one of the roots (not the
// root directory itself): the only places a code action may write.
func (s *Session) Contains(p string) (*Root, string, bool) {
	if !filepath.IsAbs(p) {
		return nil, "", false
	}
	r, rel, ok := s.rootOfReal(ResolvePath(p))
	return r, rel, ok && rel != ""
}

func (s *Session) rootOfReal(real string) (*Root, string, bool) {
	var best *Root
	var bestRel string
	for _, r := range s.Roots() {
		rel, ok := within(r.Dir, real)
		if ok && (best == nil || len(r.Dir) > len(best.Dir)) {
			best, bestRel = r, rel
		}
	}
	return best, bestRel, best != nil
}
