// xbarsim peak: a fully populated chip's peak throughput, area and power and the efficiencies
// published chips are compared on (GOPS/s/mm2, GOPS/W; docs/models.md, "Peak performance";
// docs/validation.md, "Published chips"). No workload: every crossbar full, reading back to back.
#include <cstdio>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "cost/estimate.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/hardware.hpp"

namespace xbarsim::apps {

int cmd_peak(const std::vector<std::string>& args) {
  std::string hw_spec, output, table_spec;
  std::vector<std::string> sets;
  int weight_bits = 8, input_bits = 8, tiles = 0;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("hw", po::value(&hw_spec)->default_value("isaac_like"),
                                                 "hardware preset name or hardware JSON file")(
      "set", po::value(&sets)->composing(),
      "override a hardware key: --set sign_scheme=offset (repeatable; xbarsim keys lists every key)")(
      "weight-bits", po::value(&weight_bits)->default_value(8), "weight precision the arrays hold (2..16)")(
      "input-bits", po::value(&input_bits)->default_value(8), "input precision driven bit-serially (1..16)")(
      "tiles", po::value(&tiles)->default_value(0), "tiles of the chip (0 = the hardware's max_tiles)")(
      "cost-table", po::value(&table_spec)->default_value(""),
      "cost table preset or JSON file (default: the hardware's cost_table)")(
      "output,o", po::value(&output)->default_value(""), "write the report as JSON to this file");
  po::variables_map vm;
  if (!parse_args(args, opts,
                  "xbarsim peak [--hw isaac_like|hw.json] [--set key=value]... [--weight-bits B] [--input-bits B] "
                  "[--tiles N]\n(a full chip at its peak: throughput, area, power, GOPS/s/mm2, GOPS/W)",
                  "", vm))
    return 0;
  const auto hw = mapping::load_hardware(hw_spec, sets);
  if (weight_bits < 2 || weight_bits > 16) {
    throw Error("--weight-bits: expected 2..16, found " + std::to_string(weight_bits));
  }
  if (input_bits < 1 || input_bits > 16)
    throw Error("--input-bits: expected 1..16, found " + std::to_string(input_bits));
  if (tiles < 0) throw Error("--tiles: expected 0 or more, found " + std::to_string(tiles));
  const int n = tiles > 0 ? tiles : hw.max_tiles;
  if (n < 1) throw Error("--tiles: hardware '" + hw.name + "' has no max_tiles; give --tiles N");
  const auto table = cost::load_cost_table(table_spec.empty() ? hw.cost_table : table_spec);
  const auto p = mapping::peak_performance(hw, n, weight_bits, input_bits);
  const auto inventory = mapping::chip_inventory(hw, n);
  const auto r = cost::estimate_peak(inventory, table, mapping::chip_params(hw, inventory));
  const double tops = p.ops_per_ns / 1e3, mm2 = r.area_um2() / 1e6, watts = r.peak_power_mw() / 1e3;

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "peak";
  report["hardware"] = mapping::to_json(hw);
  report["model"] =
      "peak: every crossbar full and reading back to back (an upper bound on throughput); power at every class's peak "
      "action rate, arrays at input_bit_density with uniformly spread cell levels";
  report["precision"] = {{"weight_bits", weight_bits}, {"input_bits", input_bits}};
  report["chip"] = {{"tiles", n},
                    {"crossbars", p.crossbars},
                    {"weights_per_crossbar", p.weights_per_crossbar},
                    {"phases", p.phases},
                    {"phase_ns", p.phase_ns}};
  report["peak"] = {{"tops", tops},
                    {"area_mm2", mm2},
                    {"power_w", watts},
                    {"gops_per_s_per_mm2", tops * 1e3 / mm2},
                    {"gops_per_w", tops * 1e3 / watts}};
  nlohmann::ordered_json parts = nlohmann::ordered_json::array();
  for (const auto& c : r.components) {
    parts.push_back(
        {{"name", c.name}, {"instances", c.instances}, {"peak_power_mw", c.peak_power_mw}, {"area_um2", c.area_um2}});
  }
  report["components"] = parts;
  if (!output.empty()) write_json_report(output, report);

  std::printf(
      "xbarsim peak: %s, %d tiles, %lld crossbars of %dx%d (%d-bit cells, %s), %d-bit weights x %d-bit inputs\n",
      hw.name.c_str(), n, static_cast<long long>(p.crossbars), hw.rows, hw.cols, hw.cell_bits,
      mapping::sign_scheme_name(hw.sign).c_str(), weight_bits, input_bits);
  std::printf(
      "  model       every crossbar full, reading back to back (an upper bound); power at peak action rates,\n"
      "              arrays at input bit density %.2f\n",
      hw.input_bit_density);
  std::printf("  per array   %d weights x %d rows, %d phases of %.4g ns\n", p.weights_per_crossbar, p.rows, p.phases,
              p.phase_ns);
  std::printf("  peak        %.4g TOPS, %.4g mm2, %.4g W: %.4g GOPS/s/mm2, %.4g GOPS/W\n", tops, mm2, watts,
              tops * 1e3 / mm2, tops * 1e3 / watts);
  std::printf("  %-22s %12s %14s %12s\n", "component", "instances", "peak power mW", "area mm2");
  for (const auto& c : r.components) {
    std::printf("  %-22s %12.0f %14.4g %12.4g\n", c.name.c_str(), c.instances, c.peak_power_mw, c.area_um2 / 1e6);
  }
  return 0;
}

}  // namespace xbarsim::apps
