#!/usr/bin/env bash
# Yuan et al.'s study for one of workloads/experiments/yuan_*.json: runs (or resumes) the
# fault-rate sweep, then prints per sign scheme the fault-free accuracy, the highest failure
# rate within 1 pp of it and the ratio differential / two-column (yuan_tolerance.sh).
# Usage: workloads/experiments/yuan.sh <yuan_lenet5_unstructured60|yuan_lenet5_int8|...> [output root, default out] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/../.."
name=${1:?usage: yuan.sh <experiment, e.g. yuan_lenet5_unstructured60> [output root] [sweep options]}
root=${2:-out}
shift $(( $# >= 2 ? 2 : 1 ))
spec=workloads/experiments/$name.json
[ -f "$spec" ] || { echo "yuan: $spec: no such file" >&2; exit 2; }
./build/release/apps/xbarsim sweep "$spec" -o "$root/$name" "$@" >&2
workloads/experiments/yuan_tolerance.sh "$root/$name/results.csv"
