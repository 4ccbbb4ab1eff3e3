// xbarsim-train: trains a zoo architecture on Fashion-MNIST with LibTorch and exports it
// as an xbarsim workload (network JSON + safetensors); or, with --from, fine-tunes a
// trained workload with CRIMP / Yuan et al. compression (power-of-two quantization-aware
// training, crossbar-aligned or unstructured pruning, write-variation-aware training).
#include <torch/version.h>
#include <boost/algorithm/string.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "mapping/hardware.hpp"
#include "train/compress.hpp"
#include "train/trainer.hpp"

namespace po = boost::program_options;
using namespace xbarsim;

namespace {

struct Args {
  train::TrainOptions opt;
  std::string model, from, out, data_dir, dataset, checkpoint;
  // compression
  bool float_only = false;
  train::CompressOptions compress;
  std::string prune, scope = "global", exclude, schedule = "zerorize-recover", sign = "two-column", device;
  double sparsity = 0.5;
  int prune_start = 0, prune_interval = 1, freeze_epochs = 1;
};

nlohmann::json training_record(const Args& a, const train::TrainResult& r, std::int64_t train_images,
                               std::int64_t params) {
  return {{"framework", std::string("LibTorch ") + TORCH_VERSION},
          {"optimizer", "Adam, cosine learning-rate decay"},
          {"epochs", a.opt.epochs},
          {"batch_size", a.opt.batch_size},
          {"lr", a.opt.lr},
          {"weight_decay", a.opt.weight_decay},
          {"hflip", a.opt.hflip},
          {"crop_pad", a.opt.crop_pad},
          {"seed", a.opt.seed},
          {"threads", resolve_threads(static_cast<unsigned>(a.opt.threads))},
          {"train_images", train_images},
          {"train_accuracy", r.train_accuracy},
          {"epoch_test_accuracy", r.epoch_test_accuracy},
          {"wall_time_s", r.wall_time_s},
          {"parameters", params}};
}

/// `spec` as the workload at `json_path` writes it: a relative "dir" relative to the workload's folder.
workloads::DatasetSpec relative_to(workloads::DatasetSpec spec, const std::filesystem::path& json_path) {
  namespace fs = std::filesystem;
  if (spec.dir.empty() || fs::path(spec.dir).is_absolute()) return spec;
  const fs::path data = fs::absolute(fs::path(spec.base_dir.empty() ? "." : spec.base_dir) / spec.dir);
  const fs::path out_dir = fs::absolute(json_path.parent_path().empty() ? fs::path(".") : json_path.parent_path());
  spec.dir = data.lexically_normal().lexically_relative(out_dir.lexically_normal()).string();
  spec.base_dir.clear();
  return spec;
}

int run(int argc, char** argv) {
  Args a;
  auto& c = a.compress;
  po::options_description general(
      "xbarsim-train: train a float baseline (--model) or compress a trained workload (--from)\n\nGeneral");
  std::string models;
  for (const auto& n : train::architecture_names()) models += (models.empty() ? "" : ", ") + n;
  general.add_options()("help,h", "show this help")("model", po::value(&a.model),
                                                    ("train from scratch: " + models).c_str())(
      "from", po::value(&a.from), "fine-tune this float workload with the compression options below")(
      "out", po::value(&a.out)->required(), "network JSON to write (weights go beside it as <stem>.safetensors)")(
      "epochs", po::value(&a.opt.epochs)->default_value(a.opt.epochs), "training epochs")(
      "batch-size", po::value(&a.opt.batch_size)->default_value(a.opt.batch_size), "mini-batch size")(
      "lr", po::value(&a.opt.lr)->default_value(a.opt.lr), "peak Adam learning rate (cosine decay to 0)")(
      "weight-decay", po::value(&a.opt.weight_decay)->default_value(a.opt.weight_decay), "Adam L2 weight decay")(
      "hflip", po::bool_switch(&a.opt.hflip), "random horizontal flips")(
      "crop", po::value(&a.opt.crop_pad)->default_value(0),
      "random crops from the image zero-padded by this many pixels per side (CIFAR: 4)")(
      "checkpoint", po::value(&a.checkpoint)->default_value(""),
      "checkpoint written after every epoch (default: <out stem>.ckpt beside --out)")(
      "resume", po::bool_switch(&a.opt.resume), "continue from the checkpoint when it exists (same options)")(
      "seed", po::value(&a.opt.seed)->default_value(a.opt.seed),
      "random seed (initialisation, shuffling, calibration)")(
      "threads", po::value(&a.opt.threads)->default_value(a.opt.threads), "CPU threads (0 = all cores)")(
      "train-limit", po::value(&a.opt.train_limit)->default_value(0), "use only the first N training images (0 = all)")(
      "dataset", po::value(&a.dataset)->default_value(""),
      "data set JSON (a network's \"dataset\" block on its own; default: Fashion-MNIST)")(
      "data-dir", po::value(&a.data_dir)->default_value(""),
      "folder of the data set's files (default: the data set's own, Debian's for Fashion-MNIST)");
  po::options_description comp("Compression (with --from)");
  comp.add_options()("float-only", po::bool_switch(&a.float_only), "no quantization-aware training (prune in float)")(
      "weight-bits", po::value(&c.ptq.weight_bits)->default_value(8),
      "signed weight bits (2..8 on the zoo's I8 codes; up to 16)")(
      "activation-bits", po::value(&c.ptq.activation_bits)->default_value(8), "unsigned activation bits")(
      "per-channel", po::bool_switch(&c.ptq.per_channel), "one weight scale (power of two) per output channel")(
      "calibration-images", po::value(&c.calibration_images)->default_value(c.calibration_images),
      "images to calibrate the fixed power-of-two exponents")(
      "prune", po::value(&a.prune), "crossbar, kernel-group, crossbar+kernel-group or unstructured")(
      "sparsity", po::value(&a.sparsity)->default_value(a.sparsity),
      "target fraction of zero weights (in the pruned layers)")(
      "prune-scope", po::value(&a.scope)->default_value(a.scope), "global (rank groups across layers) or per-layer")(
      "exclude", po::value(&a.exclude)->default_value(""), "comma-separated layers never pruned")(
      "schedule", po::value(&a.schedule)->default_value(a.schedule), "zerorize-recover or one-shot")(
      "prune-start", po::value(&a.prune_start)->default_value(a.prune_start), "first pruning epoch (0-based)")(
      "prune-interval", po::value(&a.prune_interval)->default_value(a.prune_interval),
      "epochs per zerorize / recover phase")("freeze-epochs",
                                             po::value(&a.freeze_epochs)->default_value(a.freeze_epochs),
                                             "final epochs with the mask frozen")(
      "xbar-rows", po::value(&c.geometry.rows)->default_value(128), "crossbar rows the pruning aligns to")(
      "xbar-cols", po::value(&c.geometry.cols)->default_value(128), "crossbar columns")(
      "cell-bits", po::value(&c.geometry.cell_bits)->default_value(2), "bits per cell (sets the slices per weight)")(
      "sign-scheme", po::value(&a.sign)->default_value(a.sign), "two-column, differential or offset")(
      "variation-sigma", po::value(&c.variation_sigma)->default_value(0.0),
      "lognormal write variation sigma sampled in training")(
      "device", po::value(&a.device)->default_value(""),
      "sample the chip's device (a preset: ideal, rram_like, rram_neurosim, pcm_like, or a device JSON) cell by "
      "cell on the quantized codes, with --cell-bits and --sign-scheme: its write law, per-level sigma, sigma(G), "
      "floor and bounds");
  po::options_description all;
  all.add(general).add(comp);
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, all), vm);
  if (vm.count("help") != 0U) {
    std::cout << all << "\n";
    return 0;
  }
  po::notify(vm);
  if (a.model.empty() == a.from.empty())
    throw Error("give exactly one of --model (train from scratch) and --from (compress a workload)");
  if (a.opt.epochs < 1 || a.opt.batch_size < 1 || !(a.opt.lr > 0))
    throw Error("--epochs, --batch-size and --lr must be positive");

  std::string command = "xbarsim-train";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  const std::filesystem::path json_path(a.out);
  if (json_path.extension() != ".json") throw Error("--out: expected a path ending in .json, found '" + a.out + "'");
  const std::string weights_file = json_path.stem().string() + ".safetensors";
  if (a.opt.crop_pad < 0) throw Error("--crop must be at least 0");
  a.opt.checkpoint =
      !a.checkpoint.empty() ? a.checkpoint : (json_path.parent_path() / (json_path.stem().string() + ".ckpt")).string();
  if (a.opt.resume && !a.from.empty())
    throw Error("--resume continues training from scratch (--model); compression runs (--from) start over");

  workloads::DatasetSpec spec;  // fashion-mnist, pixels / 255, mean 0, std 1: unsigned inputs for integer inference
  std::optional<workloads::Network> source;
  if (!a.dataset.empty()) {
    if (!a.from.empty()) throw Error("--dataset is for --model; a workload (--from) names its own data set");
    spec = workloads::load_dataset_spec(a.dataset);
  }
  if (!a.from.empty()) {
    source = workloads::load_network(a.from);
    spec = source->dataset;
  }
  const auto train_set = workloads::load_dataset(spec, a.data_dir, workloads::Split::Train);
  const auto test_set = workloads::load_dataset(spec, a.data_dir, workloads::Split::Test);
  const std::int64_t train_images =
      a.opt.train_limit > 0 ? std::min(a.opt.train_limit, train_set.count) : train_set.count;

  if (!a.model.empty()) {
    const std::vector<std::int64_t> shape{train_set.channels, train_set.height, train_set.width};
    train::ArchNet net(train::architecture(a.model, shape, train_set.classes), a.opt.seed);
    const auto result = train::train(net, train_set, test_set, spec.normalization, a.opt);
    auto exported = train::export_network(net, relative_to(spec, json_path), weights_file);
    exported.metadata.dataset = spec.name;
    exported.metadata.accuracy["float"] = result.test_accuracy;
    exported.metadata.produced_by = command;
    exported.metadata.training = training_record(a, result, train_images, exported.parameter_count());
    workloads::save_network(exported, a.out);
    std::printf("%s: %s, %lld parameters, float test accuracy %.2f%% after %d epochs (%.0f s)\n", a.out.c_str(),
                a.model.c_str(), static_cast<long long>(exported.parameter_count()), 100.0 * result.test_accuracy,
                a.opt.epochs, result.wall_time_s);
    return 0;
  }

  c.quantize = !a.float_only;
  c.geometry.weight_bits = c.ptq.weight_bits;
  c.geometry.sign = mapping::parse_sign_scheme(a.sign, "--sign-scheme");
  if (!a.device.empty()) c.device = mapping::load_device(a.device);
  if (!a.prune.empty()) {
    train::PruneSettings p;
    p.options.method = mapping::parse_prune_method(a.prune, "--prune");
    p.options.sparsity = a.sparsity;
    if (a.scope != "global" && a.scope != "per-layer")
      throw Error("--prune-scope: expected global or per-layer, found '" + a.scope + "'");
    p.options.global = a.scope == "global";
    if (!a.exclude.empty()) boost::split(p.exclude, a.exclude, boost::is_any_of(","));
    p.schedule = train::parse_schedule(a.schedule, "--schedule");
    p.start_epoch = a.prune_start;
    p.interval = a.prune_interval;
    p.freeze_epochs = a.freeze_epochs;
    c.prune = p;
  }
  auto result = train::compress(*source, train_set, test_set, a.opt, c);
  auto& w = result.workload;
  w.name = json_path.stem().string();
  w.weights_file = weights_file;
  w.metadata.dataset = spec.name;
  w.metadata.produced_by = command;
  w.metadata.training = training_record(a, result.training, train_images, w.parameter_count());
  w.metadata.training["from"] = a.from;
  w.metadata.compression = result.report;
  workloads::save_network(w, a.out);
  std::printf("%s: from %s, sparsity %.1f%%, %lld crossbars (dense %lld) at %dx%d; test accuracy float %.2f%%",
              a.out.c_str(), a.from.c_str(), 100.0 * result.report["sparsity"].get<double>(),
              result.report["crossbars"].get<long long>(), result.report["crossbars_dense"].get<long long>(),
              c.geometry.rows, c.geometry.cols, 100.0 * w.metadata.accuracy.at("float"));
  if (c.quantize) std::printf(", int %.2f%%", 100.0 * w.metadata.accuracy.at("int"));
  std::printf(" (%.0f s)\n", result.training.wall_time_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& e) {
    std::fprintf(stderr, "xbarsim-train: error: %s (see --help)\n", e.what());
  } catch (const Error& e) {
    std::fprintf(stderr, "xbarsim-train: error: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xbarsim-train: internal error: %s\n", e.what());
    return 1;
  }
  return 2;
}
