#include "train/architectures.hpp"

#include "common/error.hpp"

namespace xbarsim::train {

using workloads::LayerKind;

namespace {
OpSpec conv(const std::string& name, std::int64_t in, std::int64_t out, int k, int pad) {
  return {LayerKind::Conv2d, name, in, out, k, 1, pad};
}
OpSpec bn(const std::string& name, std::int64_t c) { return {LayerKind::BatchNorm, name, c, c, 0, 1, 0}; }
OpSpec relu(const std::string& name) { return {LayerKind::Relu, name, 0, 0, 0, 1, 0}; }
OpSpec maxpool(const std::string& name, int k) { return {LayerKind::MaxPool2d, name, 0, 0, k, k, 0}; }
OpSpec flatten(const std::string& name) { return {LayerKind::Flatten, name, 0, 0, 0, 1, 0}; }
OpSpec linear(const std::string& name, std::int64_t in, std::int64_t out) {
  return {LayerKind::Linear, name, in, out, 0, 1, 0};
}
}  // namespace

std::vector<std::string> architecture_names() { return {"mlp", "lenet5", "vgg8"}; }

Architecture architecture(const std::string& name) {
  Architecture a;
  a.name = name;
  a.input_shape = {1, 28, 28};
  if (name == "mlp") {
    a.ops = {flatten("flatten"),      linear("fc1", 784, 256), relu("relu1"),
             linear("fc2", 256, 128), relu("relu2"),           linear("fc3", 128, 10)};
  } else if (name == "lenet5") {
    // LeCun et al. 1998 with ReLU and max pooling; conv1 padded so 28x28 inputs give the classic 5x5x16 map.
    a.ops = {conv("conv1", 1, 6, 5, 2),  relu("relu1"),           maxpool("pool1", 2),
             conv("conv2", 6, 16, 5, 0), relu("relu2"),           maxpool("pool2", 2),
             flatten("flatten"),         linear("fc1", 400, 120), relu("relu3"),
             linear("fc2", 120, 84),     relu("relu4"),           linear("fc3", 84, 10)};
  } else if (name == "vgg8") {
    // VGG-style: three blocks of two 3x3 conv + batch norm + ReLU, 2x2 max pooling, then two linear layers.
    const std::int64_t c[] = {32, 32, 64, 64, 96, 96};
    std::int64_t in = 1;
    for (int i = 0; i < 6; ++i) {
      const std::string n = std::to_string(i + 1);
      a.ops.push_back(conv("conv" + n, in, c[i], 3, 1));
      a.ops.push_back(bn("bn" + n, c[i]));
      a.ops.push_back(relu("relu" + n));
      if (i % 2 == 1) a.ops.push_back(maxpool("pool" + std::to_string(i / 2 + 1), 2));
      in = c[i];
    }
    a.ops.push_back(flatten("flatten"));
    a.ops.push_back(linear("fc1", 96 * 3 * 3, 256));
    a.ops.push_back(relu("relu7"));
    a.ops.push_back(linear("fc2", 256, 10));
  } else {
    throw make_error("--model", "unknown architecture '" + name + "', expected one of mlp, lenet5, vgg8");
  }
  return a;
}

}  // namespace xbarsim::train
