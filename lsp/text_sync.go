package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"ragls/engine"
	"ragls/workspace"
)

// errStale is the cause with which a completion is cancelled when its document changes.
var errStale = errors.New("document changed")

func (s *Server) didOpen(params []byte) error {
	var p protocol.DidOpenTextDocumentParams
	if err := decode(protocol.MethodTextDocumentDidOpen, params, &p); err != nil {
		return err
	}
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.uris[path] = clientSpelling(params, p.TextDocument.URI)
	s.mu.Unlock()
	return s.modify(engine.Modification{Path: path, Version: p.TextDocument.Version, Text: p.TextDocument.Text, Kind: engine.Open})
}

// modify hands changes to the engine, which owns the buffers.
func (s *Server) modify(mods ...engine.Modification) error {
	ctx := s.ctx
	if ctx == nil { // before Run, as in benchmarks that drive the handlers directly
		ctx = context.Background()
	}
	return s.engine.DidModifyFiles(ctx, mods)
}

// clientSpelling returns a document's URI exactly as the client wrote it in params. The
// protocol types re-encode URIs on decoding (file:///a=b becomes file:///a%3Db), and a client
// that compares URIs as strings would not recognise its own document in an edit.
func clientSpelling(params []byte, decoded uri.URI) uri.URI {
	var raw struct {
		TextDocument struct {
			URI string `json:"uri"`
		} `json:"textDocument"`
	}
	if err := json.Unmarshal(params, &raw); err != nil || raw.TextDocument.URI == "" {
		return decoded
	}
	return uri.URI(raw.TextDocument.URI)
}

func (s *Server) didChange(params []byte) error {
	var p protocol.DidChangeTextDocumentParams
	if err := decode(protocol.MethodTextDocumentDidChange, params, &p); err != nil {
		return err
	}
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return err
	}
	// Whatever happens next, completions computed for the old text are of no use.
	s.cancelCompletions(path)
	doc, ok := s.engine.Buffer(path)
	if !ok {
		return fmt.Errorf("change to %s, which is not open", p.TextDocument.URI)
	}
	edits, err := toEdits(doc.Text, p.ContentChanges, s.enc())
	if err != nil {
		return err
	}
	text, err := workspace.ApplyEdits(doc.Text, edits)
	if err != nil {
		return fmt.Errorf("change to %s (version %d): %w", p.TextDocument.URI, p.TextDocument.Version, err)
	}
	return s.modify(engine.Modification{Path: path, Version: p.TextDocument.Version, Text: text, Kind: engine.Change})
}

// toEdits converts LSP content changes to byte edits. Each change's range refers to the text
// left by the changes before it, so the text is followed along; a single change (one keystroke,
// the usual case) needs no copy.
func toEdits(text string, changes []protocol.TextDocumentContentChangeEvent, enc encoding) ([]workspace.TextEdit, error) {
	edits := make([]workspace.TextEdit, 0, len(changes))
	for i, c := range changes {
		var e workspace.TextEdit
		switch c := c.(type) {
		case *protocol.TextDocumentContentChangePartial:
			start, end := rangeOffsets(text, c.Range, enc)
			e = workspace.TextEdit{Start: start, End: end, NewText: c.Text}
		case *protocol.TextDocumentContentChangeWholeDocument:
			e = workspace.TextEdit{Start: 0, End: len(text), NewText: c.Text}
		default:
			return nil, fmt.Errorf("content change %d has an unknown form", i)
		}
		edits = append(edits, e)
		if i < len(changes)-1 {
			text = text[:e.Start] + e.NewText + text[e.End:]
		}
	}
	return edits, nil
}

func (s *Server) didClose(params []byte) error {
	var p protocol.DidCloseTextDocumentParams
	if err := decode(protocol.MethodTextDocumentDidClose, params, &p); err != nil {
		return err
	}
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return err
	}
	s.cancelCompletions(path)
	s.mu.Lock()
	delete(s.uris, path)
	delete(s.lastCompletion, path)
	s.mu.Unlock()
	return s.modify(engine.Modification{Path: path, Kind: engine.Close})
}

func (s *Server) didSave(params []byte) error {
	var p protocol.DidSaveTextDocumentParams
	if err := decode(protocol.MethodTextDocumentDidSave, params, &p); err != nil {
		return err
	}
	path, err := pathOf(p.TextDocument.URI)
	if err != nil {
		return err
	}
	m := engine.Modification{Path: path, Kind: engine.Save}
	if p.Text != nil {
		m.Text = *p.Text
	}
	return s.modify(m)
}

func (s *Server) didChangeWatchedFiles(params []byte) error {
	var p protocol.DidChangeWatchedFilesParams
	if err := decode(protocol.MethodWorkspaceDidChangeWatchedFiles, params, &p); err != nil {
		return err
	}
	var mods []engine.Modification
	for _, ch := range p.Changes {
		if file, ok := filePath(ch.URI); ok {
			k := engine.FileChanged
			if ch.Type == protocol.FileChangeTypeDeleted {
				k = engine.FileDeleted
			}
			mods = append(mods, engine.Modification{Path: file, Kind: k})
		}
	}
	if len(mods) > 0 {
		return s.modify(mods...)
	}
	return nil
}

// filesChanged tells the engine of files the server itself wrote.
func (s *Server) filesChanged(paths []string) {
	mods := make([]engine.Modification, len(paths))
	for i, p := range paths {
		mods[i] = engine.Modification{Path: p, Kind: engine.FileChanged}
	}
	if err := s.modify(mods...); err != nil {
		s.log.Warn("could not tell the engine of written files", "error", err)
	}
}

func (s *Server) didChangeWorkspaceFolders(params []byte) error {
	var p protocol.DidChangeWorkspaceFoldersParams
	if err := decode(protocol.MethodWorkspaceDidChangeWorkspaceFolders, params, &p); err != nil {
		return err
	}
	s.mu.Lock()
	roots := slices.Clone(s.roots)
	for _, f := range p.Event.Removed {
		if path, ok := filePath(f.URI); ok {
			roots = slices.DeleteFunc(roots, func(r string) bool { return r == path })
		}
	}
	for _, f := range p.Event.Added {
		if path, ok := filePath(f.URI); ok {
			roots = addRoot(roots, path)
		}
	}
	s.roots = roots
	s.mu.Unlock()
	s.engineJobs.push(func(ctx context.Context) { s.setRoots(ctx, roots) })
	return nil
}

func (s *Server) didChangeConfiguration(params []byte) error {
	var p protocol.DidChangeConfigurationParams
	if err := decode(protocol.MethodWorkspaceDidChangeConfiguration, params, &p); err != nil {
		return err
	}
	if s.caps().configuration {
		// Clients that serve workspace/configuration often send null settings here, as a mere
		// signal to pull.
		s.engineJobs.push(s.pullConfiguration)
		return nil
	}
	if settings := unwrapSettings(p.Settings); settings != nil {
		s.engineJobs.push(func(context.Context) { s.configure(settings) })
	}
	return nil
}
