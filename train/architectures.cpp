#include "train/architectures.hpp"

#include "common/error.hpp"

namespace xbarsim::train {

using workloads::Layer;
using workloads::LayerKind;

namespace {

/// Appends layers while tracking the per-sample shape, so every layer knows its input size.
class Builder {
 public:
  explicit Builder(Architecture& a) : a_(a), c_(a.input_shape[0]), h_(a.input_shape[1]), w_(a.input_shape[2]) {}

  /// The last layer's name (the input before any layer).
  std::string last() const { return a_.layers.empty() ? "input" : a_.layers.back().name; }

  void conv(const std::string& name, std::int64_t out, int k, int stride, int pad, const std::string& from = "") {
    Layer L = make(name, LayerKind::Conv2d, from);
    L.in_channels = c_;
    L.out_channels = out;
    L.kernel_size = {k, k};
    L.stride = {stride, stride};
    L.padding = {pad, pad};
    c_ = out;
    h_ = (h_ + 2 * pad - k) / stride + 1;
    w_ = (w_ + 2 * pad - k) / stride + 1;
    push(L);
  }
  void bn(const std::string& name) {
    Layer L = make(name, LayerKind::BatchNorm);
    L.num_features = c_;
    push(L);
  }
  void relu(const std::string& name, const std::string& from = "") { push(make(name, LayerKind::Relu, from)); }
  void pool(const std::string& name, LayerKind kind, int k) {
    Layer L = make(name, kind);
    L.kernel_size = {k, k};
    L.stride = {k, k};
    h_ /= k;
    w_ /= k;
    push(L);
  }
  void global_avgpool(const std::string& name) {
    Layer L = make(name, LayerKind::AvgPool2d);
    L.kernel_size = {static_cast<int>(h_), static_cast<int>(w_)};
    L.stride = L.kernel_size;
    h_ = w_ = 1;
    push(L);
  }
  void flatten(const std::string& name) {
    push(make(name, LayerKind::Flatten));
    c_ *= h_ * w_;
    h_ = w_ = 1;
  }
  void linear(const std::string& name, std::int64_t out) {
    Layer L = make(name, LayerKind::Linear);
    L.in_features = c_;
    L.out_features = out;
    c_ = out;
    push(L);
  }
  /// Option-A shortcut of `from` (shape c x h x w) to `out` channels at stride 2: every other
  /// row and column, then zero channels split evenly before and after.
  void subsample_pad(const std::string& name, const std::string& from, std::int64_t in_c, std::int64_t out) {
    Layer s = make(name + ".subsample", LayerKind::Slice, from);
    s.step = {1, 2, 2};
    push(s);
    Layer p = make(name + ".pad", LayerKind::Pad);
    const std::int64_t extra = out - in_c;
    p.pad_before = {extra / 2, 0, 0};
    p.pad_after = {extra - extra / 2, 0, 0};
    push(p);
  }
  void add(const std::string& name, const std::string& a, const std::string& b) {
    Layer L = make(name, LayerKind::Add, a);
    L.inputs.push_back(b);
    push(L);
  }

  std::int64_t channels() const { return c_; }
  std::int64_t height() const { return h_; }
  std::int64_t width() const { return w_; }
  void set_shape(std::int64_t c, std::int64_t h, std::int64_t w) {
    c_ = c;
    h_ = h;
    w_ = w;
  }

 private:
  static Layer make(const std::string& name, LayerKind kind, const std::string& from = "") {
    Layer L;
    L.name = name;
    L.kind = kind;
    if (!from.empty()) L.inputs = {from};
    return L;
  }
  void push(Layer L) { a_.layers.push_back(std::move(L)); }

  Architecture& a_;
  std::int64_t c_, h_, w_;
};

void vgg(Builder& b, const std::vector<int>& cfg, int classes) {
  int conv = 0, pool = 0;
  for (int c : cfg) {
    if (c == 0) {
      if (b.height() >= 2 && b.width() >= 2) b.pool("pool" + std::to_string(++pool), LayerKind::MaxPool2d, 2);
      continue;
    }
    const std::string n = std::to_string(++conv);
    b.conv("conv" + n, c, 3, 1, 1);
    b.bn("bn" + n);
    b.relu("relu" + n);
  }
  b.flatten("flatten");
  b.linear("fc", classes);
}

/// He et al. 2016, section 4.2: 3x3 conv of 16, then three stages of n basic blocks at 16, 32,
/// 64 channels (the first block of stages 2 and 3 at stride 2), global average pooling, linear.
void resnet(Builder& b, int n, bool option_b, int classes) {
  b.conv("conv1", 16, 3, 1, 1);
  b.bn("bn1");
  b.relu("relu1");
  const std::int64_t widths[] = {16, 32, 64};
  for (int stage = 0; stage < 3; ++stage) {
    for (int block = 0; block < n; ++block) {
      const std::string p = "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
      const std::string in = b.last();
      const std::int64_t in_c = b.channels(), in_h = b.height(), in_w = b.width();
      const int stride = stage > 0 && block == 0 ? 2 : 1;
      const std::int64_t out = widths[stage];
      b.conv(p + ".conv1", out, 3, stride, 1, in);
      b.bn(p + ".bn1");
      b.relu(p + ".relu1");
      b.conv(p + ".conv2", out, 3, 1, 1);
      b.bn(p + ".bn2");
      const std::string main = b.last();
      std::string shortcut = in;
      if (stride != 1 || in_c != out) {
        if (option_b) {
          b.set_shape(in_c, in_h, in_w);
          b.conv(p + ".shortcut.conv", out, 1, stride, 0, in);
          b.bn(p + ".shortcut.bn");
        } else {
          b.subsample_pad(p + ".shortcut", in, in_c, out);
        }
        shortcut = b.last();
      }
      b.add(p + ".add", main, shortcut);
      b.relu(p + ".relu2");
    }
  }
  b.global_avgpool("avgpool");
  b.flatten("flatten");
  b.linear("fc", classes);
}

}  // namespace

std::vector<std::string> architecture_names() {
  return {"mlp",      "lenet5",   "vgg8",      "vgg11",     "vgg16",    "resnet20",
          "resnet32", "resnet56", "resnet20b", "resnet32b", "resnet56b"};
}

Architecture architecture(const std::string& name, const std::vector<std::int64_t>& input_shape, int classes) {
  if (input_shape.size() != 3 || input_shape[0] < 1 || input_shape[1] < 1 || input_shape[2] < 1)
    throw make_error("--model", "architecture '" + name + "' needs a [C, H, W] input");
  if (classes < 2) throw make_error("--model", "architecture '" + name + "' needs at least 2 classes");
  Architecture a;
  a.name = name;
  a.input_shape = input_shape;
  Builder b(a);
  const auto need_at_least = [&](std::int64_t side) {
    if (input_shape[1] < side || input_shape[2] < side)
      throw make_error("--model", "architecture '" + name + "' needs inputs of at least " + std::to_string(side) + "x" +
                                      std::to_string(side));
  };
  if (name == "mlp") {
    b.flatten("flatten");
    b.linear("fc1", 256);
    b.relu("relu1");
    b.linear("fc2", 128);
    b.relu("relu2");
    b.linear("fc3", classes);
  } else if (name == "lenet5") {
    // LeCun et al. 1998 with ReLU and max pooling; conv1 padded so 28x28 inputs give the classic 5x5x16 map.
    need_at_least(12);
    b.conv("conv1", 6, 5, 1, 2);
    b.relu("relu1");
    b.pool("pool1", LayerKind::MaxPool2d, 2);
    b.conv("conv2", 16, 5, 1, 0);
    b.relu("relu2");
    b.pool("pool2", LayerKind::MaxPool2d, 2);
    b.flatten("flatten");
    b.linear("fc1", 120);
    b.relu("relu3");
    b.linear("fc2", 84);
    b.relu("relu4");
    b.linear("fc3", classes);
  } else if (name == "vgg8") {
    // VGG-style: three blocks of two 3x3 conv + batch norm + ReLU, 2x2 max pooling, then two linear layers.
    need_at_least(8);
    const std::int64_t c[] = {32, 32, 64, 64, 96, 96};
    for (int i = 0; i < 6; ++i) {
      const std::string n = std::to_string(i + 1);
      b.conv("conv" + n, c[i], 3, 1, 1);
      b.bn("bn" + n);
      b.relu("relu" + n);
      if (i % 2 == 1) b.pool("pool" + std::to_string(i / 2 + 1), LayerKind::MaxPool2d, 2);
    }
    b.flatten("flatten");
    b.linear("fc1", 256);
    b.relu("relu7");
    b.linear("fc2", classes);
  } else if (name == "vgg11") {
    vgg(b, {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}, classes);
  } else if (name == "vgg16") {
    vgg(b, {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}, classes);
  } else if (name.rfind("resnet", 0) == 0) {
    const bool option_b = name.back() == 'b';
    const std::string depth = name.substr(6, name.size() - 6 - (option_b ? 1 : 0));
    if (depth != "20" && depth != "32" && depth != "56")
      throw make_error("--model", "unknown architecture '" + name + "', expected resnet20, resnet32 or resnet56 (b)");
    need_at_least(4);
    resnet(b, (std::stoi(depth) - 2) / 6, option_b, classes);
  } else {
    std::string all;
    for (const auto& n : architecture_names()) all += (all.empty() ? "" : ", ") + n;
    throw make_error("--model", "unknown architecture '" + name + "', expected one of " + all);
  }
  return a;
}

}  // namespace xbarsim::train
