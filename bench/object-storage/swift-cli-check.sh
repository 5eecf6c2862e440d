#!/usr/bin/env bash
# The python-swiftclient round trip of the issue: a 300 MiB file uploaded with --segment-size
# (DLO, then --use-slo) and downloaded back byte-identical. Needs a running Stratus and its openrc:
#   source /tmp/<data>/openrc && bench/object-storage/swift-cli-check.sh
set -euo pipefail
dir="$(mktemp -d /tmp/swift-cli-check.XXXXXX)"; trap 'rm -rf "$dir"' EXIT
cont="cli-check-$$"
head -c $((300 * 1024 * 1024)) /dev/urandom > "$dir/big.bin"
for mode in dlo slo; do
  extra=(); [[ $mode == slo ]] && extra=(--use-slo)
  t0=$(date +%s.%N)
  swift upload "${extra[@]}" --segment-size 52428800 "$cont" "$dir/big.bin" --object-name "big-$mode.bin" > /dev/null
  t1=$(date +%s.%N)
  swift download "$cont" "big-$mode.bin" -o "$dir/back.bin" > /dev/null
  t2=$(date +%s.%N)
  cmp "$dir/big.bin" "$dir/back.bin"
  printf '%s: upload %.1fs, download %.1fs, byte-identical\n' "$mode" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
  swift delete "$cont" "big-$mode.bin" > /dev/null
done
swift delete "$cont" > /dev/null 2>&1 || true
swift delete "${cont}_segments" > /dev/null 2>&1 || true
