// Reference-engine throughput on the zoo, beside this machine's Eigen GEMM rate.
// Usage: xbarsim-bench-reference [zoo_dir] [images]
// Prints one row per (workload, precision, threads). Not a test: numbers go to docs/benchmarks.md.
#include <Eigen/Core>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include "bench/bench_common.hpp"

#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

using namespace xbarsim;

namespace {

using bench::gemm_gflops;
using bench::seconds_since;

/// Multiply-accumulates per image of the conv2d/linear layers.
double macs_per_image(const workloads::Network& net) {
  double macs = 0;
  for (const auto& L : net.layers) {
    if (L.kind == workloads::LayerKind::Conv2d) {
      macs += static_cast<double>(L.output_shape[0] * L.output_shape[1] * L.output_shape[2]) * L.in_channels *
              L.kernel_size[0] * L.kernel_size[1];
    } else if (L.kind == workloads::LayerKind::Linear) {
      macs += static_cast<double>(L.in_features) * L.out_features;
    }
  }
  return macs;
}

}  // namespace

int run(int argc, char** argv) {
  const std::string zoo = argc > 1 ? argv[1] : "workloads/zoo";
  const std::int64_t images = argc > 2 ? std::stoll(argv[2]) : 10000;
  std::printf("Eigen SGEMM, one thread: 512x512x512 %.1f GFLOP/s; 64x576x3136 (conv-shaped) %.1f GFLOP/s\n",
              gemm_gflops(512, 512, 512), gemm_gflops(64, 576, 3136));
  const auto test = workloads::load_fashion_mnist("", workloads::Split::Test);
  const auto train = workloads::load_fashion_mnist("", workloads::Split::Train);
  std::printf("%-8s %-6s %-7s %10s %12s %10s %12s\n", "workload", "prec", "threads", "accuracy", "images/s", "wall_s",
              "GMAC/s");
  for (const char* name : {"mlp", "lenet5", "vgg8"}) {
    if (!std::filesystem::exists(zoo + "/" + name + ".json")) continue;
    const auto net = workloads::load_network(zoo + "/" + name + ".json");
    const auto q = sim::calibrate_and_quantize(net, train, net.dataset.normalization, {}, {});
    for (const auto* n : {&net, &q}) {
      const bool is_int = n->is_quantized();
      const sim::ReferenceEngine engine(*n, is_int ? sim::Precision::Int : sim::Precision::Float);
      for (unsigned threads : {1U, 2U}) {
        sim::EvalOptions opt;
        opt.limit = images;
        opt.threads = threads;
        const auto r = sim::evaluate(engine, test, n->dataset.normalization, opt);
        std::printf("%-8s %-6s %-7u %9.2f%% %12.0f %10.3f %12.2f\n", name, is_int ? "int" : "float", threads,
                    100.0 * r.accuracy(), static_cast<double>(r.images) / r.wall_time_s, r.wall_time_s,
                    macs_per_image(*n) * static_cast<double>(r.images) / r.wall_time_s / 1e9);
      }
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  return bench::guarded_main("xbarsim-bench-reference", [&] { return run(argc, argv); });
}
