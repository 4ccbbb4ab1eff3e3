#!/usr/bin/env bash
# How sure the differential / two-column ratio of a Yuan et al. sweep is (yuan_tolerance.sh gives
# the ratio of the mean curves): a bootstrap over the fault maps. Each resample draws the sweep's
# M maps with replacement — the same map indices at every point, since map i of every point comes
# from device seed i — forms each point's mean over them, finds the rates at which each scheme's
# mean first falls 0.5, 1, 5 and 10 pp below its fault-free accuracy (interpolated in log rate, as
# yuan_tolerance.sh does) and their ratio. Prints, per drop, the ratio of the full means, the
# median and the 2.5 / 97.5 % percentiles of the resampled ratios (a 95 % percentile interval), the
# share of resamples at or above 5x, and how many resamples had a crossing outside the grid.
# Deterministic: a Park-Miller generator seeded with `seed`, the same on every awk.
# Usage: workloads/experiments/yuan_bootstrap.sh <sweep folder> [resamples, default 2000] [seed, default 1]
set -euo pipefail
dir=${1:?usage: yuan_bootstrap.sh <sweep folder> [resamples] [seed]}
resamples=${2:-2000}
seed=${3:-1}
[ -d "$dir/points" ] || { echo "yuan_bootstrap: $dir/points: no such folder" >&2; exit 2; }
[[ $resamples =~ ^[1-9][0-9]*$ ]] || { echo "yuan_bootstrap: resamples: expected a positive integer, found $resamples" >&2; exit 2; }
[[ $seed =~ ^[1-9][0-9]*$ ]] || { echo "yuan_bootstrap: seed: expected a positive integer, found $seed" >&2; exit 2; }
shopt -s nullglob
files=()
for f in "$dir"/points/*.json; do
  [[ $f == *.group-*.json ]] || files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "yuan_bootstrap: $dir/points: no point files" >&2; exit 2; }
awk -v B="$resamples" -v seed="$seed" '
function fail(m) { print "yuan_bootstrap: " m > "/dev/stderr"; bad = 1; exit 2 }
FNR == 1 { inaxes = 0; s = ""; r = "" }
/^  "axes": \{/ { inaxes = 1; next }
inaxes && /"sign_scheme":/ { split($0, q, "\""); s = q[4] }
inaxes && /"device\.fault_rate":/ { v = $0; sub(/^[^:]*: */, "", v); sub(/,$/, "", v); r = v + 0 }
inaxes && /^  \}/ { inaxes = 0 }
/^ *"trials": \[/ {
  if (s == "" || r == "") fail(FILENAME ": no sign_scheme or device.fault_rate axis")
  v = $0; sub(/.*\[/, "", v); sub(/\].*/, "", v)
  k = split(v, fld, ",")
  ++P; sch[P] = s; rat[P] = r; cnt[P] = k
  for (i = 1; i <= k; ++i) acc[P, i] = fld[i] + 0
  if (k > M) M = k
  if (!(s in seen)) { seen[s] = 1; order[++S] = s }
}
# The rate at which the curve of scheme s (its points sorted by rate, means in m[]) first falls d pp
# below its fault-free mean; "" when it never does on the grid or already does at the first rate.
function crossing(s, d,    thr, pr, pa, j, p) {
  thr = base[s] - d / 100; pr = 0; pa = base[s]
  for (j = 1; j <= npts[s]; ++j) {
    p = pt[s, j]
    if (rat[p] == 0) continue
    if (m[p] < thr) {
      if (pr == 0) return ""
      return exp(log(pr) + (pa - thr) / (pa - m[p]) * (log(rat[p]) - log(pr)))
    }
    pr = rat[p]; pa = m[p]
  }
  return ""
}
function next_index() { x = (16807 * x) % 2147483647; return int(x / 2147483647 * M) + 1 }
END {
  if (bad) exit 2
  if (!("two-column" in seen) || !("differential" in seen)) fail("expected sign schemes two-column and differential")
  for (p = 1; p <= P; ++p) if (cnt[p] != M && cnt[p] != 1) fail("point of " sch[p] " at " rat[p] ": " cnt[p] " maps, others " M)
  # Each scheme'"'"'s points by ascending rate (insertion sort), and its fault-free point.
  for (p = 1; p <= P; ++p) {
    s = sch[p]; j = ++npts[s]
    while (j > 1 && rat[pt[s, j - 1]] > rat[p]) { pt[s, j] = pt[s, j - 1]; --j }
    pt[s, j] = p
    if (rat[p] == 0) zero[s] = p
  }
  for (j = 1; j <= S; ++j) if (!(order[j] in zero)) fail("no fault_rate 0 point for " order[j])
  nd = split("0.5 1 5 10", drop, " ")
  # The full means first.
  for (p = 1; p <= P; ++p) { t = 0; for (i = 1; i <= cnt[p]; ++i) t += acc[p, i]; m[p] = t / cnt[p] }
  for (j = 1; j <= S; ++j) base[order[j]] = m[zero[order[j]]]
  for (d = 1; d <= nd; ++d) {
    a = crossing("differential", drop[d]); b = crossing("two-column", drop[d])
    full[d] = (a == "" || b == "") ? "n/a" : sprintf("%.3g", a / b)
  }
  x = seed
  for (rs = 1; rs <= B; ++rs) {
    for (i = 1; i <= M; ++i) idx[i] = next_index()
    for (p = 1; p <= P; ++p) {
      if (cnt[p] == 1) { m[p] = acc[p, 1]; continue }
      t = 0; for (i = 1; i <= M; ++i) t += acc[p, idx[i]]; m[p] = t / M
    }
    for (j = 1; j <= S; ++j) base[order[j]] = m[zero[order[j]]]
    for (d = 1; d <= nd; ++d) {
      a = crossing("differential", drop[d]); b = crossing("two-column", drop[d])
      if (a == "" || b == "") { ++off[d]; continue }
      v = a / b; k = ++n[d]
      while (k > 1 && ratio[d, k - 1] > v) { ratio[d, k] = ratio[d, k - 1]; --k }
      ratio[d, k] = v
      if (v >= 5) ++five[d]
    }
  }
  printf "bootstrap over %d fault maps, %d resamples (seed %d): rate at the same drop, differential / two-column\n", M, B, seed
  printf "%-8s %8s %8s %18s %10s %14s\n", "drop", "means", "median", "95 % interval", ">= 5x", "off the grid"
  for (d = 1; d <= nd; ++d) {
    k = n[d] + 0
    if (k == 0) { printf "-%-7s %8s %8s %18s %10s %14d\n", drop[d] "pp", full[d], "n/a", "n/a", "n/a", off[d]; continue }
    lo = ratio[d, int(0.025 * (k - 1)) + 1]; hi = ratio[d, int(0.975 * (k - 1)) + 1]; med = ratio[d, int(0.5 * (k - 1)) + 1]
    printf "-%-7s %8s %8.3g %18s %9.1f%% %14d\n", drop[d] "pp", full[d], med, sprintf("%.3g - %.3g", lo, hi),
           100 * five[d] / k, off[d] + 0
  }
}' "${files[@]}"
