#!/usr/bin/env bash
# Runs ../shared/conformance/cli-smoke.sh (the real openstack CLI) for the given groups against
# a freshly started Stratus; fails if any step fails.   usage: cli-smoke.sh identity[,image,…]
set -uo pipefail
groups="${1:?usage: cli-smoke.sh GROUPS}"
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
port="${SMOKE_PORT:-19$((RANDOM % 900 + 100))}"
data="$(mktemp -d /tmp/stratus-smoke.XXXXXX)"
STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_FILE="$data/stratus.log" \
  "$repo/bin/stratus" up > "$data/stdout" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" && break; sleep 0.2; done
OS_AUTH_URL="http://127.0.0.1:$port/identity/v3" OS_PASSWORD=admin SMOKE_GROUPS="$groups" SMOKE_STRICT=1 SMOKE_VERBOSE=1 \
  "$shared/conformance/cli-smoke.sh"
