#!/usr/bin/env bash
# Packages editors/vscode into a .vsix with @vscode/vsce (Node 24 from install.sh), offline, and
# prints its path. Run after install.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ext=$here/../../editors/vscode
export PATH=$here/.node24/bin:$PATH
(cd "$ext" && npm ci --no-audit --no-fund --loglevel=error >&2)
out=$here/ragls.vsix
(cd "$ext" && "$here/node_modules/.bin/vsce" package --out "$out" >&2)
echo "$out"
