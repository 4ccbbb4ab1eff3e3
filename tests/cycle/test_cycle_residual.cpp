// A residual network whose skips come from intermediate tensors (three blocks, each adding its
// input to its second convolution), pipelined on tiles of one layer each: the chip's outputs are
// the functional engine's; every tensor crosses the interconnect once per tile that reads it;
// the mapping's closed-form actions, buffer and link traffic included, equal the measured ones
// and give the same energies under both cost tables.
#include <gtest/gtest.h>

#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "mapping/traffic.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "tests/cycle/one_simulation.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim::cycle {
namespace {

constexpr std::int64_t kImages = 3;

class CycleResidual : public OneSimulation<CycleResidual> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_resnet(5, 3), 8);
    s.hw.rows = 32;
    s.hw.cols = 32;
    s.hw.columns_per_adc = 8;
    s.hw.replicas = {{"b1_conv1", 2}};
    CycleOptions o;
    o.pipelined = true;
    s.run(s.build(2, kImages), o);
  }
};

TEST_F(CycleResidual, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CycleResidual, EachTensorCrossesOncePerReadingTile) {
  // Layers on tiles 0 (conv0), 1 (b0_conv1), 2 (b0_conv2, which hosts b0_add), ...: relu0 is
  // read by b0_conv1 (tile 1) and by b0_add (tile 2): twice per image, 3 x 6 x 6 bytes each
  // (8-bit codes); nothing else leaves tile 0.
  const auto& m = f_->mapped;
  ASSERT_EQ(m.layers.size(), 8U);
  EXPECT_EQ(m.layers[0].first_tile, 0);
  EXPECT_EQ(f_->result.stats.at("noc.bytes_from_tile0"), kImages * 2 * 3 * 6 * 6.0);
  // The host sends the input to conv0's tile only.
  EXPECT_EQ(f_->result.stats.at("noc.bytes_from_host"), kImages * 2 * 6 * 6.0);
}

TEST_F(CycleResidual, ClosedFormActionsAndEnergiesAreTheMeasuredOnes) { expect_closed_form_is_measured(*f_); }

}  // namespace
}  // namespace xbarsim::sim::cycle
