// End-to-end checks on the shipped workloads: the recorded float accuracy (measured
// by the trainer with LibTorch) is reproduced by the reference engine, and 8-bit
// power-of-two integer inference stays within 1 pp of float.
#include <gtest/gtest.h>

#include <filesystem>

#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim {
namespace {

std::string zoo(const std::string& name) {
  return std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + name + ".json";
}

class Zoo : public ::testing::TestWithParam<std::string> {
 protected:
  static const workloads::Dataset& test_set() {
    static const workloads::Dataset d = workloads::load_dataset("fashion-mnist", "", workloads::Split::Test);
    return d;
  }
  static const workloads::Dataset& train_set() {
    static const workloads::Dataset d = workloads::load_dataset("fashion-mnist", "", workloads::Split::Train);
    return d;
  }
};

TEST_P(Zoo, FloatAccuracyReproducesTheRecordedOneAndIntegerStaysWithin1pp) {
  const auto net = workloads::load_network(zoo(GetParam()));
  ASSERT_EQ(net.metadata.accuracy.count("float"), 1U);
  const double recorded = net.metadata.accuracy.at("float");
  EvalOptions opt;
  const double float_acc =
      evaluate(ReferenceEngine(net, Precision::Float), test_set(), net.dataset.normalization, opt).accuracy();
  EXPECT_NEAR(float_acc, recorded, 0.001) << GetParam();

  CalibrationOptions cal;
  const auto q = calibrate_and_quantize(net, train_set(), net.dataset.normalization, mapping::PtqOptions{}, cal);
  const double int_acc =
      evaluate(ReferenceEngine(q, Precision::Int), test_set(), net.dataset.normalization, opt).accuracy();
  EXPECT_GT(int_acc, float_acc - 0.01) << GetParam();
  RecordProperty("float_accuracy", std::to_string(float_acc));
  RecordProperty("int_accuracy", std::to_string(int_acc));
}

TEST_P(Zoo, SameNumbersOnAnyThreadCountAndBatch) {
  const auto net = workloads::load_network(zoo(GetParam()));
  CalibrationOptions cal;
  cal.images = 128;
  const auto q = calibrate_and_quantize(net, train_set(), net.dataset.normalization, mapping::PtqOptions{}, cal);
  for (const auto* n : {&net, &q}) {
    const ReferenceEngine engine(*n, n->is_quantized() ? Precision::Int : Precision::Float);
    EvalOptions one;
    one.limit = 700;
    one.threads = 1;
    EvalOptions two = one;
    two.threads = 2;
    const auto a = evaluate(engine, test_set(), n->dataset.normalization, one);
    const auto b = evaluate(engine, test_set(), n->dataset.normalization, two);
    EXPECT_EQ(a.predictions, b.predictions);
    if (n->is_quantized()) {  // integer results do not depend on how images are batched either
      EvalOptions other = two;
      other.batch = 37;
      EXPECT_EQ(evaluate(engine, test_set(), n->dataset.normalization, other).predictions, a.predictions);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shipped, Zoo, ::testing::Values("mlp", "lenet5", "vgg8"));

}  // namespace
}  // namespace xbarsim::sim
