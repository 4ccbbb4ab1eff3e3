#include "tests/support/toy.hpp"

#include <unistd.h>
#include <atomic>

namespace xbarsim::testing_support {

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("xbarsim-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

workloads::Tensor random_tensor(std::vector<std::int64_t> shape, std::mt19937_64& rng, float scale) {
  workloads::Tensor t(workloads::DType::F32, std::move(shape));
  std::uniform_real_distribution<float> u(-scale, scale);
  float* d = t.data<float>();
  for (std::size_t i = 0; i < t.numel(); ++i) d[i] = u(rng);
  return t;
}

void add_conv(workloads::Network& net, const std::string& name, const std::string& input, std::int64_t cin,
              std::int64_t cout, int k, int stride, int pad, std::mt19937_64& rng) {
  workloads::Layer L;
  L.name = name;
  L.kind = workloads::LayerKind::Conv2d;
  L.inputs = {input};
  L.in_channels = cin;
  L.out_channels = cout;
  L.kernel_size = {k, k};
  L.stride = {stride, stride};
  L.padding = {pad, pad};
  L.weight = name + ".weight";
  L.bias = name + ".bias";
  net.tensors[L.weight] = random_tensor({cout, cin, k, k}, rng, 0.5F);
  net.tensors[L.bias] = random_tensor({cout}, rng, 0.1F);
  net.layers.push_back(L);
}

void add_linear(workloads::Network& net, const std::string& name, const std::string& input, std::int64_t in,
                std::int64_t out, std::mt19937_64& rng) {
  workloads::Layer L;
  L.name = name;
  L.kind = workloads::LayerKind::Linear;
  L.inputs = {input};
  L.in_features = in;
  L.out_features = out;
  L.weight = name + ".weight";
  L.bias = name + ".bias";
  net.tensors[L.weight] = random_tensor({out, in}, rng, 0.5F);
  net.tensors[L.bias] = random_tensor({out}, rng, 0.1F);
  net.layers.push_back(L);
}

void add_simple(workloads::Network& net, const std::string& name, workloads::LayerKind kind, const std::string& input) {
  workloads::Layer L;
  L.name = name;
  L.kind = kind;
  L.inputs = {input};
  if (kind == workloads::LayerKind::MaxPool2d || kind == workloads::LayerKind::AvgPool2d) {
    L.kernel_size = {2, 2};
    L.stride = {2, 2};
  }
  net.layers.push_back(L);
}

workloads::Network toy_conv_linear(std::uint64_t seed, const std::string& name, std::int64_t cin, std::int64_t h,
                                   std::int64_t w, std::int64_t cout, std::int64_t classes) {
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = name;
  net.input_shape = {cin, h, w};
  net.weights_file = name + ".safetensors";
  add_conv(net, "conv", "input", cin, cout, 3, 1, 1, rng);
  add_simple(net, "relu", workloads::LayerKind::Relu, "conv");
  add_simple(net, "flatten", workloads::LayerKind::Flatten, "relu");
  add_linear(net, "fc", "flatten", cout * h * w, classes, rng);
  workloads::validate_and_infer(net, name);
  return net;
}

workloads::Dataset synthetic_dataset(std::int64_t count, int channels, int height, int width, unsigned multiplier,
                                     unsigned modulus) {
  workloads::Dataset data;
  data.name = "synthetic";
  data.count = count;
  data.channels = channels;
  data.height = height;
  data.width = width;
  data.classes = 10;
  data.pixels.resize(static_cast<std::size_t>(data.count * data.image_size()));
  for (std::size_t i = 0; i < data.pixels.size(); ++i)
    data.pixels[i] = static_cast<std::uint8_t>((i * multiplier) % modulus);
  data.labels.assign(static_cast<std::size_t>(data.count), 0);
  return data;
}

workloads::Network toy_cnn(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = "toy_cnn";
  net.input_shape = {2, 8, 8};
  net.weights_file = "toy_cnn.safetensors";
  using K = workloads::LayerKind;
  add_conv(net, "conv1", "input", 2, 4, 3, 1, 1, rng);
  add_simple(net, "relu1", K::Relu, "conv1");
  add_simple(net, "pool1", K::MaxPool2d, "relu1");
  add_conv(net, "conv2", "pool1", 4, 6, 3, 2, 1, rng);
  add_simple(net, "relu2", K::Relu, "conv2");
  add_simple(net, "pool2", K::AvgPool2d, "relu2");
  add_simple(net, "flatten", K::Flatten, "pool2");
  add_linear(net, "fc1", "flatten", 6, 5, rng);
  add_simple(net, "relu3", K::Relu, "fc1");
  add_linear(net, "fc2", "relu3", 5, 3, rng);
  workloads::validate_and_infer(net, "toy_cnn");
  return net;
}

workloads::Network toy_linear(std::uint64_t seed, std::int64_t in_h, std::int64_t in_w, std::int64_t out) {
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = "toy_linear";
  net.input_shape = {1, in_h, in_w};
  net.weights_file = "toy_linear.safetensors";
  add_simple(net, "flatten", workloads::LayerKind::Flatten, "input");
  add_linear(net, "fc", "flatten", in_h * in_w, out, rng);
  workloads::validate_and_infer(net, "toy_linear");
  return net;
}

workloads::Network toy_residual(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = "toy_residual";
  net.input_shape = {2, 6, 6};
  net.weights_file = "toy_residual.safetensors";
  using K = workloads::LayerKind;
  add_conv(net, "conv1", "input", 2, 2, 3, 1, 1, rng);
  add_simple(net, "relu1", K::Relu, "conv1");
  add_conv(net, "conv2", "relu1", 2, 2, 3, 1, 1, rng);
  workloads::Layer add;
  add.name = "add";
  add.kind = K::Add;
  add.inputs = {"conv2", "input"};
  net.layers.push_back(add);
  add_simple(net, "relu2", K::Relu, "add");
  add_simple(net, "flatten", K::Flatten, "relu2");
  add_linear(net, "fc", "flatten", 72, 4, rng);
  workloads::validate_and_infer(net, "toy_residual");
  return net;
}

workloads::Network toy_option_a(std::uint64_t seed) {
  // PyTorch-style dotted names, as an ONNX export of torchvision-like code has them.
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = "toy_option_a";
  net.input_shape = {4, 8, 8};
  net.weights_file = "toy_option_a.safetensors";
  using K = workloads::LayerKind;
  add_conv(net, "layer1.0.conv1", "input", 4, 8, 3, 2, 1, rng);
  add_simple(net, "layer1.0.relu1", K::Relu, "layer1.0.conv1");
  add_conv(net, "layer1.0.conv2", "layer1.0.relu1", 8, 8, 3, 1, 1, rng);
  workloads::Layer s;
  s.name = "layer1.0.shortcut.slice";
  s.kind = K::Slice;
  s.inputs = {"input"};
  s.step = {1, 2, 2};
  net.layers.push_back(s);
  workloads::Layer p;
  p.name = "layer1.0.shortcut.pad";
  p.kind = K::Pad;
  p.inputs = {"layer1.0.shortcut.slice"};
  p.pad_before = {2, 0, 0};
  p.pad_after = {2, 0, 0};
  net.layers.push_back(p);
  workloads::Layer a;
  a.name = "layer1.0.add";
  a.kind = K::Add;
  a.inputs = {"layer1.0.conv2", "layer1.0.shortcut.pad"};
  net.layers.push_back(a);
  add_simple(net, "layer1.0.relu2", K::Relu, "layer1.0.add");
  workloads::Layer g;
  g.name = "avg";
  g.kind = K::AvgPool2d;
  g.inputs = {"layer1.0.relu2"};
  g.kernel_size = {2, 2};
  g.stride = {2, 2};
  net.layers.push_back(g);
  add_simple(net, "flat", K::Flatten, "avg");
  add_linear(net, "fc", "flat", 32, 5, rng);
  workloads::validate_and_infer(net, "toy_option_a");
  return net;
}

workloads::Network toy_resnet(std::uint64_t seed, int blocks) {
  std::mt19937_64 rng(seed);
  workloads::Network net;
  net.name = "toy_resnet";
  net.input_shape = {2, 6, 6};
  net.weights_file = "toy_resnet.safetensors";
  using K = workloads::LayerKind;
  add_conv(net, "conv0", "input", 2, 3, 3, 1, 1, rng);
  add_simple(net, "relu0", K::Relu, "conv0");
  std::string x = "relu0";
  for (int b = 0; b < blocks; ++b) {
    const std::string p = "b" + std::to_string(b) + "_";
    add_conv(net, p + "conv1", x, 3, 3, 3, 1, 1, rng);
    add_simple(net, p + "relu1", K::Relu, p + "conv1");
    add_conv(net, p + "conv2", p + "relu1", 3, 3, 3, 1, 1, rng);
    workloads::Layer add;
    add.name = p + "add";
    add.kind = K::Add;
    add.inputs = {p + "conv2", x};
    net.layers.push_back(add);
    add_simple(net, p + "relu2", K::Relu, p + "add");
    x = p + "relu2";
  }
  add_simple(net, "flatten", K::Flatten, x);
  add_linear(net, "fc", "flatten", 3 * 6 * 6, 4, rng);
  workloads::validate_and_infer(net, "toy_resnet");
  return net;
}

}  // namespace xbarsim::testing_support
