#!/usr/bin/env bash
# Token issue/validate benchmark of Stratus identity, beside a trivial Node server and (unless
# BENCH_SKIP_KEYSTONE=1) the real Keystone 22 from ../shared/conformance/keystone-ref.sh, in one
# window. Writes bench/identity/results/<date>.md.   usage: bench/identity/run.sh
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
export BENCH_DURATION="${BENCH_DURATION:-10}" BENCH_REPEATS="${BENCH_REPEATS:-3}"
out="$here/results/$(date -u +%Y-%m-%dT%H%M).md"; mkdir -p "$here/results"
node="$repo/node_modules/.bin/node"
port=8300 # one port per run: the previous server may still be letting go of its port

# bench-keystone.sh may leave a server it started behind; nothing else may hold our ports.
free_port() { for p in $(ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2); do kill "$p"; done; sleep 0.5; }

stratus() { # label, extra env
  local label="$1" data; shift
  data="$(mktemp -d /tmp/bench-identity.XXXXXX)"
  env STRATUS_DATA_DIR="$data" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_LEVEL=warn "$@" "$repo/bin/stratus" bootstrap >/dev/null
  echo "## Stratus ($label)" >> "$out"
  BENCH_START_CMD="env STRATUS_DATA_DIR=$data STRATUS_PORT=$port STRATUS_LOG_LEVEL=warn $* $repo/bin/stratus up" \
    BENCH_OUT="$out" "$shared/conformance/bench-keystone.sh" "http://127.0.0.1:$port/identity/v3"
  free_port "$port"; rm -rf "$data"
  port=$((port + 1))
}

{ echo "# Identity benchmark $(date -u +%FT%TZ)"; echo; echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"; echo; } > "$out"
stratus "default KDF: scrypt N=2^16"
stratus "cheap KDF: scrypt N=2^4" STRATUS_IDENTITY_PASSWORD_HASH_COST=cheap

echo "## Trivial Node HTTP server (the validate yardstick)" >> "$out"
free_port 8399; "$node" "$here/trivial-server.mjs" 8399 & tpid=$!; sleep 0.5
for c in 1 16; do
  t=$([[ $c == 1 ]] && echo 1 || echo 2)
  rps=$(wrk -t"$t" -c"$c" -d"${BENCH_DURATION}s" http://127.0.0.1:8399/ | awk '/Requests\/sec/{print $2}')
  echo "- c=$c: $rps req/s" | tee -a "$out"
done
kill $tpid

if [[ "${BENCH_SKIP_KEYSTONE:-0}" != 1 ]]; then
  echo "## Keystone 22 (reference, uwsgi 2x1, sqlite, bcrypt)" >> "$out"
  "$shared/conformance/keystone-ref.sh" start 5000 >/dev/null && "$shared/conformance/keystone-ref.sh" stop 5000 >/dev/null
  BENCH_START_CMD="KS_KEEP=1 $shared/conformance/keystone-ref.sh start 5000" BENCH_STOP_CMD="$shared/conformance/keystone-ref.sh stop 5000" \
    BENCH_OUT="$out" "$shared/conformance/bench-keystone.sh" http://127.0.0.1:5000/v3
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out"
echo "wrote $out"
