#!/usr/bin/env bash
# CRIMP at high crossbar-aligned sparsity (issue 22, item 1): PoT QAT + crossbar and
# kernel-group pruning on the zerorize-recover schedule, from the zoo's float model, at one
# target sparsity. Longer than compress_zoo.sh's short recipes: the whole training split per
# epoch (VGG-8) and a larger learning rate, so that the recover phases can regrow. One run per
# call (the trainer resumes only from-scratch training, not compression runs). Each workload
# records the exact command in its metadata ("produced_by").
#
# Usage: workloads/experiments/crimp_high_sparsity.sh <vgg8|resnet20> <sparsity> [out_dir] [--nia]
#   --nia adds CRIMP's non-ideality-aware training (lognormal write variation sigma 0.1).
# Wall time on 2 cores (docs/compression.md): VGG-8 ~105 s per epoch of 60,000 images,
# ResNet-20 ~90 s per epoch of 20,000.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1  # LibTorch runs 2 threads already (see compress_zoo.sh)
model=${1:?usage: crimp_high_sparsity.sh <vgg8|resnet20> <sparsity> [out_dir] [--nia]}
sparsity=${2:?usage: crimp_high_sparsity.sh <vgg8|resnet20> <sparsity> [out_dir] [--nia]}
out=${3:-out/crimp_high_sparsity}
nia=()
tag=""
if [ "${4:-}" = --nia ]; then
  nia=(--variation-sigma 0.1)
  tag=_nia
fi
T=./build/release/train/xbarsim-train
# Never pruned: the stem, and ResNet-20's 64x10 classifier, a single crossbar block that
# crossbar pruning at a per-layer ratio would remove whole (the network then outputs a constant).
case "$model" in
  vgg8) data=(--hflip --epochs 16) exclude=conv1 ;;
  resnet20) data=(--hflip --train-limit 20000 --epochs 16) exclude=conv1,fc ;;
  *) echo "crimp_high_sparsity: model: expected vgg8 or resnet20, found $model" >&2; exit 2 ;;
esac
mkdir -p "$out"
$T --from "workloads/zoo/$model.json" --threads 2 --lr 5e-4 "${data[@]}" \
   --prune crossbar+kernel-group --sparsity "$sparsity" --prune-scope per-layer --exclude "$exclude" \
   --schedule zerorize-recover --prune-start 0 --prune-interval 2 --freeze-epochs 4 "${nia[@]}" \
   --out "$out/${model}_crimp_s${sparsity}${tag}.json"
