// The zoo's network architectures, described once: the same description builds
// the LibTorch module that is trained and the xbarsim Network that is exported.
#pragma once

#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace xbarsim::train {

/// One layer of a sequential architecture.
struct OpSpec {
  workloads::LayerKind kind = workloads::LayerKind::Relu;
  std::string name;
  std::int64_t in = 0;   ///< in_channels / in_features / num_features
  std::int64_t out = 0;  ///< out_channels / out_features
  int kernel = 0;
  int stride = 1;
  int padding = 0;
};

struct Architecture {
  std::string name;
  std::vector<std::int64_t> input_shape;  ///< {C, H, W}
  std::vector<OpSpec> ops;
};

/// Names accepted by architecture().
std::vector<std::string> architecture_names();
/// "mlp" (784-256-128-10), "lenet5", "vgg8" (six 3x3 conv layers with batch norm, two linear).
/// Throws xbarsim::Error for an unknown name.
Architecture architecture(const std::string& name);

}  // namespace xbarsim::train
