#!/usr/bin/env bash
# Builds the Ollama model server from its Go module so tests can talk to a
# real local model server. Idempotent: a working binary is reused as is.
#
# Environment:
#   RAGLS_OLLAMA_BIN      where the binary goes (default $HOME/.cache/ragls-ci/bin/ollama)
#   RAGLS_OLLAMA_VERSION  module version to build (default 0.17.4; the stub
#                         header and the Debian packages were checked against it)
#
# Outside the binary's directory this writes only what apt and the Go tool
# chain write anyway (Debian packages, the Go module and build caches).
set -euo pipefail

die() { echo "ollama/build.sh: $*" >&2; exit 1; }
now() { date +%s; }

version=${RAGLS_OLLAMA_VERSION:-0.17.4}
bin=${RAGLS_OLLAMA_BIN:-$HOME/.cache/ragls-ci/bin/ollama}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
include_dir=$here/include
bin_dir=$(dirname "$bin")
start=$(now)

# binary_ok reports whether $bin exists and is the wanted version. --version
# also tries to reach a server; point it at a port nothing listens on so it
# answers at once and never talks to someone else's server.
binary_ok() {
	[ -x "$bin" ] || return 1
	local out
	out=$(OLLAMA_HOST=127.0.0.1:1 HOME="$bin_dir" timeout 20 "$bin" --version 2>&1) || true
	case $out in
	*"version is $version"*) return 0 ;;
	esac
	return 1
}

if binary_ok; then
	echo "ollama/build.sh: $bin is already version $version ($(($(now) - start)) s)"
	exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not on PATH; install Go first"
[ -f "$include_dir/miniaudio/miniaudio.h" ] || die "missing $include_dir/miniaudio/miniaudio.h (it is part of the repository)"
mkdir -p "$bin_dir" || die "cannot create $bin_dir"

# One build at a time: a second caller waits, then finds the binary built.
exec 9>"$bin_dir/.build.lock"
flock 9 || die "cannot lock $bin_dir/.build.lock"
if binary_ok; then
	echo "ollama/build.sh: $bin was built by a concurrent run ($(($(now) - start)) s)"
	exit 0
fi

# llama.cpp's sources include nlohmann/json and stb_image headers that the
# Go module archive leaves out (it drops vendor/ directories).
packages=(nlohmann-json3-dev libstb-dev)
missing=()
for p in "${packages[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || die "Debian packages ${missing[*]} are missing and installing them needs root: apt-get install -y --no-install-recommends ${missing[*]}"
	t=$(now)
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the package lists only when apt cannot find a package yet.
	if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
		echo "ollama/build.sh: apt-get update"
		apt-get update -q || die "apt-get update failed"
	fi
	echo "ollama/build.sh: apt-get install ${missing[*]}"
	if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
		# The lists may be stale (a package version gone from the mirror).
		apt-get update -q || die "apt-get update failed"
		apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"
	fi
	echo "ollama/build.sh: packages installed in $(($(now) - t)) s"
fi

# go install names the binary after the package; build into a private
# directory and move it into place so a half-written binary is never seen.
stage=$(mktemp -d "$bin_dir/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
echo "ollama/build.sh: building ollama v$version (a cold build takes several minutes)"
t=$(now)
# Go's build cache does not notice edits to headers found through
# CGO_CPPFLAGS, but it does key on the flags: name the stub's hash in them.
stub_sum=$(sha256sum "$include_dir/miniaudio/miniaudio.h" | cut -c1-16)
(
	cd "$stage"
	CGO_ENABLED=1 \
		CGO_CPPFLAGS="-I$include_dir -DRAGLS_MINIAUDIO_STUB=$stub_sum${CGO_CPPFLAGS:+ $CGO_CPPFLAGS}" \
		GOBIN="$stage" \
		go install -ldflags "-s -w -X github.com/ollama/ollama/version.Version=$version" \
		"github.com/ollama/ollama@v$version"
) || die "go install github.com/ollama/ollama@v$version failed (see the compiler output above)"
[ -x "$stage/ollama" ] || die "go install finished but produced no $stage/ollama"
mv -f "$stage/ollama" "$bin" || die "cannot move the binary to $bin"
echo "ollama/build.sh: go install took $(($(now) - t)) s"

binary_ok || die "$bin was built but '$bin --version' does not report $version"
echo "ollama/build.sh: built $bin ($(du -h "$bin" | cut -f1)) in $(($(now) - start)) s"
