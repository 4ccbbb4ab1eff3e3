// The ISAAC-style inter-layer pipeline on a residual network: steady-state throughput is the
// slowest stage's, the first image's latency is the sum of its stages, outputs equal the
// functional engine's, and the VCD of the busy signals is well formed.
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
    mapping::HardwareConfig hw;
    hw.rows = 32;
    hw.cols = 32;
    hw.columns_per_adc = 8;
    hw.clock_ghz = 1.2;
    hw.timing.xbar_read_ns = 20.0;
    s.mapped = mapping::compile(s.net, hw);
    const auto programmed = mapping::program(s.mapped, hw.device, 1, {});
    s.engine = std::make_unique<FunctionalEngine>(s.net, s.mapped, programmed);
    const Eigen::MatrixXf x = (Eigen::MatrixXf::Random(s.engine->input_size(), kImages).array() + 1.0F) * 0.5F;
    s.functional = s.engine->forward_codes(x, 0);
    CycleOptions o;
    o.pipelined = true;
    o.trace = true;
    CycleSimulator sim(s.net, s.mapped, *s.engine, kImages, o);
    s.result = sim.run(x);
    s.vcd = s.dir.file("trace.vcd");
    sim.write_vcd(s.vcd);
  }
};

TEST_F(CyclePipeline, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CyclePipeline, ThroughputIsTheSlowestStages) {
  Cycle slowest = 0;
  for (const auto& l : f_->result.layers) slowest = std::max(slowest, l.stage_cycles);
  ASSERT_GE(f_->result.layers.size(), 3U);
  // Steady state: every image after the pipeline filled completes one slowest stage after the previous.
  for (std::int64_t i = static_cast<std::int64_t>(f_->result.layers.size()); i < kImages; ++i) {
    EXPECT_EQ(f_->result.image_end[i] - f_->result.image_end[i - 1], slowest) << "image " << i;
  }
  EXPECT_EQ(f_->result.period_cycles(), slowest);
  EXPECT_DOUBLE_EQ(f_->result.throughput_images_per_s(), 1.2e9 / static_cast<double>(slowest));
}

TEST_F(CyclePipeline, TheFirstImageTakesTheSumOfItsStagesAndLaterOnesOverlap) {
  Cycle stages = 0;
  for (const auto& l : f_->result.layers) stages += l.stage_cycles;
  EXPECT_EQ(f_->result.latency_cycles(), stages);
  EXPECT_LT(f_->result.total_cycles, kImages * stages);
  EXPECT_LT(f_->result.image_start[1], f_->result.image_end[0]);
}

TEST_F(CyclePipeline, TheVcdHasAHeaderTheNamedSignalsAndChanges) {
  std::ifstream in(f_->vcd);
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string v = ss.str();
  EXPECT_EQ(v.rfind("$date", 0), 0U);
  for (const char* s : {"$timescale 1 fs $end", "$scope module chip $end", "$scope module tile0 $end",
                        "$scope module xbar0 $end", "$scope module adc $end", " busy $end", " read_busy $end",
                        " port_host_busy $end", "$upscope $end", "$enddefinitions $end", "$dumpvars"}) {
    EXPECT_NE(v.find(s), std::string::npos) << s;
  }
  // The last change is the last output arriving at the host: total cycles x the period in fs.
  const auto period_fs = static_cast<std::uint64_t>(std::llround(1e6 / 1.2));
  EXPECT_NE(v.find("#" + std::to_string(f_->result.total_cycles * period_fs) + "\n"), std::string::npos);
  // Every value change line is 0 or 1 followed by an identifier declared in the header.
  std::istringstream lines(v.substr(v.find("$enddefinitions")));
  std::string line;
  std::size_t changes = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '$') continue;
    ASSERT_TRUE(line[0] == '0' || line[0] == '1') << line;
    EXPECT_NE(v.find("$var wire 1 " + line.substr(1) + " "), std::string::npos) << line;
    ++changes;
  }
  EXPECT_GT(changes, 100U);
}

}  // namespace
}  // namespace xbarsim::sim::cycle
