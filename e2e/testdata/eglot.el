;;; eglot.el --- drives ragls from Emacs eglot in batch, through editors/emacs/ragls.el  -*- lexical-binding: t; -*-

;; Run: emacs --batch -Q -l eglot.el with RAGLS_E2E_PLAN set (see e2e/emacs_test.go). Writes
;; what it saw as JSON to the plan's result file.

;;; Code:

(require 'cl-lib)
(require 'json)

;; -Q skips the site directories where Debian installs elpa-eglot and its dependencies.
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (when (file-directory-p dir)
    (add-to-list 'load-path dir)))

(defvar e2e-plan (json-parse-string (getenv "RAGLS_E2E_PLAN") :object-type 'plist :array-type 'list))
(defvar e2e-out (list :progress nil :messages nil :errors nil :actions nil :completion nil))

(defun e2e-push (key value)
  (setq e2e-out (plist-put e2e-out key (append (plist-get e2e-out key) (list value)))))

(defun e2e-set (key value)
  (setq e2e-out (plist-put e2e-out key value)))

(defun e2e-fail (msg &rest args)
  (e2e-push :errors (apply #'format msg args)))

(defun e2e-wait (seconds pred)
  "Process events until PRED holds or SECONDS pass; return PRED's last value."
  (let ((deadline (+ (float-time) seconds)) (ok nil))
    (while (and (not (setq ok (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    ok))

(defun e2e-buffer-text ()
  (buffer-substring-no-properties (point-min) (point-max)))

(defun e2e-goto (pos)
  "Move to an LSP position of the plan (0-based line, column; ASCII text)."
  (goto-char (point-min))
  (forward-line (plist-get pos :line))
  (forward-char (plist-get pos :character)))

(defun e2e-main ()
  (add-to-list 'load-path (plist-get e2e-plan :plugin))
  (require 'ragls)
  ;; Emacs 28 has no Go mode of its own; ragls needs nothing from one.
  (unless (fboundp 'go-mode)
    (define-derived-mode go-mode prog-mode "Go")
    (add-to-list 'auto-mode-alist '("\\.go\\'" . go-mode)))
  (setq ragls-command (plist-get e2e-plan :server)
        ragls-settings (plist-get e2e-plan :settings)
        ;; No one is there to confirm the edit in batch.
        eglot-confirm-server-initiated-edits nil
        eglot-sync-connect t
        eglot-autoreconnect nil)
  (add-hook 'ragls-progress-functions
            (lambda (_token value) (e2e-push :progress (plist-get value :kind))))
  (advice-add 'eglot-handle-notification :before
              (lambda (_server method &rest params)
                (when (eq method 'window/showMessage)
                  (e2e-push :messages (plist-get params :message)))))
  (find-file (plist-get e2e-plan :file))
  (e2e-set :before (e2e-buffer-text))
  (apply #'eglot (eglot--guess-contact))
  (let ((server (eglot-current-server)))
    (unless server
      (error "eglot did not connect"))
    (unless (e2e-wait 10 (lambda () (equal (car (last (plist-get e2e-out :progress))) "end")))
      (e2e-fail "no end of indexing progress: %S" (plist-get e2e-out :progress)))

    (e2e-goto (plist-get e2e-plan :hover))
    (let ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
      (e2e-set :hover (plist-get (plist-get hover :contents) :value)))

    ;; The actions as eglot's own command lists them, with the fake diagnostic in the context.
    (e2e-goto (plist-get e2e-plan :action))
    (let* ((actions (jsonrpc-request
                     server :textDocument/codeAction
                     (list :textDocument (eglot--TextDocumentIdentifier)
                           :range (list :start (eglot--pos-to-lsp-position (point))
                                        :end (eglot--pos-to-lsp-position (point)))
                           :context (list :diagnostics (vector (plist-get e2e-plan :diagnostic))))))
           (document (cl-find "ragls: Document function" actions
                              :key (lambda (a) (plist-get a :title)) :test #'equal)))
      (cl-loop for a across actions do (e2e-push :actions (plist-get a :title)))
      (if (not document)
          (e2e-fail "no \"ragls: Document function\" action")
        ;; eglot 1.9 cannot resolve: it runs the action's command, and ragls sends the edit
        ;; back through workspace/applyEdit, which eglot applies to the buffer.
        (let ((jsonrpc-default-request-timeout (/ (plist-get e2e-plan :actionTimeout) 1000.0)))
          (eglot--read-execute-code-action (list document) server (plist-get document :kind)))))
    (e2e-set :after (e2e-buffer-text))
    ;; eglot sends the edit to the server as an incremental change, when idle or before its own
    ;; requests: flush it as those do. The server must follow it.
    (eglot--signal-textDocument/didChange)
    (e2e-goto (plist-get e2e-plan :hoverAfter))
    (let ((hover (jsonrpc-request server :textDocument/hover (eglot--TextDocumentPositionParams))))
      (e2e-set :hoverAfter (plist-get (plist-get hover :contents) :value)))

    ;; Completion through completion-at-point, as a user's C-M-i would.
    (e2e-goto (plist-get e2e-plan :completion))
    (let* ((jsonrpc-default-request-timeout (/ (plist-get e2e-plan :actionTimeout) 1000.0))
           (capf (eglot-completion-at-point)))
      (if (not capf)
          (e2e-fail "eglot-completion-at-point returned nil")
        (dolist (c (all-completions "" (nth 2 capf)))
          (e2e-push :completion (substring-no-properties c)))))

    ;; eglot-shutdown kills the server right after sending exit, so its exit status would be
    ;; SIGKILL's: say shutdown and exit here, as eglot does, and give the server time to go.
    (let ((proc (jsonrpc--process server)))
      (setf (eglot--shutdown-requested server) t)
      (jsonrpc-request server :shutdown nil :timeout 5)
      (jsonrpc-notify server :exit nil)
      (e2e-wait 5 (lambda () (not (process-live-p proc))))
      (if (process-live-p proc)
          (e2e-fail "ragls serve still running 5 s after exit")
        (e2e-set :serverExit (process-exit-status proc)))
      (ignore-errors (eglot-shutdown server)))))

(condition-case err
    (e2e-main)
  (error (e2e-fail "lisp error: %S" err)))
(with-temp-file (plist-get e2e-plan :result)
  (insert (json-serialize
           (cl-loop for (k v) on e2e-out by #'cddr
                    append (list k (cond ((memq k '(:hover :hoverAfter :before :after)) (or v ""))
                                         ((eq k :serverExit) (or v :null))
                                         (t (vconcat v))))))))
(kill-emacs 0)

;;; eglot.el ends here
