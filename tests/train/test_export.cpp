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
  SequentialNet net(architecture(GetParam()), 1);
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
  SequentialNet a(architecture("mlp"), opt.seed);
  const double before = evaluate(a, data, spec.normalization);
  const auto ra = train(a, data, data, spec.normalization, opt);
  SequentialNet b(architecture("mlp"), opt.seed);
  const auto rb = train(b, data, data, spec.normalization, opt);
  EXPECT_GT(ra.test_accuracy, before + 0.3) << "from chance to well above it";
  EXPECT_EQ(ra.test_accuracy, rb.test_accuracy) << "same seed, same result";
}

INSTANTIATE_TEST_SUITE_P(Architectures, Export, ::testing::Values("mlp", "lenet5", "vgg8"));

}  // namespace
}  // namespace xbarsim::train
