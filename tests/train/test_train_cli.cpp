// xbarsim-train on a user's data set: a CIFAR-10-format folder the test writes, described by a
// data set JSON, trains a ResNet-20 on 3x32x32 inputs with crops and flips, checkpoints, resumes,
// and exports a workload that xbarsim evaluates on the same files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim {
namespace {

void cifar_batch(const std::string& path, int n, std::mt19937_64& rng) {
  std::string b;
  for (int i = 0; i < n; ++i) {
    b.push_back(static_cast<char>(i % 10));
    for (int p = 0; p < 3072; ++p) b.push_back(static_cast<char>(rng() % 256));
  }
  std::ofstream(path, std::ios::binary) << b;
}

TEST(TrainCli, ResNet20OnTheUsersCifarFilesCheckpointsResumesAndEvaluates) {
  testing_support::TempDir dir;
  std::mt19937_64 rng(3);
  std::filesystem::create_directories(dir.file("data/cifar"));
  cifar_batch(dir.file("data/cifar/data_batch_1.bin"), 40, rng);
  cifar_batch(dir.file("data/cifar/test_batch.bin"), 20, rng);
  std::ofstream(dir.file("data/mine.json")) << R"({"name": "mine", "format": "cifar10", "dir": "cifar",
    "train": ["data_batch_1.bin"], "normalization": {"mean": [0.49, 0.48, 0.45], "std": [0.25, 0.24, 0.26]}})";
  std::filesystem::create_directories(dir.file("out"));
  const std::string base = "--model resnet20 --dataset " + dir.file("data/mine.json") +
                           " --batch-size 16 --crop 4 --hflip --threads 2 --out " + dir.file("out/r.json");
  const auto first = testing_support::run_cli(XBARSIM_TRAIN_CLI, base + " --epochs 1");
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/r.ckpt")));
  const auto resumed = testing_support::run_cli(XBARSIM_TRAIN_CLI, base + " --epochs 2 --resume");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from " + dir.file("out/r.ckpt") + " after epoch 1"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch  1/2"), std::string::npos) << "epoch 1 is not trained again";
  std::ifstream in(dir.file("out/r.json"));
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["input"]["shape"], nlohmann::json({3, 32, 32}));
  EXPECT_EQ(doc["dataset"]["format"], "cifar10");
  EXPECT_EQ(doc["dataset"]["dir"], "../data/cifar") << "relative to the workload's folder";
  const auto e = testing_support::run_cli(XBARSIM_CLI, "eval " + dir.file("out/r.json"));
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_NE(e.output.find("20 images"), std::string::npos) << e.output;
  const auto bad = testing_support::run_cli(XBARSIM_TRAIN_CLI, "--model resnet21 --out " + dir.file("x.json"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("unknown architecture 'resnet21'"), std::string::npos) << bad.output;
}

TEST(TrainCli, NonIdealityAwareTrainingSamplesTheChipsDeviceFile) {
  // LeNet-5 compressed with QAT for one epoch on 512 training images, every forward storing the
  // codes in rram_like cells (its lognormal sigma 0.1 and on/off 17) as the chip would.
  testing_support::TempDir dir;
  const std::string zoo = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5.json";
  const auto r = testing_support::run_cli(
      XBARSIM_TRAIN_CLI, "--from " + zoo +
                             " --device rram_like --epochs 1 --train-limit 512 --calibration-images 64 "
                             "--threads 2 --out " +
                             dir.file("n.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(dir.file("n.json"));
  const auto doc = nlohmann::json::parse(in);
  const auto& report = doc["metadata"]["compression"];
  EXPECT_EQ(report["device_noise"]["device"], "rram_like") << report.dump();
  EXPECT_EQ(report["device_noise"]["write_model"], "lognormal");
  // Refused combinations, one line each.
  const auto both = testing_support::run_cli(
      XBARSIM_TRAIN_CLI, "--from " + zoo + " --device rram_like --variation-sigma 0.1 --out " + dir.file("x.json"));
  EXPECT_EQ(both.status, 2) << both.output;
  EXPECT_NE(both.output.find("either --device or --variation-sigma"), std::string::npos) << both.output;
  const auto fl = testing_support::run_cli(
      XBARSIM_TRAIN_CLI, "--from " + zoo + " --device rram_like --float-only --out " + dir.file("y.json"));
  EXPECT_EQ(fl.status, 2) << fl.output;
  EXPECT_NE(fl.output.find("needs quantization-aware training"), std::string::npos) << fl.output;
  const auto unknown =
      testing_support::run_cli(XBARSIM_TRAIN_CLI, "--from " + zoo + " --device nope --out " + dir.file("z.json"));
  EXPECT_EQ(unknown.status, 2) << unknown.output;
}

}  // namespace
}  // namespace xbarsim
