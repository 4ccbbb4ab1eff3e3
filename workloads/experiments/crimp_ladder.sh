#!/usr/bin/env bash
# CRIMP's ladder for one model: runs (or resumes) the ladder sweep
# workloads/experiments/crimp_ladder_<model>.json, then `xbarsim compare` of the float model
# (+ the FP scaling units it needs) against the full CRIMP model, and prints (markdown) one row
# per rung (workload) and self-compensation setting: accuracy (mean ± std over the device seeds)
# at each write-variation sigma, crossbars, and computing power and area with their reduction
# against the first rung (the float model post-training quantized onto the same chip).
# Usage: workloads/experiments/crimp_ladder.sh <lenet5|vgg8> [output root, default out]
#        workloads/experiments/crimp_ladder.sh --table <results.csv>   (the table only)
set -euo pipefail
cd "$(dirname "$0")/../.."
X=./build/release/apps/xbarsim
if [ "${1:-}" = --table ]; then
  csv=${2:?usage: crimp_ladder.sh --table results.csv}
else
  model=${1:?usage: crimp_ladder.sh <lenet5|vgg8> [output root]}
  root=${2:-out}
  spec=workloads/experiments/crimp_ladder_$model.json
  [ -f "$spec" ] || { echo "crimp_ladder: $spec: no such file (models: lenet5, vgg8)" >&2; exit 2; }
  dir=$root/crimp_ladder_$model
  $X sweep "$spec" -o "$dir" >&2
  # Power and area do not depend on the accuracy run: few images suffice for the comparison.
  $X compare workloads/zoo/$model.json workloads/zoo/${model}_crimp_nia.json --set adc_range=calibrated --images 100 --trials 1 \
     -o "$dir/compare_float_vs_crimp_nia.json" > "$dir/compare_float_vs_crimp_nia.txt"
  echo "float + FP scaling units vs ${model}_crimp_nia (xbarsim compare, $dir/compare_float_vs_crimp_nia.txt):"
  grep -E "^  (crossbars|computing power|computing area|total power|total area|energy per inference) " \
    "$dir/compare_float_vs_crimp_nia.txt"
  echo
  csv=$dir/results.csv
fi
[ -f "$csv" ] || { echo "crimp_ladder: $csv: no such file" >&2; exit 2; }
awk -F, '
NR == 1 {
  for (i = 1; i <= NF; ++i) col[$i] = i
  split("workload self_compensation device.write_sigma accuracy_mean accuracy_std crossbars computing_power_mw computing_area_mm2", need, " ")
  for (i in need) if (!(need[i] in col)) { print "crimp_ladder: expected a column " need[i] > "/dev/stderr"; bad = 1; exit 2 }
  next
}
{
  w = $col["workload"]; sub(/.*\//, "", w); sub(/\.json$/, "", w)
  sc = ($col["self_compensation"] == "true" || $col["self_compensation"] == "1") ? "on" : "off"
  r = w SUBSEP sc; s = $col["device.write_sigma"] + 0
  if (!(r in seen)) { seen[r] = 1; rows[++n] = r; name[n] = w; comp[n] = sc }
  if (!(s in sig)) { sig[s] = 1; sigmas[++m] = s }
  acc[r, s] = sprintf("%.2f ± %.2f", 100 * $col["accuracy_mean"], 100 * $col["accuracy_std"])
  xb[r] = $col["crossbars"]; pw[r] = $col["computing_power_mw"] + 0; ar[r] = $col["computing_area_mm2"] + 0
}
END {
  if (bad || n == 0) exit 2
  head = "| workload | self-comp. |"; rule = "|---|---|"
  for (j = 1; j <= m; ++j) { head = head " σ " sigmas[j] " (%) |"; rule = rule "---|" }
  print head " crossbars | computing power mW (×) | computing area mm² (×) |"
  print rule "---|---|---|"
  b = rows[1]
  for (i = 1; i <= n; ++i) {
    r = rows[i]; line = "| " name[i] " | " comp[i] " |"
    for (j = 1; j <= m; ++j) line = line " " ((r, sigmas[j]) in acc ? acc[r, sigmas[j]] : "—") " |"
    printf "%s %s | %.3f (%.2f×) | %.4f (%.2f×) |\n", line, xb[r], pw[r], pw[b] / pw[r], ar[r], ar[b] / ar[r]
  }
}' "$csv"
