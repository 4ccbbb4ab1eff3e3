#!/usr/bin/env bash
# Writes workloads/zoo/onnx/<workload>.onnx for every zoo workload (float as plain ONNX,
# integer as QDQ) with `xbarsim convert`; tests/onnx/test_export.cpp checks that each file
# imports back to its workload.
#   scripts/export_zoo_onnx.sh [build/release/apps/xbarsim]
set -euo pipefail
cd "$(dirname "$0")/.."
xbarsim=${1:-build/release/apps/xbarsim}
mkdir -p workloads/zoo/onnx
for json in workloads/zoo/*.json; do
  name=$(basename "$json" .json)
  "$xbarsim" convert "$json" -o "workloads/zoo/onnx/$name.onnx"
done
