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
# shellcheck source=steps.sh
source "$here/steps.sh"
start_stratus multi STRATUS_COMPUTE_FAKE_HOSTS=2
# `--nic none` needs compute microversion 2.37 (networks: "none").
export OS_COMPUTE_API_VERSION=2.37
# One tiny image and flavor (the exports TEMPEST_IMAGE_REF / TEMPEST_FLAVOR_REF).
eval "$("$here/compute-prepare.sh" "http://127.0.0.1:$port" "$data")" || { echo "cli-multi-create: could not make an image and a flavor"; exit 2; }

name="multi$RANDOM"
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

finish
