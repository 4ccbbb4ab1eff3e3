#!/usr/bin/env bash
# Yuan et al.'s measure from a fault-rate sweep (workloads/experiments/yuan_*.json): per sign
# scheme, the fault-free accuracy (fault_rate 0), the highest total stuck-at failure rate up to
# which the mean accuracy stays within 1 pp of it, the rates (interpolated in log rate) at which
# the mean falls 0.5, 1, 5, 10 and 30 pp below it, and the ratios differential / two-column.
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
  split("0.5 1 5 10 30", drop, " ")
  printf "%-14s %11s %15s", "scheme", "fault-free", "within 1 pp"
  for (d = 1; d <= 5; ++d) printf " %12s", "rate at -" drop[d] "pp"
  printf "\n"
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
    printf "%-14s %10.2f%% %15s", s, 100 * base[s], ((tol > 0) ? sprintf("%g", tol) : "none swept")
    # The rate at which the mean first falls d pp below fault-free, interpolated linearly in
    # accuracy against log(rate) between the two swept rates around the crossing.
    for (d = 1; d <= 5; ++d) {
      thr = base[s] - drop[d] / 100; pr = 0; pa = base[s]; x = ""
      for (k = 1; k <= count[s]; ++k) {
        if (rate[s, k] == 0) continue
        if (acc[s, k] < thr) {
          if (pr == 0) x = "<" rate[s, k]
          else x = exp(log(pr) + (pa - thr) / (pa - acc[s, k]) * (log(rate[s, k]) - log(pr)))
          break
        }
        pr = rate[s, k]; pa = acc[s, k]
      }
      if (x == "") x = ">" pr
      iso[s, d] = x
      printf " %12s", (x ~ /^[<>]/) ? x : sprintf("%.3g", x)
    }
    printf "\n"
  }
  if (("differential" in t) && ("two-column" in t)) {
    if (t["two-column"] > 0) printf "highest swept rate within 1 pp, differential / two-column = %g\n", t["differential"] / t["two-column"]
    else printf "highest swept rate within 1 pp: two-column tolerates none of the swept rates, differential %g\n", t["differential"]
    printf "rate at the same drop, differential / two-column:"
    for (d = 1; d <= 5; ++d) {
      a = iso["differential", d]; b = iso["two-column", d]
      printf "  -%spp: %s", drop[d], (a ~ /^[<>]/ || b ~ /^[<>]/) ? "n/a" : sprintf("%.2g", a / b)
    }
    printf "\n"
  }
}' "$csv"
