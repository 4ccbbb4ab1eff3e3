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
# What the study cost: the units' wall times from runs.csv (one thread each under --jobs > 1,
# so the sum is core-hours; with --jobs 1 multiply by --threads).
awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "wall_time_s") c = i; next }
         c { s += $c; n++ } END { if (c) printf "%d units, %.2f core-hours of unit wall time\n", n, s / 3600 }' \
  "$root/$name/runs.csv"
