#include "sim/calibrate.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/error.hpp"
#include "sim/reference.hpp"

namespace xbarsim::sim {

mapping::ActivationSamples collect_activation_samples(const workloads::Network& net, const workloads::Dataset& data,
                                                      const workloads::Normalization& norm,
                                                      const CalibrationOptions& options) {
  if (options.images < 1) throw Error("calibration: the number of images must be at least 1");
  const std::int64_t n = std::min(options.images, data.count);
  // Partial Fisher-Yates with a fixed engine: the same seed draws the same images everywhere.
  std::vector<std::int64_t> idx(static_cast<std::size_t>(data.count));
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(options.seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto j = i + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(data.count - i));
    std::swap(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
  }
  std::set<std::string> wanted{net.input_name};
  for (const auto& L : net.layers) {
    if (L.has_weights() || L.kind == workloads::LayerKind::Add) wanted.insert(L.name);
  }
  const ReferenceEngine engine(net, Precision::Float);
  workloads::check_image_size(data, engine.input_size());
  // Each tensor keeps the values at positions floor(i size / max_values), i < max_values, of
  // its values over all n images (all of them when there are fewer), picked as the batches
  // pass: the samples of keeping everything and striding at the end, without holding every
  // value of every tensor of every calibration image (about 1 GB for ResNet-56).
  mapping::ActivationSamples all;
  std::map<std::string, std::int64_t> seen, next;  // values passed so far; next sample index
  TensorObserver observer = [&](const std::string& name, const Eigen::MatrixXf& v) {
    if (wanted.count(name) == 0) return;
    auto& dst = all[name];
    const std::int64_t offset = seen[name], size = v.rows() * n;  // the tensor's values over all images
    seen[name] += v.size();
    if (size <= options.max_values) {
      dst.insert(dst.end(), v.data(), v.data() + v.size());
      return;
    }
    std::int64_t& i = next[name];
    for (; i < options.max_values; ++i) {
      const std::int64_t at = i * size / options.max_values - offset;
      if (at >= v.size()) break;
      dst.push_back(v.data()[at]);
    }
  };
  const std::int64_t batch = 64;
  Eigen::MatrixXf x(engine.input_size(), batch);
  for (std::int64_t first = 0; first < n; first += batch) {
    const std::int64_t m = std::min(batch, n - first);
    x.resize(engine.input_size(), m);
    for (std::int64_t i = 0; i < m; ++i) {
      workloads::normalize_images(data, norm, idx[static_cast<std::size_t>(first + i)], 1, x.data() + i * x.rows());
    }
    engine.forward(x, &observer);
  }
  return all;
}

workloads::Network calibrate_and_quantize(const workloads::Network& net, const workloads::Dataset& data,
                                          const workloads::Normalization& norm, const mapping::PtqOptions& ptq,
                                          const CalibrationOptions& options) {
  return mapping::quantize_post_training(net, collect_activation_samples(net, data, norm, options), ptq);
}

}  // namespace xbarsim::sim
