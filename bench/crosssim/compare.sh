#!/usr/bin/env bash
# Whole-process speed of `xbarsim run` against CrossSim 3.2 on LeNet-5 int8 /
# Fashion-MNIST at the same ISAAC-like setting (README.md in this folder).
#
#   bench/crosssim/compare.sh [--xbarsim PATH] [--crosssim DIR] [--images N]
#                             [--reps R] [--threads T] [--variation off|on|both]
#                             [--include-calibration] [--python PY] [--out DIR]
#                             [--xbarsim-args "ARGS"]
#
# Runs the two tools interleaved (R times each per setting, the order swapped
# every repetition), each as a fresh process with T threads, and prints the
# median wall times, their ratio and the CPU model. --xbarsim-args adds options
# to every xbarsim run (e.g. "--no-references": accuracy only, as CrossSim
# computes). Run it on a quiet machine.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

XBARSIM="build/release/apps/xbarsim"
CROSSSIM="/tmp/cross-sim"
IMAGES=10000
REPS=3
THREADS=2
VARIATION="off"
INCLUDE_CAL=0
PYTHON=""
OUT=""
XB_ARGS=""

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --xbarsim) XBARSIM="$2"; shift 2 ;;
    --crosssim) CROSSSIM="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --variation) VARIATION="$2"; shift 2 ;;
    --include-calibration) INCLUDE_CAL=1; shift ;;
    --python) PYTHON="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --xbarsim-args) XB_ARGS="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; usage 2 ;;
  esac
done

cd "$REPO"
case "$VARIATION" in
  off) SETTINGS="ideal" ;;
  on) SETTINGS="variation" ;;
  both) SETTINGS="ideal variation" ;;
  *) echo "compare.sh: --variation must be off, on or both" >&2; exit 2 ;;
esac

# Debian's python3 (numpy, scipy, torch from apt); a pyenv/venv python3 first
# on PATH usually lacks them.
if [[ -z "$PYTHON" ]]; then
  if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
[[ -x "$XBARSIM" ]] || { echo "compare.sh: no xbarsim binary at $XBARSIM" >&2; exit 1; }
[[ -f "$CROSSSIM/simulator/__init__.py" ]] || {
  echo "compare.sh: $CROSSSIM is not a CrossSim source tree (no simulator/__init__.py)" >&2; exit 1; }
"$PYTHON" -c "import numpy, scipy, torch" 2>/dev/null || {
  echo "compare.sh: $PYTHON lacks numpy/scipy/torch: apt-get install -y python3-numpy python3-scipy python3-torch" >&2
  exit 1; }

[[ -n "$OUT" ]] || OUT="$(mktemp -d /tmp/xbarsim_vs_crosssim.XXXXXX)"
mkdir -p "$OUT"
RUNS="$OUT/runs.tsv"
printf 'setting\ttool\trep\twall_s\taccuracy\teval_s\n' > "$RUNS"

now() { date +%s.%N; }

cs_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$CROSSSIM/pyproject.toml" 2>/dev/null || true)"
cs_commit="$(git -C "$CROSSSIM" rev-parse HEAD 2>/dev/null || echo unknown)"
cs_describe="$(git -C "$CROSSSIM" describe --tags --always 2>/dev/null || echo unknown)"
xb_commit="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if ! git -C "$REPO" diff --quiet HEAD 2>/dev/null; then xb_commit="$xb_commit (+ uncommitted changes)"; fi

echo "xbarsim vs CrossSim: LeNet-5 int8, Fashion-MNIST test, $IMAGES images, $REPS runs each, $THREADS threads"
echo "  cpu        $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1) ($(nproc) cpus online)"
echo "  load       $(cut -d' ' -f1-3 /proc/loadavg) (1/5/15 min; should be near 0)"
echo "  xbarsim    $XBARSIM (repo $xb_commit)${XB_ARGS:+, options $XB_ARGS}"
echo "  CrossSim   $CROSSSIM version ${cs_version:-?}, commit $cs_commit ($cs_describe)"
echo "  python     $("$PYTHON" -c 'import sys, numpy, torch; print(sys.version.split()[0], "numpy", numpy.__version__, "torch", torch.__version__)')"
echo "  output     $OUT"

xb_cmd() {  # $1 = setting, $2 = json report
  local dev=()
  [[ "$1" == "ideal" ]] && dev=(--set device=ideal)
  "$XBARSIM" run workloads/zoo/lenet5_int8.json --set sign_scheme=offset "${dev[@]}" \
    --trials 1 --threads "$THREADS" --limit "$IMAGES" $XB_ARGS -o "$2"
}

cs_cmd() {  # $1 = setting, $2 = json report
  local var=off
  [[ "$1" == "variation" ]] && var=on
  local rng=(--adc-range file --ranges-file "$OUT/ranges_$1.json")
  [[ "$INCLUDE_CAL" == 1 ]] && rng=(--adc-range calibrated)
  "$PYTHON" "$HERE/lenet5_crosssim.py" --crosssim "$CROSSSIM" --images "$IMAGES" \
    --threads "$THREADS" --variation "$var" "${rng[@]}" --json "$2"
}

run_one() {  # $1 = setting, $2 = tool, $3 = rep
  local log="$OUT/$1_$2_$3.log" js="$OUT/$1_$2_$3.json" t0 t1
  t0=$(now)
  if [[ "$2" == "xbarsim" ]]; then xb_cmd "$1" "$js" > "$log" 2>&1; else cs_cmd "$1" "$js" > "$log" 2>&1; fi
  t1=$(now)
  "$PYTHON" - "$1" "$2" "$3" "$t0" "$t1" "$js" >> "$RUNS" <<'EOF'
import json, sys
setting, tool, rep, t0, t1, js = sys.argv[1:]
d = json.load(open(js))
if tool == "xbarsim":
    sc = [s for s in d["scenarios"] if s["key"] == "configured"][0]
    acc, ev = sc["accuracy_mean"], sc["wall_time_s"]
else:
    acc, ev = d["accuracy"], d["time_s"]["inference"]
print(f"{setting}\t{tool}\t{rep}\t{float(t1) - float(t0):.3f}\t{acc:.4f}\t{ev:.3f}")
EOF
  tail -1 "$RUNS" | awk -F'\t' '{printf "  %-9s %-8s run %s: %8.2f s wall, accuracy %.2f %%\n", $1, $2, $3, $4, 100*$5}'
}

for s in $SETTINGS; do
  if [[ "$INCLUDE_CAL" == 0 ]]; then
    # CrossSim's ADC ranges are calibrated once, untimed (xbarsim's full_scale
    # range needs no calibration); every timed CrossSim run loads them.
    var=off; [[ "$s" == "variation" ]] && var=on
    "$PYTHON" "$HERE/lenet5_crosssim.py" --crosssim "$CROSSSIM" --images 1 --threads "$THREADS" \
      --variation "$var" --adc-range calibrated --save-ranges "$OUT/ranges_$s.json" \
      > "$OUT/calibration_$s.log" 2>&1
  fi
  for ((r = 1; r <= REPS; r++)); do
    if (( r % 2 == 1 )); then run_one "$s" xbarsim "$r"; run_one "$s" crosssim "$r"
    else run_one "$s" crosssim "$r"; run_one "$s" xbarsim "$r"; fi
  done
done

"$PYTHON" - "$RUNS" "$OUT/summary.json" <<'EOF'
import csv, json, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
out = {}
print("\nsummary (median of runs; whole process wall time; eval = the tool's own evaluation time)")
print(f"  {'setting':<10}{'tool':<10}{'wall s':>10}{'eval s':>10}{'accuracy':>10}")
for setting in dict.fromkeys(r["setting"] for r in rows):
    med = {}
    for tool in ("xbarsim", "crosssim"):
        rs = [r for r in rows if r["setting"] == setting and r["tool"] == tool]
        w = statistics.median(float(r["wall_s"]) for r in rs)
        e = statistics.median(float(r["eval_s"]) for r in rs)
        a = statistics.median(float(r["accuracy"]) for r in rs)
        med[tool] = {"wall_s": w, "eval_s": e, "accuracy": a,
                     "walls": [float(r["wall_s"]) for r in rs]}
        print(f"  {setting:<10}{tool:<10}{w:>10.2f}{e:>10.2f}{100 * a:>9.2f}%")
    ratio = med["crosssim"]["wall_s"] / med["xbarsim"]["wall_s"]
    eratio = med["crosssim"]["eval_s"] / med["xbarsim"]["eval_s"]
    med["ratio_wall_crosssim_over_xbarsim"] = ratio
    med["ratio_eval_crosssim_over_xbarsim"] = eratio
    print(f"  {setting:<10}CrossSim / xbarsim: {ratio:.1f}x whole process, {eratio:.1f}x evaluation only")
    out[setting] = med
json.dump(out, open(sys.argv[2], "w"), indent=1)
EOF
echo "  cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1); runs in $RUNS, summary in $OUT/summary.json"
