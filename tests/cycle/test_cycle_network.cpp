// A whole CNN (layers spanning tiles, partial sums over the interconnect) through the SystemC
// chip, layer by layer, on non-ideal cells: outputs equal the functional engine's bit for bit,
// action counts equal the closed-form counts of the mapping, statistics are named by module.
#include <gtest/gtest.h>

#include <map>

#include "common/error.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "tests/cycle/one_simulation.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim::cycle {
namespace {

constexpr std::int64_t kImages = 5;
constexpr std::int64_t kBatch = 2;

class CycleNetwork : public OneSimulation<CycleNetwork> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_cnn(11), 8);
    auto& hw = s.hw;
    hw.rows = 16;
    hw.cols = 16;
    hw.cell_bits = 2;
    hw.dac_bits = 2;
    hw.adc_bits = 6;
    hw.columns_per_adc = 4;
    hw.crossbars_per_tile = 2;
    hw.device.name = "nonideal";
    hw.device.write_sigma = 0.1;
    hw.device.read_noise_sigma = 0.02;
    hw.device.fault_rate = 0.01;
    hw.adc_offset_lsb = 0.3;  // and non-ideal ADCs, their noise drawn per conversion
    hw.adc_gain_error = 0.01;
    hw.adc_inl_lsb = 0.5;
    hw.adc_dnl_lsb = 0.1;
    hw.adc_noise_lsb = 0.2;
    s.run(s.build(9, kImages), {}, kBatch, 2);
  }
};

TEST_F(CycleNetwork, SomeLayerSpansTilesAndTheDeviceIsNonIdeal) {
  bool spans = false;
  for (const auto& l : f_->mapped.layers) spans = spans || l.tiles > 1;
  EXPECT_TRUE(spans);
  EXPECT_FALSE(f_->engine->integer_reference()
                   .forward_int_codes(Eigen::MatrixXf::Ones(f_->engine->input_size(), 1))
                   .isApprox(f_->functional.col(0)));
}

TEST_F(CycleNetwork, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CycleNetwork, EveryCrossbarCountsItsClosedFormActions) {
  // Per crossbar: one read per phase and position; a DAC drive per used row, a conversion and a
  // shift-and-add per used column (digital subtraction), each per read.
  const auto& s = f_->result.stats;
  const auto& out_shape = [&](const std::string& name) { return f_->net.shape_of(name); };
  double row_drives = 0;
  for (std::size_t i = 0; i < f_->mapped.crossbars.size(); ++i) {
    const auto& mc = f_->mapped.crossbars[i];
    const auto& ml = f_->mapped.layers[mc.layer];
    const auto& shape = out_shape(ml.name);
    const double positions = shape.size() == 3 ? static_cast<double>(shape[1] * shape[2]) : 1.0;
    const double phases = (ml.input_bits + 1) / 2;  // 2-bit DAC
    const double reads = kImages * positions * phases;
    int ima = -1;
    for (const auto& px : f_->mapped.layout.layers[mc.layer].copies.front().xbars) {
      if (px.crossbar == i) ima = px.ima;
    }
    const std::string path =
        "tile" + std::to_string(mc.tile) + ".ima" + std::to_string(ima) + ".xbar" + std::to_string(i);
    EXPECT_EQ(s.at(path + ".reads"), reads) << path;
    EXPECT_EQ(s.at(path + ".dac_drives"), reads * static_cast<double>(mc.rows.size())) << path;
    row_drives += reads * static_cast<double>(mc.rows.size());
    EXPECT_EQ(s.at(path + ".conversions"), reads * static_cast<double>(mc.cells.columns.size())) << path;
    EXPECT_EQ(s.at(path + ".shift_adds"), reads * static_cast<double>(mc.cells.columns.size())) << path;
    EXPECT_EQ(s.at(path + ".adcs"), 4.0);  // 16 columns, 4 per ADC
  }
  // The mapping's closed form and the chip's measured action records agree, layer by layer (the
  // data-dependent DAC and cell energies are checked against a direct computation in test_array_activity).
  const auto fast = mapping::closed_form_actions(f_->net, f_->mapped);
  const auto measured = measured_actions(f_->result, f_->mapped);
  ASSERT_EQ(fast.size(), f_->mapped.layers.size());
  ASSERT_EQ(measured.size(), fast.size());
  cost::Counts total;
  for (std::size_t l = 0; l < fast.size(); ++l) {
    for (const char* k : {"crossbar", "sample_hold", "adc", "shift_add", "activation", "data_aligning_unit",
                          "edram_buffer", "bus", "input_register", "output_register", "router"}) {
      EXPECT_EQ(measured[l].at(k), fast[l].at(k)) << l << " " << k;
      total[k] += fast[l].at(k);
    }
    EXPECT_GT(measured[l].at("edram_buffer"), 0.0) << l;
  }
  EXPECT_EQ(s.total("Crossbar", "reads"), kImages * total["crossbar"]);
  EXPECT_EQ(s.total("Crossbar", "dac_drives"), row_drives);
  EXPECT_EQ(s.total("Crossbar", "conversions"), kImages * total["adc"]);
  EXPECT_EQ(s.total("Crossbar", "shift_adds"), kImages * total["shift_add"]);
  EXPECT_EQ(s.total("ShiftAddPool", "operations"), kImages * total["shift_add"]);
  double link = 0;
  for (const auto& a : measured) link += a.at("router");
  EXPECT_EQ(link * kImages, s.at("noc.bytes"));
}

TEST_F(CycleNetwork, TheHostSendsEachInputOncePerTileOfTheFirstLayer) {
  // The first layer spans two tiles: each image's input crosses the host link once per tile.
  const auto& first = f_->mapped.layers.front();
  ASSERT_EQ(first.tiles, 2);
  const double input_bytes = static_cast<double>(f_->engine->input_size()) * 8 / 8;  // 8-bit inputs
  EXPECT_EQ(f_->result.stats.at("noc.bytes_from_host"), kImages * input_bytes * 2);
}

TEST_F(CycleNetwork, LayerByLayerEveryImageStartsWhenThePreviousOneIsOut) {
  for (const auto& l : f_->result.layers) {
    EXPECT_GT(l.compute_cycles, 0U) << l.name;
    EXPECT_GT(l.stage_cycles, 0U) << l.name;
  }
  const Cycle latency = f_->result.latency_cycles();
  for (std::int64_t i = 1; i < kImages; ++i) {
    EXPECT_EQ(f_->result.image_start[i], f_->result.image_end[i - 1]);
    EXPECT_EQ(f_->result.image_end[i] - f_->result.image_start[i], latency) << i;
  }
  EXPECT_EQ(f_->result.total_cycles, kImages * latency);
}

TEST_F(CycleNetwork, StatisticsAreNamedByTheModuleTreeWithUnits) {
  const auto& s = f_->result.stats;
  EXPECT_EQ(s.name, "chip");
  EXPECT_GT(s.at("tile0.ima0.xbar0.conversions"), 0.0);
  EXPECT_GT(s.at("tile0.buffer.read_port.bytes"), 0.0);
  EXPECT_GT(s.at("tile0.buffer.write_port.bytes"), 0.0);
  const std::string text = to_text(s);
  EXPECT_NE(text.find("chip.tile0.ima0.xbar0.conversions  "), std::string::npos);
  EXPECT_NE(text.find(" actions\n"), std::string::npos);
  const auto j = to_json(s);
  EXPECT_EQ(j["chip"]["tile0"]["ima0"]["xbar0"]["adc"]["phases"]["unit"], "phases");
  EXPECT_EQ(j["chip"]["tile0"]["buffer"]["read_port"]["bytes"]["unit"], "bytes");
  EXPECT_EQ(j["chip"]["tile0"]["ima0"]["xbar0"]["adc"]["kind"], "Adc");
  EXPECT_DOUBLE_EQ(j["chip"]["tile0"]["ima0"]["xbar0"]["reads"]["value"].get<double>(), s.at("tile0.ima0.xbar0.reads"));
  // Utilisation is busy time over total time (and servers).
  for (const auto* kind : {"Adc", "ShiftAddPool", "BufferPort", "Bus"}) {
    EXPECT_GT(s.total(kind, "utilisation"), 0.0) << kind;
  }
  EXPECT_DOUBLE_EQ(s.at("tile0.ima0.xbar0.adc.utilisation"),
                   s.at("tile0.ima0.xbar0.adc.busy_cycles") / static_cast<double>(f_->result.total_cycles));
  EXPECT_THROW(s.at("tile0.nothing"), Error);
}

TEST_F(CycleNetwork, ClosedFormActionsAndEnergiesAreTheMeasuredOnes) { expect_closed_form_is_measured(*f_); }

}  // namespace
}  // namespace xbarsim::sim::cycle
