// Calibration for post-training quantization: run the float reference engine on a
// few training batches, sample every tensor, and hand them to mapping::quantize_post_training.
#pragma once

#include <cstdint>

#include "mapping/quantize.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim {

struct CalibrationOptions {
  std::int64_t images = 512;          ///< training images drawn at random
  std::uint64_t seed = 1;             ///< which images
  std::int64_t max_values = 1 << 20;  ///< values kept per tensor (evenly strided)
};

/// Values of the input and of every conv2d/linear/add output over the calibration images.
mapping::ActivationSamples collect_activation_samples(const workloads::Network& net, const workloads::Dataset& data,
                                                      const workloads::Normalization& norm,
                                                      const CalibrationOptions& options);

/// collect_activation_samples + mapping::quantize_post_training.
workloads::Network calibrate_and_quantize(const workloads::Network& net, const workloads::Dataset& data,
                                          const workloads::Normalization& norm, const mapping::PtqOptions& ptq,
                                          const CalibrationOptions& options);

}  // namespace xbarsim::sim
