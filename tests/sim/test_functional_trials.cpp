// Monte Carlo that shares the inputs: several device seeds in one pass give each seed's own
// outputs, bit for bit, with every non-ideality that draws (variation, faults, read noise, ADC
// errors and noise), on plain, residual and linear-first networks and split layer calls.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "models/device.hpp"
#include "sim/functional.hpp"
#include "sim/functional_trials.hpp"
#include "sim/memory_estimate.hpp"
#include "sim/reference.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim {
namespace {

using testing_support::quantized_toy;

mapping::HardwareConfig noisy_hardware(int rows) {
  mapping::HardwareConfig hw;
  hw.rows = rows;
  hw.cols = rows;
  hw.cell_bits = 2;
  hw.dac_bits = 1;
  hw.sign = mapping::SignScheme::Offset;
  hw.columns_per_adc = 8;
  hw.adc_offset_lsb = 0.5;
  hw.adc_gain_error = 0.02;
  hw.adc_noise_lsb = 0.3;
  return hw;
}

models::DeviceConfig noisy_device() {
  models::DeviceConfig dev;
  dev.g_min_us = 5.0;
  dev.write_sigma = 0.1;
  dev.read_noise_sigma = 0.02;
  dev.fault_rate = 0.01;
  return dev;
}

struct Seeds {
  std::vector<std::unique_ptr<FunctionalEngine>> engines;
  std::vector<const FunctionalEngine*> pointers;
};

Seeds engines_of(const workloads::Network& net, const mapping::MappedNetwork& m, const models::DeviceConfig& dev,
                 std::initializer_list<std::uint64_t> seeds) {
  Seeds s;
  for (auto seed : seeds) {
    s.engines.push_back(std::make_unique<FunctionalEngine>(net, m, mapping::program(m, dev, seed, {})));
    s.pointers.push_back(s.engines.back().get());
  }
  return s;
}

/// `draws` false: no read or ADC noise (tiles smaller than the draw blocks), static errors only.
void expect_each_seeds_own(const workloads::Network& net, int rows, int images, bool draws = true) {
  auto hw = noisy_hardware(rows);
  auto dev = noisy_device();
  if (!draws) hw.adc_noise_lsb = dev.read_noise_sigma = 0.0;
  const auto m = mapping::compile(net, hw);
  const auto s = engines_of(net, m, dev, {3, 4, 5});
  const FunctionalTrials pass(s.pointers);
  const Eigen::MatrixXf x = (Eigen::MatrixXf::Random(s.engines[0]->input_size(), images).array() + 1.0F) * 0.5F;
  const auto together = pass.forward_codes(x, 7);
  ASSERT_EQ(together.size(), s.engines.size());
  for (std::size_t t = 0; t < s.engines.size(); ++t) {
    const Eigen::MatrixXd alone = s.engines[t]->forward_codes(x, 7);
    ASSERT_EQ(together[t].rows(), alone.rows());
    ASSERT_EQ(together[t].cols(), alone.cols());
    for (Eigen::Index i = 0; i < alone.size(); ++i) ASSERT_EQ(together[t].data()[i], alone.data()[i]) << net.name << t;
  }
  EXPECT_FALSE((together[0].array() == together[1].array()).all()) << net.name << ": the seeds differ";
}

TEST(FunctionalTrials, SeedsInOnePassGiveEachSeedsOwnOutputsBitForBitOnACnn) {
  expect_each_seeds_own(quantized_toy(testing_support::toy_cnn(5), 8), 32, 9);
}

TEST(FunctionalTrials, SeedsInOnePassGiveEachSeedsOwnOutputsBitForBitOnAResidualNetwork) {
  expect_each_seeds_own(quantized_toy(testing_support::toy_resnet(6, 2), 8), 16, 5);
}

TEST(FunctionalTrials, SeedsInOnePassGiveEachSeedsOwnOutputsBitForBitWhenTheFirstLayerIsLinear) {
  expect_each_seeds_own(quantized_toy(testing_support::toy_linear(7, 6, 6, 5), 8), 16, 11);
}

TEST(FunctionalTrials, SeedsInOnePassGiveEachSeedsOwnOutputsBitForBitWhenTheFirstLayerIsSplit) {
  // 144 rows over 1,024 positions per image: the first layer's unrolled input is taken in spans.
  expect_each_seeds_own(quantized_toy(testing_support::toy_conv_linear(21, "wide_conv", 16, 32, 32, 8, 4), 8), 128, 16,
                        false);
}

TEST(FunctionalTrials, AWholeEvaluationGivesEachSeedsPredictionsAndOutputsOnAnyThreadCount) {
  const auto net = quantized_toy(testing_support::toy_cnn(5), 8);
  const auto m = mapping::compile(net, noisy_hardware(32));
  const auto s = engines_of(net, m, noisy_device(), {11, 12});
  const auto data = testing_support::synthetic_dataset(100, 2, 8, 8, 37, 251);
  workloads::Normalization norm;
  norm.mean = {0.0, 0.0};
  norm.std = {1.0, 1.0};
  const FunctionalTrials pass(s.pointers);
  for (unsigned threads : {1U, 2U}) {
    EvalOptions eo;
    eo.threads = threads;
    eo.batch = 16;
    const auto together =
        evaluate_forward_trials([&](const Eigen::MatrixXf& x, std::uint64_t c) { return pass.forward(x, c); }, 2,
                                s.engines[0]->input_size(), data, norm, eo);
    ASSERT_EQ(together.size(), 2U);
    for (std::size_t t = 0; t < 2; ++t) {
      const auto& e = *s.engines[t];
      const auto alone = evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return e.forward(x, c); },
                                          e.input_size(), data, norm, eo);
      EXPECT_EQ(together[t].predictions, alone.predictions);
      EXPECT_EQ(together[t].output_digests, alone.output_digests);
      EXPECT_EQ(together[t].correct, alone.correct);
    }
    EXPECT_NE(together[0].output_digests, together[1].output_digests);
  }
}

TEST(FunctionalTrials, EnginesOfOtherHardwareCannotShareAPass) {
  const auto net = quantized_toy(testing_support::toy_cnn(5), 8);
  const auto a = mapping::compile(net, noisy_hardware(32));
  auto other = noisy_hardware(32);
  other.dac_bits = 2;  // other phases: the positions are blocked differently
  const auto b = mapping::compile(net, other);
  const FunctionalEngine ea(net, a, mapping::program(a, noisy_device(), 1, {}));
  const FunctionalEngine eb(net, b, mapping::program(b, noisy_device(), 1, {}));
  EXPECT_THROW(FunctionalTrials({&ea, &eb}), Error);
  EXPECT_THROW(FunctionalTrials({}), Error);
}

TEST(FunctionalTrials, TheMemoryEstimateHoldsEveryEngineOfAPass) {
  const auto net = quantized_toy(testing_support::toy_cnn(5), 8);
  const auto m = mapping::compile(net, noisy_hardware(32));
  MemoryOptions o;
  const auto one = estimate_memory(net, m, noisy_device(), o);
  o.trials = 4;
  const auto four = estimate_memory(net, m, noisy_device(), o);
  EXPECT_DOUBLE_EQ(four.plans, one.plans);
  EXPECT_GE(four.total() - one.total(), 3 * one.plans);
  EXPECT_GT(four.per_thread, one.per_thread) << "every trial's first-layer accumulators";
}

}  // namespace
}  // namespace xbarsim::sim
