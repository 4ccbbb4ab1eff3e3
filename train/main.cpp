// xbarsim-train: trains a zoo architecture on Fashion-MNIST with LibTorch and
// exports it as an xbarsim workload (network JSON + safetensors).
#include <torch/version.h>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "train/trainer.hpp"

namespace po = boost::program_options;
using namespace xbarsim;

namespace {
int run(int argc, char** argv) {
  train::TrainOptions opt;
  std::string model;
  std::string out;
  std::string data_dir;
  po::options_description desc("xbarsim-train: train a float baseline and export it as a workload\n\nOptions");
  desc.add_options()("help,h", "show this help")("model", po::value(&model)->required(),
                                                 "architecture: mlp, lenet5, vgg8")(
      "out", po::value(&out)->required(), "network JSON to write (weights go beside it as <stem>.safetensors)")(
      "epochs", po::value(&opt.epochs)->default_value(opt.epochs), "training epochs")(
      "batch-size", po::value(&opt.batch_size)->default_value(opt.batch_size), "mini-batch size")(
      "lr", po::value(&opt.lr)->default_value(opt.lr), "peak Adam learning rate (cosine decay to 0)")(
      "weight-decay", po::value(&opt.weight_decay)->default_value(opt.weight_decay), "Adam L2 weight decay")(
      "hflip", po::bool_switch(&opt.hflip), "random horizontal flips")(
      "seed", po::value(&opt.seed)->default_value(opt.seed), "random seed (initialisation, shuffling)")(
      "threads", po::value(&opt.threads)->default_value(opt.threads), "CPU threads (0 = all cores)")(
      "train-limit", po::value(&opt.train_limit)->default_value(0), "use only the first N training images (0 = all)")(
      "data-dir", po::value(&data_dir)->default_value(""), "Fashion-MNIST IDX folder (default: the Debian package's)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help") != 0U) {
    std::cout << desc << "\n";
    return 0;
  }
  po::notify(vm);
  if (opt.epochs < 1 || opt.batch_size < 1 || !(opt.lr > 0))
    throw Error("--epochs, --batch-size and --lr must be positive");

  std::string command = "xbarsim-train";
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];

  workloads::DatasetSpec spec;  // fashion-mnist, pixels / 255, mean 0, std 1: unsigned inputs for integer inference
  const auto train_set = workloads::load_dataset(spec.name, data_dir, workloads::Split::Train);
  const auto test_set = workloads::load_dataset(spec.name, data_dir, workloads::Split::Test);

  train::SequentialNet net(train::architecture(model), opt.seed);
  const auto result = train::train(net, train_set, test_set, spec.normalization, opt);

  const std::filesystem::path json_path(out);
  auto exported = train::export_network(net, spec, json_path.stem().string() + ".safetensors");
  exported.metadata.dataset = spec.name;
  exported.metadata.accuracy["float"] = result.test_accuracy;
  exported.metadata.produced_by = command;
  exported.metadata.training = {{"framework", std::string("LibTorch ") + TORCH_VERSION},
                                {"optimizer", "Adam, cosine learning-rate decay"},
                                {"epochs", opt.epochs},
                                {"batch_size", opt.batch_size},
                                {"lr", opt.lr},
                                {"weight_decay", opt.weight_decay},
                                {"hflip", opt.hflip},
                                {"seed", opt.seed},
                                {"threads", resolve_threads(static_cast<unsigned>(opt.threads))},
                                {"train_images", opt.train_limit > 0 ? opt.train_limit : train_set.count},
                                {"train_accuracy", result.train_accuracy},
                                {"epoch_test_accuracy", result.epoch_test_accuracy},
                                {"wall_time_s", result.wall_time_s},
                                {"parameters", exported.parameter_count()}};
  workloads::save_network(exported, out);
  std::printf("%s: %s, %lld parameters, float test accuracy %.2f%% after %d epochs (%.0f s)\n", out.c_str(),
              model.c_str(), static_cast<long long>(exported.parameter_count()), 100.0 * result.test_accuracy,
              opt.epochs, result.wall_time_s);
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
