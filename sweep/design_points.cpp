#include "sweep/design_points.hpp"

#include <filesystem>
#include <set>

#include "common/error.hpp"
#include "mapping/hardware.hpp"
#include "study/design.hpp"

namespace xbarsim::sweep {

namespace {

bool has_axis(const SweepSpec& spec, const std::string& key) {
  for (const auto& a : spec.axes) {
    if (a.key == key) return true;
  }
  return false;
}

/// columns_per_adc of the spec's hardware with its base overrides (0 when they do not load:
/// the error is reported with the points).
int base_columns_per_adc(const SweepSpec& spec) {
  try {
    return mapping::load_hardware(spec.hardware, spec.sets).columns_per_adc;
  } catch (const Error&) {
    return 0;
  }
}

}  // namespace

std::vector<std::string> design_sets(const SweepSpec& spec, const Point& p, int base_columns_per_adc) {
  std::vector<std::string> sets = p.sets;
  if (!has_axis(spec, kCrossbarSize) || has_axis(spec, "columns_per_adc")) return sets;
  for (const auto& s : spec.sets) {
    if (s.rfind("columns_per_adc=", 0) == 0) return sets;
  }
  std::size_t k = 0;
  while (spec.axes[k].key != kCrossbarSize) ++k;
  const auto size = p.values[k].get<std::int64_t>();
  if (base_columns_per_adc > size) sets.push_back("columns_per_adc=" + std::to_string(size));
  return sets;
}

void check_design_points(const SweepSpec& spec) {
  const mapping::HardwareConfig base = mapping::load_hardware_file(spec.hardware);
  const int columns = base_columns_per_adc(spec);
  std::set<std::string> workloads_seen;
  for (const auto& p : enumerate_points(spec)) {
    std::error_code ec;
    if (workloads_seen.insert(p.workload).second && !std::filesystem::exists(p.workload, ec)) {
      throw Error(spec.file + ": workload: " + p.workload + " does not exist; expected a network JSON file");
    }
    try {
      mapping::with_overrides(base, design_sets(spec, p, columns), spec.hardware);
    } catch (const Error& e) {
      throw Error(spec.file + ": point " + p.id + ": " + e.what());
    }
  }
}

PointEvaluation design_evaluation(const SweepSpec& spec, const std::string& data_dir) {
  const int columns = base_columns_per_adc(spec);
  PointEvaluation e;
  e.evaluate = [data_dir, columns](const SweepSpec& s, const Point& p, int group, unsigned threads) {
    study::DesignSettings d;
    d.workload = p.workload;
    d.hardware = s.hardware;
    d.sets = design_sets(s, p, columns);
    d.cost_table = s.cost_table;
    d.images = s.images;
    d.trials = s.trials;
    d.seed = s.seed;
    d.threads = threads;
    d.data_dir = data_dir;
    d.trial_group = group;
    d.trial_groups = s.trial_groups;
    PointResult r;
    r.report = study::evaluate_design(d);
    if (s.trial_groups == 1) r.row = study::design_row(r.report);
    if (d.sets != p.sets) r.sets = d.sets;
    return r;
  };
  e.combine = [](const SweepSpec&, const Point&, const std::vector<nlohmann::ordered_json>& groups) {
    PointResult r;
    r.report = study::merge_trial_groups(groups);
    r.row = study::design_row(r.report);
    return r;
  };
  return e;
}

}  // namespace xbarsim::sweep
