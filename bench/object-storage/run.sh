#!/usr/bin/env bash
# Object storage benchmark: starts Stratus (identity + object-storage only, its own data dir),
# takes an admin token and the object-store URL from the catalog, and runs the shared Swift
# benchmark (../shared/anchors/bench-swift.mjs) against it, sampling the server's RSS.
#   bench/object-storage/run.sh            (env: PORT 8202, REPS N1 N16 BIG_MB LIST_N SKIP;
#                                           KEEP=1 leaves the data directory, which it names;
#                                           BENCH=cpu runs cpu-bench.ts: server CPU per op)
# Runs back to back skew the small PUTs unless KEEP=1: this machine's root filesystem is ext4
# without a journal, where creating a file scans past every inode deleted in the last minute or
# more (ext4's recently_deleted()), 18 → 260 µs per create after one run's data was removed.
# At the end it prints the CPU time the hypervisor stole during the run (/proc/stat): on a shared
# VM a run with much steal measured the neighbours, not Stratus.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
# The client runs on the project's Node 24, as every other bench here does. Its receive path
# matters: on this VM class the system Node 20 client faulted in 70,000–110,000 fresh pages
# per 256 MiB GET (its sys time alone ~250 ms), Node 24's 7,000–35,000 (README.md).
node="${BENCH_NODE:-$repo/node_modules/.bin/node}"
port="${PORT:-8202}"; data="$(mktemp -d /tmp/stratus-swift-bench.XXXXXX)"
STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_SERVICES=identity,object-storage \
  STRATUS_LOG_LEVEL=warn "$repo/bin/stratus" up > "$data.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; if [[ -n "${KEEP:-}" ]]; then echo "data kept in $data" >&2; else rm -rf "$data" "$data.out" "$data.token.json"; fi' EXIT
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
cpu_ticks() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $9}' /proc/stat; }
read -r total0 steal0 < <(cpu_ticks)
if [[ "${BENCH:-}" == cpu ]]; then "$node" "$here/cpu-bench.ts" "$url" "$token" "$pid"
else RSS_PIDS="$pid" "$node" "$shared/anchors/bench-swift.mjs" "$url" "$token"; fi
read -r total1 steal1 < <(cpu_ticks)
echo "note: CPU steal during the run: $(( (steal1 - steal0) * 100 / (total1 - total0 > 0 ? total1 - total0 : 1) ))% of all CPU time" >&2
