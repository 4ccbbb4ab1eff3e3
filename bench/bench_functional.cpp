// Functional-engine throughput on the zoo (docs/benchmarks.md): images per second at the
// ISAAC-like preset with write variation and stuck-at faults on, the analog multiply-
// accumulates per second it reaches, and this machine's Eigen SGEMM rate measured here.
// With --layers, the limit model per weighted layer: the GEMM-bound time (2 x analog MACs at
// the SGEMM rate measured here, one thread) plus the memory-bound time of the non-GEMM work
// (bit planes, row gathers, ADC, shift-and-add: the bytes that model streams at the copy
// bandwidth measured here; with read noise also the variances' product and the normals at the
// rate measured here), against the thread time the layer's crossbar work took; the rest
// of the forward pass (im2col, requantization, pooling) is listed apart. An analytic bound,
// not a measurement of what the hardware could do.
// A workload is a network JSON or ONNX model on its own data set (a float one is quantized
// first, as `xbarsim run` does: 8-bit PTQ calibrated on its training split); after each the
// process's peak resident memory so far is printed.
// With --seeds S (S > 1), S device seeds are evaluated twice: one after another, and in one pass
// that shares the inputs (sim/functional_trials.hpp); both times, trials per second, and whether
// every output of every image is the same are printed.
// --set key=value (repeatable) overrides a hardware key after the setting above (e.g.
// --set device.read_noise_sigma=0.02, --set sign_scheme=offset), printed under the header.
// Usage: xbarsim-bench-functional [workload.json ...] [--images N] [--threads T] [--layers] [--seeds S] [--set k=v]
// Not a test: numbers go to docs/benchmarks.md.
#include <Eigen/Core>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>
#include "bench/bench_common.hpp"

#include "common/memory.hpp"
#include "common/parallel.hpp"
#include "mapping/hardware.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "models/normal_block.hpp"
#include "sim/functional.hpp"
#include "sim/functional_trials.hpp"
#include "sim/memory_estimate.hpp"
#include "study/workload.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

using namespace xbarsim;

namespace {

using bench::gemm_gflops;
using bench::seconds_since;

/// The engine's crossbar work per weighted layer, timed (thread time, summed over threads).
class TimedLayers : public sim::Accumulator {
 public:
  explicit TimedLayers(const sim::FunctionalEngine& fe)
      : fe_(fe), ns_(new std::atomic<std::int64_t>[fe.layer_count()]()) {}
  void accumulate(std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y, std::uint64_t stream,
                  const mapping::ColumnSpan& span) const override {
    const auto t0 = std::chrono::steady_clock::now();
    fe_.accumulate(layer, x, y, stream, span);
    ns_[layer] += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  }
  std::int64_t columns_per_call(std::size_t layer, std::int64_t rows, std::int64_t total,
                                std::int64_t wanted) const override {
    return fe_.columns_per_call(layer, rows, total, wanted);
  }
  double seconds(std::size_t layer) const { return static_cast<double>(ns_[layer].load()) * 1e-9; }

 private:
  const sim::FunctionalEngine& fe_;
  std::unique_ptr<std::atomic<std::int64_t>[]> ns_;
};

/// Analog MACs (with read noise, the variances' product too), the bytes the non-GEMM stages
/// stream and the read-noise normals drawn, per image, of one weighted layer.
struct LayerWork {
  double macs = 0;
  double bytes = 0;
  double draws = 0;
};
LayerWork layer_work(const sim::LayerPlan& L, std::int64_t unrolled_rows) {
  LayerWork w;
  const double pos = static_cast<double>(L.positions), P = L.phases;
  w.bytes += 4.0 * static_cast<double>(unrolled_rows) * P * pos;  // bit planes written
  for (const auto& x : L.xbars) {
    const double readouts = static_cast<double>(x.a.rows()), rows = static_cast<double>(x.a.cols());
    w.macs += readouts * rows * P * pos;
    if (!x.contiguous) w.bytes += 8.0 * rows * P * pos;  // gathered rows: read + written
    w.bytes += 12.0 * readouts * P * pos;                // readings: ADC read + write, shift-and-add read
    w.bytes += 16.0 * readouts * pos;                    // the double accumulator: read + written
    if (x.var.size() > 0) {  // read noise: squared planes, variances, one normal per reading
      w.macs += readouts * rows * P * pos;
      w.bytes += 8.0 * rows * P * pos + 16.0 * readouts * P * pos;
      w.draws += readouts * P * pos;
    }
  }
  return w;
}

/// Nanoseconds per read-noise normal (models::NormalStream, one thread, 2^24 draws in the
/// chunks crossbar_read takes), best of three.
double normal_ns_per_draw() {
  std::vector<float> z(8 * models::kNormalChunk);
  models::NormalStream normals(1);
  double best = 1e9;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < 2048; ++k) normals.fill(z.data(), z.size());
    best = std::min(best, seconds_since(t0));
  }
  volatile float sink = z[7];
  (void)sink;
  return best / (2048.0 * static_cast<double>(z.size())) * 1e9;
}

}  // namespace

static int run_benchmark(int argc, char** argv) {
  bool per_layer = false;
  const auto args = bench::parse_bench_args(argc, argv, 10000, {{"--layers", &per_layer}});
  if (const int rc = bench::usage_or_error(
          args, "xbarsim-bench-functional",
          "[workload.json ...] [--images N] [--threads T] [--seeds S] [--set key=value ...] [--layers]");
      rc >= 0) {
    return rc;
  }
  const auto& workloads = args.workloads;
  const std::int64_t images = args.images;
  unsigned threads = args.threads;
  threads = resolve_threads(threads);
  const double g1 = gemm_gflops(128, 128, 8192), gbig = gemm_gflops(512, 512, 512);
  std::printf("Eigen SGEMM, one thread: 128x128x8192 (crossbar-shaped) %.1f GFLOP/s; 512^3 %.1f GFLOP/s\n", g1, gbig);
  const double bw = per_layer ? bench::copy_gbytes_per_s() : 0.0;
  if (per_layer) std::printf("copy bandwidth, one thread: %.1f GB/s (bytes read + written)\n", bw);
  const double ns_draw = per_layer ? normal_ns_per_draw() : 0.0;
  if (per_layer) std::printf("read-noise normals, one thread: %.2f ns per draw\n", ns_draw);
  std::printf(
      "hardware: isaac_like (128x128, 2-bit cells, 1-bit DAC, 8-bit ADC, two-column), rram_like device,\n"
      "          write variation sigma 0.1 (lognormal), stuck-at faults 1e-3 (on:off 5.2:1); %u threads\n",
      threads);
  for (const auto& s : args.sets) std::printf("          --set %s\n", s.c_str());
  std::printf("%-14s %7s %9s %9s %9s %11s %13s %9s\n", "workload", "images", "program_s", "run_s", "images/s",
              "accuracy", "analog GMAC/s", "of GEMM");
  for (const auto& path : workloads) {
    auto net = study::load_workload(path);
    study::ensure_integer(net, study::PtqArgs{});
    const auto test = workloads::load_dataset(net.dataset, "", workloads::Split::Test);
    std::vector<std::string> sets{"device.fault_rate=0.001", "device.write_sigma=0.1"};
    sets.insert(sets.end(), args.sets.begin(), args.sets.end());
    const auto hw = mapping::load_hardware("isaac_like", sets);
    const auto m = mapping::compile(net, hw);
    auto t0 = std::chrono::steady_clock::now();
    mapping::ProgrammingOptions po;
    po.threads = threads;
    sim::MemoryOptions mo;
    mo.threads = threads;
    mo.float_references = 0;
    mo.integer_references = 0;
    const double resident = resident_mib(), estimated = resident + sim::estimate_memory(net, m, hw.device, mo).total();
    const sim::FunctionalEngine fe(net, m, mapping::program(m, hw.device, 1, po));
    const double program_s = seconds_since(t0);
    sim::EvalOptions eo;
    eo.limit = images;
    eo.threads = threads;
    eo.batch = 64;
    const TimedLayers timed(fe);
    t0 = std::chrono::steady_clock::now();
    const auto r = sim::evaluate_forward(
        [&](const Eigen::MatrixXf& x, std::uint64_t c) {
          return per_layer ? fe.integer_reference().forward_int(x, &timed, c) : fe.forward(x, c);
        },
        fe.input_size(), test, net.dataset.normalization, eo);
    const double run_s = seconds_since(t0);
    const double macs = fe.analog_macs_per_image() * static_cast<double>(r.images);
    const double gmacs = macs / run_s / 1e9;
    std::printf("%-14s %7lld %9.2f %9.2f %9.0f %10.2f%% %13.1f %8.0f%%\n", net.name.c_str(),
                static_cast<long long>(r.images), program_s, run_s, static_cast<double>(r.images) / run_s,
                100.0 * r.accuracy(), gmacs, 100.0 * 2.0 * gmacs / (g1 * threads));
    std::printf("  peak resident memory of the process so far: %.0f MiB (estimated before programming: %.0f MiB)\n",
                peak_resident_mib(), estimated);
    if (args.seeds > 1) {
      // Monte Carlo: S seeds one after another, then in one pass over the same images.
      std::vector<std::unique_ptr<sim::FunctionalEngine>> engines;
      std::vector<const sim::FunctionalEngine*> pass;
      for (int s = 0; s < args.seeds; ++s) {
        engines.push_back(std::make_unique<sim::FunctionalEngine>(
            net, m, mapping::program(m, hw.device, 1 + static_cast<std::uint64_t>(s), po)));
        pass.push_back(engines.back().get());
      }
      std::vector<sim::EvalResult> alone;
      t0 = std::chrono::steady_clock::now();
      for (const auto* e : pass) {
        alone.push_back(
            sim::evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return e->forward(x, c); },
                                  e->input_size(), test, net.dataset.normalization, eo));
      }
      const double alone_s = seconds_since(t0);
      const sim::FunctionalTrials shared(pass);
      t0 = std::chrono::steady_clock::now();
      const auto together =
          sim::evaluate_forward_trials([&](const Eigen::MatrixXf& x, std::uint64_t c) { return shared.forward(x, c); },
                                       pass.size(), fe.input_size(), test, net.dataset.normalization, eo);
      const double together_s = seconds_since(t0);
      bool same = true;
      for (std::size_t s = 0; s < pass.size(); ++s)
        same = same && together[s].output_digests == alone[s].output_digests;
      std::printf(
          "  %d seeds: one after another %.2f s (%.2f trials/s), one pass %.2f s (%.2f trials/s), %.2fx; "
          "every output identical: %s\n",
          args.seeds, alone_s, args.seeds / alone_s, together_s, args.seeds / together_s, alone_s / together_s,
          same ? "yes" : "NO");
      std::printf("  peak resident memory of the process so far: %.0f MiB\n", peak_resident_mib());
    }
    if (!per_layer) continue;
    // Per image, in thread microseconds: what the layer took, and its bound.
    const double n = static_cast<double>(r.images);
    std::printf("  %-10s %12s %10s %10s %10s %10s %9s\n", "layer", "us/img", "GEMM us", "memory us", "draws us",
                "limit us", "of limit");
    double crossbar_s = 0, limit_total = 0;
    for (std::size_t l = 0; l < fe.layer_count(); ++l) {
      const auto w = layer_work(fe.plan(l), m.layers[l].shape.rows);
      const double took = timed.seconds(l) / n * 1e6;
      const double gemm = 2.0 * w.macs / (g1 * 1e9) * 1e6, mem = w.bytes / (bw * 1e9) * 1e6;
      const double draws = w.draws * ns_draw * 1e-3;
      const double limit = gemm + mem + draws;
      crossbar_s += timed.seconds(l);
      limit_total += limit;
      std::printf("  %-10s %12.1f %10.1f %10.1f %10.1f %10.1f %8.0f%%\n", m.layers[l].name.c_str(), took, gemm, mem,
                  draws, limit, took > 0 ? 100.0 * limit / took : 0.0);
    }
    const double rest = (run_s * threads - crossbar_s) / n * 1e6;
    std::printf(
        "  %-10s %12.1f %10s %10s %10s %10.1f %8.0f%%   (thread time; rest = im2col, requantization, pooling)\n",
        "crossbars", crossbar_s / n * 1e6, "", "", "", limit_total,
        crossbar_s > 0 ? 100.0 * limit_total / (crossbar_s / n * 1e6) : 0.0);
    std::printf("  %-10s %12.1f\n", "rest", rest);
  }
  return 0;
}

int main(int argc, char** argv) {
  return bench::guarded_main("xbarsim-bench-functional", [&] { return run_benchmark(argc, argv); });
}
