// Helpers the benchmark programs share: wall time and this machine's SGEMM rate.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <chrono>

namespace xbarsim::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Single-thread float GEMM rate (GFLOP/s) for an m x k by k x n product, best of five runs.
inline double gemm_gflops(int m, int k, int n) {
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, k), b = Eigen::MatrixXf::Random(k, n), c(m, n);
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    c.noalias() = a * b;
    best = std::min(best, seconds_since(t0));
  }
  volatile float sink = c(0, 0);
  (void)sink;
  return 2.0 * m * k * n / best / 1e9;
}

}  // namespace xbarsim::bench
