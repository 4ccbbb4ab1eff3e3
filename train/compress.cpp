#include "train/compress.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "sim/calibrate.hpp"

namespace xbarsim::train {

using workloads::LayerKind;

std::string schedule_name(Schedule s) { return s == Schedule::ZerorizeRecover ? "zerorize-recover" : "one-shot"; }

Schedule parse_schedule(const std::string& s, const std::string& where) {
  if (s == "zerorize-recover") return Schedule::ZerorizeRecover;
  if (s == "one-shot") return Schedule::OneShot;
  throw make_error(where, "unknown schedule \"" + s + "\", expected zerorize-recover or one-shot");
}

PruneSchedule::PruneSchedule(GraphNet& net, const PruneSettings& settings, const mapping::CrossbarGeometry& geometry,
                             int epochs)
    : net_(net), settings_(settings), geometry_(geometry), epochs_(epochs) {
  geometry_.validate("--xbar-*");
  if (settings_.interval < 1) throw Error("--prune-interval: expected at least 1");
  if (settings_.start_epoch < 0 || settings_.start_epoch >= epochs_) {
    throw Error("--prune-start: expected an epoch in [0, " + std::to_string(epochs_ - 1) + "]");
  }
  if (settings_.freeze_epochs < 1 || settings_.freeze_epochs > epochs_ - settings_.start_epoch) {
    throw Error("--freeze-epochs: expected 1 to " + std::to_string(epochs_ - settings_.start_epoch) +
                " (epochs after --prune-start)");
  }
  for (const auto& name : settings_.exclude) net_.layer(name);  // throws for an unknown layer
}

PruneSchedule::Mode PruneSchedule::mode(int epoch) const {
  if (epoch < settings_.start_epoch) return Mode::Free;
  if (epoch >= epochs_ - settings_.freeze_epochs || settings_.schedule == Schedule::OneShot) return Mode::Frozen;
  return ((epoch - settings_.start_epoch) / settings_.interval) % 2 == 0 ? Mode::Zerorize : Mode::Recover;
}

std::map<std::string, std::vector<std::uint8_t>> PruneSchedule::current_masks() const {
  std::vector<mapping::PrunableLayer> layers;
  std::vector<torch::Tensor> keep_alive;
  for (const auto& name : net_.weighted_layers()) {
    if (std::find(settings_.exclude.begin(), settings_.exclude.end(), name) != settings_.exclude.end()) continue;
    keep_alive.push_back(net_.weight(name).detach().to(torch::kFloat32).contiguous());
    layers.push_back({name, net_.unrolled_shape(name), keep_alive.back().data_ptr<float>()});
  }
  const auto masks = mapping::compute_masks(layers, geometry_, settings_.options);
  std::map<std::string, std::vector<std::uint8_t>> out;
  for (std::size_t i = 0; i < layers.size(); ++i) out[layers[i].name] = masks[i];
  return out;
}

void PruneSchedule::epoch_begin(int epoch) {
  const Mode m = mode(epoch);
  if (m == Mode::Frozen && mode_ != Mode::Frozen) {
    frozen_ = current_masks();
    net_.apply_masks(frozen_);
  }
  mode_ = m;
}

void PruneSchedule::after_step() {
  if (mode_ == Mode::Zerorize) net_.apply_masks(current_masks());
  if (mode_ == Mode::Frozen) net_.apply_masks(frozen_);
}

namespace {

/// Keep-mask of a layer from the values that will be mapped (integer codes when quantized).
std::vector<std::uint8_t> nonzero_mask(const workloads::Network& net, const workloads::Layer& L) {
  const auto& t = L.quantization ? net.tensor(L.quantization->weight) : net.tensor(L.weight);
  const auto v = t.to_double();
  std::vector<std::uint8_t> keep(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) keep[i] = v[i] != 0.0 ? 1 : 0;
  return keep;
}

}  // namespace

nlohmann::json compression_report(const workloads::Network& net, const mapping::CrossbarGeometry& geometry) {
  using nlohmann::json;
  json layers = json::array();
  std::int64_t weights = 0, nonzero = 0, xbars = 0, dense = 0;
  std::map<int, std::pair<std::int64_t, std::int64_t>> at;  // size -> (pruned, dense)
  for (const auto& L : net.layers) {
    if (!L.has_weights()) continue;
    const auto s = mapping::unrolled_shape(L);
    const auto keep = nonzero_mask(net, L);
    const auto f = mapping::footprint(s, keep, geometry);
    weights += f.weights;
    nonzero += f.nonzero;
    xbars += f.crossbars;
    dense += f.crossbars_dense;
    layers.push_back({{"name", L.name},
                      {"unrolled_shape", {s.rows, s.cout}},
                      {"sparsity", f.sparsity()},
                      {"crossbar_blocks_kept", f.crossbar_blocks_kept},
                      {"crossbar_blocks", f.crossbar_blocks},
                      {"kernel_groups_kept", f.kernel_groups_kept},
                      {"kernel_groups", f.kernel_groups},
                      {"crossbars", f.crossbars},
                      {"crossbars_dense", f.crossbars_dense}});
    for (int size : {64, 128, 256}) {
      mapping::CrossbarGeometry g = geometry;
      g.rows = g.cols = size;
      const auto fs = mapping::footprint(s, keep, g);
      at[size].first += fs.crossbars;
      at[size].second += fs.crossbars_dense;
    }
  }
  json sizes = json::object();
  for (const auto& [size, counts] : at) {
    sizes[std::to_string(size)] = {{"crossbars", counts.first}, {"crossbars_dense", counts.second}};
  }
  return {{"geometry",
           {{"rows", geometry.rows},
            {"cols", geometry.cols},
            {"cell_bits", geometry.cell_bits},
            {"weight_bits", geometry.weight_bits},
            {"sign_scheme", mapping::sign_scheme_name(geometry.sign)},
            {"channels_per_crossbar", geometry.channels_per_crossbar()}}},
          {"sparsity", weights == 0 ? 0.0 : 1.0 - static_cast<double>(nonzero) / static_cast<double>(weights)},
          {"crossbars", xbars},
          {"crossbars_dense", dense},
          {"square_crossbars", sizes},
          {"layers", layers}};
}

CompressResult compress(const workloads::Network& float_net, const workloads::Dataset& train_set,
                        const workloads::Dataset& test_set, const TrainOptions& train_options,
                        const CompressOptions& options) {
  if (float_net.is_quantized()) throw Error("compress: start from a float workload (found a quantized one)");
  options.geometry.validate("--xbar-*");
  torch::manual_seed(train_options.seed);
  GraphNet net(float_net);
  std::optional<workloads::Network> quantized;
  if (options.quantize) {
    sim::CalibrationOptions cal;
    cal.images = options.calibration_images;
    cal.seed = train_options.seed;
    quantized = sim::calibrate_and_quantize(float_net, train_set, float_net.dataset.normalization, options.ptq, cal);
    net.set_quantization(*quantized);
  }
  net.set_variation(options.variation_sigma);
  std::optional<DeviceNoise> noise;
  if (options.device) {
    if (!options.quantize) throw Error("--device: sampling the chip's cells needs quantization-aware training");
    if (options.variation_sigma > 0) throw Error("--device: give either --device or --variation-sigma, not both");
    auto g = options.geometry;
    g.weight_bits = options.ptq.weight_bits;
    noise.emplace(*options.device, g, "--device (device '" + options.device->name + "')");
    net.set_device_noise(noise);
  }
  std::optional<PruneSchedule> schedule;
  TrainHooks hooks;
  hooks.exact_eval = options.quantize;
  if (options.prune) {
    schedule.emplace(net, *options.prune, options.geometry, train_options.epochs);
    hooks.epoch_begin = [&](int epoch) { schedule->epoch_begin(epoch); };
    hooks.after_step = [&] { schedule->after_step(); };
  }
  CompressResult result;
  result.training = train(net, train_set, test_set, float_net.dataset.normalization, train_options, hooks);
  result.workload = options.quantize ? net.export_quantized() : net.export_float();
  result.workload.metadata = float_net.metadata;
  result.workload.metadata.accuracy.clear();
  // The trainer's own measurements: float weights without fake quantization, and the
  // exact (float64) fake-quantized pass, which is the integer contract.
  GraphNet plain(net.export_float());
  result.workload.metadata.accuracy["float"] = evaluate(plain, test_set, float_net.dataset.normalization);
  if (options.quantize)
    result.workload.metadata.accuracy["int"] = result.training.test_accuracy;  // the exact (float64) final pass
  result.report = compression_report(result.workload, options.geometry);
  if (options.prune) {
    result.report["method"] = mapping::prune_method_name(options.prune->options.method);
    result.report["schedule"] = schedule_name(options.prune->schedule);
    result.report["target_sparsity"] = options.prune->options.sparsity;
    result.report["scope"] = options.prune->options.global ? "global" : "per-layer";
    result.report["excluded_layers"] = options.prune->exclude;
  }
  result.report["variation_sigma"] = options.variation_sigma;
  if (noise) {
    result.report["device_noise"] = {{"device", noise->device().name},
                                     {"write_model", models::write_variation_name(noise->device().write_model)},
                                     {"not_sampled", noise->ignored()}};
  }
  return result;
}

}  // namespace xbarsim::train
