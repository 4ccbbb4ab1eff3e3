// The IR-drop error table (docs/validation.md, "IR drop"): for square crossbars of 2-bit cells
// at random levels (on/off 17), two conductance ranges and two wire resistances, the column
// currents of the exact nodal solve (its transfer matrix) against the ideal sums and against the
// fast model built at the mean drive of half the rows on (1 and 4 passes), for every row driven
// at 0.2 V and for random halves of the rows (the operating point's density); and the time of
// each model. Usage: xbarsim-bench-ir-drop [max size, default 256]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "models/ir_drop.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  using xbarsim::models::CrossbarNetwork;
  using xbarsim::models::LineResistances;
  const int max_size = argc > 1 ? std::atoi(argv[1]) : 256;
  std::printf(
      "size  Gmax_uS  wire_ohm  drive  IR_drop_%%  op_point_err_%%  first_order_err_%%  4_pass_err_%%  exact_s  "
      "op_point_s  fast_s\n");
  for (int n = 32; n <= max_size; n *= 2) {
    for (double gmax : {10.0, 100.0}) {
      for (double wire : {0.69, 2.5}) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(n));
        Eigen::MatrixXd g(n, n);
        const double gmin = gmax / 17.0, dg = (gmax - gmin) / 3.0;  // on/off 17, 2-bit cells
        for (Eigen::Index k = 0; k < g.size(); ++k) g.data()[k] = gmin + dg * static_cast<double>(rng() % 4);
        LineResistances r;
        r.word_segment_ohm = r.bit_segment_ohm = wire;
        auto t0 = std::chrono::steady_clock::now();
        const CrossbarNetwork net(g, r);
        const Eigen::MatrixXd t = net.transfer();
        const double exact_s = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        const Eigen::MatrixXd op = CrossbarNetwork(g, r).operating_point_transfer(0.1);
        const double op_s = seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        const Eigen::MatrixXd fast1 = xbarsim::models::fast_transfer(g, r, 0.1, 1);
        const double fast_s = seconds_since(t0);
        const Eigen::MatrixXd fast4 = xbarsim::models::fast_transfer(g, r, 0.1, 4);
        for (int half = 0; half < 2; ++half) {
          // All rows on, or the mean of 16 random halves (the fast model's operating point on average).
          double drop = 0, eo = 0, e1 = 0, e4 = 0, norm = 0;
          for (int k = 0; k < (half == 0 ? 1 : 16); ++k) {
            Eigen::VectorXd v = Eigen::VectorXd::Constant(n, 0.2);
            if (half == 1) {
              for (Eigen::Index i = 0; i < n; ++i) v(i) = (rng() & 1U) != 0U ? 0.2 : 0.0;
            }
            const Eigen::VectorXd exact = t * v, ideal = g.transpose() * v;
            drop += (ideal - exact).squaredNorm();
            eo += (op * v - exact).squaredNorm();
            e1 += (fast1 * v - exact).squaredNorm();
            e4 += (fast4 * v - exact).squaredNorm();
            norm += ideal.squaredNorm();
          }
          std::printf("%4d  %7.0f  %8.2f  %5s  %9.3f  %14.4f  %17.4f  %12.4f  %7.3f  %10.4f  %6.4f\n", n, gmax, wire,
                      half == 0 ? "all" : "half", 100.0 * std::sqrt(drop / norm), 100.0 * std::sqrt(eo / norm),
                      100.0 * std::sqrt(e1 / norm), 100.0 * std::sqrt(e4 / norm), exact_s, op_s, fast_s);
        }
      }
    }
  }
  return 0;
}
