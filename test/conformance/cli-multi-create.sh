#!/usr/bin/env bash
# Multi-create with the real openstack CLI (Debian python3-openstackclient 6.0.0): starts Stratus
# with two fake compute hosts, boots `openstack server create --min 10 --max 10 --nic none --wait`,
# checks that NAME-1..NAME-10 exist and are ACTIVE, deletes them with `server delete --wait` and
# checks they are gone. Prints PASS/FAIL per step and "N passed, M failed" last; exits 1 on any
# failure, 2 if it could not run.   usage: test/conformance/cli-multi-create.sh
set -uo pipefail
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"   # Debian python, not pyenv
unset PYTHONPATH VIRTUAL_ENV OS_CLOUD OS_TOKEN OS_AUTH_TYPE
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
command -v openstack >/dev/null || { echo "cli-multi-create: openstack CLI missing (apt-get install python3-openstackclient)" >&2; exit 2; }

count=10
port="${MULTI_PORT:-17$((RANDOM % 900 + 100))}"
data="$(mktemp -d /tmp/stratus-multi.XXXXXX)"
STRATUS_DATA_DIR="$data" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_FILE="$data/stratus.log" \
  STRATUS_COMPUTE_FAKE_HOSTS=2 "$repo/bin/stratus" up > "$data/stdout" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" || { echo "cli-multi-create: stratus did not start"; cat "$data/stdout"; exit 2; }

export OS_AUTH_URL="http://127.0.0.1:$port/identity/v3" OS_USERNAME=admin OS_PASSWORD=admin OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_IDENTITY_API_VERSION=3 OS_INTERFACE=public
# `--nic none` needs compute microversion 2.37 (networks: "none").
export OS_COMPUTE_API_VERSION=2.37
# One tiny image and flavor (the exports TEMPEST_IMAGE_REF / TEMPEST_FLAVOR_REF).
eval "$("$here/compute-prepare.sh" "http://127.0.0.1:$port" "$data")" || { echo "cli-multi-create: could not make an image and a flavor"; exit 2; }

name="multi$RANDOM"
passed=0; failed=0
# step NAME cmd…: runs cmd (a command or a function below; stdout in $data/out), prints PASS/FAIL
# with its time and, on failure, the last lines it wrote.
step() {
  local what="$1"; shift
  local t0=$SECONDS
  if timeout 300 bash -c '"$@"' _ "$@" > "$data/out" 2> "$data/err"; then
    passed=$((passed + 1)); echo "PASS $what ($((SECONDS - t0))s)"
  else
    failed=$((failed + 1)); echo "FAIL $what ($((SECONDS - t0))s): $(cat "$data/out" "$data/err" | grep -v '^\s*$' | tail -1 | cut -c1-200)"
    tail -15 "$data/err" | sed 's/^/     | /'
  fi
}
export name count

# The servers named NAME-1..NAME-count, as `server list` shows them: "name status" lines.
listed() {
  openstack server list --name "^$name-[0-9]+\$" -f json -c Name -c Status \
    | python3 -c 'import json,sys; [print(s["Name"], s["Status"]) for s in json.load(sys.stdin)]'
}
expected() { for i in $(seq 1 "$count"); do echo "$name-$i ACTIVE"; done | sort; }
export -f listed expected

# --wait waits for the server the API answers with (the first); the others are checked below.
step "server create --min $count --max $count --nic none --wait" \
  openstack server create --image "$TEMPEST_IMAGE_REF" --flavor "$TEMPEST_FLAVOR_REF" --nic none \
    --min "$count" --max "$count" --wait -f json "$name"

all_active() {
  for _ in $(seq 1 150); do
    [[ "$(listed | sort)" == "$(expected)" ]] && return 0
    sleep 0.2
  done
  echo "expected $name-1..$name-$count ACTIVE, server list shows:" >&2; listed >&2; return 1
}
export -f all_active
step "server list: $name-1..$name-$count ACTIVE" all_active

step "server delete --wait (all $count)" \
  openstack server delete --wait $(for i in $(seq 1 "$count"); do echo "$name-$i"; done)

none_left() {
  local left; left="$(listed)" || return 1
  [[ -z "$left" ]] || { echo "still listed: $left" >&2; return 1; }
}
export -f none_left
step "server list: none left" none_left

echo "$passed passed, $failed failed"
if (( failed > 0 )); then echo "(logs: $data)"; trap - EXIT; kill $pid 2>/dev/null; wait $pid 2>/dev/null; exit 1; fi
rm -rf "$data"
