// An option-A shortcut (He et al. 2016): the block's input, subsampled by a slice and widened
// by zero channels (pad), is added to the strided convolutions. Pipelined on one tile per
// layer: the chip's outputs are the functional engine's, and the mapping's closed-form actions
// (the sliced, padded tensor's buffer and link traffic included) equal the measured ones. Its layers
// are named like PyTorch's (layer1.0.conv1): SystemC refuses '.' in object names and warns
// (W506), which fails every SystemC test (cycle_main.cpp), unless the chip names its processes
// without them.
#include <gtest/gtest.h>

#include "tests/cycle/one_simulation.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim::cycle {
namespace {

class CycleOptionA : public OneSimulation<CycleOptionA> {
 public:
  static void simulate(Simulation& s) {
    s.net = testing_support::quantized_toy(testing_support::toy_option_a(6), 8);
    s.hw.rows = 32;
    s.hw.cols = 32;
    s.hw.columns_per_adc = 8;
    CycleOptions o;
    o.pipelined = true;
    s.run(s.build(2, 3), o);
  }
};

TEST_F(CycleOptionA, OutputsAreTheFunctionalEnginesBitForBit) { expect_functional_outputs(*f_); }

TEST_F(CycleOptionA, ClosedFormActionsAndEnergiesAreTheMeasuredOnes) { expect_closed_form_is_measured(*f_); }

}  // namespace
}  // namespace xbarsim::sim::cycle
