// One crossbar MVM through the SystemC chip: every cycle of the inference traced by hand.
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
    s.run(s.build(5, kImages), {}, 64, 0);
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

TEST_F(CycleMvm, TheWholeInferenceFollowsTheHandTracedSchedule) {
  // One linear layer on one crossbar, layer by layer; every step traced by hand from the
  // hardware parameters (docs/models.md, "Timing"):
  const auto& hw = f_->hw;
  const auto& t = hw.timing;
  const double g = hw.clock_ghz;
  const auto& ml = f_->mapped.layers[0];
  const std::uint64_t P = ml.input_bits;                                          // 1-bit DAC: one phase per input bit
  const std::int64_t in_bytes = (16 * ml.input_bits + 7) / 8, out_bytes = 4 * 4;  // raw output: 32-bit codes
  const auto per_cycle = [&](double bytes_per_ns) { return bytes_per_ns / g; };
  const auto serial = [&](std::int64_t bytes, double bytes_per_ns) {
    return static_cast<std::uint64_t>(std::ceil(static_cast<double>(bytes) / per_cycle(bytes_per_ns) - 1e-9));
  };
  const std::uint64_t hop = cyc(t.link_latency_ns, g);
  const auto access = [&](std::int64_t bytes) {
    return static_cast<std::uint64_t>((bytes + t.buffer_width_bytes - 1) / t.buffer_width_bytes) *
           std::max<std::uint64_t>(1, cyc(t.buffer_access_ns, g));
  };
  const std::uint64_t R = cyc(t.dac_ns + (*t.xbar_read_ns), g);
  const std::uint64_t C = cyc(std::min(hw.columns_per_adc, 32) * (*t.adc_conversion_ns), g);
  const std::uint64_t SA = cyc(32 * t.shift_add_ns, g);  // 32 readouts per phase on one unit
#if XBARSIM_MVM_CASE == 1
  ASSERT_GT(C, R);
#else
  ASSERT_GT(R, C);
#endif
  // The 1x4x4 input moves as 4 rows of 4 bytes, back to back on the host link; each row is
  // written into the tile buffer one hop after it left (a write is no longer than a row's
  // serialisation, so writes never queue); the layer starts when the last row is written.
  const std::uint64_t row = serial(4, t.host_link_bytes_per_ns);
  ASSERT_LE(access(4), row);
  std::uint64_t now = 4 * row + hop + access(4);
  now += access(in_bytes);  // the 16 input bytes read for the IMA
  now += static_cast<std::uint64_t>((in_bytes + t.bus_width_bytes - 1) / t.bus_width_bytes);  // tile bus
  now += R + (P - 1) * std::max(R, C) + C;  // read/convert pipeline through the sample-and-hold
  now += P * SA;                            // shift-and-add of every phase's readouts
  // Out: tile 0's port starts at once, the host link is asked for one hop later, then one more hop.
  now += hop + serial(out_bytes, t.host_link_bytes_per_ns) + hop;
  EXPECT_EQ(f_->result.latency_cycles(), now);
  // Layer by layer, the second image starts when the first is at the host.
  EXPECT_EQ(f_->result.image_start[1], f_->result.image_end[0]);
  EXPECT_EQ(f_->result.total_cycles, kImages * now);
  EXPECT_EQ(f_->result.period_cycles(), now);
  EXPECT_EQ(f_->result.layers[0].stage_cycles, R + (P - 1) * std::max(R, C) + C);
}

TEST_F(CycleMvm, ActionCountsAreTheClosedFormCounts) {
  const auto& s = f_->result.stats;
  const double P = f_->mapped.layers[0].input_bits;
  const std::string x = "tile0.ima0.xbar0";
  EXPECT_EQ(s.at(x + ".reads"), kImages * P);
  EXPECT_EQ(s.at(x + ".dac_drives"), kImages * P * 16);
  EXPECT_EQ(s.at(x + ".conversions"), kImages * P * 32);
  EXPECT_EQ(s.at(x + ".shift_adds"), kImages * P * 32);
  EXPECT_EQ(s.at(x + ".adc.requests"), static_cast<double>(kImages));  // one group per image
  EXPECT_EQ(s.at("noc.transfers"), kImages * 5.0);  // 4 input rows from the host, the output to the host
  EXPECT_EQ(s.at("noc.bytes_from_host"), kImages * 16.0);
  EXPECT_EQ(s.at("controller.images"), static_cast<double>(kImages));
  EXPECT_EQ(s.at("cycles"), static_cast<double>(f_->result.total_cycles));
}

}  // namespace
}  // namespace xbarsim::sim::cycle
