package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"ragls/engine"
	"ragls/workspace"
)

// actionData travels in a code action's data (or its command's argument) from the list to the
// moment the user picks it: enough to compute the action then, and to notice that the document
// has changed since.
type actionData struct {
	Kind       ActionKind     `json:"kind"`
	URI        string         `json:"uri"`
	Version    int32          `json:"version"`
	Range      protocol.Range `json:"range"`
	Diagnostic string         `json:"diagnostic,omitempty"`
	// Instruction is what the user asked a refactoring to do; editors that ask for it (VS Code's
	// "ragls: Refactor…" input box) send it with the ragls.action command.
	Instruction string `json:"instruction,omitempty"`
}

// codeAction lists ragls's actions. It answers at once: titles only, nothing is computed until
// the user picks one (codeAction/resolve, or the ragls.action command).
func (s *Server) codeAction(_ context.Context, params []byte) (any, error) {
	var p protocol.CodeActionParams
	if err := decode(protocol.MethodTextDocumentCodeAction, params, &p); err != nil {
		return nil, err
	}
	doc, err := s.openDoc(p.TextDocument.URI)
	if err != nil {
		return []protocol.CommandOrCodeAction{}, nil
	}
	if s.engine.Access(doc.Path) == engine.AccessSecret {
		// Nothing of a secret file goes to the model; the engine told the user why on open.
		return []protocol.CommandOrCodeAction{}, nil
	}
	base := actionData{URI: string(p.TextDocument.URI), Version: doc.Version, Range: p.Range}
	selection := p.Range.Start != p.Range.End

	type offer struct {
		kind  ActionKind
		lsp   protocol.CodeActionKind
		title string
		diag  *protocol.Diagnostic
	}
	var offers []offer
	for i := range p.Context.Diagnostics {
		d := &p.Context.Diagnostics[i]
		offers = append(offers, offer{ActionFix, kindFix, "ragls: Fix: " + oneLine(diagnosticMessage(d), 80), d})
	}
	if selection {
		offers = append(offers, offer{kind: ActionExplain, lsp: kindExplain, title: "ragls: Explain selection"})
	} else {
		offers = append(offers, offer{kind: ActionExplain, lsp: kindExplain, title: "ragls: Explain function"})
	}
	offers = append(offers,
		offer{kind: ActionExplainInline, lsp: kindExplainInline, title: "ragls: Explain inline (comments)"},
		offer{kind: ActionDocument, lsp: kindDocument, title: "ragls: Document function"})
	if selection {
		offers = append(offers, offer{kind: ActionRefactor, lsp: kindRefactor, title: "ragls: Refactor selection"})
	}
	offers = append(offers, offer{kind: ActionTest, lsp: kindTest, title: "ragls: Write tests"})

	caps := s.caps()
	out := []protocol.CommandOrCodeAction{}
	for _, o := range offers {
		if !kindWanted(o.lsp, p.Context.Only) {
			continue
		}
		data := base
		data.Kind = o.kind
		if o.diag != nil {
			data.Range = o.diag.Range
			data.Diagnostic = diagnosticMessage(o.diag)
		}
		raw, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("encoding code action: %w", err)
		}
		cmd := protocol.Command{Title: o.title, Command: cmdAction, Arguments: []protocol.LSPAny{raw}}
		if !caps.codeActionLiteral {
			out = append(out, &cmd)
			continue
		}
		kind := o.lsp
		ca := &protocol.CodeAction{Title: o.title, Kind: &kind}
		if o.diag != nil {
			ca.Diagnostics = []protocol.Diagnostic{*o.diag}
		}
		// Explanations are shown, not applied, so they always go through the command; edits are
		// resolved when the client can resolve them.
		if caps.resolveEdits && o.kind != ActionExplain {
			ca.Data = raw
		} else {
			ca.Command = cmd
		}
		out = append(out, ca)
	}
	return out, nil
}

func kindWanted(kind protocol.CodeActionKind, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if kind == o || strings.HasPrefix(string(kind), string(o)+".") {
			return true
		}
	}
	return false
}

func diagnosticMessage(d *protocol.Diagnostic) string {
	switch m := d.Message.(type) {
	case protocol.String:
		return string(m)
	case *protocol.MarkupContent:
		return m.Value
	}
	return ""
}

// oneLine returns the first line of s, cut to n runes.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// resolveCodeAction computes the edit of the action the user picked.
func (s *Server) resolveCodeAction(ctx context.Context, params []byte) (any, error) {
	var ca protocol.CodeAction
	if err := decode(protocol.MethodCodeActionResolve, params, &ca); err != nil {
		return nil, err
	}
	if len(ca.Data) == 0 {
		// An action that carries its command and no data (Explain, or any action listed for a
		// client that cannot resolve edits) is complete as listed: it resolves to itself.
		// VS Code and Neovim resolve every action they are given, whatever the server says.
		return &ca, nil
	}
	data, err := parseActionData(ca.Data)
	if err != nil {
		return nil, err
	}
	res, edit, writeFile, err := s.computeAction(ctx, data, nil)
	if err != nil {
		return nil, err
	}
	ca.Edit = edit
	ca.Data = nil
	switch {
	case writeFile != nil:
		raw, err := json.Marshal(writeFile)
		if err != nil {
			return nil, fmt.Errorf("encoding file to write: %w", err)
		}
		ca.Command = protocol.Command{Title: "ragls: create " + filepath.Base(writeFile.Path), Command: cmdWriteFile, Arguments: []protocol.LSPAny{raw}}
	case res.NewFile != nil:
		// The edit changes another file (tests added to an existing test file): the client
		// applies it, then runs this command, and the user sees the file that changed.
		raw, err := json.Marshal(res.NewFile.Path)
		if err != nil {
			return nil, fmt.Errorf("encoding file to show: %w", err)
		}
		ca.Command = protocol.Command{Title: "ragls: show " + filepath.Base(res.NewFile.Path), Command: cmdOpen, Arguments: []protocol.LSPAny{raw}}
	case res.Markdown != "":
		raw, err := json.Marshal(res.Markdown)
		if err != nil {
			return nil, fmt.Errorf("encoding explanation: %w", err)
		}
		ca.Command = protocol.Command{Title: "ragls: show explanation", Command: cmdMarkdown, Arguments: []protocol.LSPAny{raw}}
	}
	return &ca, nil
}

// computeAction is the one path that computes an action, whether the client resolves it or
// runs the ragls.action command: the request on the current buffer, the engine's result, and
// the edit (or file to write) checked against the buffers as they are now. It releases the
// reading goroutine.
//
// An action that takes longer than actionProgressDelay shows progress, on the client's token
// when the request carried one (progress), and the user can cancel it from there.
func (s *Server) computeAction(ctx context.Context, data actionData, progress protocol.ProgressToken) (ActionResult, *protocol.WorkspaceEdit, *fileToWrite, error) {
	doc, req, err := s.actionRequest(data)
	if err != nil {
		return ActionResult{}, nil, nil, err
	}
	release(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := s.startActionProgress(ctx, cancel, req.Kind, progress)
	res, err := s.engine.Action(ctx, req)
	stop()
	if err != nil {
		return ActionResult{}, nil, nil, actionFailed(req.Kind, err)
	}
	edit, write, err := s.workspaceEdit(doc, res)
	if err == nil && res.Note != "" {
		s.showMessage(ctx, protocol.MessageTypeInfo, "ragls: "+res.Note)
	}
	return res, edit, write, err
}

func parseActionData(raw []byte) (actionData, error) {
	var d actionData
	if len(raw) == 0 {
		return d, jsonrpc2.NewError(jsonrpc2.InvalidParams, "ragls: code action has no data")
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return d, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: code action data: %v", err)
	}
	switch d.Kind {
	case ActionExplain, ActionExplainInline, ActionDocument, ActionRefactor, ActionFix, ActionTest:
	default:
		return d, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: unknown code action %q", d.Kind)
	}
	return d, nil
}

// actionRequest turns data into a request on the current buffer, refusing if the buffer has
// changed since the action was listed: its range would no longer mean the same text.
func (s *Server) actionRequest(data actionData) (Doc, ActionRequest, error) {
	doc, err := s.openDoc(uri.URI(data.URI))
	if err != nil {
		return doc, ActionRequest{}, err
	}
	if doc.Version != data.Version {
		return doc, ActionRequest{}, contentModified(doc.Path)
	}
	start, end := rangeOffsets(doc.Text, data.Range, s.enc())
	return doc, ActionRequest{Kind: data.Kind, Doc: doc, Start: start, End: end, Diagnostic: data.Diagnostic, Instruction: data.Instruction}, nil
}

func contentModified(path string) error {
	return jsonrpc2.Errorf(protocol.CodeContentModified, "ragls: %s changed while the action was prepared; try again", filepath.Base(path))
}

func actionFailed(kind ActionKind, err error) error {
	return fmt.Errorf("ragls: %s failed: %w", kind, err)
}

// fileToWrite is a new file that the client cannot create through a WorkspaceEdit.
type fileToWrite struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// workspaceEdit converts an engine result into a WorkspaceEdit for doc, after checking that the
// buffers it edits are still exactly what the engine saw. A new file the client cannot create is
// returned separately, for the server to write.
func (s *Server) workspaceEdit(doc Doc, res ActionResult) (*protocol.WorkspaceEdit, *fileToWrite, error) {
	if len(res.Edits) == 0 && res.NewFile == nil {
		return nil, nil, nil
	}
	caps, enc := s.caps(), s.enc()
	we := &protocol.WorkspaceEdit{}
	add := func(u uri.URI, version *int32, edits []protocol.TextEdit) {
		if caps.documentChanges {
			elems := make([]protocol.TextDocumentEditElement, len(edits))
			for i := range edits {
				elems[i] = &edits[i]
			}
			we.DocumentChanges = append(we.DocumentChanges, &protocol.TextDocumentEdit{
				TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
					TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u},
					Version:                version,
				},
				Edits: elems,
			})
			return
		}
		if we.Changes == nil {
			we.Changes = make(map[uri.URI][]protocol.TextEdit)
		}
		we.Changes[u] = append(we.Changes[u], edits...)
	}

	if len(res.Edits) > 0 {
		cur, ok := s.engine.Buffer(doc.Path)
		if !ok || cur.Version != doc.Version {
			return nil, nil, contentModified(doc.Path)
		}
		edits, err := lspEdits(doc.Text, res.Edits, enc)
		if err != nil {
			return nil, nil, err
		}
		v := doc.Version
		add(s.uriOf(doc.Path), &v, edits)
	}

	var write *fileToWrite
	if nf := res.NewFile; nf != nil {
		if !filepath.IsAbs(nf.Path) {
			return nil, nil, fmt.Errorf("ragls: engine proposed a file with a relative path %q", nf.Path)
		}
		path := filepath.Clean(nf.Path)
		if err := s.engine.CheckWrite(path); err != nil {
			return nil, nil, fmt.Errorf("ragls: %w", err)
		}
		u := s.uriOf(path)
		base := nf.Base
		var version *int32
		if cur, open := s.engine.Buffer(path); open {
			if nf.Create || cur.Text != base {
				return nil, nil, contentModified(path)
			}
			v := cur.Version
			version = &v
		} else if nf.Create {
			if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
				return nil, nil, fmt.Errorf("ragls: %s already exists; not overwriting it", path)
			}
			base = ""
		}
		edits, err := lspEdits(base, nf.Edits, enc)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case nf.Create && caps.createFiles:
			we.DocumentChanges = append(we.DocumentChanges, &protocol.CreateFile{
				Kind: "create", URI: u, Options: &protocol.CreateFileOptions{IgnoreIfExists: ptr(true)},
			})
			add(u, nil, edits)
		case nf.Create:
			content, err := applyEdits(base, nf.Edits)
			if err != nil {
				return nil, nil, err
			}
			write = &fileToWrite{Path: path, Content: content}
		default:
			add(u, version, edits)
		}
	}
	if we.Changes == nil && we.DocumentChanges == nil {
		return nil, write, nil
	}
	return we, write, nil
}

// lspEdits converts byte edits on text into LSP edits, refusing edits that do not fit the text
// or overlap: the engine produced them for different text.
func lspEdits(text string, edits []Edit, enc encoding) ([]protocol.TextEdit, error) {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b Edit) int { return a.Start - b.Start })
	out := make([]protocol.TextEdit, 0, len(sorted))
	prevEnd := 0
	for _, e := range sorted {
		if e.Start < prevEnd || e.End < e.Start || e.End > len(text) {
			return nil, fmt.Errorf("ragls: the proposed edit [%d, %d) does not fit the document (%d bytes)", e.Start, e.End, len(text))
		}
		prevEnd = e.End
		out = append(out, protocol.TextEdit{Range: rangeOf(text, e.Start, e.End, enc), NewText: e.NewText})
	}
	return out, nil
}

// applyEdits applies non-overlapping edits whose offsets all refer to text.
func applyEdits(text string, edits []Edit) (string, error) {
	sorted := slices.Clone(edits)
	slices.SortStableFunc(sorted, func(a, b Edit) int { return b.Start - a.Start })
	ws := make([]workspace.TextEdit, len(sorted))
	for i, e := range sorted {
		ws[i] = workspace.TextEdit{Start: e.Start, End: e.End, NewText: e.NewText}
	}
	return workspace.ApplyEdits(text, ws) // last first, so earlier offsets stay valid
}

// executeCommand runs ragls's commands: the code action path for clients that cannot resolve.
func (s *Server) executeCommand(ctx context.Context, params []byte) (any, error) {
	var p protocol.ExecuteCommandParams
	if err := decode(protocol.MethodWorkspaceExecuteCommand, params, &p); err != nil {
		return nil, err
	}
	if len(p.Arguments) != 1 {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s takes one argument, got %d", p.Command, len(p.Arguments))
	}
	arg := p.Arguments[0]
	switch p.Command {
	case cmdAction:
		data, err := parseActionData(arg)
		if err != nil {
			return nil, err
		}
		res, edit, write, err := s.computeAction(ctx, data, p.WorkDoneToken)
		if err != nil {
			return nil, err
		}
		if edit != nil {
			if err := s.applyEdit(ctx, string(data.Kind), edit); err != nil {
				return nil, err
			}
			if res.NewFile != nil && write == nil {
				s.showFile(ctx, res.NewFile.Path)
			}
		}
		if write != nil {
			if err := s.writeFile(ctx, write); err != nil {
				return nil, err
			}
		}
		if res.Markdown != "" {
			s.showMarkdown(ctx, res.Markdown)
		}
		return nil, nil
	case cmdMarkdown:
		var md string
		if err := json.Unmarshal(arg, &md); err != nil {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s: %v", cmdMarkdown, err)
		}
		release(ctx)
		s.showMarkdown(ctx, md)
		return nil, nil
	case cmdAccepted:
		return nil, s.accepted(arg)
	case cmdOpen:
		var path string
		if err := json.Unmarshal(arg, &path); err != nil || !filepath.IsAbs(path) {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s needs an absolute path", cmdOpen)
		}
		release(ctx)
		s.showFile(ctx, path)
		return nil, nil
	case cmdWriteFile:
		var w fileToWrite
		if err := json.Unmarshal(arg, &w); err != nil || !filepath.IsAbs(w.Path) {
			return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %s needs {path, content} with an absolute path", cmdWriteFile)
		}
		release(ctx)
		return nil, s.writeFile(ctx, &w)
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: unknown command %q", p.Command)
}

func (s *Server) applyEdit(ctx context.Context, label string, edit *protocol.WorkspaceEdit) error {
	if !s.caps().applyEdit {
		return errors.New("ragls: this editor cannot apply edits sent by a server (workspace/applyEdit)")
	}
	l := "ragls: " + label
	res, err := s.client.ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: &l, Edit: *edit})
	if err != nil {
		return fmt.Errorf("ragls: the editor did not apply the edit: %w", err)
	}
	if res == nil || !res.Applied {
		reason := "no reason given"
		if res != nil && res.FailureReason != nil {
			reason = *res.FailureReason
		}
		return fmt.Errorf("ragls: the editor refused the edit: %s", reason)
	}
	return nil
}

// writeFile creates a new file for clients that cannot create one through an edit, then shows
// it. It never overwrites.
func (s *Server) writeFile(ctx context.Context, w *fileToWrite) error {
	if err := s.engine.CheckWrite(w.Path); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "ragls: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(w.Path), 0o755); err != nil {
		return fmt.Errorf("ragls: creating %s: %w", w.Path, err)
	}
	f, err := os.OpenFile(w.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("ragls: creating %s: %w", w.Path, err)
	}
	_, err = f.WriteString(w.Content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ragls: writing %s: %w", w.Path, err)
	}
	s.filesChanged([]string{w.Path})
	if s.caps().showDocument {
		if _, err := s.client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: uri.File(w.Path), TakeFocus: ptr(true)}); err == nil {
			return nil
		}
	}
	s.showMessage(ctx, protocol.MessageTypeInfo, "ragls: created "+w.Path)
	return nil
}

// showFile shows a file an action changed: opened in the editor when it can show documents,
// else named in a message, so that no edit lands where the user does not look.
func (s *Server) showFile(ctx context.Context, path string) {
	if s.caps().showDocument {
		res, err := s.client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: uri.File(path), TakeFocus: ptr(true)})
		if err == nil && res != nil && res.Success {
			return
		}
	}
	s.showMessage(ctx, protocol.MessageTypeInfo, "ragls: changed "+path)
}

// showMarkdown shows an explanation: as a Markdown file the editor opens when it can show
// documents, else as a message.
func (s *Server) showMarkdown(ctx context.Context, md string) {
	if s.caps().showDocument {
		path, err := s.writeTemp(md)
		if err == nil {
			res, err := s.client.ShowDocument(ctx, &protocol.ShowDocumentParams{URI: uri.File(path), TakeFocus: ptr(true)})
			if err == nil && res != nil && res.Success {
				return
			}
		}
		s.log.Info("could not show explanation as a document; sending a message instead", "error", err)
	}
	s.showMessage(ctx, protocol.MessageTypeInfo, md)
}

func (s *Server) writeTemp(md string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tmpDir == "" {
		dir, err := os.MkdirTemp("", "ragls-")
		if err != nil {
			return "", fmt.Errorf("creating a directory for explanations: %w", err)
		}
		s.tmpDir = dir
	}
	s.tmpSeq++
	path := filepath.Join(s.tmpDir, fmt.Sprintf("explanation-%d-%s.md", s.tmpSeq, time.Now().Format("150405")))
	if err := os.WriteFile(path, []byte(md), 0o600); err != nil {
		return "", fmt.Errorf("writing explanation: %w", err)
	}
	return path, nil
}

func (s *Server) removeTemp() {
	s.mu.Lock()
	dir := s.tmpDir
	s.tmpDir = ""
	s.mu.Unlock()
	if dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			s.log.Warn("removing explanations", "dir", dir, "error", err)
		}
	}
}
