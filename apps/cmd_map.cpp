// xbarsim map: an integer workload onto crossbars of a hardware description.
#include <cstdio>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

int cmd_map(const std::vector<std::string>& args) {
  std::string workload, hw_spec, output;
  std::vector<std::string> sets;
  study::PtqArgs ptq;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "workload", po::value(&workload)->required(),
      "network JSON (positional); a float one is post-training quantized first")(
      "hw", po::value(&hw_spec)->default_value("isaac_like"), "hardware preset name or hardware JSON file")(
      "set", po::value(&sets)->composing(),
      "override a hardware key: --set rows=256 (repeatable; xbarsim keys lists every key)")(
      "output,o", po::value(&output)->default_value(""), "write the mapping report as JSON to this file");
  add_ptq_options(opts, ptq);
  po::variables_map vm;
  if (!parse_args(args, opts,
                  "xbarsim map <workload.json> [--hw isaac_like|hw.json] [--set key=value]...\n"
                  "(every hardware key, its type, range and default: xbarsim keys)",
                  "workload", vm))
    return 0;
  auto net = study::load_workload(workload);
  const auto hw = mapping::load_hardware(hw_spec, sets);
  const auto quant = study::ensure_integer(net, ptq);
  const auto m = mapping::compile(net, hw);

  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  std::int64_t total = 0, dense = 0;
  for (const auto& L : m.layers) {
    std::int64_t used_cells = 0;
    for (auto xi : L.crossbars) {
      const auto& xb = m.crossbars[xi];
      used_cells += static_cast<std::int64_t>(xb.rows.size() * xb.cells.columns.size());
    }
    const auto allocated = static_cast<double>(L.crossbars.size()) * hw.rows * hw.cols;
    total += static_cast<std::int64_t>(L.crossbars.size());
    dense += L.footprint.crossbars_dense;
    layers.push_back({{"name", L.name},
                      {"unrolled_shape", {L.shape.rows, L.shape.cout}},
                      {"weight_bits", L.geometry.weight_bits},
                      {"slices", L.geometry.slices()},
                      {"channels_per_crossbar", L.geometry.channels_per_crossbar()},
                      {"crossbars", L.crossbars.size()},
                      {"crossbars_dense", L.footprint.crossbars_dense},
                      {"blocks_skipped", L.footprint.crossbars_dense - static_cast<std::int64_t>(L.crossbars.size())},
                      {"kernel_groups_removed", L.footprint.kernel_groups - L.footprint.kernel_groups_kept},
                      {"tiles", L.tiles},
                      {"utilization", allocated > 0 ? static_cast<double>(used_cells) / allocated : 0.0}});
  }
  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "map";
  report["workload"] = {{"path", workload}, {"name", net.name}, {"quantization", quant}};
  report["hardware"] = mapping::to_json(hw);
  report["layers"] = layers;
  report["totals"] = {{"crossbars", total}, {"crossbars_dense", dense}, {"tiles", m.tiles}};
  if (!output.empty()) write_json_report(output, report);

  std::printf("xbarsim map: %s on %s (%dx%d, %d-bit cells, %s, %d crossbars per tile)\n", net.name.c_str(),
              hw.name.c_str(), hw.rows, hw.cols, hw.cell_bits, mapping::sign_scheme_name(hw.sign).c_str(),
              hw.crossbars_per_tile);
  std::printf("  %-10s %-11s %6s %9s %10s %8s %8s %6s %6s\n", "layer", "unrolled", "slices", "ch/xbar", "crossbars",
              "dense", "skipped", "tiles", "util");
  for (const auto& l : layers) {
    const std::string shape = std::to_string(l["unrolled_shape"][0].get<long long>()) + "x" +
                              std::to_string(l["unrolled_shape"][1].get<long long>());
    std::printf("  %-10s %-11s %6d %9d %10lld %8lld %8lld %6d %5.0f%%\n", l["name"].get<std::string>().c_str(),
                shape.c_str(), l["slices"].get<int>(), l["channels_per_crossbar"].get<int>(),
                l["crossbars"].get<long long>(), l["crossbars_dense"].get<long long>(),
                l["blocks_skipped"].get<long long>(), l["tiles"].get<int>(), 100.0 * l["utilization"].get<double>());
  }
  std::printf("  total: %lld crossbars (dense %lld, %.2fx fewer), %d tiles\n", static_cast<long long>(total),
              static_cast<long long>(dense), total > 0 ? static_cast<double>(dense) / static_cast<double>(total) : 0.0,
              m.tiles);
  return 0;
}

}  // namespace xbarsim::apps
