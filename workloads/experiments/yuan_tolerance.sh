#!/usr/bin/env bash
# Yuan et al.'s measure from a fault-rate sweep (workloads/experiments/yuan_*.json): per sign
# scheme, the fault-free accuracy (fault_rate 0), the highest total stuck-at failure rate up to
# which the mean accuracy stays within 1 pp of it, and the ratio differential / two-column.
# Usage: workloads/experiments/yuan_tolerance.sh <sweep folder>/results.csv
set -euo pipefail
csv=${1:?usage: yuan_tolerance.sh results.csv}
[ -f "$csv" ] || { echo "yuan_tolerance: $csv: no such file" >&2; exit 2; }
awk -F, '
NR == 1 {
  for (i = 1; i <= NF; ++i) col[$i] = i
  if (!("sign_scheme" in col) || !("device.fault_rate" in col) || !("accuracy_mean" in col)) {
    print "yuan_tolerance: expected columns sign_scheme, device.fault_rate, accuracy_mean" > "/dev/stderr"; exit 2
  }
  next
}
{
  s = $col["sign_scheme"]; r = $col["device.fault_rate"] + 0; a = $col["accuracy_mean"] + 0
  if (!(s in seen)) { seen[s] = 1; order[++n] = s }
  k = ++count[s]; rate[s, k] = r; acc[s, k] = a
  if (r == 0) base[s] = a
}
END {
  printf "%-14s %12s %14s\n", "scheme", "fault-free", "tolerated rate"
  for (j = 1; j <= n; ++j) {
    s = order[j]
    if (!(s in base)) { print "yuan_tolerance: no fault_rate 0 row for " s > "/dev/stderr"; exit 2 }
    # rates in sweep order (ascending); the tolerated rate is the last one before the first drop.
    tol = 0
    for (k = 1; k <= count[s]; ++k) {
      if (rate[s, k] == 0) continue
      if (acc[s, k] >= base[s] - 0.01) tol = rate[s, k]; else break
    }
    t[s] = tol
    printf "%-14s %11.2f%% %14g\n", s, 100 * base[s], tol
  }
  if (("differential" in t) && ("two-column" in t)) {
    if (t["two-column"] > 0) printf "differential / two-column = %g\n", t["differential"] / t["two-column"]
    else printf "differential / two-column: two-column tolerates no swept rate (differential %g)\n", t["differential"]
  }
}' "$csv"
