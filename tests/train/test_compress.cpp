// The compression side of the trainer: fake quantization, the exactness of the
// quantized forward against the integer reference engine, and the pruning schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "mapping/quantize.hpp"
#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "train/compress.hpp"
#include "train/trainer.hpp"
#include "workloads/network.hpp"

namespace xbarsim::train {
namespace {

std::string zoo(const std::string& name) {
  return std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + name + ".json";
}

const workloads::Dataset& test_set() {
  static const workloads::Dataset d = workloads::load_fashion_mnist("", workloads::Split::Test);
  return d;
}

TEST(FakeQuantize, PowerOfTwoGridClippingAndStraightThroughGradient) {
  auto x = torch::tensor({-3.0, -0.26, -0.125, 0.0, 0.1, 0.375, 0.9, 5.0}, torch::requires_grad());
  const auto y = fake_quantize(x, -2, -3, 3);  // grid 0.25, codes -3..3
  const auto v = y.detach();
  const double want[] = {-0.75, -0.25, 0.0, 0.0, 0.0, 0.5, 0.75, 0.75};  // ties (0.375 -> 1.5 codes) round up
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(v[i].item<double>(), want[i]) << i;
  y.sum().backward();
  const auto g = x.grad();
  for (int i : {0, 6, 7}) EXPECT_EQ(g[i].item<double>(), 0.0) << "clipped, no gradient at " << i;
  for (int i = 1; i < 6; ++i) EXPECT_EQ(g[i].item<double>(), 1.0) << "straight through at " << i;
  // Per-channel scales broadcast.
  const auto w = torch::tensor({{0.3, -0.3}, {0.3, -0.3}}, torch::kFloat64);
  const auto q = fake_quantize(w, torch::tensor({0.5, 0.125}, torch::kFloat64).view({2, 1}), -7, 7);
  EXPECT_DOUBLE_EQ(q[0][0].item<double>(), 0.5);
  EXPECT_DOUBLE_EQ(q[1][1].item<double>(), -0.25);
}

TEST(GraphNet, FloatForwardMatchesTheReferenceEngine) {
  const auto net = workloads::load_network(zoo("lenet5"));
  GraphNet g(net);
  torch::NoGradGuard guard;
  g.eval();
  const auto x = images_tensor(test_set(), net.dataset.normalization, 0, 30);
  const auto ours = g.forward(x).contiguous();
  const Eigen::MatrixXd ref = sim::ReferenceEngine(net, sim::Precision::Float)
                                  .forward(sim::image_batch(test_set(), net.dataset.normalization, 0, 30));
  for (int i = 0; i < 30; ++i) {
    for (int c = 0; c < 10; ++c) EXPECT_NEAR(ours[i][c].item<float>(), ref(c, i), 1e-4);
  }
}

TEST(GraphNet, QuantizedForwardInFloat64IsTheIntegerContractBitForBit) {
  for (const char* name : {"lenet5", "mlp"}) {
    for (bool per_channel : {false, true}) {
      const auto net = workloads::load_network(zoo(name));
      mapping::PtqOptions ptq;
      ptq.per_channel = per_channel;
      sim::CalibrationOptions cal;
      cal.images = 128;
      const auto q = sim::calibrate_and_quantize(net, test_set(), net.dataset.normalization, ptq, cal);
      GraphNet g(net);
      g.set_quantization(q);
      g.to(torch::kFloat64);
      torch::NoGradGuard guard;
      g.eval();
      const auto x = images_tensor(test_set(), net.dataset.normalization, 0, 100).to(torch::kFloat64);
      const auto ours = g.forward(x).contiguous();
      // The exported integer workload, run by the integer reference engine.
      const auto exported = g.export_quantized();
      const Eigen::MatrixXd ref = sim::ReferenceEngine(exported, sim::Precision::Int)
                                      .forward(sim::image_batch(test_set(), net.dataset.normalization, 0, 100));
      for (int i = 0; i < 100; ++i) {
        for (int c = 0; c < 10; ++c)
          ASSERT_EQ(ours[i][c].item<double>(), ref(c, i)) << name << " image " << i << " class " << c;
      }
    }
  }
}

TEST(PruneSchedule, ZerorizeRecoverAlternatesAndFreezes) {
  const auto net = workloads::load_network(zoo("lenet5"));
  GraphNet g(net);
  PruneSettings s;
  s.options.method = mapping::PruneMethod::KernelGroup;
  s.options.sparsity = 0.5;
  s.start_epoch = 1;
  s.interval = 2;
  s.freeze_epochs = 2;
  mapping::CrossbarGeometry geo;
  PruneSchedule zr(g, s, geo, 9);
  using M = PruneSchedule::Mode;
  const M want[] = {M::Free,     M::Zerorize, M::Zerorize, M::Recover, M::Recover,
                    M::Zerorize, M::Zerorize, M::Frozen,   M::Frozen};
  for (int e = 0; e < 9; ++e) EXPECT_EQ(zr.mode(e), want[e]) << "epoch " << e;
  s.schedule = Schedule::OneShot;
  PruneSchedule os(g, s, geo, 9);
  EXPECT_EQ(os.mode(0), M::Free);
  for (int e = 1; e < 9; ++e) EXPECT_EQ(os.mode(e), M::Frozen);
  s.freeze_epochs = 20;
  EXPECT_THROW(PruneSchedule(g, s, geo, 9), xbarsim::Error);
}

double zero_fraction(GraphNet& g) {
  std::int64_t zeros = 0, total = 0;
  for (const auto& n : g.weighted_layers()) {
    zeros += g.weight(n).eq(0).sum().item<std::int64_t>();
    total += g.weight(n).numel();
  }
  return static_cast<double>(zeros) / static_cast<double>(total);
}

TEST(PruneSchedule, ZeroesOnZerorizeEpochsReleasesOnRecoverAndKeepsTheFrozenMask) {
  const auto net = workloads::load_network(zoo("lenet5"));
  GraphNet g(net);
  PruneSettings s;
  s.options.method = mapping::PruneMethod::KernelGroup;
  s.options.sparsity = 0.4;
  s.start_epoch = 0;
  s.interval = 1;
  s.freeze_epochs = 1;
  PruneSchedule sched(g, s, mapping::CrossbarGeometry{}, 3);  // Zerorize, Recover, Frozen
  torch::optim::SGD opt(g.parameters(), 0.05);
  const auto x = images_tensor(test_set(), net.dataset.normalization, 0, 64);
  const auto y = labels_tensor(test_set(), 0, 64);
  auto step = [&] {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(g.forward(x), y).backward();
    opt.step();
    sched.after_step();
  };
  sched.epoch_begin(0);
  step();
  const double zeroed = zero_fraction(g);
  EXPECT_GE(zeroed, 0.4) << "zerorize: zeroed after the step";
  sched.epoch_begin(1);
  step();
  EXPECT_LT(zero_fraction(g), zeroed / 2) << "recover: pruned groups get gradients and grow back";
  sched.epoch_begin(2);
  const auto frozen = sched.frozen_masks();
  step();
  step();
  EXPECT_GE(zero_fraction(g), 0.4);
  for (const auto& [name, keep] : frozen) {
    const auto w = g.weight(name).detach().contiguous().view({-1});
    for (std::size_t i = 0; i < keep.size(); ++i) {
      if (keep[i] == 0) {
        ASSERT_EQ(w[static_cast<std::int64_t>(i)].item<float>(), 0.0F) << name;
      }
    }
  }
}

TEST(Compress, ShortRunExportsAnIntegerWorkloadTheEngineReproduces) {
  const auto net = workloads::load_network(zoo("lenet5"));
  workloads::Dataset small = test_set();  // the first 2,000 test images keep the run short
  small.count = 2000;
  small.pixels.resize(static_cast<std::size_t>(small.count * small.image_size()));
  small.labels.resize(static_cast<std::size_t>(small.count));
  TrainOptions t;
  t.epochs = 2;
  t.train_limit = 1000;
  t.verbose = false;
  t.lr = 2e-4;
  t.threads = 2;
  CompressOptions c;
  c.calibration_images = 128;
  PruneSettings p;
  p.options.method = mapping::PruneMethod::CrossbarKernelGroup;
  p.options.sparsity = 0.3;
  p.exclude = {"conv1"};
  p.freeze_epochs = 1;
  c.prune = p;
  c.variation_sigma = 0.05;
  const auto r = compress(net, small, small, t, c);
  ASSERT_TRUE(r.workload.is_quantized());
  EXPECT_GE(r.report["sparsity"].get<double>(), 0.25);
  EXPECT_LT(r.report["crossbars"].get<int>(), r.report["crossbars_dense"].get<int>());
  const double recorded = r.workload.metadata.accuracy.at("int");
  EXPECT_GT(recorded, 0.6);
  sim::EvalOptions e;
  const double engine =
      sim::evaluate(sim::ReferenceEngine(r.workload, sim::Precision::Int), small, net.dataset.normalization, e)
          .accuracy();
  EXPECT_NEAR(engine, recorded, 0.002) << "the integer engine reproduces the trainer within 0.2 pp";
  // conv1 was excluded from pruning.
  EXPECT_EQ(r.report["layers"][0]["name"], "conv1");
  EXPECT_LT(r.report["layers"][0]["sparsity"].get<double>(), 0.2);
}

TEST(Compress, AResNetWithOptionAShortcutsCompressesAndTheEngineReproducesIt) {
  // The slices, pads and adds of option-A shortcuts go through QAT and crossbar pruning.
  workloads::Dataset small = test_set();
  small.count = 600;
  small.pixels.resize(static_cast<std::size_t>(small.count * small.image_size()));
  small.labels.resize(static_cast<std::size_t>(small.count));
  TrainOptions t;
  t.epochs = 1;
  t.verbose = false;
  t.threads = 2;
  ArchNet arch(architecture("resnet20", {1, 28, 28}, 10), 1);
  train(arch, small, small, workloads::Normalization{}, t);
  const auto net = export_network(arch, {}, "r.safetensors");
  t.lr = 2e-4;
  t.epochs = 2;
  CompressOptions c;
  c.calibration_images = 64;
  PruneSettings p;
  p.options.method = mapping::PruneMethod::CrossbarKernelGroup;
  p.options.sparsity = 0.3;
  p.freeze_epochs = 1;
  c.prune = p;
  const auto r = compress(net, small, small, t, c);
  ASSERT_TRUE(r.workload.is_quantized());
  EXPECT_GE(r.report["sparsity"].get<double>(), 0.25);
  sim::EvalOptions e;
  const double engine =
      sim::evaluate(sim::ReferenceEngine(r.workload, sim::Precision::Int), small, net.dataset.normalization, e)
          .accuracy();
  EXPECT_NEAR(engine, r.workload.metadata.accuracy.at("int"), 0.002);
}

}  // namespace
}  // namespace xbarsim::train
