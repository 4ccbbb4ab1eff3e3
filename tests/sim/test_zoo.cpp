// End-to-end checks on every shipped workload: the recorded accuracies (measured by the
// trainer with LibTorch) are reproduced by the reference engine: float within 0.1 pp and,
// for compressed integer workloads, the quantized accuracy within 0.2 pp; 8-bit
// power-of-two PTQ of a float workload stays within 1 pp of float.
#include <gtest/gtest.h>

#include <algorithm>
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
    static const workloads::Dataset d = workloads::load_fashion_mnist("", workloads::Split::Test);
    return d;
  }
  static const workloads::Dataset& train_set() {
    static const workloads::Dataset d = workloads::load_fashion_mnist("", workloads::Split::Train);
    return d;
  }
};

TEST_P(Zoo, FloatAccuracyReproducesTheRecordedOneAndIntegerStaysWithin1pp) {
  const auto net = workloads::load_network(zoo(GetParam()));
  ASSERT_EQ(net.metadata.accuracy.count("float"), 1U);
  EvalOptions opt;
  const double float_acc =
      evaluate(ReferenceEngine(net, Precision::Float), test_set(), net.dataset.normalization, opt).accuracy();
  EXPECT_NEAR(float_acc, net.metadata.accuracy.at("float"), 0.001) << GetParam();

  if (net.is_quantized()) {
    // A compressed workload: the integer engine reproduces the trainer's quantized accuracy.
    ASSERT_EQ(net.metadata.accuracy.count("int"), 1U);
    const double int_acc =
        evaluate(ReferenceEngine(net, Precision::Int), test_set(), net.dataset.normalization, opt).accuracy();
    EXPECT_NEAR(int_acc, net.metadata.accuracy.at("int"), 0.002) << GetParam();
    return;
  }
  CalibrationOptions cal;
  const auto q = calibrate_and_quantize(net, train_set(), net.dataset.normalization, mapping::PtqOptions{}, cal);
  const double int_acc =
      evaluate(ReferenceEngine(q, Precision::Int), test_set(), net.dataset.normalization, opt).accuracy();
  EXPECT_GT(int_acc, float_acc - 0.01) << GetParam();
}

TEST_P(Zoo, SameNumbersOnAnyThreadCountAndBatch) {
  const auto net = workloads::load_network(zoo(GetParam()));
  CalibrationOptions cal;
  cal.images = 128;
  const auto q = net.is_quantized()
                     ? net
                     : calibrate_and_quantize(net, train_set(), net.dataset.normalization, mapping::PtqOptions{}, cal);
  for (const auto& [n, precision] : {std::pair{&net, Precision::Float}, std::pair{&q, Precision::Int}}) {
    const ReferenceEngine engine(*n, precision);
    EvalOptions one;
    one.limit = 700;
    one.threads = 1;
    EvalOptions two = one;
    two.threads = 2;
    const auto a = evaluate(engine, test_set(), n->dataset.normalization, one);
    const auto b = evaluate(engine, test_set(), n->dataset.normalization, two);
    EXPECT_EQ(a.predictions, b.predictions);
    if (precision == Precision::Int) {  // integer results do not depend on how images are batched either
      EvalOptions other = two;
      other.batch = 37;
      EXPECT_EQ(evaluate(engine, test_set(), n->dataset.normalization, other).predictions, a.predictions);
    }
  }
}

/// Every workload shipped in workloads/zoo/.
std::vector<std::string> shipped() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo")) {
    if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Shipped, Zoo, ::testing::ValuesIn(shipped()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace xbarsim::sim
