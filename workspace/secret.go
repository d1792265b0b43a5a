package workspace

// DefaultSecretPatterns returns the gitignore-syntax patterns of files that are never indexed,
// whatever the ignore files say: an index is sent to a model and shown in editors, and a key or a
// password must not end up in either. The list errs on the side of skipping: templates such as
// .env.example are skipped too, since they often hold real values. A user who wants one of them
// indexed adds a negated pattern ("!.env.example") to Options.ExtraSecrets.
//
// Patterns without a slash match a file or directory name at any depth; a trailing slash matches
// directories only (everything inside is skipped).
//
// Names are not the whole story: IsSecretContent also keeps out, whatever its name, a file that
// holds a PEM private key block or a Kubernetes Secret manifest ("kind: Secret" in YAML or
// JSON). Both rules hold for files on disk and for unsaved editor buffers alike; a buffer judged
// secret is not indexed, not cached and never sent to the model, not even for a completion in it.
func DefaultSecretPatterns() []string {
	return []string{
		// Environment files and their templates.
		".env", ".env.*", "*.env", ".envrc",
		// Private keys, key stores and certificates bundled with their keys.
		"*.pem", "*.key", "*.p8", "*.p12", "*.pfx", "*.keystore", "*.jks", "*.ppk", "*.keytab",
		"id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*",
		".ssh/", ".gnupg/", "secring.*", "*.gpg",
		// Password databases and password files.
		"*.kdbx", "*.kdb", ".htpasswd", ".pgpass", ".netrc", "_netrc",
		// Package manager and tool credentials.
		".npmrc", ".yarnrc.yml", ".pypirc", ".git-credentials",
		".dockercfg", "**/.docker/config.json", ".vault-token", ".boto", ".s3cfg",
		// Named credential and secret files.
		"credentials", "credentials.json", "credentials.yml", "credentials.yaml", "credentials.toml",
		"credentials.xml", "credentials.csv", "*.credentials", "client_secret*.json",
		"service-account*.json", "secrets.yml", "secrets.yaml", "secrets.json", "secrets.toml",
		"secrets.env", "*.secret", "*.secrets",
		// Infrastructure state and variables, which hold secrets in plain text.
		"*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfvars.json", ".terraformrc", "terraform.rc",
		// Backups and copies of environment files, which keep the original's values.
		"*.env.bak", "*.env.backup", "*.env.old", "*.env.orig", "*.env.save", "*.env.local",
		// Cloud and cluster credentials under the names their tools, and people, give them.
		"aws_credentials", "aws_credentials.*", ".aws/", ".azure/", "**/.config/gcloud/",
		"kubeconfig", "*.kubeconfig", "**/.kube/config", "*.ovpn",
		// Files people name for what they hold.
		"secret*.txt", "secrets*.txt", "*_secret.txt", "*-secret.txt", "password*.txt", "passwords*.txt",
		"token.txt", "tokens.txt", "*.token", "api_key.txt", "apikey.txt", "api-key.txt",
		"secret.yaml", "secret.yml", "*-secret.yaml", "*-secret.yml", "*_secret.yaml", "*_secret.yml",
	}
}

// secretRules compiles the default secret patterns followed by the user's, so that a user
// pattern, negated or not, overrides the defaults.
func secretRules(extra []string) *rules {
	s := &ruleSet{}
	for _, list := range [][]string{DefaultSecretPatterns(), extra} {
		for _, line := range list {
			if p, ok := parsePattern(line); ok {
				s.patterns = append(s.patterns, p)
			}
		}
	}
	return &rules{sets: []*ruleSet{s}}
}
