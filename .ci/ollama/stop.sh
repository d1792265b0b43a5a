#!/usr/bin/env bash
# Stops the Ollama server that serve.sh started for the same RAGLS_OLLAMA_PORT
# (and RAGLS_OLLAMA_STATE), with the model runners in its process group.
# Succeeds when nothing is running.
set -euo pipefail

die() { echo "ollama/stop.sh: $*" >&2; exit 1; }
say() { echo "ollama/stop.sh: $*" >&2; }

port=${RAGLS_OLLAMA_PORT:-11435}
state=${RAGLS_OLLAMA_STATE:-${TMPDIR:-/tmp}/ragls-ollama-$port}
pidfile=$state/ollama.pid

if [ ! -f "$pidfile" ]; then
	say "no pid file at $pidfile: nothing to stop"
	exit 0
fi
pid=$(cat "$pidfile")
case $pid in
'' | *[!0-9]*) die "pid file $pidfile holds '$pid', not a process id" ;;
esac

alive() { kill -0 -- "-$pid" 2>/dev/null; }

if ! alive; then
	say "process group $pid is already gone"
	rm -f "$pidfile"
	exit 0
fi

# serve.sh started the server with setsid, so its pid is also its process
# group id; refuse to signal a group the pid file does not describe.
pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
if [ -n "$pgid" ] && [ "$pgid" != "$pid" ]; then
	die "pid $pid is not a process group leader (group $pgid); not killing it"
fi

kill -TERM -- "-$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
	alive || break
	sleep 0.1
done
if alive; then
	say "process group $pid ignored SIGTERM for 10 s; sending SIGKILL"
	kill -KILL -- "-$pid" 2>/dev/null || true
	sleep 0.2
fi
alive && die "process group $pid is still running"
rm -f "$pidfile"
say "stopped process group $pid"
