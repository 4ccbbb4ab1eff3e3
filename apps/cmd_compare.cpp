// xbarsim compare: two designs side by side (CRIMP's claim in its own form): accuracy,
// crossbars, ADCs, computing power and area, total power and area, energy per inference,
// latency, and the ratios baseline / candidate, with the per-component breakdown. The first
// design is the baseline: by default it also pays for what CRIMP removes, floating-point
// scaling units after the shift-and-add (--baseline-units; docs/models.md). The comparison is
// study/compare.hpp's; this file parses the options and prints the report.
#include <cstdio>
#include <sstream>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "study/compare.hpp"

namespace xbarsim::apps {

namespace {

struct CompareArgs {
  std::string a, b;
  std::string hw = "isaac_like";
  std::vector<std::string> sets, sets_a, sets_b;
  std::string baseline_units = "fp-scaling";
  std::string cost_table;
  std::int64_t images = 0;
  int trials = 3;
  std::uint64_t seed = 1;
  unsigned threads = 0;
  std::string data_dir;
  std::int64_t calibration_images = 512;
  std::string output;
};

struct Metric {
  const char* key;
  const char* label;
  double scale;  ///< display multiplier
  const char* unit;
};

}  // namespace

int cmd_compare(const std::vector<std::string>& args) {
  CompareArgs a;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("hw", po::value(&a.hw)->default_value(a.hw),
                                                 "hardware preset name or hardware JSON file (both designs)")(
      "set", po::value(&a.sets)->composing(),
      "override a hardware key of both designs (repeatable; xbarsim keys lists every key)")(
      "set-a", po::value(&a.sets_a)->composing(), "override a hardware key of the baseline only (repeatable)")(
      "set-b", po::value(&a.sets_b)->composing(), "override a hardware key of the candidate only (repeatable)")(
      "baseline-units", po::value(&a.baseline_units)->default_value(a.baseline_units),
      "what the baseline also pays for: fp-scaling (FP scaling units after the shift-and-add), data-aligning "
      "(input aligning units of fine-grained pruning), both comma-separated, or none")(
      "cost-table", po::value(&a.cost_table)->default_value(""),
      "cost table preset or JSON file (default: the hardware's cost_table)")(
      "images", po::value(&a.images)->default_value(0), "test images for accuracy (0 = all)")(
      "trials", po::value(&a.trials)->default_value(a.trials), "device seeds per design")(
      "seed", po::value(&a.seed)->default_value(a.seed), "seed")("threads", po::value(&a.threads)->default_value(0),
                                                                 "worker threads (0 = all cores)")(
      "data-dir", po::value(&a.data_dir)->default_value(""), "Fashion-MNIST folder (default: the Debian package's)")(
      "calibration-images", po::value(&a.calibration_images)->default_value(a.calibration_images),
      "training images calibrating the post-training quantization of a float workload")(
      "output,o", po::value(&a.output)->default_value(""), "write both reports and the ratios as JSON");
  po::options_description hidden;
  hidden.add_options()("baseline", po::value(&a.a)->required(), "")("candidate", po::value(&a.b)->required(), "");
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("baseline", 1).add("candidate", 1);
  po::variables_map vm;
  const std::string usage = "xbarsim compare <baseline.json> <candidate.json> [--hw H] [--set k=v]... [options]";
  store_options(po::command_line_parser(args).options(all).positional(pos).run(), all, vm);
  if (vm.count("help") != 0) {
    std::printf("usage: %s\n\n", usage.c_str());
    std::ostringstream o;
    o << opts;
    std::printf("%s", o.str().c_str());
    return 0;
  }
  po::notify(vm);
  check_output_files(vm);

  study::DesignSettings base;
  base.hardware = a.hw;
  base.cost_table = a.cost_table;
  base.images = a.images;
  base.trials = a.trials;
  base.seed = a.seed;
  base.threads = a.threads;
  base.data_dir = a.data_dir;
  base.calibration_images = a.calibration_images;
  study::CompareSettings cs;
  cs.baseline_units = a.baseline_units;
  cs.a = base;
  cs.b = base;
  cs.a.workload = a.a;
  cs.b.workload = a.b;
  cs.a.sets = a.sets;
  for (const auto& s : study::baseline_sets(a.baseline_units)) cs.a.sets.push_back(s);
  cs.a.sets.insert(cs.a.sets.end(), a.sets_a.begin(), a.sets_a.end());
  cs.b.sets = a.sets;
  cs.b.sets.insert(cs.b.sets.end(), a.sets_b.begin(), a.sets_b.end());

  // compare_designs checks every input before any child runs: one clear error, nothing written.
  const auto report = study::compare_designs(cs, [&](const std::string& which) {
    progress_note("xbarsim compare: evaluating the " + which + " " + (which == "baseline" ? a.a : a.b));
  });
  end_progress();
  if (!a.output.empty()) write_json_report(a.output, report);
  const auto& ra = report.at("a");
  const auto& rb = report.at("b");
  const auto& ma = report.at("metrics").at("a");
  const auto& mb = report.at("metrics").at("b");
  const auto& ratios = report.at("metrics").at("ratio_a_over_b");
  const auto& breakdown = report.at("components");

  std::printf("xbarsim compare: A = %s (baseline, + %s) vs B = %s on %s, cost table %s\n",
              ra.at("workload").at("name").get<std::string>().c_str(), a.baseline_units.c_str(),
              rb.at("workload").at("name").get<std::string>().c_str(),
              ra.at("hardware").at("name").get<std::string>().c_str(),
              ra.at("cost").at("table").get<std::string>().c_str());
  std::printf("  accuracy on %lld test images, %d device seeds (%s)\n", ra.at("settings").at("images").get<long long>(),
              ra.at("settings").at("trials").get<int>(),
              ra.at("hardware").at("device").at("name").get<std::string>().c_str());
  const Metric rows[] = {{"accuracy", "accuracy", 100.0, "%"},
                         {"crossbars", "crossbars", 1.0, ""},
                         {"adcs", "ADCs", 1.0, ""},
                         {"tiles", "tiles", 1.0, ""},
                         {"computing_power_mw", "computing power", 1.0, "mW"},
                         {"computing_area_mm2", "computing area", 1.0, "mm2"},
                         {"power_mw", "total power", 1.0, "mW"},
                         {"area_mm2", "total area", 1.0, "mm2"},
                         {"energy_per_inference_uj", "energy per inference", 1.0, "uJ"},
                         {"latency_us", "latency", 1.0, "us"},
                         {"throughput_per_s", "throughput", 1.0, "inf/s"},
                         {"tops_per_w", "efficiency", 1.0, "TOPS/W"}};
  std::printf("  %-22s %14s %14s %10s\n", "", "A", "B", "A / B");
  for (const auto& m : rows) {
    std::printf("  %-22s %14.6g %14.6g %9.3fx   %s\n", m.label, m.scale * ma.at(m.key).get<double>(),
                m.scale * mb.at(m.key).get<double>(), ratios.at(m.key).get<double>(), m.unit);
  }
  // What each design pays for (docs/models.md, "Baseline units"): the CRIMP baseline is the
  // original model on the same chip, plus the units its float scales and, optionally, unaligned
  // fine-grained pruning need; one FP32 multiplier per shift-and-add unit is [ours].
  const auto pays = [](const nlohmann::ordered_json& r) {
    const auto& hw = r.at("hardware");
    const auto& mp = r.at("mapping");
    double fp_units = 0, fp_nj = 0, al_units = 0, al_nj = 0;
    for (const auto& c : r.at("cost").at("components")) {
      if (c.at("name") == "fp_scaling_unit") {
        fp_units = c.at("instances").get<double>();
        fp_nj = c.at("energy_pj").get<double>() / 1e3;
      } else if (c.at("name") == "data_aligning_unit") {
        al_units = c.at("instances").get<double>();
        al_nj = c.at("energy_pj").get<double>() / 1e3;
      }
    }
    char w[96], f[128], al[128];
    std::snprintf(w, sizeof w, "%d-bit, %d slices of %d-bit cells", mp.at("weight_bits").get<int>(),
                  mp.at("slices").get<int>(), hw.at("cell_bits").get<int>());
    if (fp_units > 0) {
      std::snprintf(f, sizeof f, "fp32 multiply per output, %.0f units, %.4g nJ", fp_units, fp_nj);
    } else {
      std::snprintf(f, sizeof f, "shift (power-of-two scales)");
    }
    if (al_units > 0) {
      std::snprintf(al, sizeof al, "%.0f aligning units, %.4g nJ", al_units, al_nj);
    } else {
      std::snprintf(al, sizeof al, "none");
    }
    return std::vector<std::string>{w, f, al};
  };
  const auto pa = pays(ra), pb = pays(rb);
  const char* what[] = {"weights", "output scaling", "input aligning"};
  std::printf("  %-22s %-44s %s\n", "pays for", "A", "B");
  for (std::size_t i = 0; i < 3; ++i) std::printf("  %-22s %-44s %s\n", what[i], pa[i].c_str(), pb[i].c_str());
  std::printf("  per component            energy nJ/inference (A, B, A/B)           area mm2 (A, B, A/B)\n");
  for (const auto& c : breakdown) {
    std::printf("  %-22s %11.5g %11.5g %8.3gx    %11.5g %11.5g %8.3gx\n", c.at("name").get<std::string>().c_str(),
                c.at("energy_pj_a").get<double>() / 1e3, c.at("energy_pj_b").get<double>() / 1e3,
                c.at("energy_ratio").get<double>(), c.at("area_um2_a").get<double>() / 1e6,
                c.at("area_um2_b").get<double>() / 1e6, c.at("area_ratio").get<double>());
  }
  return 0;
}

}  // namespace xbarsim::apps
