// Component cost tables (docs/formats.md, "Cost table JSON"; docs/models.md, "Energy, power and
// area"): per component, the energy of one action, the static (leakage) power and the area of
// one instance, the technology node of the source and the source itself. Tables are data files
// (workloads/cost/*.json) picked by name or path, like the hardware presets; entries published
// at another node are scaled to the table's node on load (scale_component).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xbarsim::cost {

inline constexpr int kCostTableFormatVersion = 1;

/// How an ADC's energy and area follow its resolution b (docs/models.md):
/// Exponential: both x 2^(b - b_ref) (constant Walden figure of merit);
/// NeuroSimSar: NeuroSim V1.4's SAR fit, energy x (0.538 b + 4.3753)(b + 1) / same at b_ref,
/// area x (296 + 182 b) / (296 + 182 b_ref).
enum class BitsScaling { Exponential, NeuroSimSar };

/// One component class.
struct ComponentCost {
  std::string name;
  std::string action;       ///< what one action is (the unit of energy_pj)
  double energy_pj = 0.0;   ///< dynamic energy of one action
  double leakage_mw = 0.0;  ///< static power of one instance
  double area_um2 = 0.0;    ///< area of one instance
  int technology_nm = 32;   ///< node of the published numbers (before scaling)
  /// Size the numbers are for; the estimator scales an instance of another size (docs/models.md):
  int reference_bits = 0;  ///< ADC resolution the numbers are for (scaled by bits_scaling); 0 = n/a
  BitsScaling bits_scaling = BitsScaling::Exponential;
  int reference_rows = 0;  ///< crossbar rows and columns (energy and area x cells / reference cells); 0 = n/a
  int reference_cols = 0;
  std::string source;  ///< citation
  std::string note;    ///< derivation, confidence
};

struct CostTable {
  std::string name;
  std::string path;  ///< the file it was read from
  std::string description;
  int technology_nm = 32;
  std::map<std::string, ComponentCost> components;

  bool has(const std::string& component) const { return components.count(component) != 0; }
  /// The entry; throws xbarsim::Error naming the table and the missing component.
  const ComponentCost& at(const std::string& component) const;
};

/// Supply voltage of a node (V) for technology scaling (docs/models.md gives the source).
double node_vdd(int technology_nm);
/// An entry's numbers moved from its node to `to_nm`: area x (to/from)^2, dynamic energy
/// x (to/from) (V_to/V_from)^2, leakage power x (to/from) (V_to/V_from) [docs/models.md].
ComponentCost scale_component(const ComponentCost& c, int to_nm);

/// Names of the shipped tables and their folder.
std::vector<std::string> cost_table_presets();
std::string cost_table_dir();
/// A preset name ("isaac_32nm") or a path; errors name the file and key.
CostTable load_cost_table(const std::string& spec);
/// The table as JSON (after scaling), every key.
nlohmann::ordered_json to_json(const CostTable& table);

}  // namespace xbarsim::cost
