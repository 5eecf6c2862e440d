#!/usr/bin/env bash
# The Tempest ratchet: start Stratus, run the Tempest tests of a service group against it with
# ../shared/conformance/tempest-run.sh, and fail when any test listed in
# test/conformance/<group>.passing.txt did not pass. New passes are reported so the list can grow
# (RATCHET_UPDATE=1 rewrites it).
#   usage: test/conformance/ratchet.sh identity
set -uo pipefail
group="${1:?usage: ratchet.sh GROUP}"
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
shared="${STRATUS_SHARED:-$repo/../shared}"
list="$here/$group.passing.txt"
concurrency=''  # a group's default TEMPEST_CONCURRENCY (else nproc)
case "$group" in
  identity) regex='^tempest\.api\.identity\.'; services='' ;;
  # the security-compliance tests, with Stratus configured as identity-compliance.tempest.conf says
  identity-compliance) regex='^tempest\.api\.identity\..*(test_users\.|test_user_account_lockout)'; services=''
    export STRATUS_IDENTITY_SECURITY_COMPLIANCE_LOCKOUT_FAILURE_ATTEMPTS=2 STRATUS_IDENTITY_SECURITY_COMPLIANCE_LOCKOUT_DURATION=5 \
      STRATUS_IDENTITY_SECURITY_COMPLIANCE_UNIQUE_LAST_PASSWORD_COUNT=2 ;;
  image)    regex='^tempest\.api\.image\.'; services='glance' ;;
  object)   regex='^tempest\.api\.object_storage\.'; services='swift' ;;
  # Tempest sleeps 10 s before every subnet delete (subnets_client.delete_subnet), ~200 times in
  # this group: its workers are idle nearly all the time, so many of them share 2 cores well.
  # One class (test_dhcp_ipv6, ~31 subnets) takes ~10 min alone; more workers make it less
  # likely that stestr's round-robin gives its worker other long classes.
  network)  regex='^tempest\.api\.network\.'; services='neutron'; concurrency=12 ;;
  # two fake compute hosts (migrations need two); images and flavors are made by compute-prepare.sh
  compute)  regex='^tempest\.api\.compute\.'; services='nova,glance,neutron'; export STRATUS_COMPUTE_FAKE_HOSTS=2 ;;
  *) echo "ratchet: unknown group $group" >&2; exit 2 ;;
esac
# Optional per-group tempest.conf fragment (e.g. neutron's api_extensions).
[[ -f "$here/$group.tempest.conf" ]] && export TEMPEST_EXTRA_CONF="$here/$group.tempest.conf"

# shellcheck source=steps.sh
source "$here/steps.sh"
STRATUS_CONFORMANCE_PORT="${RATCHET_PORT:-18$((RANDOM % 900 + 100))}" start_stratus ratchet
export TEMPEST_SERVICES="$services" TEMPEST_CONCURRENCY="${TEMPEST_CONCURRENCY:-${concurrency:-$(nproc)}}" TEMPEST_WORKDIR="$data/tempest"
[[ "$group" == compute ]] && eval "$("$here/compute-prepare.sh" "http://127.0.0.1:$port" "$data")"
summary=$("$shared/conformance/tempest-run.sh" "$regex" 2>"$data/tempest.err" | tail -1)
results="$data/tempest/results.txt"
echo "tempest ($group): $summary"
[[ -s "$results" ]] || { echo "ratchet: tempest produced no results"; tail -30 "$data/tempest.err"; exit 1; }

strip() { sed -E 's/\[.*$//' | sort -u; }
awk '$1=="ok"{print $2}' "$results" | strip > "$data/passed.txt"
awk '$1=="FAIL"{print $2}' "$results" | strip > "$data/failed.txt"
touch "$list"
lost=$(comm -23 <(strip < "$list") "$data/passed.txt")
new=$(comm -13 <(strip < "$list") "$data/passed.txt")
[[ -n "$new" ]] && { echo "ratchet: newly passing ($(echo "$new" | wc -l)) — add them to $list:"; echo "$new" | sed 's/^/  + /'; }
[[ -s "$data/failed.txt" ]] && { echo "ratchet: failing tests:"; sed 's/^/  - /' "$data/failed.txt"; }
if [[ "${RATCHET_UPDATE:-0}" == 1 ]]; then cp "$data/passed.txt" "$list"; echo "ratchet: wrote $list"; fi
if [[ -n "$lost" ]]; then
  echo "ratchet: FAILED — these listed tests no longer pass:"; echo "$lost" | sed 's/^/  ! /'
  echo "(logs: $data)"; trap - EXIT; kill $stratus_pid; exit 1
fi
echo "ratchet: $(wc -l < "$list") listed tests all pass"
rm -rf "$data"
