package workspace

import (
	"context"
	"slices"
	"testing"
)

func TestSecretPatterns(t *testing.T) {
	root := t.TempDir()
	f, err := NewFilter(root, Options{ExtraSecrets: []string{"*.sops.yaml", "!.env.sample", "vault/"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rel    string
		isDir  bool
		secret bool
	}{
		{".env", false, true},
		{".env.local", false, true},
		{".env.example", false, true}, // templates too: be conservative
		{"deploy/prod.env", false, true},
		{"config/.env.production", false, true},
		{"certs/server.pem", false, true},
		{"tls/server.key", false, true},
		{"home/.ssh/id_rsa", false, true},
		{"id_rsa.pub", false, true},
		{"id_ed25519", false, true},
		{"keys/store.p12", false, true},
		{"keys/store.pfx", false, true},
		{"android/release.keystore", false, true},
		{"release.jks", false, true},
		{".netrc", false, true},
		{".npmrc", false, true},
		{".pypirc", false, true},
		{".aws/credentials", false, true},
		{"gcp/credentials.json", false, true},
		{"passwords.kdbx", false, true},
		{"web/.htpasswd", false, true},
		{"config/secrets.yml", false, true},
		{"config/secrets.yaml", false, true},
		{"infra/terraform.tfstate", false, true},
		{"home/.docker/config.json", false, true},
		{".ssh", true, true},
		{".ssh/config", false, true},   // inside a secret directory
		{"app.sops.yaml", false, true}, // user pattern
		{"vault", true, true},          // user directory pattern
		{"vault/readme.md", false, true},
		{".env.sample", false, false}, // user negation re-includes
		// Source files about secrets are not secrets.
		{"secret.go", false, false},
		{"secrets.go", false, false},
		{"credentials.go", false, false},
		{"environment.go", false, false},
		{"keys.py", false, false},
		{"docs/env.md", false, false},
		{"config.json", false, false},
	}
	for _, tt := range tests {
		reason, skip := f.Skip(tt.rel, tt.isDir)
		if skip != tt.secret || (skip && reason != SkipSecret) {
			t.Errorf("Skip(%q) = %q, %v; want secret=%v", tt.rel, reason, skip, tt.secret)
		}
	}
}

// TestSecretsBeatIgnoreFiles: a negation in .gitignore or .raglsignore cannot re-include a
// secret; only the user's own secret patterns can.
func TestSecretsBeatIgnoreFiles(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		".gitignore":   "!.env\n",
		".raglsignore": "!server.pem\n",
		".env":         "TOKEN=x",
		"server.pem":   "-----BEGIN PRIVATE KEY-----",
		".env.example": "TOKEN=",
		"main.go":      "package main",
	})
	rep, err := Walk(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(rep), []string{".gitignore", ".raglsignore", "main.go"}; !slices.Equal(got, want) {
		t.Errorf("Walk listed %q, want %q", got, want)
	}
	if rep.Skipped[SkipSecret] != 3 {
		t.Errorf("secret count = %d, want 3 (%v)", rep.Skipped[SkipSecret], rep.Examples)
	}
	rep, err = Walk(context.Background(), root, Options{ExtraSecrets: []string{"!.env.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := paths(rep), []string{".env.example", ".gitignore", ".raglsignore", "main.go"}; !slices.Equal(got, want) {
		t.Errorf("with !.env.example, Walk listed %q, want %q", got, want)
	}
}
