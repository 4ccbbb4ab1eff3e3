#!/usr/bin/env bash
# workloads/experiments/yuan_bootstrap.sh on point files made here (the sweep's layout): with
# every map giving the same accuracy each resample is the full sample, so the interval collapses
# onto the ratio of the means, worked out by hand in yuan_tolerance_test.sh; with a spread over
# maps the interval must contain that ratio and be wider; a fixed seed repeats; bad input fails.
# Usage: yuan_bootstrap_test.sh <source dir>
set -euo pipefail
src=${1:?usage: yuan_bootstrap_test.sh <source dir>}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
B="$src/workloads/experiments/yuan_bootstrap.sh"

# point <folder> <name> <scheme> <rate> <accuracies, comma-separated>
point() {
  mkdir -p "$1/points"
  cat > "$1/points/$2.json" <<JSON
{
  "version": 1,
  "axes": {
    "sign_scheme": "$3",
    "device.fault_rate": $4
  },
  "settings": {
    "trials": 8
  },
  "report": {
    "accuracy": {
      "trials": [$5]
    }
  }
}
JSON
}
# The curves of yuan_tolerance_test.sh: two-column 0.90, 0.893, 0.86, 0.55 at 0, 1e-4, 1e-3,
# 1e-2; differential 0.90, 0.90, 0.897, 0.75. Eight maps each; fault-free points have one.
curves() {  # <folder> <two-column maps at 1e-3>
  point "$1" a two-column 0 0.90
  point "$1" b two-column 0.0001 0.893,0.893,0.893,0.893,0.893,0.893,0.893,0.893
  point "$1" c two-column 0.001 "$2"
  point "$1" d two-column 0.01 0.55,0.55,0.55,0.55,0.55,0.55,0.55,0.55
  point "$1" e differential 0 0.90
  point "$1" f differential 0.0001 0.90,0.90,0.90,0.90,0.90,0.90,0.90,0.90
  point "$1" g differential 0.001 0.897,0.897,0.897,0.897,0.897,0.897,0.897,0.897
  point "$1" h differential 0.01 0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75
}

# No spread: every resample gives the means' ratios, 9.05 at -1 pp, 1.94 at -5 pp, 2.93 at
# -10 pp; at -0.5 pp two-column is below at the first rate in every resample (off the grid).
curves "$tmp/flat" 0.86,0.86,0.86,0.86,0.86,0.86,0.86,0.86
out=$(bash "$B" "$tmp/flat" 300)
echo "$out"
row() { grep -- "^-$1pp " <<<"$2" || fail "no row for -$1 pp"; }
[[ $(row 1 "$out" | awk '{print $2, $3, $4, $6}') == "9.05 9.05 9.05 9.05" ]] || fail "-1 pp, no spread: $(row 1 "$out")"
[[ $(row 5 "$out" | awk '{print $2, $3, $4, $6}') == "1.94 1.94 1.94 1.94" ]] || fail "-5 pp: $(row 5 "$out")"
[[ $(row 10 "$out" | awk '{print $2, $3, $4, $6}') == "2.93 2.93 2.93 2.93" ]] || fail "-10 pp: $(row 10 "$out")"
[[ $(row 0.5 "$out" | awk '{print $2, $NF}') == "n/a 300" ]] || fail "-0.5 pp: $(row 0.5 "$out")"
grep -q "over 8 fault maps, 300 resamples (seed 1)" <<<"$out" || fail "header"

# Two-column at 1e-3 spread over maps (0.84 or 0.88, mean 0.86): the same means, so the same
# ratio of means, but resamples move two-column's -1 pp crossing (between 1e-4 at 0.893 and 1e-3,
# below 0.89 in every resample) both ways, never off the grid.
curves "$tmp/spread" 0.84,0.88,0.84,0.88,0.84,0.88,0.84,0.88
out=$(bash "$B" "$tmp/spread" 300)
echo "$out"
read -r means lo hi <<<"$(row 1 "$out" | awk '{print $2, $4, $6}')"
[[ $means == 9.05 ]] || fail "-1 pp ratio of the means with spread: $means"
[[ $(row 1 "$out" | awk '{print $NF}') == 0 ]] || fail "-1 pp: resamples off the grid: $(row 1 "$out")"
awk -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(lo < 9.05 && 9.05 < hi) }' || fail "interval $lo - $hi does not contain 9.05"
[[ "$(bash "$B" "$tmp/spread" 300)" == "$out" ]] || fail "the same seed gave other numbers"
[[ "$(bash "$B" "$tmp/spread" 300 7)" != "$out" ]] || fail "another seed gave the same resamples"

# Bad input: one error line, exit 2.
point "$tmp/bad" a two-column 0 0.90
point "$tmp/bad" b two-column 0.001 0.86,0.86
point "$tmp/bad" c differential 0 0.90
point "$tmp/bad" d differential 0.001 0.89,0.89,0.89
set +e
msg=$(bash "$B" "$tmp/bad" 2>&1 >/dev/null); rc=$?
set -e
[[ $rc == 2 && $msg == *" maps, others "* ]] || fail "mismatched map counts: rc $rc: $msg"
set +e
msg=$(bash "$B" "$tmp/none" 2>&1); rc=$?
set -e
[[ $rc == 2 && $msg == *"no such folder"* ]] || fail "missing folder: rc $rc: $msg"
echo "yuan_bootstrap: OK"
