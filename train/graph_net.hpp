// A LibTorch module that runs any xbarsim Network (a DAG, batch norm folded), with
// optional power-of-two fake quantization that reproduces the integer arithmetic
// contract exactly, keep-masks for pruning, and write-variation sampling.
#pragma once

#include <torch/torch.h>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mapping/pruning.hpp"
#include "train/device_noise.hpp"
#include "train/trainable.hpp"
#include "workloads/network.hpp"

namespace xbarsim::train {

class GraphNet : public Trainable {
 public:
  /// Parameters start from `net`'s float tensors (dequantized codes where only those exist).
  explicit GraphNet(const workloads::Network& net);

  /// Fake-quantize as `quantized` (same graph, with quantization blocks) prescribes: its
  /// power-of-two exponents and bit widths are kept fixed; weights are re-quantized from
  /// the trained float weights on every forward (straight-through estimator).
  void set_quantization(const workloads::Network& quantized);
  bool quantized() const { return quant_.has_value(); }

  /// Lognormal write variation w * exp(theta), theta ~ N(0, sigma^2), sampled per weight on
  /// every training-mode forward (CRIMP's non-ideality-aware training). 0 disables it.
  void set_variation(double sigma) { sigma_ = sigma; }
  /// The chip's device law instead (train/device_noise.hpp): every training-mode forward stores the
  /// fake-quantized codes in noisy cells; needs set_quantization. Empty disables it.
  void set_device_noise(std::optional<DeviceNoise> noise) { noise_ = std::move(noise); }

  torch::Tensor forward(torch::Tensor x) override;

  /// Weighted (conv2d/linear) layers in graph order.
  const std::vector<std::string>& weighted_layers() const { return weighted_; }
  torch::Tensor& weight(const std::string& layer) { return weights_.at(layer); }
  const workloads::Layer& layer(const std::string& name) const;
  mapping::UnrolledShape unrolled_shape(const std::string& layer) const;

  /// Multiplies weights by keep-masks (1 = keep), in place; layout of the weight tensor.
  void apply_masks(const std::map<std::string, std::vector<std::uint8_t>>& masks);

  /// The network with the current float weights (and no quantization blocks).
  workloads::Network export_float() const;
  /// The network with integer codes computed from the current weights and the fixed
  /// exponents of set_quantization (float weights kept beside them).
  workloads::Network export_quantized() const;

 private:
  torch::Tensor weight_for_forward(const workloads::Layer& L, const torch::Tensor& w);
  torch::Tensor bias_for_forward(const workloads::Layer& L, const torch::Tensor& b, int in_exp);

  workloads::Network net_;                   ///< structure (float tensors are not kept in sync)
  std::optional<workloads::Network> quant_;  ///< exponents and bit widths
  std::map<std::string, int> tensor_exp_;    ///< power-of-two scale of every tensor (quantized)
  std::map<std::string, torch::Tensor> weights_;
  std::map<std::string, torch::Tensor> biases_;
  std::vector<std::string> weighted_;
  std::map<std::string, torch::Tensor> weight_scale_;  ///< 2^e_w, broadcastable over the weight
  double sigma_ = 0.0;
  std::optional<DeviceNoise> noise_;
};

/// A one-input layer without weights (relu, pools, flatten, slice, pad) in LibTorch, as the
/// network IR defines it (average pooling counts padded zeros).
torch::Tensor unweighted_forward(const workloads::Layer& L, const torch::Tensor& a);

/// Fake quantization: clip(floor(x / 2^e + 1/2), lo, hi) * 2^e, gradient 1 inside [lo, hi] * 2^e.
torch::Tensor fake_quantize(const torch::Tensor& x, int exp, std::int64_t lo, std::int64_t hi);
/// The same with a tensor of scales 2^e broadcast over x (per-channel exponents).
torch::Tensor fake_quantize(const torch::Tensor& x, const torch::Tensor& scale, std::int64_t lo, std::int64_t hi);

}  // namespace xbarsim::train
