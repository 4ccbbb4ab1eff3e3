// The inter-layer pipeline on a residual network: the add runs once and every tensor crosses
// the interconnect once per consuming tile, later images overlap, outputs equal the functional
// engine's, and the VCD (busy signals, queue depths, buffer occupancy) is well formed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "tests/cycle/one_simulation.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim::cycle {
namespace {

constexpr std::int64_t kImages = 6;

class CyclePipeline : public OneSimulation<CyclePipeline> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_residual(4), 8);
    auto& hw = s.hw;
    hw.rows = 32;
    hw.cols = 32;
    hw.columns_per_adc = 8;
    hw.clock_ghz = 1.2;
    hw.timing.xbar_read_ns = 20.0;
    CycleOptions o;
    o.pipelined = true;
    o.trace = true;
    s.run(s.build(1, kImages), o, 64, 0);
  }
};

TEST_F(CyclePipeline, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CyclePipeline, TheResidualAddRunsOnceAndEveryTensorCrossesOncePerConsumingTile) {
  // input -> conv1 (tile 0) -> relu1 -> conv2 (tile 1); add(conv2, input) on conv2's tile;
  // relu2 -> flatten -> fc (tile 2). The input goes to tile 0 (conv1) and tile 1 (the add),
  // once each; relu1 goes from tile 0 to tile 1 once; the add's output from tile 1 to fc once;
  // conv2's output stays on tile 1.
  const auto& m = f_->mapped;
  ASSERT_EQ(m.layers.size(), 3U);
  ASSERT_EQ(m.layers[0].first_tile, 0);
  ASSERT_EQ(m.layers[1].first_tile, 1);
  ASSERT_EQ(m.layers[2].first_tile, 2);
  const auto bits = [](const models::IntRange& r) {
    int b = 0;
    while ((std::int64_t{1} << b) < r.hi - r.lo + 1) ++b;
    return b;
  };
  const double values = 2 * 6 * 6;
  const auto& s = f_->result.stats;
  EXPECT_EQ(s.at("noc.bytes_from_host"), kImages * 2 * values);  // 8-bit inputs, two consuming tiles
  EXPECT_EQ(s.at("noc.bytes_from_tile0"), kImages * values * bits(m.layers[0].range) / 8);
  const auto* add = f_->net.find_layer("add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(s.at("noc.bytes_from_tile1"), kImages * values * *add->quantization->output_bits / 8);
  EXPECT_EQ(s.at("noc.bytes_from_tile2"), kImages * 4 * 4.0);  // raw 32-bit logits to the host
}

TEST_F(CyclePipeline, LaterImagesOverlapAndThePeriodIsAtLeastTheSlowestStage) {
  Cycle slowest = 0;
  for (const auto& l : f_->result.layers) slowest = std::max(slowest, l.stage_cycles);
  EXPECT_GE(f_->result.period_cycles(), slowest);
  EXPECT_LT(f_->result.total_cycles, kImages * f_->result.latency_cycles());
  EXPECT_LT(f_->result.image_start[1], f_->result.image_end[0]);
  EXPECT_DOUBLE_EQ(f_->result.throughput_images_per_s(), 1.2e9 / static_cast<double>(f_->result.period_cycles()));
}

TEST_F(CyclePipeline, TheVcdHasAHeaderTheNamedSignalsAndChanges) {
  std::ifstream in(f_->vcd);
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string v = ss.str();
  EXPECT_EQ(v.rfind("$date", 0), 0U);
  for (const char* s :
       {"$timescale 1 fs $end", "$scope module chip $end", "$scope module tile0 $end", "$scope module xbar0 $end",
        "$scope module adc $end", " busy $end", " queue_depth $end", " occupancy $end", "$scope module host_link $end",
        "$upscope $end", "$enddefinitions $end", "$dumpvars"}) {
    EXPECT_NE(v.find(s), std::string::npos) << s;
  }
  // Changes are time-ordered and none is after the last output reached the host.
  const auto period_fs = static_cast<std::uint64_t>(std::llround(1e6 / 1.2));
  std::uint64_t last = 0;
  for (auto p = v.find("\n#"); p != std::string::npos; p = v.find("\n#", p + 1)) {
    const std::uint64_t time = std::stoull(v.substr(p + 2));
    EXPECT_GE(time, last);
    last = time;
  }
  EXPECT_GT(last, 0U);
  EXPECT_LE(last, f_->result.total_cycles * period_fs);
  // Every value change is 0 or 1 and an identifier of a wire, or a binary value and an integer's.
  std::istringstream lines(v.substr(v.find("$enddefinitions")));
  std::string line;
  std::size_t changes = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '$') continue;
    if (line[0] == 'b') {
      EXPECT_NE(v.find("$var integer 32 " + line.substr(line.find(' ') + 1) + " "), std::string::npos) << line;
    } else {
      ASSERT_TRUE(line[0] == '0' || line[0] == '1') << line;
      EXPECT_NE(v.find("$var wire 1 " + line.substr(1) + " "), std::string::npos) << line;
    }
    ++changes;
  }
  EXPECT_GT(changes, 100U);
}

TEST_F(CyclePipeline, ClosedFormActionsAndEnergiesAreTheMeasuredOnes) { expect_closed_form_is_measured(*f_); }

}  // namespace
}  // namespace xbarsim::sim::cycle
