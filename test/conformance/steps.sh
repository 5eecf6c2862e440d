# Shared by the conformance scripts that run against a Stratus of their own (ratchet.sh,
# cli-multi-create.sh, object-clients.sh): source it, then
#   start_stratus NAME [VAR=value …]   a Stratus on a free port with its own data directory
#                                      ($port, $data), the openstack CLI's OS_* variables set
#   step "what" cmd …                  runs cmd, prints PASS/FAIL with its time
#   finish                             "N passed, M failed"; exit 1 (logs kept) on a failure
# The server stops when the script exits.

start_stratus() {
  local name="$1"; shift
  port="${STRATUS_CONFORMANCE_PORT:-17$((RANDOM % 900 + 100))}"
  data="$(mktemp -d "/tmp/stratus-$name.XXXXXX")"
  env "$@" STRATUS_DATA_DIR="$data/cloud" STRATUS_PORT="$port" STRATUS_ADMIN_PASSWORD=admin STRATUS_LOG_FILE="$data/stratus.log" \
    "$repo/bin/stratus" up > "$data/stdout" 2>&1 &
  stratus_pid=$!
  trap 'kill $stratus_pid 2>/dev/null; wait $stratus_pid 2>/dev/null' EXIT
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" && break; sleep 0.2; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/identity/v3" || { echo "$name: stratus did not start"; cat "$data/stdout"; exit 2; }
  export OS_AUTH_URL="http://127.0.0.1:$port/identity/v3" OS_USERNAME=admin OS_PASSWORD=admin OS_PROJECT_NAME=admin
  export OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne OS_IDENTITY_API_VERSION=3 OS_INTERFACE=public
  export data
  passed=0; failed=0
}

# step NAME cmd…: runs cmd (a command or an exported function; stdout in $data/out), prints
# PASS/FAIL with its time and, on failure, the last lines it wrote.
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

finish() {
  echo "$passed passed, $failed failed"
  if (( failed > 0 )); then echo "(logs: $data)"; trap - EXIT; kill $stratus_pid 2>/dev/null; wait $stratus_pid 2>/dev/null; exit 1; fi
  rm -rf "$data"
}
