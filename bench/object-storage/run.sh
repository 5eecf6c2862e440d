#!/usr/bin/env bash
# Object storage benchmark: starts Stratus (identity + object-storage only, its own data dir),
# takes an admin token and the object-store URL from the catalog, and runs the shared Swift
# benchmark (../shared/anchors/bench-swift.mjs) against it, sampling the server's RSS.
#   bench/object-storage/run.sh            (env: PORT 8202, DATA /tmp/h-swift-bench, REPS N1 N16 BIG_MB LIST_N SKIP)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
port="${PORT:-8202}"; data="${DATA:-/tmp/h-swift-bench}"
rm -rf "$data"
STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_SERVICES=identity,object-storage \
  STRATUS_LOG_LEVEL=warn "$repo/bin/stratus" up > "$data.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" && break; sleep 0.2; done
auth='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"admin","domain":{"id":"default"}}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}'
# the port answers before bootstrap has created the admin: retry the login
for _ in $(seq 1 50); do
  resp="$(curl -s -D - -o "$data.token.json" -H 'content-type: application/json' -d "$auth" "http://127.0.0.1:$port/identity/v3/auth/tokens")"
  echo "$resp" | grep -qi '^x-subject-token' && break; sleep 0.2
done
token="$(echo "$resp" | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}' | tr -d '\r')"
url="$(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["token"]["catalog"]; print([e["url"] for s in c if s["type"]=="object-store" for e in s["endpoints"] if e["interface"]=="public"][0])' "$data.token.json")"
echo "bench: $url (server pid $pid)" >&2
RSS_PIDS="$pid" node "$shared/anchors/bench-swift.mjs" "$url" "$token"
