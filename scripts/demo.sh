#!/usr/bin/env bash
# The main demo: install dependencies, build, and run the shipped LeNet-5 on the
# whole Fashion-MNIST test set, in float and in 8-bit power-of-two integers.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target xbarsim
mkdir -p out
./build/release/apps/xbarsim info workloads/zoo/lenet5.json
echo
./build/release/apps/xbarsim eval workloads/zoo/lenet5.json --precision float --output out/lenet5_float.json
echo
./build/release/apps/xbarsim eval workloads/zoo/lenet5.json --precision int --output out/lenet5_int.json
echo
# The integer LeNet-5 on ISAAC-like crossbars: ideal, ADC only, + write variation, + stuck-at faults, and the
# preset's RRAM-like device, 3 device seeds each, on the whole test set (about a minute on 2 cores).
./build/release/apps/xbarsim run workloads/zoo/lenet5_int8.json --hw isaac_like --ladder --trials 3 --output out/lenet5_run.json
echo
# The same network, 8 images cycle by cycle through the SystemC chip: outputs checked against the
# functional engine, latency, throughput, per-module statistics and a waveform.
./build/release/apps/xbarsim run workloads/zoo/lenet5_int8.json --hw isaac_like --cycle-level --images 8 \
  --vcd out/lenet5.vcd --stats out/lenet5_stats.txt --output out/lenet5_cycle.json
echo
# What compression saves: the dense int8 LeNet-5 (baseline, with FP scaling units) against the
# CRIMP-compressed one, side by side with the ratios and the per-component breakdown.
./build/release/apps/xbarsim compare workloads/zoo/lenet5_int8.json workloads/zoo/lenet5_crimp.json --trials 3 \
  --output out/lenet5_compare.json
echo
echo "reports: out/lenet5_float.json out/lenet5_int.json out/lenet5_run.json out/lenet5_cycle.json out/lenet5_compare.json (+ lenet5.vcd, lenet5_stats.txt)"
