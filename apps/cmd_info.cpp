// xbarsim info: the layers of a workload with shapes, parameters and quantization.
#include <algorithm>
#include <cstdio>

#include "apps/cli.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

int cmd_info(const std::vector<std::string>& args) {
  std::string workload;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&workload)->required(),
                                                 "network JSON (positional)");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim info <workload.json>", "workload", vm)) return 0;
  const workloads::Network net = study::load_workload(workload);
  std::printf("%s: network '%s', input %s %s, %zu layers (batch norm folded), %lld parameters, %s\n", workload.c_str(),
              net.name.c_str(), net.input_name.c_str(), workloads::format_shape(net.input_shape).c_str(),
              net.layers.size(), static_cast<long long>(net.parameter_count()),
              net.is_quantized() ? "quantized" : "float");
  // Columns as wide as the longest name (imported graphs have long ones).
  int name_w = 10, in_w = 14;
  const auto inputs_of = [](const workloads::Layer& L) {
    std::string inputs;
    for (const auto& in : L.inputs) inputs += (inputs.empty() ? "" : ",") + in;
    return inputs;
  };
  for (const auto& L : net.layers) {
    name_w = std::max(name_w, static_cast<int>(L.name.size()));
    in_w = std::max(in_w, static_cast<int>(inputs_of(L).size()));
  }
  std::printf("  %-*s %-10s %-*s %-16s %s\n", name_w, "layer", "type", in_w, "inputs", "output shape", "quantization");
  for (const auto& L : net.layers) {
    const std::string inputs = inputs_of(L);
    std::string q = "-";
    if (L.quantization) {
      const auto& lq = *L.quantization;
      q = L.kind == workloads::LayerKind::Add
              ? ""
              : "w" + std::to_string(lq.weight_bits) + " 2^" + std::to_string(lq.weight_scale_exp[0]) + " ";
      q += lq.output_bits ? "out u/s" + std::to_string(*lq.output_bits) + " 2^" + std::to_string(*lq.output_scale_exp)
                          : "out int32";
    }
    std::printf("  %-*s %-10s %-*s %-16s %s\n", name_w, L.name.c_str(), workloads::kind_name(L.kind).c_str(), in_w,
                inputs.c_str(), workloads::format_shape(L.output_shape).c_str(), q.c_str());
  }
  for (const auto& [k, v] : net.metadata.accuracy)
    std::printf("  recorded %s accuracy: %.2f %%\n", k.c_str(), 100.0 * v);
  if (!net.metadata.produced_by.empty()) std::printf("  produced by: %s\n", net.metadata.produced_by.c_str());
  const auto& c = net.metadata.compression;
  if (c.is_object() && c.contains("sparsity") && c.contains("geometry")) {
    const auto& g = c["geometry"];
    std::printf("  compression: %s, sparsity %.1f %%, %lld crossbars (dense %lld) at %dx%d, %d-bit cells, %s\n",
                c.value("method", std::string("quantization only")).c_str(), 100.0 * c["sparsity"].get<double>(),
                c.value("crossbars", 0LL), c.value("crossbars_dense", 0LL), g.value("rows", 0), g.value("cols", 0),
                g.value("cell_bits", 0), g.value("sign_scheme", std::string("?")).c_str());
    if (c.contains("layers") && c["layers"].is_array()) {
      std::printf("  %-10s %-12s %9s %14s %14s %12s\n", "layer", "unrolled", "sparsity", "blocks kept", "kgroups kept",
                  "crossbars");
      for (const auto& l : c["layers"]) {
        const auto shape = l.value("unrolled_shape", std::vector<long long>{0, 0});
        const std::string unrolled = std::to_string(shape.at(0)) + "x" + std::to_string(shape.at(1));
        const std::string blocks = std::to_string(l.value("crossbar_blocks_kept", 0LL)) + "/" +
                                   std::to_string(l.value("crossbar_blocks", 0LL));
        const std::string groups =
            std::to_string(l.value("kernel_groups_kept", 0LL)) + "/" + std::to_string(l.value("kernel_groups", 0LL));
        const std::string xbars =
            std::to_string(l.value("crossbars", 0LL)) + "/" + std::to_string(l.value("crossbars_dense", 0LL));
        std::printf("  %-10s %-12s %8.1f%% %14s %14s %12s\n", l.value("name", std::string("?")).c_str(),
                    unrolled.c_str(), 100.0 * l.value("sparsity", 0.0), blocks.c_str(), groups.c_str(), xbars.c_str());
      }
    }
  }
  return 0;
}

}  // namespace xbarsim::apps
