// Package e2e drives ragls serve from real editors: headless Neovim, Emacs with eglot, Vim's
// built-in LSP channel and a Node client on vscode-languageserver-protocol. Each test opens a
// small workspace, waits for the indexing progress, asks for a hover, lists and runs a code
// action and applies its edit, asks for a completion and shuts the server down, against the
// real model server of scripts/test for the happy path and a fake one for failures.
//
// The editors load the configurations shipped in editors/, so those are tested too. The tests
// find their tools through RAGLS_NVIM, RAGLS_EMACS, RAGLS_VIM, RAGLS_NODE and
// RAGLS_NODE_MODULES, and the model server through RAGLS_TEST_MODEL_URL and RAGLS_TEST_MODEL;
// they skip when one is missing, except under CI=true, where that is a failure.
package e2e
