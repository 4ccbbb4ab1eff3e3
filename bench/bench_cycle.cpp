// Cycle-level simulator speed on the zoo (docs/benchmarks.md): wall time per simulated
// inference (data through the modules plus the SystemC timing), simulated cycles per wall
// second, and the ratio to the functional engine's time per image on the same images,
// hardware (ISAAC-like, write variation 0.1, faults 1e-3) and threads.
// Usage: xbarsim-bench-cycle [workload.json ...] [--images N] [--threads T] [--pipelined] [--replicated]
// (--replicated: replication=auto within the 168-tile budget, the pipelined chip of many copies)
// SystemC elaborates once per process, so every workload runs in a child process.
// Not a test: numbers go to docs/benchmarks.md.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "common/child_process.hpp"
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "mapping/hardware.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "sim/reference.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

using namespace xbarsim;
using bench::seconds_since;

namespace {

void run_one(const std::string& path, std::int64_t images, unsigned threads, bool pipelined, bool replicated) {
  const auto net = workloads::load_network(path);
  std::vector<std::string> sets = {"device.fault_rate=0.001", "device.write_sigma=0.1"};
  if (replicated) sets.emplace_back("replication=auto");
  const auto hw = mapping::load_hardware("isaac_like", sets);
  const auto m = mapping::compile(net, hw);
  mapping::ProgrammingOptions po;
  po.threads = threads;
  const auto p = mapping::program(m, hw.device, 1, po);
  const sim::FunctionalEngine fe(net, m, p);
  const auto test = workloads::load_dataset(net.dataset, "", workloads::Split::Test);
  const Eigen::MatrixXf x = sim::image_batch(test, net.dataset.normalization, 0, images);
  constexpr std::int64_t kBatch = 64;
  const auto chunks = static_cast<std::size_t>((images + kBatch - 1) / kBatch);
  // Functional engine: best of three passes over the same images.
  double functional_s = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for_chunks(chunks, threads, [&](std::size_t c) {
      const std::int64_t first = static_cast<std::int64_t>(c) * kBatch;
      volatile double sink = fe.forward_codes(x.middleCols(first, std::min(kBatch, images - first)), c)(0, 0);
      (void)sink;
    });
    functional_s = std::min(functional_s, seconds_since(t0));
  }
  sim::cycle::CycleOptions o;
  o.pipelined = pipelined;
  const auto t0 = std::chrono::steady_clock::now();
  sim::cycle::CycleSimulator simulator(net, m, fe, images, o);
  const auto r = simulator.run(x, kBatch, threads);
  const double cycle_s = seconds_since(t0);
  const double n = static_cast<double>(images);
  std::printf("%-14s %6lld %12.3f %12.3f %12.3f %8.2fx %14.3g %12.3g\n", net.name.c_str(),
              static_cast<long long>(images), 1e3 * functional_s / n, 1e3 * cycle_s / n, 1e3 * r.timing_time_s / n,
              cycle_s / functional_s, static_cast<double>(r.total_cycles) / cycle_s,
              static_cast<double>(r.total_cycles) / r.timing_time_s);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool pipelined = false, replicated = false;
  const auto args =
      bench::parse_bench_args(argc, argv, 100, {{"--pipelined", &pipelined}, {"--replicated", &replicated}});
  if (const int rc = bench::usage_or_error(
          args, "xbarsim-bench-cycle", "[workload.json ...] [--images N] [--threads T] [--pipelined] [--replicated]");
      rc >= 0) {
    return rc;
  }
  pipelined = pipelined || replicated;
  const auto& workloads = args.workloads;
  const std::int64_t images = args.images;
  unsigned threads = args.threads;
  threads = resolve_threads(threads);
  std::printf("hardware: isaac_like%s, rram_like device, write variation 0.1, faults 1e-3; %u threads; %s schedule\n",
              replicated ? " with replication=auto" : "", threads, pipelined ? "pipelined" : "layer-by-layer");
  std::printf("%-14s %6s %12s %12s %12s %9s %14s %12s\n", "workload", "images", "func ms/img", "cycle ms/img",
              "timing ms/img", "ratio", "sim cycles/s", "timing c/s");
  for (const auto& path : workloads) {
    // One SystemC elaboration per process: each workload in a child of its own.
    ChildProcesses children;
    const pid_t pid = children.start([&] { run_one(path, images, threads, pipelined, replicated); });
    const ChildOutcome o = children.wait(pid);
    if (!o.ok()) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), o.describe().c_str());
      return 1;
    }
  }
  return 0;
}
