#!/usr/bin/env bash
# Starts a private Ollama server on loopback for tests, loads the tiny test
# model into it as "testmodel", checks that completions, chat, streaming and
# embeddings answer, and prints the environment for the tests on stdout:
#
#   eval "$(bash .ci/ollama/serve.sh)"
#
# Everything else goes to stderr. The server keeps running in its own process
# group until .ci/ollama/stop.sh is run with the same RAGLS_OLLAMA_PORT.
#
# Environment:
#   RAGLS_OLLAMA_BIN         the binary (default $HOME/.cache/ragls-ci/bin/ollama; see build.sh)
#   RAGLS_OLLAMA_PORT        loopback port (default 11435, beside a user's own Ollama on 11434)
#   RAGLS_OLLAMA_STATE       state directory: HOME, models, log, pid file
#                            (default ${TMPDIR:-/tmp}/ragls-ollama-$RAGLS_OLLAMA_PORT)
#   RAGLS_OLLAMA_NUM_PARALLEL requests served at once (default 1: others queue)
#   RAGLS_TEST_MODEL_FILE    a GGUF to serve instead of the generated one (default: the
#                            random-weight llama that cmd/ragls-testmodel writes into the state
#                            directory, with a 2048-token context window)
#
# Besides the model's URL and name, stdout exports RAGLS_OLLAMA_LOG (the server's log, where
# tests look for "truncating input prompt") and RAGLS_TEST_MODEL_CONTEXT (the model's window).
set -euo pipefail

die() { echo "ollama/serve.sh: $*" >&2; exit 1; }
say() { echo "ollama/serve.sh: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${RAGLS_OLLAMA_BIN:-$HOME/.cache/ragls-ci/bin/ollama}
port=${RAGLS_OLLAMA_PORT:-11435}
state=${RAGLS_OLLAMA_STATE:-${TMPDIR:-/tmp}/ragls-ollama-$port}
model_file=${RAGLS_TEST_MODEL_FILE:-}
model=testmodel
context=2048
host=127.0.0.1:$port
base=http://$host
pidfile=$state/ollama.pid
log=$state/ollama.log

case $port in
'' | *[!0-9]*) die "RAGLS_OLLAMA_PORT must be a port number, got '$port'" ;;
esac
command -v curl >/dev/null 2>&1 || die "curl is needed (apt-get install curl)"
[ -x "$bin" ] || die "no Ollama binary at $bin: run .ci/ollama/build.sh first"
mkdir -p "$state/home" "$state/models" || die "cannot create $state"
if [ -z "$model_file" ]; then
	# The repository's own test model: the same bytes on every run, nothing downloaded.
	command -v go >/dev/null 2>&1 || die "go is needed to generate the test model"
	model_file=$state/testmodel.gguf
	t=$(now_ms)
	(cd "$repo" && go run ./cmd/ragls-testmodel -o "$model_file" -ctx "$context") ||
		die "generating the test model with cmd/ragls-testmodel failed"
	say "test model written to $model_file in $(($(now_ms) - t)) ms"
fi
[ -f "$model_file" ] || die "test model not found at $model_file (RAGLS_TEST_MODEL_FILE)"
[ -r "$model_file" ] || die "test model $model_file is not readable"
model_file=$(cd "$(dirname "$model_file")" && pwd)/$(basename "$model_file")

# The server and the ollama client both read these; HOME keeps Ollama's key
# and history away from the user's real ~/.ollama.
export OLLAMA_HOST=$host
export OLLAMA_MODELS=$state/models
export HOME=$state/home
export OLLAMA_NO_CLOUD=1
export OLLAMA_KEEP_ALIVE=-1
export OLLAMA_NUM_PARALLEL=${RAGLS_OLLAMA_NUM_PARALLEL:-1}

# api GET|POST PATH [JSON]: prints the body; fails on a refused connection,
# a timeout or an HTTP error status.
api() {
	if [ $# -ge 3 ]; then
		curl -sS --fail-with-body --noproxy '*' --max-time 60 -H 'Content-Type: application/json' -X "$1" -d "$3" "$base$2"
	else
		curl -sS --fail-with-body --noproxy '*' --max-time 60 -X "$1" "$base$2"
	fi
}

running_pid() {
	[ -f "$pidfile" ] || return 1
	local pid
	pid=$(cat "$pidfile")
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	kill -0 "$pid" 2>/dev/null || return 1
	echo "$pid"
}

stop_on_failure() {
	local rc=$1
	if [ "$rc" -ne 0 ]; then
		say "stopping the server this run started"
		kill -TERM -- "-$pid" 2>/dev/null || true
		rm -f "$pidfile"
	fi
	exit "$rc"
}

start=$(now_ms)
if pid=$(running_pid) && api GET /api/version >/dev/null 2>&1; then
	say "reusing the server already running as pid $pid on $host"
else
	if api GET /api/version >/dev/null 2>&1; then
		die "something else already answers on $host; stop it or set RAGLS_OLLAMA_PORT"
	fi
	rm -f "$pidfile"
	say "starting $bin serve on $host (log: $log)"
	# setsid makes the server the leader of a new process group, so stop.sh
	# can end it together with the model runners it spawns.
	setsid "$bin" serve </dev/null >"$log" 2>&1 &
	pid=$!
	echo "$pid" >"$pidfile"
	disown "$pid"
	# A server this run started but could not make ready is of no use to
	# anyone: take it down again when the script fails from here on.
	trap 'stop_on_failure $?' EXIT
	ready=
	deadline=$((start + 30000))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$log" >&2 || true
			die "ollama serve exited during start-up (log above, full log in $log)"
		fi
		if api GET /api/version >/dev/null 2>&1; then
			ready=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$ready" ]; then
		tail -n 30 "$log" >&2 || true
		die "ollama serve did not answer on $host within 30 s (log above)"
	fi
	say "server ready in $(($(now_ms) - start)) ms: $(api GET /api/version)"
fi

# Greedy, reproducible output: Ollama's default repeat_penalty is 1.1. Note
# that the OpenAI-compatible endpoints send temperature 1 unless the request
# sets one, overriding the temperature below.
# The template puts the system prompt before the user's text, so the server
# counts (and would truncate) what ragls really sends, and passes a plain
# /v1/completions prompt through unchanged, as a code model's does.
# One thread: the model is tiny, and two threads on two cores shared with
# compilers made generation 100 times slower (threads wait on each other).
t=$(now_ms)
modelfile=$state/Modelfile
cat >"$modelfile" <<EOF
FROM $model_file
PARAMETER repeat_penalty 1
PARAMETER temperature 0
PARAMETER num_thread 1
TEMPLATE """{{- range .Messages }}{{ if eq .Role "system" }}{{ .Content }}

{{ else }}{{ .Content }}{{ end }}{{ end }}"""
EOF
"$bin" create "$model" -f "$modelfile" >"$state/create.log" 2>&1 || {
	cat "$state/create.log" >&2
	die "ollama create $model from $model_file failed"
}
say "model $model created in $(($(now_ms) - t)) ms"

# check NAME PATH JSON PATTERN: one request, whose body must match PATTERN.
check() {
	local name=$1 path=$2 body=$3 pattern=$4 out t0
	t0=$(now_ms)
	out=$(api POST "$path" "$body") || die "$name request to $path failed: $out"
	printf '%s' "$out" | grep -Eq "$pattern" || die "$name answer from $path looks wrong: $(printf '%s' "$out" | head -c 400)"
	say "$name ok in $(($(now_ms) - t0)) ms"
}

models=$(api GET /v1/models) || die "GET /v1/models failed: $models"
printf '%s' "$models" | grep -Eq "\"id\":\"$model(:latest)?\"" || die "/v1/models does not list $model: $models"
check completion /v1/completions \
	"{\"model\":\"$model\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0}" \
	'"text":"[^"]'
check chat /v1/chat/completions \
	"{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],\"max_tokens\":8,\"temperature\":0}" \
	'"content":"[^"]'
check streaming /v1/chat/completions \
	"{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"}],\"max_tokens\":8,\"temperature\":0,\"stream\":true}" \
	'^data: .*"content":"[^"]'
check embeddings /v1/embeddings \
	"{\"model\":\"$model\",\"input\":\"a cat sat on the mat\"}" \
	'"embedding":\[-?[0-9]'

say "ready for tests in $(($(now_ms) - start)) ms; stop with: bash .ci/ollama/stop.sh"
echo "export RAGLS_TEST_MODEL_URL=$base/v1"
echo "export RAGLS_TEST_MODEL=$model"
echo "export RAGLS_OLLAMA_LOG=$log"
echo "export RAGLS_TEST_MODEL_CONTEXT=$context"
