// Non-ideality-aware training from the chip's own device description (docs/compression.md,
// "Non-ideality-aware training"): integer weight codes are stored as the mapping stores them
// (bit slices of 2^cell_bits levels, two-column, differential or offset), every cell is
// written through the device's write law — lognormal or gaussian, per-level sigma, mean-
// preserving or not, the conductance-dependent sigma(G), the additive floor, the bounds — and
// the noisy levels are summed back into the weight each cell pair stands for. The same law
// models::ConductanceModel draws when the chip is programmed, in LibTorch.
#pragma once

#include <torch/torch.h>

#include "mapping/crossbar_geometry.hpp"
#include "models/device.hpp"

namespace xbarsim::train {

class DeviceNoise {
 public:
  /// `geometry`: cell bits, sign scheme and weight bits of the stored codes. Throws xbarsim::Error
  /// naming `where` for a device the training cannot sample (faults, drift and read noise are the
  /// chip's, not the training's: they are ignored and reported by `ignored()`).
  DeviceNoise(const models::DeviceConfig& device, const mapping::CrossbarGeometry& geometry, const std::string& where);

  /// Integer codes (any shape, |code| <= 2^(b-1) - 1, float64 or float32) in, what the programmed
  /// cells compute per unit input out (same shape and dtype): sum_s 2^(s c) (u+_s - u-_s) with u
  /// the written cells' levels (G - Gmin) / dG; the offset scheme subtracts 2^(b-1) exactly.
  torch::Tensor sample(const torch::Tensor& codes) const;

  const models::DeviceConfig& device() const { return device_; }
  /// The device effects sample() does not apply (a comma-separated list, empty when none).
  std::string ignored() const;

 private:
  /// Written levels (float64) of cells holding `levels` (float64 integers in [0, 2^c - 1]).
  torch::Tensor write(const torch::Tensor& levels) const;

  models::DeviceConfig device_;
  mapping::CrossbarGeometry geometry_;
  double dg_ = 0.0;
};

}  // namespace xbarsim::train
