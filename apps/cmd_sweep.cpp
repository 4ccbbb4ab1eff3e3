// xbarsim sweep: a parameter sweep (crossbar size, ADC bits, any --set key) of one workload,
// every point evaluated by evaluate_design in a child process of its own; results table,
// plots; resumable and shardable. `xbarsim sweep merge` gathers shards.
#include <filesystem>
#include <iostream>
#include <set>

#include "apps/cli.hpp"
#include "apps/design.hpp"
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "mapping/hardware.hpp"
#include "sweep/runner.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::apps {

namespace {

constexpr const char* kUsage =
    "xbarsim sweep <sweep.json> [-o DIR] [--jobs N] [--threads T] [--shard i/N] [--no-plot]\n"
    "       xbarsim sweep merge <DIR>... -o <DIR> [--no-plot]";

bool has_axis(const sweep::SweepSpec& spec, const std::string& key) {
  for (const auto& a : spec.axes) {
    if (a.key == key) return true;
  }
  return false;
}

/// The overrides a point is evaluated with: its own, and where crossbar_size makes the crossbar
/// narrower than the hardware's columns_per_adc (ISAAC-like: 128 columns per ADC at size 32 or
/// 64), columns_per_adc = the size, i.e. one ADC per crossbar. Not when columns_per_adc is swept
/// or set explicitly.
std::vector<std::string> design_sets(const sweep::SweepSpec& spec, const sweep::Point& p) {
  std::vector<std::string> sets = p.sets;
  if (!has_axis(spec, sweep::kCrossbarSize) || has_axis(spec, "columns_per_adc")) return sets;
  for (const auto& s : spec.sets) {
    if (s.rfind("columns_per_adc=", 0) == 0) return sets;
  }
  int columns_per_adc = 0;
  try {
    columns_per_adc = mapping::load_hardware(spec.hardware, spec.sets).columns_per_adc;
  } catch (const Error&) {
    return sets;  // reported with the point
  }
  std::size_t k = 0;
  while (spec.axes[k].key != sweep::kCrossbarSize) ++k;
  const auto size = p.values[k].get<std::int64_t>();
  if (columns_per_adc > size) sets.push_back("columns_per_adc=" + std::to_string(size));
  return sets;
}

/// Every point's overrides must give a valid hardware configuration and name an existing
/// workload: checked before any child starts (the hardware file read once, each point's
/// overrides applied to a copy, so 100,000 points take about a second).
void check_points(const sweep::SweepSpec& spec) {
  const mapping::HardwareConfig base = mapping::load_hardware_file(spec.hardware);
  std::set<std::string> workloads_seen;
  for (const auto& p : sweep::enumerate_points(spec)) {
    if (workloads_seen.insert(p.workload).second && !std::filesystem::exists(p.workload)) {
      throw Error(spec.file + ": workload: " + p.workload + " does not exist; expected a network JSON file");
    }
    try {
      mapping::with_overrides(base, design_sets(spec, p), spec.hardware);
    } catch (const Error& e) {
      throw Error(spec.file + ": point " + p.id + ": " + e.what());
    }
  }
}

int merge(const std::vector<std::string>& args) {
  std::vector<std::string> dirs;
  std::string out;
  bool no_plot = false;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("dirs", po::value(&dirs)->composing(),
                                                 "sweep output folders (positional; shards of one sweep)")(
      "output,o", po::value(&out)->required(), "folder for the merged sweep (may be one of the inputs)")(
      "no-plot", po::bool_switch(&no_plot), "write the tables only");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  po::variables_map vm;
  store_options(po::command_line_parser(args).options(opts).positional(pos).run(), opts, vm);
  if (vm.count("help") != 0U) {
    std::cout << "usage: " << kUsage << "\n\n" << opts << "\n";
    return 0;
  }
  po::notify(vm);
  if (dirs.empty()) throw Error("sweep merge: expected at least one sweep output folder");
  sweep::PlotOptions o;
  o.plot = !no_plot;
  sweep::merge_sweeps(dirs, out, o);
  return 0;
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "merge") return merge(std::vector<std::string>(args.begin() + 1, args.end()));
  std::string spec_path, out, shard;
  unsigned jobs = 0, threads = 0;
  bool no_plot = false;
  std::string data_dir;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("sweep", po::value(&spec_path)->required(),
                                                 "sweep JSON (positional; docs/formats.md, \"Sweep JSON\")")(
      "output,o", po::value(&out)->default_value(""), "output folder (default: sweep_<name> in the current folder)")(
      "jobs,j", po::value(&jobs)->default_value(0), "points evaluated at a time, each in its own process (0 = cores)")(
      "threads", po::value(&threads)->default_value(0),
      "threads per point (0 = 1 when --jobs > 1, else all cores); results do not depend on it")(
      "shard", po::value(&shard)->default_value(""),
      "i/N: run only the points with index % N == i (writes point files only; gather with xbarsim sweep merge)")(
      "no-plot", po::bool_switch(&no_plot), "write the tables only")(
      "data-dir", po::value(&data_dir)->default_value(""), "data set folder (default: the Debian package's)");
  po::variables_map vm;
  if (!parse_args(args, opts, kUsage, "sweep", vm, false)) return 0;

  const sweep::SweepSpec spec = sweep::load_spec(spec_path);
  sweep::RunOptions o;
  o.dir = out.empty() ? "sweep_" + spec.name : out;
  o.jobs = resolve_threads(jobs);
  o.threads = threads != 0 ? threads : (o.jobs > 1 ? 1U : 0U);
  if (!shard.empty()) sweep::parse_shard(shard, "--shard", o.shard, o.shards);
  o.output.plot = !no_plot;
  check_points(spec);

  const sweep::Evaluator evaluate = [data_dir](const sweep::SweepSpec& s, const sweep::Point& p, unsigned t) {
    DesignSettings d;
    d.workload = p.workload;
    d.hardware = s.hardware;
    d.sets = design_sets(s, p);
    d.cost_table = s.cost_table;
    d.images = s.images;
    d.trials = s.trials;
    d.seed = s.seed;
    d.threads = t;
    d.data_dir = data_dir;
    sweep::PointResult r;
    r.report = evaluate_design(d);
    r.row = design_row(r.report);
    if (d.sets != p.sets) r.sets = d.sets;
    return r;
  };
  const auto sum = sweep::run_sweep(spec, evaluate, o);
  if (!sum.failures.empty()) {
    std::string ids;
    for (const auto& f : sum.failures) ids += (ids.empty() ? "" : ", ") + f.id;
    throw Error("sweep: " + std::to_string(sum.failures.size()) + " of " + std::to_string(sum.selected) +
                " points failed (" + ids + "); their logs are in " + o.dir +
                "/logs; rerun to retry them (finished points are kept)");
  }
  return 0;
}

}  // namespace xbarsim::apps
