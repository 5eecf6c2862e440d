#!/usr/bin/env bash
# Object storage with real clients (Debian's python3-swiftclient, rclone, python3-openstacksdk):
# starts Stratus (identity and object storage), then
# - swift: a 300 MiB file uploaded with --segment-size as a DLO and as an SLO (--use-slo),
#   downloaded back byte-identical, deleted with its segments;
# - rclone (swift backend, keystone auth from the environment): a tree copied and checked, a file
#   chunked into segments and one streamed (rcat, size unknown) read back byte-identical, a ranged
#   read, a modification time set, server-side copy and move, sync deleting what the source lost,
#   purge;
# - openstacksdk: object, container and account metadata set and read back, a segmented upload.
# Prints PASS/FAIL per step and "N passed, M failed" last; exits 1 on any failure, 2 if it could
# not run.   usage: test/conformance/object-clients.sh
set -uo pipefail
export PATH="/usr/bin:/bin:/usr/sbin:/sbin:$PATH"   # Debian python, not pyenv
unset PYTHONPATH VIRTUAL_ENV OS_CLOUD OS_TOKEN OS_AUTH_TYPE
here="$(cd "$(dirname "$0")" && pwd)"; repo="$(cd "$here/../.." && pwd)"
for tool in swift rclone; do
  command -v "$tool" >/dev/null || { echo "object-clients: $tool missing (apt-get install python3-swiftclient rclone)" >&2; exit 2; }
done

# shellcheck source=steps.sh
source "$here/steps.sh"
start_stratus object-clients STRATUS_SERVICES=identity,object-storage
# rclone's swift remote "s:", authenticated from the OS_* variables
export RCLONE_CONFIG_S_TYPE=swift RCLONE_CONFIG_S_ENV_AUTH=true RCLONE_CONFIG="$data/rclone.conf"
: > "$RCLONE_CONFIG"
head -c $((300 * 1024 * 1024)) /dev/urandom > "$data/big.bin"

# swift upload (DLO or SLO), download, compare, delete (the segments go too)
swift_round_trip() {
  local mode="$1" extra=()
  [[ $mode == slo ]] && extra=(--use-slo)
  swift upload "${extra[@]}" --segment-size 52428800 cli "$data/big.bin" --object-name "big-$mode.bin" || return 1
  swift download cli "big-$mode.bin" -o "$data/back.bin" || return 1
  cmp "$data/big.bin" "$data/back.bin" || return 1
  rm -f "$data/back.bin"
  swift delete cli "big-$mode.bin" || return 1
  local left; left="$(swift list cli_segments)"
  [[ -z "$left" ]] || { echo "segments left: $left" >&2; return 1; }
}
export -f swift_round_trip
step "swift upload/download 300 MiB, --segment-size 50 MiB (DLO)" swift_round_trip dlo
step "swift upload/download 300 MiB, --segment-size 50 MiB --use-slo (SLO)" swift_round_trip slo

mkdir -p "$data/tree/sub"
for i in 1 2 3; do head -c $((i * 100000)) /dev/urandom > "$data/tree/f$i.bin"; done
echo hello > "$data/tree/sub/a file ü.txt"

rclone_copy_check() { rclone copy "$data/tree" s:rc && rclone check "$data/tree" s:rc && rclone check --download "$data/tree" s:rc; }
rclone_chunked() {
  head -c $((40 * 1024 * 1024)) "$data/big.bin" > "$data/part.bin"
  rclone copyto "$data/part.bin" s:rc/chunked.bin --swift-chunk-size 8M || return 1
  [[ -n "$(rclone lsf -R s:rc_segments)" ]] || { echo "no segments written" >&2; return 1; }
  rclone cat s:rc/chunked.bin | cmp - "$data/part.bin"
}
rclone_rcat() {
  head -c $((20 * 1024 * 1024)) "$data/big.bin" | tail -c $((12 * 1024 * 1024)) > "$data/stream.bin"
  rclone rcat s:rc/streamed.bin --swift-chunk-size 5M < "$data/stream.bin" || return 1
  rclone cat s:rc/streamed.bin | cmp - "$data/stream.bin"
}
rclone_range() { rclone cat s:rc/f2.bin --offset 1000 --count 5000 | cmp - <(tail -c +1001 "$data/tree/f2.bin" | head -c 5000); }
rclone_modtime() {
  rclone touch s:rc/f1.bin -t 2020-01-02T03:04:05 || return 1
  rclone lsjson s:rc/f1.bin | grep -q '"ModTime":"2020-01-02T03:04:05'
}
rclone_copy_move() {
  rclone copyto s:rc/f2.bin s:rc/f2-copy.bin && rclone moveto s:rc/f3.bin s:rc/moved/f3.bin || return 1
  [[ "$(rclone lsf -R --files-only s:rc | sort | tr '\n' ' ')" == "chunked.bin f1.bin f2-copy.bin f2.bin moved/f3.bin streamed.bin sub/a file ü.txt " ]] \
    || { rclone lsf -R s:rc >&2; return 1; }
  rclone cat s:rc/f2-copy.bin | cmp - "$data/tree/f2.bin"
}
rclone_sync() {
  rclone sync "$data/tree" s:rc2 || return 1
  rm "$data/tree/f1.bin"
  rclone sync "$data/tree" s:rc2 && rclone check "$data/tree" s:rc2
}
rclone_purge() {
  rclone purge s:rc2 && rclone purge s:rc || return 1
  local left; left="$(rclone lsf s:rc_segments)"
  [[ -z "$left" ]] || { echo "segments left: $left" >&2; return 1; }
  ! rclone lsd s: | grep -qw rc2
}
export -f rclone_copy_check rclone_chunked rclone_rcat rclone_range rclone_modtime rclone_copy_move rclone_sync rclone_purge
step "rclone copy and check (hashes, then downloaded bytes)" rclone_copy_check
step "rclone copyto 40 MiB --swift-chunk-size 8M, read back" rclone_chunked
step "rclone rcat 12 MiB of unknown size, read back" rclone_rcat
step "rclone cat --offset --count (a range)" rclone_range
step "rclone touch (modification time as metadata)" rclone_modtime
step "rclone server-side copyto and moveto" rclone_copy_move
step "rclone sync (deletes what the source lost)" rclone_sync
step "rclone purge (segments too)" rclone_purge

# openstacksdk (what Ansible's openstack.cloud modules call): metadata read back from the
# headers, which it matches case-sensitively ("X-Object-Meta-"), and a segmented SLO upload
sdk_metadata() {
  python3 - <<'PY'
import openstack
c = openstack.connect()
c.create_container('sdk')
c.create_object('sdk', 'small.txt', data=b'hello sdk', metadata={'color': 'blue'})
assert c.get_object_metadata('sdk', 'small.txt') == {'color': 'blue'}, c.get_object_metadata('sdk', 'small.txt')
c.update_object('sdk', 'small.txt', metadata={'color': 'red'})
c.object_store.set_object_metadata('small.txt', 'sdk', shape='round')
assert c.object_store.get_object_metadata('small.txt', 'sdk').metadata == {'color': 'red', 'shape': 'round'}
assert c.object_store.set_container_metadata('sdk', refresh=True, flavor='x').metadata == {'flavor': 'x'}
c.object_store.set_account_metadata(team='a')
assert c.object_store.get_account_metadata().metadata.get('team') == 'a'
PY
}
sdk_slo() {
  head -c $((30 * 1024 * 1024)) "$data/big.bin" > "$data/sdk.bin"
  python3 - "$data/sdk.bin" <<'PY'
import hashlib, sys, openstack
c = openstack.connect()
path = sys.argv[1]
c.object_store.create_object('sdk', 'big.bin', filename=path, segment_size=8 * 1024 * 1024)
meta = c.object_store.get_object_metadata('big.bin', 'sdk')
assert meta.is_static_large_object and meta.content_length == 30 * 1024 * 1024, (meta.is_static_large_object, meta.content_length)
data = c.object_store.download_object('big.bin', 'sdk')
assert hashlib.md5(data).digest() == hashlib.md5(open(path, 'rb').read()).digest(), 'downloaded bytes differ'
assert not c.is_object_stale('sdk', 'big.bin', path)
PY
}
export -f sdk_metadata sdk_slo
step "openstacksdk: object, container and account metadata" sdk_metadata
step "openstacksdk: create_object with segment_size (SLO), download" sdk_slo

finish
