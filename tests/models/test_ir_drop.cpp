// The crossbar's resistive network: the sparse nodal solve against closed forms and against a
// dense solve of the same circuit assembled here from a plain list of resistors.
#include <gtest/gtest.h>

#include <Eigen/LU>
#include <cmath>
#include <random>
#include <vector>

#include "models/ir_drop.hpp"

namespace xbarsim::models {
namespace {

TEST(IrDrop, WithoutParasiticsTheColumnsReadTheIdealSums) {
  std::mt19937_64 rng(1);
  Eigen::MatrixXd g(7, 5);
  for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = 1.0 + static_cast<double>(rng() % 100);
  const Eigen::MatrixXd t = CrossbarNetwork(g, {}).transfer();
  EXPECT_LT((t - g.transpose()).norm(), 1e-6 * g.norm());
}

TEST(IrDrop, OneCellAndOneRowOfTwoMatchTheirHandSolutions) {
  // One cell: every resistance in series with it.
  LineResistances r;
  r.word_segment_ohm = 3;
  r.bit_segment_ohm = 5;
  r.driver_ohm = 100;
  r.sense_ohm = 200;
  const double g = 50e-6;  // 50 uS
  const Eigen::MatrixXd one = Eigen::MatrixXd::Constant(1, 1, 50.0);
  const double want = 0.2 / (100 + 3 + 1 / g + 5 + 200) * 1e6;  // uA at 0.2 V
  EXPECT_NEAR(CrossbarNetwork(one, r).column_currents(Eigen::VectorXd::Constant(1, 0.2))(0), want, 1e-9 * want);

  // One row, two cells, ideal sense inputs: V -> Rd -> a (G1 to ground) -> rw -> b (G2 to ground).
  LineResistances w;
  w.word_segment_ohm = 1000;
  w.driver_ohm = 500;
  const double g1 = 100e-6, g2 = 40e-6, rd = 1500, rw = 1000, v = 1.0;
  Eigen::MatrixXd row(1, 2);
  row << 100.0, 40.0;
  // b: (Va - Vb) / rw = G2 Vb; a: (V - Va) / rd = G1 Va + G2 Vb.
  const double k = 1 / (1 + rw * g2);
  const double va = (v / rd) / (1 / rd + g1 + g2 * k), vb = va * k;
  const Eigen::VectorXd i = CrossbarNetwork(row, w).column_currents(Eigen::VectorXd::Constant(1, v));
  EXPECT_NEAR(i(0), g1 * va * 1e6, 1e-6 * i(0));
  EXPECT_NEAR(i(1), g2 * vb * 1e6, 1e-6 * i(1));
}

TEST(IrDrop, SparseSolveEqualsADenseSolveOfTheSameResistors) {
  const int R = 6, C = 5;
  std::mt19937_64 rng(7);
  Eigen::MatrixXd g(R, C);
  for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = 5.0 + static_cast<double>(rng() % 200);
  LineResistances r;
  r.word_segment_ohm = 25;
  r.bit_segment_ohm = 40;
  r.driver_ohm = 300;
  r.sense_ohm = 150;
  // The circuit as resistors between named nodes: 0 = ground, 1..R = the drivers' sources, then
  // word nodes and bit nodes. Sources are fixed voltages: eliminate them into the right-hand side.
  struct Res {
    int a, b;
    double ohm;
  };
  std::vector<Res> list;
  const auto word = [&](int i, int j) { return 1 + R + i * C + j; };
  const auto bit = [&](int i, int j) { return 1 + R + R * C + i * C + j; };
  for (int i = 0; i < R; ++i) {
    list.push_back({1 + i, word(i, 0), r.driver_ohm + r.word_segment_ohm});
    for (int j = 0; j + 1 < C; ++j) list.push_back({word(i, j), word(i, j + 1), r.word_segment_ohm});
    for (int j = 0; j < C; ++j) list.push_back({word(i, j), bit(i, j), 1e6 / g(i, j)});
  }
  for (int j = 0; j < C; ++j) {
    for (int i = 0; i + 1 < R; ++i) list.push_back({bit(i, j), bit(i + 1, j), r.bit_segment_ohm});
    list.push_back({bit(R - 1, j), 0, r.sense_ohm + r.bit_segment_ohm});
  }
  const int unknowns = 2 * R * C, first = 1 + R;
  Eigen::VectorXd v(R);
  for (int i = 0; i < R; ++i) v(i) = 0.05 * (i % 3);  // some rows undriven (0 V)
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(unknowns, unknowns);
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(unknowns);
  const auto known = [&](int node) { return node == 0 ? 0.0 : v(node - 1); };
  for (const auto& e : list) {
    const double y = 1.0 / e.ohm;
    const bool ua = e.a >= first, ub = e.b >= first;
    if (ua) a(e.a - first, e.a - first) += y;
    if (ub) a(e.b - first, e.b - first) += y;
    if (ua && ub) {
      a(e.a - first, e.b - first) -= y;
      a(e.b - first, e.a - first) -= y;
    }
    if (ua && !ub) rhs(e.a - first) += y * known(e.b);
    if (ub && !ua) rhs(e.b - first) += y * known(e.a);
  }
  const Eigen::VectorXd x = a.partialPivLu().solve(rhs);
  const CrossbarNetwork net(g, r);
  const Eigen::VectorXd got = net.column_currents(v);
  for (int j = 0; j < C; ++j) {
    const double want = x(bit(R - 1, j) - first) / (r.sense_ohm + r.bit_segment_ohm) * 1e6;
    EXPECT_NEAR(got(j), want, 1e-9 * std::abs(want) + 1e-12) << j;
  }
  // Linear: T times v is the same currents.
  EXPECT_LT((net.transfer() * v - got).norm(), 1e-9 * got.norm());
}

TEST(IrDrop, FastModelConvergesToTheExactCurrentsAtItsOperatingPoint) {
  std::mt19937_64 rng(3);
  for (int n : {16, 64}) {
    Eigen::MatrixXd g(n, n);
    for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = 1.0 + static_cast<double>(rng() % 100);
    LineResistances r;
    r.word_segment_ohm = r.bit_segment_ohm = 1.0;
    const Eigen::VectorXd v = Eigen::VectorXd::Constant(n, 0.2);
    const Eigen::VectorXd exact = CrossbarNetwork(g, r).column_currents(v);
    const Eigen::VectorXd ideal = g.transpose() * v;
    const double drop = (ideal - exact).norm();
    EXPECT_GT(drop, 0.0);
    double last = drop;
    for (int passes : {1, 2, 4, 8}) {
      const Eigen::VectorXd fast = fast_transfer(g, r, 0.2, passes) * v;
      const double miss = (fast - exact).norm();
      EXPECT_LT(miss, passes == 1 ? 0.25 * drop : 0.5 * last)
          << n << "x" << n << ", " << passes << " passes: IR drop " << drop << " uA, error " << miss;
      last = miss;
    }
    EXPECT_LT(last, 0.01 * drop) << n << "x" << n << ": 8 passes converge";
    // The one-solve operating-point model is T on a uniform drive, and close on a random half.
    const CrossbarNetwork net(g, r);
    const Eigen::MatrixXd op = net.operating_point_transfer(0.1), t = net.transfer();
    EXPECT_LT((op * v - exact).norm(), 1e-9 * exact.norm());
    Eigen::VectorXd half = Eigen::VectorXd::Zero(n);
    for (int i = 0; i < n; i += 2) half(i) = 0.2;
    EXPECT_LT((op * half - t * half).norm(), 0.05 * (g.transpose() * half - t * half).norm());
  }
}

}  // namespace
}  // namespace xbarsim::models
