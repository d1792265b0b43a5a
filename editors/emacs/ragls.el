;;; ragls.el --- ragls, a local-model language server, with eglot  -*- lexical-binding: t; -*-

;; Keywords: languages, tools
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))

;;; Commentary:

;; Registers `ragls serve' with eglot for the usual programming modes, sends `ragls-settings'
;; as initializationOptions and as the "ragls" section of workspace/configuration, and shows
;; ragls's indexing progress on eglot versions that do not show $/progress themselves (1.9,
;; the one Debian 12 ships).
;;
;;   (add-to-list 'load-path "/path/to/ragls/editors/emacs")
;;   (require 'ragls)
;;   (setq ragls-settings '(:modelUrl "http://127.0.0.1:11434/v1"
;;                          :chatModel "qwen2.5-coder:7b-instruct"
;;                          :completionModel "qwen2.5-coder:1.5b-base"))
;;   (add-hook 'go-mode-hook #'eglot-ensure)   ; or M-x eglot in a buffer
;;
;; Code actions (M-x eglot-code-actions) are titled "ragls: ...". Completions arrive through
;; `completion-at-point'; hover through eldoc.

;;; Code:

(require 'cl-lib)
(require 'eglot)

(defgroup ragls nil
  "The ragls language server."
  :group 'eglot
  :prefix "ragls-")

(defcustom ragls-command '("ragls" "serve")
  "The program and arguments that start the ragls language server."
  :type '(repeat string))

(defcustom ragls-settings nil
  "The ragls settings: a plist such as (:modelUrl \"http://127.0.0.1:11434/v1\").
Keys: modelUrl, apiKey, chatModel, completionModel, embeddingModel,
timeoutMs, maxTokens, temperature, stop, contextWindow, fim, templatesDir.
A per-project value can also be given as the :ragls section of
`eglot-workspace-configuration'."
  :type 'plist)

(defcustom ragls-modes
  '(go-mode go-ts-mode python-mode python-ts-mode js-mode js-ts-mode typescript-mode
    typescript-ts-mode tsx-ts-mode rust-mode rust-ts-mode java-mode java-ts-mode
    c-mode c-ts-mode c++-mode c++-ts-mode)
  "Major modes whose buffers ragls serves.
Takes effect when ragls.el is loaded."
  :type '(repeat symbol))

(defvar ragls-progress-functions nil
  "Functions called with (TOKEN VALUE) for each $/progress ragls sends.
VALUE is the plist of the progress (:kind \"begin\" :title ... :percentage ...).")

(defclass ragls-server (eglot-lsp-server) ()
  :documentation "An eglot connection to ragls.")

(defun ragls--contact (_interactive)
  "The eglot contact for ragls, read when a server starts."
  (cons 'ragls-server ragls-command))

(add-to-list 'eglot-server-programs (cons ragls-modes #'ragls--contact))

(cl-defmethod eglot-initialization-options ((_server ragls-server))
  "Send `ragls-settings' with initialize."
  (or ragls-settings eglot--{}))

(cl-defmethod eglot-handle-request
  ((_server ragls-server) (_method (eql workspace/configuration)) &key items)
  "Answer the \"ragls\" section from `ragls-settings'.
A :ragls section in `eglot-workspace-configuration' wins."
  (let ((answers (append (cl-call-next-method) nil)))
    (apply #'vector
           (cl-loop for item across items
                    for answer in answers
                    collect (if (and (null answer)
                                     (equal (plist-get item :section) "ragls"))
                                (or ragls-settings eglot--{})
                              answer)))))

;; Progress: eglot 1.9 neither asks for nor shows $/progress.  Newer versions (which define
;; `eglot-report-progress') do both; then ragls only passes the reports on to
;; `ragls-progress-functions'.

(cl-defmethod eglot-client-capabilities :around ((_server ragls-server))
  "Tell ragls that the client accepts progress reports."
  (let* ((caps (cl-call-next-method))
         (window (plist-get caps :window)))
    (unless (plist-get window :workDoneProgress)
      (setq caps (plist-put caps :window (plist-put window :workDoneProgress t))))
    caps))

(cl-defmethod eglot-handle-request
  ((_server ragls-server) (_method (eql window/workDoneProgress/create)) &key _token)
  "Accept a progress token."
  nil)

(cl-defmethod eglot-handle-notification
  ((_server ragls-server) (_method (eql $/progress)) &key token value)
  "Show ragls's progress in the echo area when eglot does not."
  (run-hook-with-args 'ragls-progress-functions token value)
  (if (boundp 'eglot-report-progress)
      (cl-call-next-method)
    (let ((kind (plist-get value :kind))
          (title (plist-get value :title))
          (msg (plist-get value :message))
          (pct (plist-get value :percentage)))
      ;; Reports go to the echo area only, not to *Messages*.
      (let ((message-log-max (if (equal kind "report") nil message-log-max)))
        (message "ragls: %s%s%s"
                 (or title (if (equal kind "end") "done" ""))
                 (if msg (concat " " msg) "")
                 (if (and pct (not (equal kind "end"))) (format " (%d%%)" pct) ""))))))

(provide 'ragls)
;;; ragls.el ends here
