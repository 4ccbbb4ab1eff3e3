// xbarsim cost: energy, power, area and throughput of a workload on a hardware description from
// the closed form of its mapping (docs/models.md, "Energy, power and area"), in seconds: no
// accuracy run, no data set, no cycle-level simulation.
#include <algorithm>
#include <cstdio>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "cost/estimate.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/layout.hpp"
#include "mapping/mapped_network.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

int cmd_cost(const std::vector<std::string>& args) {
  std::string workload, hw_spec, output, table_spec;
  std::vector<std::string> sets;
  study::PtqArgs ptq;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "workload", po::value(&workload)->required(),
      "network JSON (positional); a float one is post-training quantized on synthetic inputs first")(
      "hw", po::value(&hw_spec)->default_value("isaac_like"), "hardware preset name or hardware JSON file")(
      "set", po::value(&sets)->composing(),
      "override a hardware key: --set rows=256 (repeatable; xbarsim keys lists every key)")(
      "cost-table", po::value(&table_spec)->default_value(""),
      "cost table preset or JSON file (default: the hardware's cost_table)")(
      "output,o", po::value(&output)->default_value(""), "write the cost report as JSON to this file");
  add_ptq_options(opts, ptq);
  po::variables_map vm;
  if (!parse_args(args, opts,
                  "xbarsim cost <workload.json> [--hw isaac_like|hw.json] [--set key=value]... [--cost-table T]\n"
                  "(closed-form actions and analytic timing; run --cycle-level for measured traffic and contention)",
                  "workload", vm))
    return 0;
  auto net = study::load_workload(workload);
  const auto hw = mapping::load_hardware(hw_spec, sets);
  const auto table = cost::load_cost_table(table_spec.empty() ? hw.cost_table : table_spec);
  const auto quant = study::ensure_integer_without_data(net, ptq);
  const auto m = mapping::compile(net, hw);

  // Analytic timing: a layer's stage is ceil(positions / copies) x phases x max(read, the
  // busiest ADC's conversions); pipelined, one image per slowest stage; layer by layer, the sum.
  double period = 0, latency = 0;
  nlohmann::ordered_json stages = nlohmann::ordered_json::array();
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    const double s = mapping::stage_estimate_ns(m, l, m.layout.layers[l].replicas);
    period = std::max(period, s);
    latency += s;
    stages.push_back({{"name", m.layers[l].name}, {"copies", m.layout.layers[l].replicas}, {"stage_ns", s}});
  }
  if (!(period > 0)) throw Error("cost: network '" + net.name + "' maps to no crossbar; nothing to time");
  const auto inventory = mapping::mapped_inventory(m);
  const auto actions = mapping::closed_form_actions(net, m);
  // Power gating: a layer's tiles leak during its analytic stage time only.
  std::vector<double> leak_ns;
  if (hw.power_gating) {
    for (const auto& s : stages) leak_ns.push_back(s.at("stage_ns").get<double>());
  }
  const auto r = cost::estimate(inventory, actions, table, mapping::chip_params(hw, inventory), period, latency,
                                mapping::ops_per_inference(m), leak_ns);

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "cost";
  report["workload"] = {{"path", workload}, {"name", net.name}, {"quantization", quant}};
  report["hardware"] = mapping::to_json(hw);
  report["mapping"] = {{"crossbars", m.crossbars.size()},
                       {"placed_crossbars", m.layout.placed_crossbars()},
                       {"tiles", m.layout.tiles},
                       {"imas", inventory.imas},
                       {"adcs", inventory.adcs}};
  report["timing"] = {{"model", "analytic: crossbar pipeline only, no contention, no data movement (a lower bound)"},
                      {"period_ns", period},
                      {"latency_ns", latency},
                      {"throughput_per_s", 1e9 / period},
                      {"layers", stages}};
  report["actions"] =
      "closed form: every class as the cycle-level chip counts it (buffer and link traffic included), except the "
      "data-dependent DAC drives and cell read energy: their expectation at input_bit_density";
  report["cost"] = cost::to_json(r);
  if (!output.empty()) write_json_report(output, report);

  std::printf("xbarsim cost: %s on %s (%dx%d, %d-bit cells, %d-bit DAC, %d-bit ADC), cost table %s\n", net.name.c_str(),
              hw.name.c_str(), hw.rows, hw.cols, hw.cell_bits, hw.dac_bits, hw.adc_bits, r.table.c_str());
  std::printf("  quantization  %s\n", quant.at("source").get<std::string>().c_str());
  std::printf("  mapping       %zu crossbars (%zu placed with copies) on %d tiles\n", m.crossbars.size(),
              m.layout.placed_crossbars(), m.layout.tiles);
  std::printf(
      "  timing        analytic (crossbar pipeline only, no contention: a lower bound): one image every "
      "%.4g us pipelined, %.4g us layer by layer, %.4g inferences/s\n",
      period / 1e3, latency / 1e3, 1e9 / period);
  std::printf(
      "  actions       closed form (every class, buffer and link traffic included: what run --cycle-level measures;\n"
      "                DAC drives and cell energy expected at input bit density %.2f, measured runs use the data)\n",
      hw.input_bit_density);
  std::printf("%s", cost::to_text(r).c_str());
  return 0;
}

}  // namespace xbarsim::apps
