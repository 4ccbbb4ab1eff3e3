#!/usr/bin/env bash
# Crossbar counts of every integer zoo workload at 64x64, 128x128 and 256x256 (xbarsim map),
# next to the counts the trainer recorded in metadata.compression (docs/compression.md).
# Usage: workloads/experiments/map_zoo.sh [build dir, default build/release]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-build/release}/apps/xbarsim"
printf "| workload | 64x64 map (report) | 128x128 map (report) | 256x256 map (report) |\n|---|---|---|---|\n"
for w in workloads/zoo/*_int8.json workloads/zoo/*_crimp.json workloads/zoo/*_unstructured60.json; do
  row="| $(basename "$w" .json) |"
  for s in 64 128 256; do
    out=$(mktemp)
    "$bin" map "$w" --hw isaac_like --set rows=$s --set cols=$s --set columns_per_adc=$s -o "$out" >/dev/null
    row+=" $(python3 -c "import json,sys; print(json.load(open('$out'))['totals']['crossbars'])")"
    row+=" ($(python3 -c "import json; print(json.load(open('$w'))['metadata']['compression']['square_crossbars']['$s']['crossbars'])")) |"
    rm -f "$out"
  done
  echo "$row"
done
