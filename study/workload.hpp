// A workload as every study takes it: a network JSON (with its safetensors) or an ONNX model
// imported in memory, made integer by post-training quantization when it is float.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "workloads/network.hpp"

namespace xbarsim::study {

/// A network JSON, or an ONNX model imported as `xbarsim import` would (a build without ONNX
/// support says so). Throws xbarsim::Error on bad input.
workloads::Network load_workload(const std::string& path);

/// How a float workload becomes an integer one when a study needs integers.
struct PtqArgs {
  int weight_bits = 8;
  int activation_bits = 8;
  bool per_channel = false;
  std::int64_t calibration_images = 512;
  std::uint64_t seed = 1;
  std::string data_dir;  ///< "" = the default data set folder
};

/// Quantizes `net` after training (calibrated on its data set's training split) unless it already
/// is; returns what was done as the report's "quantization" object.
nlohmann::ordered_json ensure_integer(workloads::Network& net, const PtqArgs& a);
/// As ensure_integer, but a float network is calibrated on seeded synthetic images (uniform
/// pixels of the network's input shape) instead of a data set: for what depends on bit widths
/// and zero weights only (costs), not on activation scales.
nlohmann::ordered_json ensure_integer_without_data(workloads::Network& net, const PtqArgs& a);

}  // namespace xbarsim::study
