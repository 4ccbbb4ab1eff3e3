// xbarsim run: accuracy of a workload on programmed, non-ideal crossbars (the functional
// engine), as mean +- std over device seeds, beside the float and integer references, with
// the per-layer output error against the integer reference. With --cycle-level, a few images
// through the SystemC chip instead: outputs checked against the functional engine, timing and
// per-module statistics. The run is study/run.hpp's; this file parses the options and prints
// the report.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "common/memory.hpp"
#include "cost/estimate.hpp"
#include "study/run.hpp"

namespace xbarsim::apps {

namespace {

void print_text(const nlohmann::ordered_json& r) {
  const auto& s = r["settings"];
  const auto& hw = r["hardware"];
  std::printf("xbarsim run: %s on %s (%dx%d, %d-bit cells, %s, %d-bit DAC, %d-bit ADC %s, device %s)\n",
              r["workload"]["name"].get<std::string>().c_str(), hw["name"].get<std::string>().c_str(),
              hw["rows"].get<int>(), hw["cols"].get<int>(), hw["cell_bits"].get<int>(),
              hw["sign_scheme"].get<std::string>().c_str(), hw["dac_bits"].get<int>(), hw["adc_bits"].get<int>(),
              hw["adc_range"].get<std::string>().c_str(), hw["device"]["name"].get<std::string>().c_str());
  std::printf("  data set      %s test split, %lld images; %d device seeds per non-ideal row (seed %llu)\n",
              s["dataset"].get<std::string>().c_str(), r["images"].get<long long>(), s["trials"].get<int>(),
              s["seed"].get<unsigned long long>());
  std::printf("  mapping       %lld crossbars, %d tiles\n", r["mapping"]["crossbars"].get<long long>(),
              r["mapping"]["tiles"].get<int>());
  const bool references = !r["reference"]["int"].is_null();
  if (references) {
    std::printf("  reference     float %.2f %%   integer %.2f %%\n", 100.0 * r["reference"]["float"].get<double>(),
                100.0 * r["reference"]["int"].get<double>());
  } else {
    std::printf("  reference     not run (--no-references)\n");
  }
  std::printf("  %-46s %18s %9s %8s\n", "crossbars", "accuracy", "vs int", "time");
  for (const auto& sc : r["scenarios"]) {
    char acc[64];
    std::snprintf(acc, sizeof acc, "%.2f +- %.2f %%", 100.0 * sc["accuracy_mean"].get<double>(),
                  100.0 * sc["accuracy_std"].get<double>());
    std::string vs = "-";
    if (references) {
      vs = sc["matches_integer_reference"].get<bool>()
               ? "exact"
               : std::to_string(100.0 * (sc["accuracy_mean"].get<double>() - r["reference"]["int"].get<double>()))
                         .substr(0, 5) +
                     " pp";
    }
    std::printf("  %-46s %18s %9s %7.1fs\n", sc["label"].get<std::string>().c_str(), acc, vs.c_str(),
                sc["wall_time_s"].get<double>());
  }
  const auto& le = r["layer_error"];
  std::printf("  per-layer output error, %s, seed 0, first %lld images (codes vs the integer reference):\n",
              le["scenario"].get<std::string>().c_str(), le["images"].get<long long>());
  std::printf("    %-10s %10s %14s %12s   %s\n", "layer", "mismatch", "mean |error|", "rel. RMS",
              "ADC range (levels; step; how set; largest possible reading)");
  for (const auto& l : le["layers"]) {
    const auto& adc = l["adc"];
    std::printf("    %-10s %9.2f%% %14.3f %11.2f%%   %g; %g; %s; %g\n", l["name"].get<std::string>().c_str(),
                100.0 * l["mismatch_fraction"].get<double>(), l["mean_abs_error"].get<double>(),
                100.0 * l["relative_rms_error"].get<double>(), adc["max_reading"].get<double>(),
                adc["step"].get<double>(), adc["range_source"].get<std::string>().c_str(),
                adc["reading_bound"].get<double>());
  }
}

void print_cycle_level(const nlohmann::ordered_json& report, const cost::CostReport& cost) {
  const auto& c = report["cycle_level"];
  const auto& t = c["totals"];
  const auto& hw = report["hardware"];
  const int adcs_per_ima = hw["adcs_per_ima"].get<int>(), columns_per_adc = hw["columns_per_adc"].get<int>();
  const std::string adc_share = adcs_per_ima > 0       ? "s, a bank of " + std::to_string(adcs_per_ima) + " per IMA"
                                : columns_per_adc == 0 ? " per crossbar"
                                                       : " per " + std::to_string(columns_per_adc) + " columns";
  std::printf("xbarsim run --cycle-level: %s on %s (%dx%d, %d-bit cells, %d-bit DAC, %d-bit ADC%s, device %s), %s\n",
              report["workload"]["name"].get<std::string>().c_str(), hw["name"].get<std::string>().c_str(),
              hw["rows"].get<int>(), hw["cols"].get<int>(), hw["cell_bits"].get<int>(), hw["dac_bits"].get<int>(),
              hw["adc_bits"].get<int>(), adc_share.c_str(), hw["device"]["name"].get<std::string>().c_str(),
              report["settings"]["schedule"].get<std::string>().c_str());
  std::printf("  mapping       %lld crossbars on %d tiles\n", report["mapping"]["crossbars"].get<long long>(),
              report["mapping"]["tiles"].get<int>());
  const auto n = report["check"]["images"].get<long long>();
  const auto same_images = report["check"]["identical_to_functional"].get<long long>();
  const double accuracy = report["accuracy"].get<double>();
  std::printf("  outputs       %lld of %lld images identical to the functional engine (every output code)\n",
              same_images, n);
  std::printf("  accuracy      %lld / %lld = %.2f %%\n", std::llround(accuracy * static_cast<double>(n)), n,
              100.0 * accuracy);
  std::printf("  simulated     %llu cycles at %.3g GHz = %.2f us for %lld images\n",
              c["total_cycles"].get<unsigned long long>(), c["clock_ghz"].get<double>(),
              c["total_ns"].get<double>() / 1e3, n);
  std::printf("  latency       %llu cycles = %.2f us per inference\n", c["latency_cycles"].get<unsigned long long>(),
              c["latency_ns"].get<double>() / 1e3);
  std::printf("  throughput    %.1f inferences/s (one every %llu cycles)\n",
              c["throughput_inferences_per_s"].get<double>(), c["period_cycles"].get<unsigned long long>());
  std::printf("  busiest       %s: busy %llu cycles per image per server (the period, when it is the bottleneck)\n",
              c["busiest_resource"]["name"].get<std::string>().c_str(),
              c["busiest_resource"]["busy_cycles_per_image"].get<unsigned long long>());
  std::printf("  %-10s %5s %6s %6s %9s %6s %12s %12s  %s\n", "layer", "tiles", "xbars", "copies", "positions", "group",
              "stage cyc", "first cyc", "waited most on");
  for (const auto& l : c["layers"]) {
    std::string waited = "-";
    const auto request = l["request_cycles"].get<double>();
    if (!l["waits"].empty() && request > 0) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%s (%.0f%% of its request time)",
                    l["waits"][0]["resource"].get<std::string>().c_str(),
                    100.0 * l["waits"][0]["cycles"].get<double>() / request);
      waited = buf;
    }
    std::printf("  %-10s %5d %6lld %5d%s %9lld %6lld %12llu %12llu  %s\n", l["name"].get<std::string>().c_str(),
                l["tiles"].get<int>(), l["crossbars"].get<long long>(), l["copies"].get<int>(),
                l["replication_budget_bound"].get<bool>() ? "*" : " ", l["positions"].get<long long>(),
                l["positions_per_group"].get<long long>(), l["stage_cycles"].get<unsigned long long>(),
                l["first_image_cycles"].get<unsigned long long>(), waited.c_str());
  }
  std::printf(
      "  (stage cyc: busy cycles per image of the layer's busiest crossbar copy; * replication stopped at the tile "
      "budget)\n");
  std::printf(
      "  actions       %.0f crossbar reads, %.0f row drives (%.0f with a nonzero digit), %.0f ADC conversions,\n"
      "                %.0f shift-and-adds, %.0f buffer bytes read, %.0f written, %.0f link transfers (%.0f bytes)\n",
      t["crossbar_reads"].get<double>(), t["dac_drives"].get<double>(), t["dac_nonzero_digits"].get<double>(),
      t["adc_conversions"].get<double>(), t["shift_add_operations"].get<double>(), t["buffer_read_bytes"].get<double>(),
      t["buffer_write_bytes"].get<double>(), t["link_transfers"].get<double>(), t["link_bytes"].get<double>());
  std::printf("%s", cost::to_text(cost).c_str());
  std::printf("  wall time     %.2f s (SystemC timing %.2f s); %.2f ms per image\n", c["wall_time_s"].get<double>(),
              c["timing_time_s"].get<double>(), 1e3 * c["wall_time_s"].get<double>() / static_cast<double>(n));
  if (same_images != n) {
    throw Error("cycle-level outputs differ from the functional engine on " + std::to_string(n - same_images) + " of " +
                std::to_string(n) + " images");
  }
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  study::RunSettings a;
  std::string output;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&a.workload)->required(),
                                                 "network JSON (positional); a float one is quantized first")(
      "hw", po::value(&a.hardware)->default_value(a.hardware), "hardware preset name or hardware JSON file")(
      "set", po::value(&a.sets)->composing(),
      "override a hardware key: --set adc_bits=6, --set device.write_sigma=0.05 (repeatable; xbarsim keys lists "
      "every key with its type, range and default)")("trials", po::value(&a.trials)->default_value(a.trials),
                                                     "device seeds per non-ideal row")(
      "seeds-per-pass", po::value(&a.seeds_per_pass)->default_value(a.seeds_per_pass),
      "device seeds evaluated in one pass over the data, sharing its inputs (the same numbers as one by one; 0 = "
      "as many as --max-memory, or 1 GiB of plans, allows)")(
      "no-references", po::bool_switch(),
      "skip the float and integer references over the test images (the report's reference accuracies and each "
      "row's matches_integer_reference are then null; the per-layer error still compares with the integer "
      "reference on --error-images)")(
      "ladder", po::bool_switch(&a.ladder),
      "also run ideal, ADC only, + write variation 0.1, + stuck-at faults 1e-3, before the configured device")(
      "limit", po::value(&a.limit)->default_value(0), "first N test images (0 = all)")(
      "threads", po::value(&a.threads)->default_value(0),
      "worker threads (0 = all cores); results do not depend on it")(
      "error-images", po::value(&a.error_images)->default_value(a.error_images),
      "images for the per-layer output error and --dump")(
      "dump", po::value(&a.dump)->default_value(""),
      "write the chosen layers' output codes and the logits of the integer reference and the crossbar engine "
      "(configured device, first seed) on the first --error-images test images to this safetensors file")(
      "max-memory", po::value(&a.max_memory_mib)->default_value(0),
      "MiB: refuse, before programming, a run estimated to need more (0 = no limit); the estimate is in the "
      "report")("dump-layers", po::value(&a.dump_layers)->default_value(a.dump_layers),
                "--dump: comma-separated layer names, or all")(
      "dump-inputs", po::value(&a.dump_inputs)->default_value(""),
      "--dump (and the per-layer error): inputs from this safetensors file's \"images\" (uint8 pixels, normalised as "
      "the workload says, or float32 inputs) instead of the first test images")(
      "output,o", po::value(&output)->default_value(""), "write the report as JSON to this file")(
      "cycle-level", po::bool_switch(&a.cycle_level),
      "run --images test images through the cycle-level SystemC chip (configured device, first seed), check them "
      "against the functional engine, report timing and statistics")(
      "images", po::value(&a.images)->default_value(a.images), "--cycle-level: test images to simulate")(
      "schedule", po::value(&a.schedule)->default_value(a.schedule),
      "--cycle-level: layer-by-layer (one image at a time) or pipelined (ISAAC-style inter-layer pipeline)")(
      "vcd", po::value(&a.vcd)->default_value(""), "--cycle-level: write module busy signals to this VCD file")(
      "stats", po::value(&a.stats)->default_value(""),
      "--cycle-level: write every module statistic (text, one per line) to this file")(
      "cost-table", po::value(&a.cost_table)->default_value(""),
      "cost table preset or JSON file for energy, power and area (default: the hardware's cost_table)");
  add_ptq_options(opts, a.ptq);
  po::variables_map vm;
  if (!parse_args(args, opts,
                  "xbarsim run <workload.json> [--hw isaac_like|hw.json] [--set key=value]... [options]\n"
                  "(every hardware key, its type, range and default: xbarsim keys)",
                  "workload", vm))
    return 0;
  a.references = !vm["no-references"].as<bool>();
  if (a.cycle_level && !a.references) throw Error("--no-references: a cycle-level run has no references to skip");
  if (!a.cycle_level) {
    for (const char* k : {"images", "schedule", "vcd", "stats"}) {
      if (!vm[k].defaulted()) throw Error(std::string("--") + k + " needs --cycle-level");
    }
  }
  const auto progress = [](const std::string& label, std::int64_t done, std::int64_t total) {
    if (const auto draw = terminal_progress(label)) draw(done, total);
    if (done >= total) end_progress();
  };
  const auto start = std::chrono::steady_clock::now();
  auto r = study::evaluate_run(a, progress);
  end_progress();
  // What the whole command used (the evaluation, and the SystemC timing run in this process).
  const double peak_mib = peak_resident_mib();
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.report["process"] = {{"wall_time_s", wall_s}, {"peak_rss_mib", peak_mib}};
  if (!output.empty()) write_json_report(output, r.report);
  if (a.cycle_level) {
    print_cycle_level(r.report, r.cost);
    std::printf("  process       %.2f s wall, %.0f MiB peak resident memory\n", wall_s, peak_mib);
    const auto& check = r.report["check"];
    if (!check["all_identical"].get<bool>()) {
      const auto n = check["images"].get<long long>();
      const auto same = check["identical_to_functional"].get<long long>();
      throw Error("cycle-level outputs differ from the functional engine on " + std::to_string(n - same) + " of " +
                  std::to_string(n) + " images");
    }
    return 0;
  }
  const auto& report = r.report;
  const auto& cost = r.cost;
  print_text(report);
  const auto& pj = report["programming"];
  std::printf(
      "  programming   %lld pulses, %lld verify reads, %.3g uJ, %.3g ms (cells one after another per array, "
      "arrays in parallel; pulses %g V, %g ns: assumptions, device.write_voltage_v / write_pulse_ns)\n",
      pj["pulses"].get<long long>(), pj["verify_reads"].get<long long>(), pj["energy_uj"].get<double>(),
      pj["time_ms"].get<double>(), pj["write_voltage_v"].get<double>(), pj["write_pulse_ns"].get<double>());
  std::printf("  timing        %.2f us latency, one inference every %.2f us (pipelined, cycle-level chip)\n",
              cost.latency_ns / 1e3, cost.time_per_inference_ns / 1e3);
  std::printf("%s", cost::to_text(cost).c_str());
  std::printf("  process       %.2f s wall, %.0f MiB peak resident memory (estimated before the run: %.0f MiB)\n",
              wall_s, peak_mib, report["memory"]["estimated_peak_mib"].get<double>());
  return 0;
}

}  // namespace xbarsim::apps
