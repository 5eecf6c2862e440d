#!/usr/bin/env bash
# Every osc-placement command (python3-osc-placement, `openstack resource provider …`) against a
# running Stratus, at the microversions the plugin uses. Fails on the first command that fails or
# answers something unexpected.
#   OS_AUTH_URL=http://127.0.0.1:8204/identity/v3 OS_PASSWORD=admin test/placement/osc-placement.sh
set -euo pipefail
export OS_USERNAME="${OS_USERNAME:-admin}" OS_PROJECT_NAME="${OS_PROJECT_NAME:-admin}" \
  OS_USER_DOMAIN_NAME="${OS_USER_DOMAIN_NAME:-Default}" OS_PROJECT_DOMAIN_NAME="${OS_PROJECT_DOMAIN_NAME:-Default}" OS_IDENTITY_API_VERSION=3
export OS_PLACEMENT_API_VERSION="${OS_PLACEMENT_API_VERSION:-1.39}"
run=$(date +%s%N | tail -c 7)
pass=0
ok() { pass=$((pass + 1)); echo "ok $pass - $*"; }
want() { # want <expected substring> <command…>
  local expect="$1"; shift
  local out; out="$("$@" 2>&1)" || { echo "not ok - $*: $out"; exit 1; }
  [[ "$out" == *"$expect"* ]] || { echo "not ok - $*: expected '$expect' in: $out"; exit 1; }
  ok "$*"
}
fails() { # fails <expected substring> <command…>: the command must fail with that message
  local expect="$1"; shift
  local out; if out="$("$@" 2>&1)"; then echo "not ok - $* should have failed: $out"; exit 1; fi
  [[ "$out" == *"$expect"* ]] || { echo "not ok - $*: expected '$expect' in: $out"; exit 1; }
  ok "$* (fails as expected)"
}
os() { openstack "$@"; }

rp=$(os resource provider create "osc-cn-$run" -f value -c uuid); ok "resource provider create"
child=$(os resource provider create "osc-child-$run" --parent-provider "$rp" -f value -c uuid); ok "resource provider create --parent-provider"
want "osc-cn-$run" os resource provider show "$rp"
want "$rp" os resource provider list --name "osc-cn-$run"
want "osc-child-$run" os resource provider list --in-tree "$rp"
want "osc-cn2-$run" os resource provider set "$rp" --name "osc-cn2-$run"
want "VCPU" os resource provider inventory set "$rp" --resource VCPU=16 --resource MEMORY_MB=8192 --resource DISK_GB=200 --resource VCPU:allocation_ratio=2.0
want "8192" os resource provider inventory show "$rp" MEMORY_MB
want "DISK_GB" os resource provider inventory list "$rp"
want "100" os resource provider inventory class set "$rp" DISK_GB --total 100
want "VCPU" os resource provider inventory set "$rp" --amend --resource MEMORY_MB=4096
want "$rp" os resource provider list --resource VCPU=4 --resource MEMORY_MB=1024

os resource class create "CUSTOM_OSC_$run" >/dev/null; ok "resource class create"
want "CUSTOM_OSC_$run" os resource class show "CUSTOM_OSC_$run"
want "CUSTOM_OSC_$run" os resource class list
os resource class set "CUSTOM_OSC_SET_$run" >/dev/null; ok "resource class set"
os resource class delete "CUSTOM_OSC_SET_$run"; ok "resource class delete"
fails "Cannot delete standard" os resource class delete VCPU

os trait create "CUSTOM_OSC_$run"; ok "trait create"
want "CUSTOM_OSC_$run" os trait show "CUSTOM_OSC_$run"
want "CUSTOM_OSC_$run" os trait list --name "startswith:CUSTOM_OSC"
want "HW_CPU_X86_AVX2" os resource provider trait set "$rp" --trait HW_CPU_X86_AVX2 --trait "CUSTOM_OSC_$run"
want "CUSTOM_OSC_$run" os resource provider trait list "$rp"
want "$rp" os resource provider list --required "CUSTOM_OSC_$run"
fails "in use" os trait delete "CUSTOM_OSC_$run"

agg=$(cat /proc/sys/kernel/random/uuid)
want "$agg" os resource provider aggregate set "$rp" --aggregate "$agg" --generation "$(os resource provider show "$rp" -f value -c generation)"
want "$agg" os resource provider aggregate list "$rp"
want "$rp" os resource provider list --member-of "$agg"

want "VCPU=2" os allocation candidate list --resource VCPU=2 --resource MEMORY_MB=512 --required "CUSTOM_OSC_$run" --member-of "$agg"
want "$rp" os allocation candidate list --resource VCPU=2 --forbidden COMPUTE_STATUS_DISABLED --limit 50
consumer=$(cat /proc/sys/kernel/random/uuid)
project=$(os token issue -f value -c project_id); user=$(os token issue -f value -c user_id)
want "$rp" os resource provider allocation set "$consumer" --allocation "rp=$rp,VCPU=2,MEMORY_MB=512" --project-id "$project" --user-id "$user" --consumer-type INSTANCE
want "VCPU" os resource provider allocation show "$consumer"
want "2" os resource provider usage show "$rp"
want "VCPU" os resource usage show "$project"
fails "exceed the capacity" os resource provider allocation set "$(cat /proc/sys/kernel/random/uuid)" --allocation "rp=$rp,VCPU=100" --project-id "$project" --user-id "$user" --consumer-type INSTANCE
fails "in use" os resource provider inventory delete "$rp" --resource-class VCPU
os resource provider allocation unset "$consumer" --provider "$rp"; ok "resource provider allocation unset"
want "[]" bash -c "openstack resource provider allocation show $consumer -f json | tr -d ' \n'"
want "$rp" os resource provider allocation set "$consumer" --allocation "rp=$rp,VCPU=1" --project-id "$project" --user-id "$user" --consumer-type INSTANCE
os resource provider allocation delete "$consumer"; ok "resource provider allocation delete"

os resource provider inventory delete "$rp" --resource-class DISK_GB; ok "resource provider inventory delete --resource-class"
os resource provider inventory delete "$rp"; ok "resource provider inventory delete (all)"
os resource provider trait delete "$rp"; ok "resource provider trait delete"
os trait delete "CUSTOM_OSC_$run"; ok "trait delete"
os resource class delete "CUSTOM_OSC_$run"; ok "resource class delete"
fails "child resource providers" os resource provider delete "$rp"
os resource provider delete "$child"; os resource provider delete "$rp"; ok "resource provider delete"
fails "No resource provider" os resource provider show "$rp"
echo "# all $pass osc-placement checks passed (microversion $OS_PLACEMENT_API_VERSION)"
