#!/usr/bin/env bash
# Prepares a fresh Stratus for the compute Tempest group (called by ratchet.sh compute): uploads
# two tiny images and creates two flavors as admin, and prints the exports tempest-run.sh needs
# (TEMPEST_IMAGE_REF[_ALT], TEMPEST_FLAVOR_REF[_ALT], TEMPEST_EXTRA_CONF = network + compute
# fragments). usage: eval "$(compute-prepare.sh http://127.0.0.1:PORT WORKDIR)"
set -euo pipefail
base="${1:?base URL}"; work="${2:?work dir}"
here="$(cd "$(dirname "$0")" && pwd)"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
# identity listens before its bootstrap has made the admin: wait for a token
for _ in $(seq 1 100); do
  token=$(curl -s -i -X POST "$base/identity/v3/auth/tokens" -H 'content-type: application/json' \
    -d '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","password":"admin","domain":{"id":"default"}}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}' \
    | awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
  [[ -n "$token" ]] && break; sleep 0.2
done
image() {
  local id
  id=$(curl -s -X POST "$base/image/v2/images" -H "x-auth-token: $token" -H 'content-type: application/json' \
    -d "{\"name\":\"$1\",\"disk_format\":\"raw\",\"container_format\":\"bare\",\"visibility\":\"public\"}" | json "['id']")
  head -c 1024 /dev/zero | curl -s -o /dev/null -X PUT "$base/image/v2/images/$id/file" -H "x-auth-token: $token" -H 'content-type: application/octet-stream' --data-binary @-
  echo "$id"
}
flavor() {
  curl -s -X POST "$base/compute/v2.1/flavors" -H "x-auth-token: $token" -H 'content-type: application/json' \
    -d "{\"flavor\":{\"name\":\"$1\",\"ram\":$2,\"vcpus\":1,\"disk\":1}}" | json "['flavor']['id']"
}
cat "$here/network.tempest.conf" "$here/compute.tempest.conf" > "$work/compute-extra.conf"
echo "export TEMPEST_IMAGE_REF=$(image tempest-image) TEMPEST_IMAGE_REF_ALT=$(image tempest-image-alt)"
echo "export TEMPEST_FLAVOR_REF=$(flavor m1.nano 64) TEMPEST_FLAVOR_REF_ALT=$(flavor m1.micro 128)"
echo "export TEMPEST_EXTRA_CONF=$work/compute-extra.conf"
