// The training front-end's export: what xbarsim loads computes what LibTorch computed.
#include <gtest/gtest.h>

#include "sim/reference.hpp"
#include "tests/support/toy.hpp"
#include "train/trainer.hpp"
#include "workloads/network.hpp"

namespace xbarsim::train {
namespace {

class Export : public ::testing::TestWithParam<std::string> {
 protected:
  static const workloads::Dataset& test_set() {
    static const workloads::Dataset d = workloads::load_fashion_mnist("", workloads::Split::Test);
    return d;
  }
};

TEST_P(Export, ExportedWorkloadReproducesTheTorchModel) {
  ArchNet net(architecture(GetParam()), 1);
  workloads::DatasetSpec spec;
  TrainOptions opt;
  opt.epochs = 1;
  opt.train_limit = 512;
  opt.batch_size = 64;
  opt.verbose = false;
  opt.threads = 2;
  // A short run on test images is enough to move batch-norm statistics away from identity.
  train(net, test_set(), test_set(), spec.normalization, opt);

  testing_support::TempDir dir;
  auto exported = export_network(net, spec, "m.safetensors");
  for (const auto& L : exported.layers) EXPECT_NE(L.kind, workloads::LayerKind::BatchNorm) << "folded at export";
  workloads::save_network(exported, dir.file("m.json"));
  const auto loaded = workloads::load_network(dir.file("m.json"));

  const std::int64_t n = 40;
  const Eigen::MatrixXd ours = sim::ReferenceEngine(loaded, sim::Precision::Float)
                                   .forward(sim::image_batch(test_set(), spec.normalization, 0, n));
  torch::NoGradGuard guard;
  net.eval();
  const auto theirs = net.forward(images_tensor(test_set(), spec.normalization, 0, n)).contiguous();
  ASSERT_EQ(theirs.size(0), n);
  ASSERT_EQ(theirs.size(1), ours.rows());
  const float* t = theirs.data_ptr<float>();
  double worst = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t c = 0; c < ours.rows(); ++c)
      worst = std::max(worst, std::fabs(ours(c, i) - t[i * ours.rows() + c]));
  }
  EXPECT_LT(worst, 1e-3) << GetParam();
}

TEST(Train, ShortFixedSeedRunLearnsAndIsRepeatable) {
  workloads::DatasetSpec spec;
  const auto data = workloads::load_fashion_mnist("", workloads::Split::Test);
  TrainOptions opt;
  opt.epochs = 2;
  opt.train_limit = 2000;
  opt.verbose = false;
  opt.threads = 1;
  ArchNet a(architecture("mlp"), opt.seed);
  const double before = evaluate(a, data, spec.normalization);
  const auto ra = train(a, data, data, spec.normalization, opt);
  ArchNet b(architecture("mlp"), opt.seed);
  const auto rb = train(b, data, data, spec.normalization, opt);
  EXPECT_GT(ra.test_accuracy, before + 0.3) << "from chance to well above it";
  EXPECT_EQ(ra.test_accuracy, rb.test_accuracy) << "same seed, same result";
}

TEST(Train, ResumedRunEndsWhereTheUninterruptedRunEnds) {
  workloads::DatasetSpec spec;
  auto data = workloads::load_fashion_mnist("", workloads::Split::Test);
  data.count = 600;  // the first 600 images train and test
  data.pixels.resize(static_cast<std::size_t>(data.count * data.image_size()));
  data.labels.resize(static_cast<std::size_t>(data.count));
  testing_support::TempDir dir;
  TrainOptions opt;
  opt.epochs = 2;
  opt.train_limit = 600;
  opt.batch_size = 50;
  opt.verbose = false;
  opt.threads = 1;
  opt.crop_pad = 2;
  opt.hflip = true;
  const auto arch = architecture("resnet20", {1, 28, 28}, 10);
  ArchNet whole(arch, opt.seed);
  const auto r_whole = train(whole, data, data, spec.normalization, opt);

  // The same run interrupted after its first epoch (the checkpoint is written), then resumed.
  opt.checkpoint = dir.file("run.ckpt");
  ArchNet split(arch, opt.seed);
  TrainHooks stop_after_one;
  bool stopped = false;
  stop_after_one.epoch_begin = [&](int epoch) {
    if (epoch == 1) {
      stopped = true;
      throw Error("interrupted");
    }
  };
  EXPECT_THROW(train(split, data, data, spec.normalization, opt, stop_after_one), Error);
  ASSERT_TRUE(stopped);
  ArchNet resumed(arch, opt.seed + 7);  // a different initialisation: the checkpoint must replace it
  opt.resume = true;
  const auto r_resumed = train(resumed, data, data, spec.normalization, opt);
  EXPECT_EQ(r_resumed.epoch_test_accuracy, r_whole.epoch_test_accuracy);
  const auto pw = whole.parameters(), pr = resumed.parameters();
  ASSERT_EQ(pw.size(), pr.size());
  for (std::size_t i = 0; i < pw.size(); ++i) EXPECT_TRUE(torch::equal(pw[i], pr[i])) << "parameter " << i;
}

TEST(Architectures, ResNetsHaveTheirPublishedDepthAndSize) {
  // He et al. 2016, table 6: 0.27M, 0.46M, 0.85M parameters (option A) on CIFAR-10.
  const std::pair<const char*, double> published[] = {{"resnet20", 0.27e6}, {"resnet32", 0.46e6}, {"resnet56", 0.85e6}};
  for (const auto& [name, params] : published) {
    const auto a = architecture(name, {3, 32, 32}, 10);
    int weighted = 0;
    for (const auto& L : a.layers) weighted += L.has_weights() ? 1 : 0;
    EXPECT_EQ(weighted, std::stoi(std::string(name).substr(6))) << name;
    ArchNet net(a, 1);
    auto exported = export_network(net, {}, "x.safetensors");
    EXPECT_NEAR(static_cast<double>(exported.parameter_count()), params, 0.01e6) << name;
  }
  // Option B adds the two 1x1 projections: 16*32 + 32*64 weights (+ their folded biases).
  ArchNet b(architecture("resnet20b", {3, 32, 32}, 10), 1);
  ArchNet a(architecture("resnet20", {3, 32, 32}, 10), 1);
  EXPECT_EQ(export_network(b, {}, "x").parameter_count() - export_network(a, {}, "x").parameter_count(),
            16 * 32 + 32 * 64 + 32 + 64);
}

INSTANTIATE_TEST_SUITE_P(Architectures, Export,
                         ::testing::Values("mlp", "lenet5", "vgg8", "vgg11", "resnet20", "resnet20b"));

}  // namespace
}  // namespace xbarsim::train
