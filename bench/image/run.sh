#!/usr/bin/env bash
# Benchmarks the image service with the shared Glance benchmark (../shared/anchors/bench-glance.mjs),
# the same script that measured the real Glance 25 on this machine:
#   start a fresh Stratus (identity + image, SQLite, log level warn) → token → bench → stop.
#   usage: bench/image/run.sh            env: PORT (18251) REPS BIG_MB NC1 NC16 LIST_N SKIP, and
#          STRATUS_IMAGE_* settings (e.g. STRATUS_IMAGE_HASH_WORKERS=2) passed to the server.
# Then the data path without HTTP: node bench/image/ingest-bench.ts
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
port="${PORT:-18251}"
data="$(mktemp -d /tmp/stratus-image-bench.XXXXXX)"
STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_LEVEL=warn \
  STRATUS_LOG_FILE="$data/stratus.log" STRATUS_SERVICES=identity,image "$repo/bin/stratus" up > "$data/stdout" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" && break; sleep 0.2; done
# The server listens before its first-start bootstrap has made the admin: retry the login.
for _ in $(seq 1 50); do
  token=$(curl -si "http://127.0.0.1:$port/identity/v3/auth/tokens" -H 'content-type: application/json' -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"admin"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
  [[ -n "$token" ]] && break; sleep 0.2
done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
RSS_PIDS="$pid" "$repo/node_modules/.bin/node" "$shared/anchors/bench-glance.mjs" "http://127.0.0.1:$port/image" "$token"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
