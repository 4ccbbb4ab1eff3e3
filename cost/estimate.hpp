// The estimator (docs/models.md, "Energy, power and area"):
//   energy per inference = sum over components of actions x energy per action
//                          + instances x leakage power x time per inference
//   area = sum of instances x area;   power = energy per inference / time per inference
//   peak power = instances x (energy per action x the class's peak action rate + leakage)
// with energy, leakage and area of an instance scaled to its size (crossbar cells, ADC bits).
// Plain data in (cost/components.hpp), a report out.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cost/components.hpp"
#include "cost/table.hpp"

namespace xbarsim::cost {

/// Multipliers for an instance of `c` on a chip sized `p` (crossbar cells, ADC bits): energy
/// per action, and area (leakage follows area).
struct SizeFactors {
  double energy = 1.0, area = 1.0;
};
SizeFactors size_factors(const ComponentCost& c, const ChipParams& p);
struct ComponentReport {
  std::string name;
  Category category = Category::Computing;
  double instances = 0;
  double actions = 0;            ///< per inference
  double dynamic_energy_pj = 0;  ///< per inference
  double static_energy_pj = 0;   ///< per inference (leakage x time per inference)
  double leakage_mw = 0;         ///< all instances
  double area_um2 = 0;           ///< all instances
  double peak_power_mw = 0;      ///< all instances at full activity
  double energy_pj() const { return dynamic_energy_pj + static_energy_pj; }
};

struct GroupReport {
  std::string name;
  std::vector<ComponentReport> components;  ///< those with instances in this group
  double dynamic_energy_pj = 0, static_energy_pj = 0, area_um2 = 0;
  double energy_pj() const { return dynamic_energy_pj + static_energy_pj; }
};

struct CostReport {
  std::string table;
  int technology_nm = 0;
  double time_per_inference_ns = 0;  ///< what leakage is charged for (steady-state period, or latency)
  double latency_ns = 0;
  double ops_per_inference = 0;             ///< 2 x MACs of the network
  bool power_gated = false;                 ///< groups leak only for their own active time
  std::vector<ComponentReport> components;  ///< chip totals, component_names() order
  std::vector<GroupReport> groups;          ///< per layer

  double dynamic_energy_pj() const;
  double static_energy_pj() const;
  double energy_pj() const { return dynamic_energy_pj() + static_energy_pj(); }
  double area_um2() const;
  double peak_power_mw() const;
  double leakage_mw() const;
  /// Sums over one category.
  double energy_pj(Category c) const;
  double area_um2(Category c) const;
  double power_mw() const;            ///< average: energy per inference / time per inference
  double power_mw(Category c) const;  ///< average power of one category
  double tops() const;                ///< ops per inference / time per inference
  double tops_per_w() const;          ///< ops / energy
  double tops_per_mm2() const;
};

/// Costs of `inventory` doing `actions` (per inventory group, per inference: actions of each
/// class) in `time_per_inference_ns`. Every component with instances needs a table entry.
/// `leak_ns`, when not empty, gives per group the time its instances leak per inference
/// (power gating: the group's active time); empty: every group leaks for time_per_inference_ns.
CostReport estimate(const Inventory& inventory, const std::vector<Counts>& actions, const CostTable& table,
                    const ChipParams& params, double time_per_inference_ns, double latency_ns, double ops_per_inference,
                    const std::vector<double>& leak_ns = {});
/// Area and peak power of an inventory alone (no actions).
CostReport estimate_peak(const Inventory& inventory, const CostTable& table, const ChipParams& params);

nlohmann::ordered_json to_json(const CostReport& r);
/// Text tables: totals, per component (category), per layer.
std::string to_text(const CostReport& r);

}  // namespace xbarsim::cost
