// LibTorch training of the zoo architectures on an image data set, and export
// of the trained model as an xbarsim workload (network JSON + safetensors).
#pragma once

#include <torch/torch.h>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "train/architectures.hpp"
#include "train/trainable.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::train {

struct TrainOptions {
  int epochs = 10;
  int batch_size = 128;
  double lr = 1e-3;
  double weight_decay = 0.0;
  bool hflip = false;  ///< random horizontal flips (valid for Fashion-MNIST's garments)
  int crop_pad = 0;    ///< random crops of the image zero-padded by this many pixels per side (0 = off)
  std::uint64_t seed = 1;
  int threads = 0;               ///< 0 = all cores
  std::int64_t train_limit = 0;  ///< 0 = whole training set
  bool verbose = true;
  /// Written after every epoch (model, optimizer, random state, progress); "" = none.
  std::string checkpoint;
  /// Continue from `checkpoint` when it exists (same options); a finished run just evaluates.
  bool resume = false;
};

struct TrainResult {
  double test_accuracy = 0.0;
  double train_accuracy = 0.0;
  double wall_time_s = 0.0;
  std::vector<double> epoch_test_accuracy;
};

/// The LibTorch model of an Architecture (a DAG of its layers, batch norm in training form);
/// modules registered under the layers' names.
class ArchNet : public Trainable {
 public:
  /// Parameters are initialised from LibTorch's generator seeded with `init_seed`.
  ArchNet(const Architecture& arch, std::uint64_t init_seed);
  torch::Tensor forward(torch::Tensor x) override;
  const Architecture& arch() const { return arch_; }
  /// The registered module of layer `name`.
  std::shared_ptr<torch::nn::Module> module(const std::string& name) const;

 private:
  Architecture arch_;
  std::map<std::string, std::shared_ptr<torch::nn::Module>> mods_;
  std::map<std::string, std::shared_ptr<torch::nn::Conv2dImpl>> conv_;
  std::map<std::string, std::shared_ptr<torch::nn::LinearImpl>> linear_;
  std::map<std::string, std::shared_ptr<torch::nn::BatchNorm2dImpl>> bn_;
};

/// Normalised images [first, first + n) as an N x C x H x W float tensor.
torch::Tensor images_tensor(const workloads::Dataset& data, const workloads::Normalization& norm, std::int64_t first,
                            std::int64_t n);
torch::Tensor labels_tensor(const workloads::Dataset& data, std::int64_t first, std::int64_t n);

/// Top-1 accuracy (fraction) of `net` in eval mode. With `exact`, the pass runs in float64,
/// where fake-quantized arithmetic is exact (the integer contract bit for bit).
double evaluate(Trainable& net, const workloads::Dataset& data, const workloads::Normalization& norm, int batch = 500,
                bool exact = false);

/// Called by train(): at the start of every epoch (0-based) and after every optimizer step.
struct TrainHooks {
  std::function<void(int epoch)> epoch_begin;
  std::function<void()> after_step;
  bool exact_eval = false;  ///< final evaluation in float64 (quantized models); epochs report float32
};

/// Trains with Adam and a cosine learning-rate schedule; deterministic for a seed and thread
/// count, and a run resumed from a checkpoint ends where the uninterrupted run ends.
TrainResult train(Trainable& net, const workloads::Dataset& train_set, const workloads::Dataset& test_set,
                  const workloads::Normalization& norm, const TrainOptions& opt, const TrainHooks& hooks = {});

/// The trained model as an xbarsim Network (batch norm folded); `weights_file` is relative to the JSON.
workloads::Network export_network(const ArchNet& net, const workloads::DatasetSpec& dataset,
                                  const std::string& weights_file);

}  // namespace xbarsim::train
