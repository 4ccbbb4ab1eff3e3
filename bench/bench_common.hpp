// Helpers the benchmark programs share: wall time, this machine's SGEMM rate, arguments.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

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

/// Single-thread memory bandwidth (GB/s, bytes read + written) of a 16 MiB copy, best of five:
/// the rate the non-GEMM stages (bit planes, ADC, shift-and-add) stream their data at, at the
/// functional engine's block size (its bit planes are bounded to 4 Mi floats).
inline double copy_gbytes_per_s() {
  const std::size_t n = std::size_t{4} << 20;  // floats
  std::vector<float> a(n, 1.0f), b(n, 0.0f);
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    std::copy(a.begin(), a.end(), b.begin());
    best = std::min(best, seconds_since(t0));
    a[rep] = b[n - 1 - static_cast<std::size_t>(rep)];
  }
  volatile float sink = b[n / 2];
  (void)sink;
  return 2.0 * static_cast<double>(n * sizeof(float)) / best / 1e9;
}

/// Command line of the benchmark programs: workload paths, --images N, --threads T and the
/// switches in `flags` (each set to true when given).
struct BenchArgs {
  std::vector<std::string> workloads;
  std::int64_t images = 0;
  unsigned threads = 0;
  int seeds = 0;                  ///< --seeds: device seeds for a Monte-Carlo comparison (0 = none)
  std::vector<std::string> sets;  ///< --set key=value: hardware overrides after the benchmark's own
  bool help = false;              ///< --help / -h: the caller prints its usage and returns 0
  std::string error;              ///< a bad argument, in one line; the caller prints it and returns 2
};

inline BenchArgs parse_bench_args(int argc, char** argv, std::int64_t default_images,
                                  const std::vector<std::pair<std::string, bool*>>& flags = {}) {
  BenchArgs b;
  b.images = default_images;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    bool flag = false;
    for (const auto& [name, value] : flags) {
      if (a == name) *value = flag = true;
    }
    if (flag) continue;
    const auto integer = [&](long long lo, long long hi) {
      const std::string v = argv[++i];
      std::size_t used = 0;
      long long n = 0;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || n < lo || n > hi) {
        b.error = a + ": expected an integer " + std::to_string(lo) + ".." + std::to_string(hi) + ", found '" + v + "'";
      }
      return n;
    };
    if (a == "--help" || a == "-h") {
      b.help = true;
    } else if (a == "--images" && i + 1 < argc) {
      b.images = integer(1, 1LL << 40);
    } else if (a == "--set" && i + 1 < argc) {
      b.sets.emplace_back(argv[++i]);
    } else if (a == "--seeds" && i + 1 < argc) {
      b.seeds = static_cast<int>(integer(0, 1 << 20));
    } else if (a == "--threads" && i + 1 < argc) {
      b.threads = static_cast<unsigned>(integer(0, 4096));
    } else if (!a.empty() && a[0] == '-') {
      b.error = a + ": unknown option (or its value is missing)";
    } else {
      b.workloads.push_back(a);
    }
    if (!b.error.empty()) break;
  }
  if (b.workloads.empty()) b.workloads = {"workloads/zoo/lenet5_int8.json", "workloads/zoo/vgg8_int8.json"};
  return b;
}

/// A benchmark's main: runs `body`, and on an exception prints "program: error: what" and returns 2.
template <typename Body>
int guarded_main(const char* program, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", program, e.what());
    return 2;
  }
}

/// What a benchmark's main returns before running: 0 after printing `usage` for --help, 2 after
/// the argument error on stderr, -1 to go on.
inline int usage_or_error(const BenchArgs& b, const char* program, const char* usage) {
  if (!b.error.empty()) {
    std::fprintf(stderr, "%s: %s\nusage: %s %s\n", program, b.error.c_str(), program, usage);
    return 2;
  }
  if (b.help) {
    std::printf("usage: %s %s\n", program, usage);
    return 0;
  }
  return -1;
}

}  // namespace xbarsim::bench
