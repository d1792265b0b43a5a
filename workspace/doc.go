// Package workspace knows the roots of a workspace: which files are worth indexing, which must
// never be read (ignored, secret, binary, too large, outside the root through a symlink), and
// watching the roots for changes.
//
// Discovery has four entry points that apply the same rules, so that a file never changes status
// depending on how it was found:
//
//   - [Walk] lists a whole root and counts what it skipped and why ([Report]).
//   - [Filter] answers for a single path: a watcher event, a file on disk.
//   - [ReadText] reads one file for indexing and refuses binary and oversized content;
//     [IsSecretContent] refuses secrets whatever the file's name.
//   - [Session.Classify] judges a document an editor holds, by its resolved path and its text,
//     as [Access]: indexed, private to the user (never context for other files) or secret.
//
// The open buffers themselves belong to the engine; a Session sees them through its overlay
// ([Session.SetOverlay]) whenever it indexes a file.
//
// Ignore rules follow git: .gitignore files at every level (with negations), .git/info/exclude,
// the .gitignore files of an enclosing repository when the root is a subdirectory of one, plus
// .raglsignore files (same syntax, same placement, taking precedence over .gitignore at the same
// level) and patterns from the user's configuration. Secret files ([DefaultSecretPatterns]) are
// a separate list that ignore files cannot re-include: only the user's own secret patterns can,
// with a "!" line.
//
// [Watcher] follows one root with fsnotify and hands its caller debounced, de-duplicated batches
// of changes; a multi-root workspace runs one Watcher per root.
package workspace
