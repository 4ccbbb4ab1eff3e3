// The inventory of a chip: how many instances of each component class it holds, per layer
// (every tile belongs to one layer, so every instance does). Built from the hardware's
// organisation (ISAAC's: crossbars in IMAs sharing registers and shift-and-add units, IMAs in
// tiles sharing an eDRAM buffer, a bus and the tile's digital units, tiles sharing routers) and
// from the mapping's allocated crossbars: unallocated (pruned) crossbars cost nothing.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "mapping/mapped_network.hpp"

namespace xbarsim::models::cost {

/// Component categories of the breakdown; "computing" is what CRIMP's computing power and
/// area count (crossbars and their converters, shift-and-add, scaling and aligning units).
enum class Category { Computing, Storage, Communication, Digital };
std::string category_name(Category c);
/// The category of a component class name; throws xbarsim::Error for an unknown name.
Category category_of(const std::string& component);
/// Every component class the inventory may use, in report order.
const std::vector<std::string>& component_names();

/// Instances per component, for one group (a layer, or the whole chip).
using Counts = std::map<std::string, double>;

struct Inventory {
  std::vector<std::string> groups;  ///< layer names (or "chip" for chip_inventory)
  std::vector<Counts> counts;       ///< per group: instances
  int tiles = 0;
  double imas = 0;
  std::size_t crossbars = 0;
  double adcs = 0;
  Counts total() const;
};

/// ADCs per crossbar: its converted quantities (columns, or column pairs with analog subtraction)
/// over columns_per_adc, rounded up.
int adcs_per_crossbar(const mapping::HardwareConfig& hw);

/// The allocated chip of a mapping: per layer, its crossbars (and their DACs per row,
/// sample-and-holds per column, ADCs, aligning units when hw.data_aligning), the IMAs its
/// crossbars fill on each tile (registers, shift-and-add units, FP scaling units when
/// hw.output_scaling is fp32), its tiles (buffer, bus, digital units) and the routers of its tiles (each router counted
/// with the layer of its first tile).
Inventory mapped_inventory(const mapping::MappedNetwork& mapped);
/// A fully populated chip of `tiles` tiles of hw.crossbars_per_tile crossbars each (one group, "chip").
Inventory chip_inventory(const mapping::HardwareConfig& hw, int tiles);

}  // namespace xbarsim::models::cost
