// One organisation for timing and cost: the SystemC chip and the cost inventory are both built
// from the placed layout, so they must hold the same instances of every component class the
// chip times, on a chip with replicated layers, packed layers, IMA ADC banks and a partial
// router mesh; and the chip still computes the functional engine's outputs.
#include <gtest/gtest.h>

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

constexpr std::int64_t kImages = 3;

class CycleOrganisation : public OneSimulation<CycleOrganisation> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_cnn(21), 8);
    auto& hw = s.hw;
    hw.rows = 16;
    hw.cols = 16;
    hw.columns_per_adc = 0;
    hw.crossbars_per_tile = 4;
    hw.crossbars_per_ima = 2;
    hw.adcs_per_ima = 3;
    hw.shift_adds_per_ima = 2;
    hw.tiles_per_router = 2;
    hw.pack_layers = true;
    hw.replicas = {{"conv1", 3}, {"conv2", 2}};
    CycleOptions o;
    o.pipelined = true;
    s.run(s.build(3, kImages), o);
  }
};

TEST_F(CycleOrganisation, TheChipIsReplicatedPackedBankedAndItsMeshIsPartial) {
  const auto& layout = f_->mapped.layout;
  EXPECT_EQ(layout.layers[0].copies.size(), 3U);
  EXPECT_EQ(layout.layers[1].copies.size(), 2U);
  // 9 tiles, 2 per router: 5 routers on a mesh 3 wide whose top row holds two, so routes from
  // the top row towards column 2 go down first; tile 8 (router 4) sends to the host.
  EXPECT_EQ(layout.tiles, 9);
  EXPECT_EQ(layout.routers, 5);
  EXPECT_GT(f_->result.stats.at("noc.bytes_from_tile8"), 0.0);
}

TEST_F(CycleOrganisation, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CycleOrganisation, TheChipHasTheCostInventorysInstances) {
  const auto inv = mapping::mapped_inventory(f_->mapped).total();
  const auto& built = f_->result.instances;
  for (const char* k : {"crossbar", "cells", "dac", "sample_hold", "adc", "shift_add", "input_register",
                        "output_register", "edram_buffer", "bus", "router"}) {
    ASSERT_TRUE(built.count(k)) << k;
    EXPECT_EQ(built.at(k), inv.at(k)) << k;
  }
  // Counted by hand from the layout: IMAs hold banks of 3 ADCs and 2 shift-and-add units.
  const auto& layout = f_->mapped.layout;
  EXPECT_EQ(built.at("crossbar"), static_cast<double>(layout.placed_crossbars()));
  EXPECT_EQ(built.at("adc"), 3.0 * layout.imas);
  EXPECT_EQ(built.at("shift_add"), 2.0 * layout.imas);
  EXPECT_EQ(built.at("dac"), 16.0 * layout.placed_crossbars());
  EXPECT_EQ(built.at("edram_buffer"), layout.tiles);
  EXPECT_EQ(built.at("router"), layout.routers);
  // The untimed tile periphery is one set per tile in the inventory.
  EXPECT_EQ(inv.at("max_pool"), layout.tiles);
  EXPECT_EQ(inv.at("activation"), 2.0 * layout.tiles);
}

TEST_F(CycleOrganisation, ClosedFormActionsAndEnergiesAreTheMeasuredOnes) { expect_closed_form_is_measured(*f_); }

}  // namespace
}  // namespace xbarsim::sim::cycle
