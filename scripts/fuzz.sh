#!/usr/bin/env bash
# Fuzzes every reader of user files with libFuzzer under ASan + UBSan (fuzz/, the "fuzz" preset).
# Usage: scripts/fuzz.sh [seconds per target, default 60] [parallel targets, default 2]
#        FUZZ_SEED=<n> picks libFuzzer's random seed (default 1, so CI runs the same mutations).
#        FUZZ_RUNS=<n> also stops each target after n executions (seconds 0: no time limit), and
#        FUZZ_TARGETS="fuzz_idx fuzz_sweep" runs only those targets: the long recorded runs are
#        FUZZ_RUNS=10000000 scripts/fuzz.sh 0 1 (docs/validation.md).
# Builds build/fuzz, makes each target's seed corpus from the shipped files (the corpus folder
# keeps what the fuzzer adds, so a later run goes on from there), runs each target for the given
# time with a 2 GiB RSS limit and a 5 s limit per input, and prints one line per target with its
# executions. Exits non-zero, naming the target and its crash file, on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
parallel=${2:-2}
cmake --preset fuzz > /dev/null
cmake --build --preset fuzz
bin=build/fuzz/fuzz
corpus=build/fuzz/corpus
seed() {  # seed <target> <files...>
  local t=$1; shift
  mkdir -p "$corpus/$t"
  for f in "$@"; do cp -n "$f" "$corpus/$t/seed_$(basename "$f")"; done
}
seed fuzz_network workloads/zoo/*.json
seed fuzz_safetensors workloads/zoo/mlp.safetensors workloads/zoo/lenet5_int8.safetensors
seed fuzz_hardware workloads/hardware/*.json workloads/devices/*.json
seed fuzz_cost_table workloads/cost/*.json
seed fuzz_sweep workloads/experiments/*.json
if [ -x "$bin/make_onnx_seeds" ]; then  # small models, one per importer path (fuzz/make_onnx_seeds.cpp)
  mkdir -p "$corpus/fuzz_onnx"
  "$bin/make_onnx_seeds" "$corpus/fuzz_onnx" > /dev/null
  seed fuzz_onnx workloads/zoo/onnx/lenet5_int8.onnx
fi
mkdir -p "$corpus/fuzz_idx"
# Two small IDX files (images 2x3x3, labels 2) and their gzip forms.
printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00\x00\x03abcdefghijklmnopqr' > "$corpus/fuzz_idx/seed_images"
printf '\x00\x00\x08\x01\x00\x00\x00\x02\x01\x07' > "$corpus/fuzz_idx/seed_labels"
gzip -c "$corpus/fuzz_idx/seed_images" > "$corpus/fuzz_idx/seed_images.gz"
gzip -c "$corpus/fuzz_idx/seed_labels" > "$corpus/fuzz_idx/seed_labels.gz"

targets=(fuzz_network fuzz_safetensors fuzz_idx fuzz_hardware fuzz_cost_table fuzz_sweep)
[ -x "$bin/fuzz_onnx" ] && targets+=(fuzz_onnx)
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<< "$FUZZ_TARGETS"; fi
mkdir -p build/fuzz/logs build/fuzz/findings
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_one() {
  local t=$1
  local max_len=65536
  [ "$t" = fuzz_safetensors ] && max_len=400000
  # ONNX: the small seeds' structure, not a shipped model's weight bytes, is what to mutate (a
  # 70 KB input runs about 10x slower); longer seeds are cut to this length.
  [ "$t" = fuzz_onnx ] && max_len=16384
  if "$bin/$t" -seed="${FUZZ_SEED:-1}" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" -rss_limit_mb=2048 -timeout=5 -max_len="$max_len" -print_final_stats=1 \
       -artifact_prefix="build/fuzz/findings/$t-" "$corpus/$t" > "build/fuzz/logs/$t.log" 2>&1; then
    local runs
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build/fuzz/logs/$t.log" | grep -o '[0-9]*$' || echo "?")
    local took
    took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "build/fuzz/logs/$t.log" | grep -o '[0-9]* second' || echo "$seconds second")
    echo "fuzz: $t: $runs executions in ${took}s, no finding"
  else
    echo "fuzz: $t: FINDING (build/fuzz/logs/$t.log):" >&2
    grep -E "ERROR|SUMMARY|Test unit written|uncaught|terminate" "build/fuzz/logs/$t.log" | head -5 >&2
    return 1
  fi
}
export -f run_one
export bin corpus seconds
printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one {}'
