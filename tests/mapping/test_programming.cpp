// Programming a mapped network into a device: correlated faults, per-cell drift and the global
// drift compensation, each against what the test counts or computes on its own.
#include <gtest/gtest.h>

#include <cmath>

#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::mapping {
namespace {

constexpr auto kOff = static_cast<std::uint8_t>(models::CellFault::StuckOff);
constexpr auto kOn = static_cast<std::uint8_t>(models::CellFault::StuckOn);

/// A 16 x 16 image into 64 outputs: one layer, 256 rows, on 128 x 128 crossbars of 2-bit cells.
MappedNetwork wide_layer() {
  HardwareConfig hw;
  hw.rows = 128;
  hw.cols = 128;
  return compile(testing_support::quantized_toy(testing_support::toy_linear(3, 16, 16, 64), 8), hw);
}

TEST(Programming, OpenLinesAndClustersStickTheCellsTheyCover) {
  const auto m = wide_layer();
  models::DeviceConfig d;
  d.fault_word_line_rate = 0.05;
  d.fault_bit_line_rate = 0.02;
  const auto p = program(m, d, 7, {});
  std::int64_t cells = 0, stuck = 0, lines = 0, line_count = 0;
  for (std::size_t x = 0; x < p.crossbars.size(); ++x) {
    const auto& pc = p.crossbars[x];
    const auto cols = pc.g.rows(), rows = pc.g.cols();
    ASSERT_EQ(static_cast<Eigen::Index>(pc.faults.size()), rows * cols);
    const auto at = [&](Eigen::Index c, Eigen::Index r) { return pc.faults[static_cast<std::size_t>(c * rows + r)]; };
    // A row is failed when all its cells are stuck-off; the rest of the stuck cells are failed columns.
    std::vector<bool> row_failed(static_cast<std::size_t>(rows)), col_failed(static_cast<std::size_t>(cols));
    for (Eigen::Index r = 0; r < rows; ++r) {
      bool all = true;
      for (Eigen::Index c = 0; c < cols; ++c) all = all && at(c, r) == kOff;
      row_failed[static_cast<std::size_t>(r)] = all;
    }
    for (Eigen::Index c = 0; c < cols; ++c) {
      bool all = true;
      for (Eigen::Index r = 0; r < rows; ++r) all = all && at(c, r) == kOff;
      col_failed[static_cast<std::size_t>(c)] = all;
    }
    for (Eigen::Index c = 0; c < cols; ++c) {
      for (Eigen::Index r = 0; r < rows; ++r) {
        const bool on_line = row_failed[static_cast<std::size_t>(r)] || col_failed[static_cast<std::size_t>(c)];
        EXPECT_EQ(at(c, r) != 0, on_line) << "only cells on open lines are stuck";
        if (at(c, r) != 0) {
          EXPECT_EQ(pc.g(c, r), 0.0F) << "a stuck-off cell reads 0 levels (Gmin = 0)";
        }
        ++cells;
        stuck += at(c, r) != 0 ? 1 : 0;
      }
    }
    for (bool f : row_failed) lines += f ? 1 : 0;
    line_count += rows;
  }
  // Closed form: a cell is on an open line with probability 1 - (1 - 0.05)(1 - 0.02) = 6.9 %.
  EXPECT_NEAR(static_cast<double>(stuck) / static_cast<double>(cells), 1 - 0.95 * 0.98, 0.02);
  EXPECT_NEAR(static_cast<double>(lines) / static_cast<double>(line_count), 0.05, 0.03);

  // Clusters of radius 1 at 2e-3 centres per cell: each stuck cell has a centre within one cell,
  // and away from the edges a cell is stuck with probability 1 - (1 - q)^9.
  models::DeviceConfig c;
  c.fault_cluster_rate = 2e-3;
  c.fault_cluster_radius = 1;
  const auto pc = program(m, c, 9, {});
  std::int64_t inner = 0, inner_stuck = 0, on = 0, off = 0;
  for (const auto& x : pc.crossbars) {
    const auto cols = x.g.rows(), rows = x.g.cols();
    for (Eigen::Index col = 1; col + 1 < cols; ++col) {
      for (Eigen::Index r = 1; r + 1 < rows; ++r) {
        const auto f = x.faults[static_cast<std::size_t>(col * rows + r)];
        ++inner;
        inner_stuck += f != 0 ? 1 : 0;
        on += f == kOn ? 1 : 0;
        off += f == kOff ? 1 : 0;
      }
    }
  }
  EXPECT_NEAR(static_cast<double>(inner_stuck) / static_cast<double>(inner), 1 - std::pow(1 - 2e-3, 9), 0.006);
  EXPECT_GT(on, off) << "stuck-on 5.2 times as often as stuck-off, one draw per cluster";
  // i.i.d. faults draw the same cells whether or not correlated faults are added on top.
  models::DeviceConfig iid;
  iid.fault_rate = 0.01;
  auto both = iid;
  both.fault_cluster_rate = 1e-3;
  const auto a = program(m, iid, 5, {}), b = program(m, both, 5, {});
  for (std::size_t x = 0; x < a.crossbars.size(); ++x) {
    for (std::size_t k = 0; k < a.crossbars[x].faults.size(); ++k) {
      if (a.crossbars[x].faults[k] != 0) {
        EXPECT_NE(b.crossbars[x].faults[k], 0);
      }
    }
  }
}

TEST(Programming, PerCellDriftSpreadsAndTheGlobalCompensationRestoresTheArraysTotal) {
  const auto m = wide_layer();
  models::DeviceConfig d;
  d.drift_nu = 0.05;
  d.drift_nu_sigma = 0.02;
  d.drift_time_s = 1e4;
  const auto p = program(m, d, 3, {});
  // ln(G(t)/G(t0)) = -nu ln(t/t0): over the cells of one level, mean -0.05 ln 1e4 and std 0.02 ln 1e4.
  const double lt = std::log(1e4);
  double s = 0, s2 = 0, n = 0;
  for (std::size_t x = 0; x < p.crossbars.size(); ++x) {
    const auto& cells = m.crossbars[x].cells;
    for (Eigen::Index c = 0; c < p.crossbars[x].g.rows(); ++c) {
      for (Eigen::Index r = 0; r < p.crossbars[x].g.cols(); ++r) {
        const int level = cells.level(r, static_cast<std::size_t>(c));
        if (level == 0) continue;
        const double v = std::log(p.crossbars[x].g(c, r) / level);
        s += v;
        s2 += v * v;
        ++n;
      }
    }
  }
  ASSERT_GT(n, 1000);
  EXPECT_NEAR(s / n, -0.05 * lt, 0.01);
  EXPECT_NEAR(std::sqrt(s2 / n - (s / n) * (s / n)), 0.02 * lt, 0.01);

  // The compensation: each array's total level units equal its total at t0 (the written levels).
  d.drift_compensation = true;
  const auto q = program(m, d, 3, {});
  for (std::size_t x = 0; x < q.crossbars.size(); ++x) {
    const auto& cells = m.crossbars[x].cells;
    double want = 0;
    for (Eigen::Index c = 0; c < q.crossbars[x].g.rows(); ++c)
      for (Eigen::Index r = 0; r < q.crossbars[x].g.cols(); ++r) want += cells.level(r, static_cast<std::size_t>(c));
    EXPECT_NEAR(q.crossbars[x].g.cast<double>().sum() / want, 1.0, 1e-5);
    EXPECT_GT(q.crossbars[x].drift_compensation, 1.4) << "1e4^0.05 = 1.58 on average";
  }
  // Without a spread the drift is a pure gain: compensation restores every cell exactly.
  d.drift_nu_sigma = 0;
  const auto r = program(m, d, 3, {});
  for (std::size_t x = 0; x < r.crossbars.size(); ++x) {
    const auto& cells = m.crossbars[x].cells;
    for (Eigen::Index c = 0; c < r.crossbars[x].g.rows(); ++c)
      for (Eigen::Index k = 0; k < r.crossbars[x].g.cols(); ++k)
        EXPECT_NEAR(r.crossbars[x].g(c, k), cells.level(k, static_cast<std::size_t>(c)), 1e-5);
  }
}

TEST(Programming, WriteVerifyCorrectsByWhatItReadsAndChargesEveryPulse) {
  const auto m = wide_layer();
  models::DeviceConfig d;
  d.g_min_us = 10.0;  // dG = 30 uS
  d.write_sigma = 0.1;
  ProgrammingOptions wv;
  wv.write_verify_pulses = 30;
  wv.write_verify_tolerance = 0.05;
  // Exact verify reads: every cell ends within the tolerance (1.5 uS = 0.05 level).
  const auto exact = program(m, d, 4, wv);
  for (std::size_t x = 0; x < exact.crossbars.size(); ++x) {
    const auto& cells = m.crossbars[x].cells;
    for (Eigen::Index c = 0; c < exact.crossbars[x].g.rows(); ++c)
      for (Eigen::Index r = 0; r < exact.crossbars[x].g.cols(); ++r)
        EXPECT_LE(std::abs(exact.crossbars[x].g(c, r) - cells.level(r, static_cast<std::size_t>(c))), 0.05 + 1e-5);
  }
  std::int64_t all_cells = 0;
  for (const auto& x : m.crossbars) all_cells += x.cells.rows * static_cast<std::int64_t>(x.cells.columns.size());
  EXPECT_EQ(exact.verify_reads(), exact.write_pulses()) << "every pulse is followed by one read";
  EXPECT_GT(exact.write_pulses(), all_cells) << "some cells needed corrections";

  // Noisy verify reads and a tolerance no cell meets: every cell takes all N pulses, and the last
  // correction leaves it off by the last read's noise, sigma_r G_T (times sqrt(1 + sigma^2) from the
  // correction's own error), so the read noise, not the tolerance, sets the final spread.
  d.read_noise_sigma = 0.02;
  wv.write_verify_pulses = 6;
  wv.write_verify_tolerance = 1e-9;
  const auto noisy = program(m, d, 4, wv);
  double s2 = 0, n = 0, want_energy = 0;
  std::int64_t cells = 0;
  for (std::size_t x = 0; x < noisy.crossbars.size(); ++x) {
    const auto& enc = m.crossbars[x].cells;
    for (Eigen::Index c = 0; c < noisy.crossbars[x].g.rows(); ++c) {
      for (Eigen::Index r = 0; r < noisy.crossbars[x].g.cols(); ++r) {
        const int level = enc.level(r, static_cast<std::size_t>(c));
        const double target = 10.0 + 30.0 * level;
        want_energy += 6 * 2.0 * 2.0 * target * 1e-6 * 100.0 * 1e3;  // 6 pulses of 2 V, 100 ns
        ++cells;
        if (level != 3) continue;
        const double e = (noisy.crossbars[x].g(c, r) - level) * 30.0;  // uS
        s2 += e * e;
        ++n;
      }
    }
  }
  ASSERT_GT(n, 500);
  EXPECT_NEAR(std::sqrt(s2 / n), 0.02 * 100.0 * std::sqrt(1.01), 0.1);
  EXPECT_EQ(noisy.write_pulses(), 6 * cells);
  EXPECT_EQ(noisy.verify_reads(), 6 * cells);
  double write_energy = 0;
  for (const auto& x : noisy.crossbars) write_energy += x.write_energy_pj;
  EXPECT_NEAR(write_energy, want_energy, 1e-9 * want_energy);
  // Time: the largest array's cells one after another, 6 x (100 ns + 3.16 ns) each.
  std::int64_t most = 0;
  for (const auto& x : m.crossbars)
    most = std::max(most, x.cells.rows * static_cast<std::int64_t>(x.cells.columns.size()));
  EXPECT_NEAR(noisy.programming_ns(), static_cast<double>(most) * 6 * (100.0 + 3.16), 1e-6 * noisy.programming_ns());
}

}  // namespace
}  // namespace xbarsim::mapping
