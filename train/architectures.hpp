// The trainer's network architectures, described once as network-IR layers (batch norm
// unfolded): the same description builds the LibTorch module that is trained and the
// xbarsim Network that is exported.
#pragma once

#include <string>
#include <vector>

#include "workloads/network.hpp"

namespace xbarsim::train {

struct Architecture {
  std::string name;
  std::vector<std::int64_t> input_shape;  ///< {C, H, W}
  /// In topological order; a layer without inputs reads the one before it. Weight tensor
  /// names are left empty (the trained module supplies them at export).
  std::vector<workloads::Layer> layers;
};

/// Names accepted by architecture().
std::vector<std::string> architecture_names();

/// "mlp" (flatten, 256, 128), "lenet5", "vgg8" (six 3x3 conv layers with batch norm, two
/// linear), "vgg11" and "vgg16" (Simonyan and Zisserman's configurations A and D with batch
/// norm, CIFAR form: one linear classifier on the 512 channels; a 2x2 pool is skipped once the
/// map is 1x1), "resnet20", "resnet32", "resnet56" (He et al. 2016's CIFAR ResNets, 6n + 2
/// layers, 16-32-64 channels, global average pooling) with option-A shortcuts (stride-2
/// subsample and zero channel padding) or, with the suffix "b" ("resnet20b"), option-B (1x1
/// conv + batch norm) shortcuts where the shape changes. `input_shape` is {C, H, W}: 1x28x28
/// and 3x32x32 are what the zoo uses; `classes` sets the last layer's width. Throws
/// xbarsim::Error for an unknown name or an input the architecture cannot take.
Architecture architecture(const std::string& name, const std::vector<std::int64_t>& input_shape = {1, 28, 28},
                          int classes = 10);

}  // namespace xbarsim::train
