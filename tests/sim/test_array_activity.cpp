// The arrays' data-dependent energy (docs/models.md, "Array and DAC energy"): what the data pass
// measures (DAC drives of nonzero digits, the cells' read current sum of d^2 G) against a direct
// sum over the input digits and the programmed cells; the closed form against the measured
// activity where both must agree (ideal cells, every input bit 1); and the unit conversion
// V^2 G t in picojoules on a hand-computed cell.
#include <gtest/gtest.h>

#include <cmath>

#include "cost/estimate.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "models/device.hpp"
#include "models/random.hpp"
#include "sim/datapath.hpp"
#include "sim/functional.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim {
namespace {

using testing_support::quantized_toy;

mapping::HardwareConfig small_chip(mapping::SignScheme sign, int cell_bits, int dac_bits) {
  mapping::HardwareConfig hw;
  hw.rows = 16;
  hw.cols = 16;
  hw.cell_bits = cell_bits;
  hw.dac_bits = dac_bits;
  hw.sign = sign;
  hw.columns_per_adc = 1;
  hw.device.g_max_us = 100.0;
  hw.device.g_min_us = 5.0;
  return hw;
}

/// Unrolled input codes of layer `ml`: `positions` columns of uniform codes in its input range.
Eigen::MatrixXd random_codes(const mapping::MappedLayer& ml, Eigen::Index positions, std::uint64_t seed) {
  models::Rng rng(seed);
  Eigen::MatrixXd x(ml.shape.rows, positions);
  const auto span = static_cast<double>(ml.input_range.hi - ml.input_range.lo + 1);
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    x.data()[k] = static_cast<double>(ml.input_range.lo) + std::floor(rng.uniform() * span);
  }
  return x;
}

struct Direct {
  double nonzero = 0, drive = 0;  ///< drive: sum of (d / D)^2 x G / dG over driven rows and phases
};

/// The activity of layer `l` on codes `x`, summed directly: every crossbar, position, phase and
/// row; the digit d of phase p is bits [dac p, dac p + dac) of the code; G / dG of a cell is its
/// programmed value plus the zero level.
Direct direct_activity(const mapping::MappedNetwork& m, const mapping::ProgrammedNetwork& p, std::size_t l,
                       const Eigen::MatrixXd& x) {
  const auto& ml = m.layers[l];
  const int dac = std::min(m.hardware.dac_bits, ml.input_bits);
  const int phases = (ml.input_bits + dac - 1) / dac;
  const double full = std::ldexp(1.0, dac) - 1;
  Direct d;
  for (auto xi : ml.crossbars) {
    const auto& xb = m.crossbars[xi];
    const auto& g = p.crossbars[xi].g;  // physical columns x rows
    for (Eigen::Index col = 0; col < x.cols(); ++col) {
      for (std::size_t r = 0; r < xb.rows.size(); ++r) {
        const auto code = static_cast<std::int64_t>(x(xb.rows[r], col));
        double row_g = 0;
        for (Eigen::Index c = 0; c < g.rows(); ++c) row_g += g(c, static_cast<Eigen::Index>(r)) + p.g0;
        for (int ph = 0; ph < phases; ++ph) {
          const std::int64_t digit = (code >> (dac * ph)) & ((std::int64_t{1} << dac) - 1);
          if (digit == 0) continue;
          d.nonzero += 1;
          d.drive += static_cast<double>(digit * digit) / (full * full) * row_g;
        }
      }
    }
  }
  return d;
}

TEST(ArrayActivity, MeasuredDrivesAndCellEnergyAreTheDirectSumOverDigitsAndProgrammedCells) {
  using S = mapping::SignScheme;
  const auto net = quantized_toy(testing_support::toy_cnn(3), 8);
  int checked = 0;
  for (const auto sign : {S::TwoColumn, S::Differential, S::Offset}) {
    for (const int dac : {1, 2, 3}) {
      auto hw = small_chip(sign, 2, dac);
      hw.device.write_sigma = 0.1;
      hw.device.fault_rate = 0.02;
      const auto m = mapping::compile(net, hw);
      const auto p = mapping::program(m, hw.device, 11, {});
      const FunctionalEngine fe(net, m, p);
      const DirectStages stages(fe.plans());
      for (std::size_t l = 0; l < m.layers.size(); ++l) {
        const Eigen::MatrixXd x = random_codes(m.layers[l], 5, 100 + l);
        Eigen::MatrixXd y;
        ArrayActivity a;
        accumulate_layer(fe.plan(l), l, x, y, 1, 0, stages, nullptr, &a);
        const auto want = direct_activity(m, p, l, x);
        const int d = std::min(hw.dac_bits, m.layers[l].input_bits);
        EXPECT_EQ(static_cast<double>(a.nonzero_digits), want.nonzero) << l;
        EXPECT_NEAR(a.conductance_drive(d), want.drive, 1e-6 * want.drive + 1e-3) << l;
        EXPECT_GT(want.drive, 0.0);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 3 * 3 * 4);
}

TEST(ArrayActivity, ClosedFormAtDensityOneIsTheMeasuredActivityWhenEveryInputBitIsOne) {
  // Ideal cells read their target levels, and with every bit 1 each digit is the full scale:
  // the closed form's expectation is then exact.
  const auto net = quantized_toy(testing_support::toy_cnn(5), 6);
  for (const int dac : {1, 2, 4}) {
    auto hw = small_chip(mapping::SignScheme::Differential, 2, dac);
    hw.input_bit_density = 1.0;
    const auto m = mapping::compile(net, hw);
    const auto p = mapping::program(m, hw.device, 1, {});
    const FunctionalEngine fe(net, m, p);
    const DirectStages stages(fe.plans());
    const auto closed = mapping::closed_form_actions(net, m);
    for (std::size_t l = 0; l < m.layers.size(); ++l) {
      const auto& ml = m.layers[l];
      const Eigen::MatrixXd x =
          Eigen::MatrixXd::Constant(ml.shape.rows, ml.positions, std::ldexp(1.0, ml.input_bits) - 1);
      Eigen::MatrixXd y;
      ArrayActivity a;
      accumulate_layer(fe.plan(l), l, x, y, 1, 0, stages, nullptr, &a);
      const int d = std::min(hw.dac_bits, ml.input_bits);
      // A top phase with fewer bits than the DAC drives a smaller digit: both sides know it.
      EXPECT_DOUBLE_EQ(static_cast<double>(a.nonzero_digits), closed[l].at("dac")) << l << " dac " << dac;
      EXPECT_NEAR(a.conductance_drive(d), closed[l].at("cells"), 1e-6 * closed[l].at("cells")) << l << " dac " << dac;
    }
  }
}

TEST(ArrayActivity, SparseInputsAndDifferentialZerosShowInTheCellEnergy) {
  using S = mapping::SignScheme;
  const auto net = quantized_toy(testing_support::toy_cnn(7), 8);
  const auto energy = [&](S sign, double zero_fraction) {
    const auto hw = small_chip(sign, 2, 1);
    const auto m = mapping::compile(net, hw);
    const auto p = mapping::program(m, hw.device, 1, {});
    const FunctionalEngine fe(net, m, p);
    Eigen::MatrixXd x = random_codes(m.layers[0], 16, 9);
    models::Rng rng(4);
    for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = rng.uniform() < zero_fraction ? 0.0 : x.data()[k];
    Eigen::MatrixXd y;
    ArrayActivity a;
    accumulate_layer(fe.plan(0), 0, x, y, 1, 0, DirectStages(fe.plans()), nullptr, &a);
    return a.conductance_drive(1);
  };
  // Differential mapping stores a zero as two ON cells and a weight w as (L, L - |w|): about three
  // times two-column's (|w|, 0) for small weights.
  EXPECT_GT(energy(S::Differential, 0.0), 2.0 * energy(S::TwoColumn, 0.0));
  // Half the inputs zero: about half the energy.
  EXPECT_NEAR(energy(S::TwoColumn, 0.5) / energy(S::TwoColumn, 0.0), 0.5, 0.1);
}

TEST(ArrayActivity, OneDrivenCellCostsVSquaredTimesItsConductanceTimesThePulse) {
  // 1-bit cells between 10 and 100 uS read at 0.2 V for 5 ns: an OFF cell 0.04 x 10 uS x 5 ns =
  // 2 fJ, an ON cell 20 fJ. The cost model prices one unit (G = dG = 90 uS) at V^2 dG t.
  mapping::HardwareConfig hw;
  hw.cell_bits = 1;
  hw.device.g_min_us = 10.0;
  hw.device.g_max_us = 100.0;
  hw.device.read_voltage_v = 0.2;
  hw.device.read_pulse_ns = 5.0;
  const auto inv = mapping::chip_inventory(hw, 1);
  const auto params = mapping::chip_params(hw, inv);
  const double g0 = mapping::zero_level_units(hw);
  EXPECT_DOUBLE_EQ(g0, 10.0 / 90.0);
  EXPECT_NEAR(params.cell_unit_energy_pj * g0, 0.002, 1e-15);
  EXPECT_NEAR(params.cell_unit_energy_pj * (1 + g0), 0.020, 1e-15);
  // In a report: 1000 ON-cell drives are 20 pJ in the "cells" row, whatever the table.
  cost::Counts actions{{"cells", 1000 * (1 + g0)}};
  const auto r = cost::estimate(inv, {actions}, cost::load_cost_table("isaac_32nm"), params, 100.0, 100.0, 1.0);
  double cells = 0;
  for (const auto& c : r.components) cells += c.name == "cells" ? c.dynamic_energy_pj : 0.0;
  EXPECT_NEAR(cells, 20.0, 1e-9);
}

TEST(ArrayActivity, ExpectedDigitsFollowFromIndependentBits) {
  // Two bits, each 1 with probability 1/4: d in {0, 1, 2, 3} with P = 9/16, 3/16, 3/16, 1/16.
  const auto s = mapping::digit_stats(2, 2, 0.25);
  EXPECT_DOUBLE_EQ(s.nonzero, 7.0 / 16.0);
  EXPECT_DOUBLE_EQ(s.square, (3.0 / 16 * 1 + 3.0 / 16 * 4 + 1.0 / 16 * 9) / 9.0);
  // A one-bit digit of a two-bit DAC: d in {0, 1} of full scale 3.
  const auto t = mapping::digit_stats(1, 2, 0.5);
  EXPECT_DOUBLE_EQ(t.nonzero, 0.5);
  EXPECT_DOUBLE_EQ(t.square, 0.5 / 9.0);
}

}  // namespace
}  // namespace xbarsim::sim
