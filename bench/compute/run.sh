#!/usr/bin/env bash
# bench/compute/run.sh [HOSTS] [N] [REPS] — boot and delete N servers at concurrency 10 with the
# shared anchor benchmark (../shared/anchors/bench-nova.mjs) against a fresh Stratus running
# HOSTS fake compute hosts, and report its RSS. BENCH_TUNED=1 turns on the scale knobs (see
# README.md); BENCH_PORT (default 8206) and BENCH_KEEP=1 (leave the cloud running) help debugging.
set -euo pipefail
HOSTS="${1:-1000}"; N="${2:-1000}"; REPS="${3:-3}"
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
node="$repo/node_modules/.bin/node"
port="${BENCH_PORT:-8206}"; base="http://127.0.0.1:$port"
data="$(mktemp -d /tmp/stratus-bench-compute.XXXXXX)"
export STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_LEVEL=warn STRATUS_LOG_FILE="$data/stratus.log"
export STRATUS_COMPUTE_FAKE_HOSTS="$HOSTS"
if [[ "${BENCH_TUNED:-0}" == 1 ]]; then
  export STRATUS_PLACEMENT_RANDOMIZE_ALLOCATION_CANDIDATES=true STRATUS_COMPUTE_MAX_PLACEMENT_RESULTS=50 STRATUS_COMPUTE_CANDIDATE_CACHE_MS=500
fi
"$node" "$repo/src/cli/main.ts" up > "$data/stdout" 2>&1 &
pid=$!
[[ "${BENCH_KEEP:-0}" == 1 ]] || trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 200); do curl -sf -o /dev/null "$base/identity/v3" && break; sleep 0.2; done
# identity listens before its bootstrap has made the admin: wait for a token
token=""
until [[ -n "$token" ]]; do
  token=$(curl -s -i -X POST "$base/identity/v3/auth/tokens" -H 'content-type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"admin","domain":{"id":"default"}}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
  [[ -n "$token" ]] || sleep 0.2
done
t0=$(date +%s.%N)
until [[ "$(curl -s -H "x-auth-token: $token" "$base/compute/v2.1/os-hypervisors" | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).hypervisors.length)}catch{console.log(0)}})')" -ge "$HOSTS" ]]; do sleep 0.5; done
# placement knows every host once the scheduler can place on it
until [[ "$(curl -s -H "x-auth-token: $token" -H 'openstack-api-version: placement 1.36' "$base/placement/resource_providers" | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).resource_providers.length)}catch{console.log(0)}})')" -ge "$HOSTS" ]]; do sleep 0.5; done
echo "hosts: $HOSTS registered in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s; RSS $(($(ps -o rss= -p $pid) / 1024)) MiB"
project=$(curl -s -H "x-auth-token: $token" "$base/identity/v3/auth/tokens" -H "x-subject-token: $token" | "$node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).token.project.id))')
curl -s -o /dev/null -X PUT -H "x-auth-token: $token" -H 'content-type: application/json' "$base/compute/v2.1/os-quota-sets/$project" \
  -d '{"quota_set":{"instances":-1,"cores":-1,"ram":-1}}'
cd "$shared/anchors"
N="$N" REPS="$REPS" CONC=10 RSS_PIDS="$pid" "$node" bench-nova.mjs "$base/compute/v2.1" "$token" "$base/image"
