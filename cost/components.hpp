// The inputs of the cost model, as plain data (docs/models.md, "Energy, power and area"): the
// component classes and their categories, a chip's inventory (instances of each class per
// group, a group being a layer or the whole chip), action counts, and the parameters that size
// and pace the components. cost/ is a leaf library: it knows nothing of networks, mappings or
// simulators; the mapping (mapping/cost_inputs.hpp) and the cycle-level chip produce its inputs.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace xbarsim::cost {

/// Component categories of the breakdown; "computing" is what CRIMP's computing power and
/// area count (crossbars and their converters, shift-and-add, scaling and aligning units).
enum class Category { Computing, Storage, Communication, Digital };
std::string category_name(Category c);
/// The category of a component class name; throws xbarsim::Error for an unknown name.
Category category_of(const std::string& component);
/// Every component class, in report order.
const std::vector<std::string>& component_names();
/// Classes whose energy per action the device sets, not a cost table: "cells", the programmed
/// cells' read current (one action = one driven cell of conductance dG at full-scale voltage for
/// one read pulse; ChipParams::cell_unit_energy_pj). They have no area or leakage of their own
/// (the crossbar entry's area holds the array).
bool priced_by_device(const std::string& component);

/// Per component class: instances, or actions per inference.
using Counts = std::map<std::string, double>;

struct Inventory {
  std::vector<std::string> groups;  ///< layer names (or "chip")
  std::vector<Counts> counts;       ///< per group: instances of each class
  int tiles = 0;
  double imas = 0;
  std::size_t crossbars = 0;
  double adcs = 0;
  Counts total() const;
};

/// One measured or closed-form action count: `count` actions of `component` (what its table
/// entry's energy is for) done for group `group` per inference; `counter` names where it came
/// from (the statistic or closed form), for messages.
struct ActionRecord {
  std::size_t group = 0;
  std::string component;
  std::string counter;
  double count = 0;
};
/// Sums records into per-group counts of `groups` groups; throws xbarsim::Error for a record of
/// an unknown class or group.
std::vector<Counts> actions_by_group(const std::vector<ActionRecord>& records, std::size_t groups);

/// What sizes and paces a chip's components: the crossbar size and ADC resolution the table's
/// entries scale with, and per class its peak action rate (actions per ns of one instance at full
/// activity; 0 or absent: none).
struct ChipParams {
  int rows = 128, cols = 128, adc_bits = 8;
  Counts peak_rate_per_ns;
  /// Energy of one "cells" action: V_read^2 x dG x read pulse, pJ (docs/models.md, "Array and DAC energy").
  double cell_unit_energy_pj = 0.0;
};

}  // namespace xbarsim::cost
