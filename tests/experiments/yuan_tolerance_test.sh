#!/usr/bin/env bash
# workloads/experiments/yuan_tolerance.sh on a results table made here, whose answers are
# worked out by hand: the tolerated rate, the rates at each drop (interpolated linearly in
# accuracy against log10(rate)) and the ratios differential / two-column.
# Usage: yuan_tolerance_test.sh <source dir>
set -euo pipefail
src=${1:?usage: yuan_tolerance_test.sh <source dir>}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No value sits exactly on a threshold (a tie would test float rounding, not the rule).
# two-column: 0.90 fault-free, 0.893 at 1e-4, 0.86 at 1e-3, 0.55 at 1e-2.
# differential: 0.90, 0.90 at 1e-4, 0.897 at 1e-3, 0.75 at 1e-2.
cat > "$tmp/results.csv" <<'CSV'
index,id,sign_scheme,device.fault_rate,accuracy_mean
0,a,two-column,0,0.90
1,b,two-column,0.0001,0.893
2,c,two-column,0.001,0.86
3,d,two-column,0.01,0.55
4,e,differential,0,0.90
5,f,differential,0.0001,0.90
6,g,differential,0.001,0.897
7,h,differential,0.01,0.75
CSV
out=$(bash "$src/workloads/experiments/yuan_tolerance.sh" "$tmp/results.csv")
echo "$out"
fail() { echo "FAIL: $*" >&2; exit 1; }
line() { grep "^$1 " <<<"$out" || fail "no line for $1"; }
tc=$(line two-column)
df=$(line differential)
# Within 1 pp (>= 0.89): two-column holds at 1e-4 (0.893), not at 1e-3; differential to 1e-3.
[[ $(awk '{print $3}' <<<"$tc") == 0.0001 ]] || fail "two-column within 1 pp: $tc"
[[ $(awk '{print $3}' <<<"$df") == 0.001 ]] || fail "differential within 1 pp: $df"
# A crossing between rates r0 (accuracy a0) and r1 (a1) at threshold t lies at
# log10 r = log10 r0 + (a0 - t) / (a0 - a1) (log10 r1 - log10 r0). Two-column:
#   -0.5 pp (0.895): already below at the first rate: "<0.0001";
#   -1 pp (0.89): 1e-4..1e-3, 0.003 / 0.033 of the decade: 10^-3.9091 = 1.23e-4;
#   -5 pp (0.85): 1e-3..1e-2, 0.01 / 0.31: 10^-2.9677 = 1.08e-3;
#   -10 pp (0.80): 0.06 / 0.31: 10^-2.8065 = 1.56e-3;  -30 pp (0.60): 0.26 / 0.31: 6.90e-3.
[[ $(awk '{print $4, $5, $6, $7, $8}' <<<"$tc") == "<0.0001 0.000123 0.00108 0.00156 0.0069" ]] ||
  fail "two-column rates: $tc"
# Differential, all between 1e-3 (0.897) and 1e-2 (0.75), a0 - a1 = 0.147:
#   -0.5 pp: 0.002 / 0.147: 1.03e-3; -1 pp: 0.007: 1.12e-3; -5 pp: 0.047: 2.09e-3;
#   -10 pp: 0.097: 4.57e-3; -30 pp: never below: ">0.01".
[[ $(awk '{print $4, $5, $6, $7, $8}' <<<"$df") == "0.00103 0.00112 0.00209 0.00457 >0.01" ]] ||
  fail "differential rates: $df"
# Ratios: within 1 pp 1e-3 / 1e-4 = 10; at -1 pp 1.116e-3 / 1.233e-4 = 9.05 ("%.2g": 9.1);
# -5 pp 1.94; -10 pp 2.93; -0.5 and -30 pp have a bound on one side: n/a.
grep -q "within 1 pp, differential / two-column = 10$" <<<"$out" || fail "tolerated-rate ratio"
grep -q -- "-0.5pp: n/a  -1pp: 9.1  -5pp: 1.9  -10pp: 2.9  -30pp: n/a" <<<"$out" || fail "ratios at equal drops"
echo "yuan_tolerance: OK"
