#!/usr/bin/env bash
# Installs what xbarsim needs from Debian's archive (bookworm), skipping what is there.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config       # build
  libsystemc-dev                         # cycle-level simulation (SystemC 2.3)
  libeigen3-dev                          # dense linear algebra
  nlohmann-json3-dev                     # JSON formats
  libboost-program-options-dev           # command line
  libgtest-dev libgmock-dev              # tests
  libbenchmark-dev                       # micro-benchmarks (bench/)
  zlib1g-dev                             # gzip-compressed IDX data
  libonnx-dev libprotobuf-dev            # ONNX import (onnx/)
  libtorch-dev                           # training front-end (train/)
  libopenblas0-pthread                   # fast BLAS for LibTorch's CPU kernels (otherwise reference BLAS)
  dataset-fashion-mnist                  # /usr/share/datasets/fashion-mnist/*.gz
  gnuplot-nox                            # sweep plots
  clang libclang-rt-14-dev               # libFuzzer targets (fuzz/, scripts/fuzz.sh)
  slurm-wlm munge                        # the real-Slurm test (tests/slurm/, scripts/slurm_local.sh)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
