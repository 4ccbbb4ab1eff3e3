// The estimator (docs/models.md, "Energy, power and area"):
//   energy per inference = sum over components of actions x energy per action
//                          + instances x leakage power x time per inference
//   area = sum of instances x area;   power = energy per inference / time per inference
//   peak power = instances x (energy per action x the hardware's peak action rate + leakage)
// with energy, leakage and area of an instance scaled to its size (crossbar cells, ADC bits).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/hardware.hpp"
#include "models/cost/inventory.hpp"
#include "models/cost/table.hpp"

namespace xbarsim::models::cost {

/// What one group (layer) does per inference: the counters of the cycle-level statistics or
/// their closed forms.
struct Actions {
  double crossbar_reads = 0;        ///< one input bit phase through one crossbar
  double dac_drives = 0;            ///< one row driven for one phase
  double adc_conversions = 0;       ///< one converted column (or column pair); one sample-and-hold each
  double shift_add_operations = 0;  ///< one converted value into its accumulator
  double buffer_accesses = 0;       ///< tile buffer reads + writes (of buffer_width_bytes)
  double buffer_bytes = 0;          ///< bytes read from and written to tile buffers (over the tile bus)
  double input_bytes = 0;           ///< bytes read from input buffers into the crossbars' input registers
  double output_bytes = 0;          ///< bytes of finished outputs written to output buffers
  double link_bytes = 0;            ///< bytes injected into the interconnect
  double output_values = 0;         ///< finished outputs (what FP scaling units multiply)
  double aligned_inputs = 0;        ///< input values routed onto crossbar rows (what aligning units route)
  Actions& operator+=(const Actions& o);
};
/// Actions of each component class for `a` (the mapping from counters to components).
Counts component_actions(const Actions& a);

/// Multipliers for an instance of `c` on `hw` (crossbar cells, ADC bits): energy per action,
/// and area (leakage follows area).
struct SizeFactors {
  double energy = 1.0, area = 1.0;
};
SizeFactors size_factors(const ComponentCost& c, const mapping::HardwareConfig& hw);
/// Actions per ns one instance of `component` performs at full activity on `hw` (0: no actions).
/// `inventory` gives the shares: a shift-and-add unit takes total ADC throughput / S+A units.
double peak_rate_per_ns(const std::string& component, const mapping::HardwareConfig& hw, const Counts& inventory);

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

/// Costs of `inventory` doing `actions` (one per inventory group, per inference) in
/// `time_per_inference_ns`. Every component with instances needs a table entry.
CostReport estimate(const Inventory& inventory, const std::vector<Actions>& actions, const CostTable& table,
                    const mapping::HardwareConfig& hw, double time_per_inference_ns, double latency_ns,
                    double ops_per_inference);
/// Area and peak power of an inventory alone (no actions).
CostReport estimate_peak(const Inventory& inventory, const CostTable& table, const mapping::HardwareConfig& hw);

nlohmann::ordered_json to_json(const CostReport& r);
/// Text tables: totals, per component (category), per layer.
std::string to_text(const CostReport& r);

}  // namespace xbarsim::models::cost
