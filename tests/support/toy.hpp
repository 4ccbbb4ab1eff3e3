// Test helpers: temporary folders and small networks built in code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>

#include "common/error.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::testing_support {

/// A fresh folder under the system temp dir, removed with the object.
/// The message of the xbarsim::Error `f` throws, or "no error".
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Random float tensor with values uniform in [-scale, scale].
workloads::Tensor random_tensor(std::vector<std::int64_t> shape, std::mt19937_64& rng, float scale);

/// conv(3x3, pad 1) -> relu -> maxpool 2 -> conv(3x3, stride 2) -> relu -> avgpool 2 -> flatten -> linear -> relu ->
/// linear, over a [2, 8, 8] input. Float weights, seeded.
workloads::Network toy_cnn(std::uint64_t seed);

/// A residual block: conv -> relu -> conv, added to the input, then relu, flatten, linear. Input [2, 6, 6].
workloads::Network toy_residual(std::uint64_t seed);

/// He et al.'s option-A shortcut: input [4, 8, 8] -> conv 4->8 stride 2 -> relu -> conv 8->8,
/// added to the input subsampled by 2 (slice) with 2 + 2 zero channels (pad), relu, 2x2 average
/// pooling, flatten, linear 32 -> 5.
workloads::Network toy_option_a(std::uint64_t seed);

/// `blocks` residual blocks with skips from intermediate tensors: conv0 -> relu0, then per block
/// conv -> relu -> conv, added to the block's input (relu0 or the previous block's relu), relu;
/// then flatten, linear. Input [2, 6, 6], 3 channels inside.
workloads::Network toy_resnet(std::uint64_t seed, int blocks);

/// One linear layer over a flattened [1, in_h, in_w] input: flatten -> linear(in_h * in_w -> out).
workloads::Network toy_linear(std::uint64_t seed, std::int64_t in_h, std::int64_t in_w, std::int64_t out);

/// conv(cin -> cout, 3x3, pad 1) -> relu -> flatten -> linear(cout * h * w -> classes) over a
/// [cin, h, w] input, named `name`. Float weights, seeded.
workloads::Network toy_conv_linear(std::uint64_t seed, const std::string& name, std::int64_t cin, std::int64_t h,
                                   std::int64_t w, std::int64_t cout, std::int64_t classes);

/// `count` images of [channels, height, width], pixel i of the whole set (i * multiplier) %
/// modulus, every label 0.
workloads::Dataset synthetic_dataset(std::int64_t count, int channels, int height, int width, unsigned multiplier,
                                     unsigned modulus);

/// Adds a conv2d layer with random weights and bias to `net`.
void add_conv(workloads::Network& net, const std::string& name, const std::string& input, std::int64_t cin,
              std::int64_t cout, int k, int stride, int pad, std::mt19937_64& rng);
void add_linear(workloads::Network& net, const std::string& name, const std::string& input, std::int64_t in,
                std::int64_t out, std::mt19937_64& rng);
void add_simple(workloads::Network& net, const std::string& name, workloads::LayerKind kind, const std::string& input);

}  // namespace xbarsim::testing_support
