// One crossbar MVM through the SystemC chip: every cycle of the job in closed form.
// Compiled twice: XBARSIM_MVM_CASE 1 has conversions slower than the read (C > R) on a
// 1 GHz clock; case 2 has the read slower (R > C) on 1.28 GHz with non-ideal cells.
#include <gtest/gtest.h>

#include <cmath>

#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "tests/cycle/one_simulation.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

#ifndef XBARSIM_MVM_CASE
#define XBARSIM_MVM_CASE 1
#endif

namespace xbarsim::sim::cycle {
namespace {

constexpr std::int64_t kImages = 2;

mapping::HardwareConfig hardware() {
  mapping::HardwareConfig hw;
  hw.rows = 32;
  hw.cols = 32;
  hw.cell_bits = 2;
  hw.dac_bits = 1;
  hw.adc_bits = 8;
  hw.crossbars_per_tile = 4;
#if XBARSIM_MVM_CASE == 1
  hw.clock_ghz = 1.0;
  hw.columns_per_adc = 8;
  hw.timing.xbar_read_ns = 10.0;
  hw.timing.dac_ns = 2.0;
  hw.timing.adc_conversion_ns = 3.0;
  hw.timing.shift_add_ns = 1.0;
  hw.timing.buffer_access_ns = 1.0;
  hw.timing.buffer_width_bytes = 8;
  hw.timing.link_latency_ns = 10.0;
  hw.timing.link_bytes_per_ns = 4.0;
#else
  hw.clock_ghz = 1.28;
  hw.columns_per_adc = 32;
  hw.timing.xbar_read_ns = 100.0;
  hw.timing.dac_ns = 0.0;
  hw.timing.adc_conversion_ns = 0.78125;
  hw.timing.shift_add_ns = 0.5;
  hw.timing.buffer_access_ns = 0.78125;
  hw.timing.buffer_width_bytes = 32;
  hw.timing.link_latency_ns = 5.0;
  hw.timing.link_bytes_per_ns = 2.0;
  hw.device.name = "noisy";
  hw.device.write_sigma = 0.1;
  hw.device.read_noise_sigma = 0.02;
#endif
  return hw;
}

class CycleMvm : public OneSimulation<CycleMvm> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_linear(3, 4, 4, 4), 8);
    s.hw = hardware();
    s.mapped = mapping::compile(s.net, s.hw);
    const auto programmed = mapping::program(s.mapped, s.hw.device, 5, {});
    s.engine = std::make_unique<FunctionalEngine>(s.net, s.mapped, programmed);
    const Eigen::MatrixXf x = (Eigen::MatrixXf::Random(16, kImages).array() + 1.0F) * 0.5F;
    s.functional = s.engine->forward_codes(x, 0);
    CycleSimulator sim(s.net, s.mapped, *s.engine, kImages, {});
    s.result = sim.run(x);
  }
};

/// ceil(ns x f) without the simulator's helper.
std::uint64_t cyc(double ns, double ghz) {
  return ns <= 0 ? 0 : static_cast<std::uint64_t>(std::ceil(ns * ghz - 1e-9));
}

TEST_F(CycleMvm, TheLayerIsOneCrossbar) {
  ASSERT_EQ(f_->mapped.crossbars.size(), 1U);
  EXPECT_EQ(f_->mapped.crossbars[0].cells.columns.size(), 32U);  // 4 channels x 4 slices x 2 columns
  EXPECT_EQ(f_->mapped.crossbars[0].rows.size(), 16U);
}

TEST_F(CycleMvm, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CycleMvm, ComputeTakesTheClosedFormCycles) {
  const auto& hw = f_->hw;
  const auto& t = hw.timing;
  const double g = hw.clock_ghz;
  const int P = f_->mapped.layers[0].input_bits;  // 1-bit DAC
  const std::uint64_t R = cyc(t.dac_ns + (*t.xbar_read_ns), g);
  const std::uint64_t per_adc = std::min(hw.columns_per_adc, 32);
  const std::uint64_t C = cyc(static_cast<double>(per_adc) * std::max((*t.adc_conversion_ns), t.shift_add_ns), g);
  const std::uint64_t tail = cyc(std::min((*t.adc_conversion_ns), t.shift_add_ns), g);
#if XBARSIM_MVM_CASE == 1
  ASSERT_GT(C, R);
#else
  ASSERT_GT(R, C);
#endif
  const std::uint64_t compute = R + (P - 1) * std::max(R, C) + C + tail;
  ASSERT_EQ(f_->result.layers.size(), 1U);
  EXPECT_EQ(f_->result.layers[0].compute_cycles, compute);
  EXPECT_EQ(f_->result.stats.at("tile0.xbar0.adc.busy_cycles"), static_cast<double>(kImages * P * C));
  EXPECT_EQ(f_->result.stats.at("tile0.xbar0.busy_cycles"),
            static_cast<double>(kImages * (R + (P - 1) * std::max(R, C))));
}

TEST_F(CycleMvm, TheWholeInferenceTakesTheClosedFormCycles) {
  const auto& hw = f_->hw;
  const auto& t = hw.timing;
  const double g = hw.clock_ghz;
  const auto& ml = f_->mapped.layers[0];
  const int P = ml.input_bits;
  const std::uint64_t R = cyc(t.dac_ns + (*t.xbar_read_ns), g);
  const std::uint64_t C = cyc(std::min(hw.columns_per_adc, 32) * std::max((*t.adc_conversion_ns), t.shift_add_ns), g);
  const std::uint64_t compute =
      R + (P - 1) * std::max(R, C) + C + cyc(std::min((*t.adc_conversion_ns), t.shift_add_ns), g);
  const auto accesses = [&](std::int64_t bytes) {
    return cyc(static_cast<double>((bytes + t.buffer_width_bytes - 1) / t.buffer_width_bytes) * t.buffer_access_ns, g);
  };
  const std::int64_t in_bytes = (16 * ml.input_bits + 7) / 8;
  const int out_bits = ml.raw ? 32 : 8;
  const std::int64_t out_bytes = (4 * out_bits + 7) / 8;
  std::uint64_t now =
      cyc(static_cast<double>(in_bytes) / t.link_bytes_per_ns + t.link_latency_ns, g);  // host -> tile 0
  now += accesses(in_bytes);                                                            // input buffer write
  now += accesses(in_bytes);                                                            // input buffer read
  now += compute;              // 8 phases on the crossbar, ADC, shift-and-add
  now += accesses(out_bytes);  // output buffer write
  now += accesses(out_bytes);  // output buffer read
  now += cyc(static_cast<double>(out_bytes) / t.link_bytes_per_ns + t.link_latency_ns, g);  // tile 0 -> host
  EXPECT_EQ(f_->result.latency_cycles(), now);
  // Layer by layer, the second image starts when the first is out.
  EXPECT_EQ(f_->result.total_cycles, kImages * now);
  EXPECT_EQ(f_->result.period_cycles(), now);
  EXPECT_EQ(f_->result.layers[0].stage_cycles, now);
}

TEST_F(CycleMvm, ActionCountsAreTheClosedFormCounts) {
  const auto& s = f_->result.stats;
  const double P = f_->mapped.layers[0].input_bits;
  EXPECT_EQ(s.at("tile0.xbar0.reads"), kImages * P);
  EXPECT_EQ(s.at("tile0.xbar0.dac.drives"), kImages * P * 16);
  EXPECT_EQ(s.at("tile0.xbar0.adc.conversions"), kImages * P * 32);
  EXPECT_EQ(s.at("tile0.xbar0.shift_add.operations"), kImages * P * 32);
  EXPECT_EQ(s.at("noc.transfers"), kImages * 2.0);  // in from the host, out to the host
  EXPECT_EQ(s.at("controller.images"), static_cast<double>(kImages));
  EXPECT_EQ(s.at("cycles"), static_cast<double>(f_->result.total_cycles));
}

}  // namespace
}  // namespace xbarsim::sim::cycle
