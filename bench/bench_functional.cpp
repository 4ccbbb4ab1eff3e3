// Functional-engine throughput on the zoo (docs/benchmarks.md): images per second at the
// ISAAC-like preset with write variation and stuck-at faults on, the analog multiply-
// accumulates per second it reaches, and this machine's Eigen SGEMM rate measured here.
// Usage: xbarsim-bench-functional [workload.json ...] [--images N] [--threads T]
// Not a test: numbers go to docs/benchmarks.md.
#include <Eigen/Core>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>
#include "bench/bench_common.hpp"

#include "common/parallel.hpp"
#include "mapping/hardware.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "sim/functional.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

using namespace xbarsim;

namespace {

using bench::gemm_gflops;
using bench::seconds_since;

}  // namespace

int main(int argc, char** argv) {
  const auto args = bench::parse_bench_args(argc, argv, 10000);
  const auto& workloads = args.workloads;
  const std::int64_t images = args.images;
  unsigned threads = args.threads;
  threads = resolve_threads(threads);
  const double g1 = gemm_gflops(128, 128, 8192), gbig = gemm_gflops(512, 512, 512);
  std::printf("Eigen SGEMM, one thread: 128x128x8192 (crossbar-shaped) %.1f GFLOP/s; 512^3 %.1f GFLOP/s\n", g1, gbig);
  std::printf(
      "hardware: isaac_like (128x128, 2-bit cells, 1-bit DAC, 8-bit ADC, two-column), rram_like device,\n"
      "          write variation sigma 0.1 (lognormal), stuck-at faults 1e-3 (on:off 5.2:1); %u threads\n",
      threads);
  const auto test = workloads::load_fashion_mnist("", workloads::Split::Test);
  std::printf("%-14s %7s %9s %9s %9s %11s %13s %9s\n", "workload", "images", "program_s", "run_s", "images/s",
              "accuracy", "analog GMAC/s", "of GEMM");
  for (const auto& path : workloads) {
    const auto net = workloads::load_network(path);
    const auto hw = mapping::load_hardware("isaac_like", {"device.fault_rate=0.001", "device.write_sigma=0.1"});
    const auto m = mapping::compile(net, hw);
    auto t0 = std::chrono::steady_clock::now();
    mapping::ProgrammingOptions po;
    po.threads = threads;
    const auto p = mapping::program(m, hw.device, 1, po);
    const sim::FunctionalEngine fe(net, m, p);
    const double program_s = seconds_since(t0);
    sim::EvalOptions eo;
    eo.limit = images;
    eo.threads = threads;
    eo.batch = 64;
    t0 = std::chrono::steady_clock::now();
    const auto r = sim::evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return fe.forward(x, c); },
                                         fe.input_size(), test, net.dataset.normalization, eo);
    const double run_s = seconds_since(t0);
    const double macs = fe.analog_macs_per_image() * static_cast<double>(r.images);
    const double gmacs = macs / run_s / 1e9;
    std::printf("%-14s %7lld %9.2f %9.2f %9.0f %10.2f%% %13.1f %8.0f%%\n", net.name.c_str(),
                static_cast<long long>(r.images), program_s, run_s, static_cast<double>(r.images) / run_s,
                100.0 * r.accuracy(), gmacs, 100.0 * 2.0 * gmacs / (g1 * threads));
  }
  return 0;
}
