#include "models/cost/inventory.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace xbarsim::models::cost {

namespace {

struct ClassInfo {
  const char* name;
  Category category;
};

constexpr ClassInfo kClasses[] = {
    {"crossbar", Category::Computing},           {"dac", Category::Computing},
    {"sample_hold", Category::Computing},        {"adc", Category::Computing},
    {"shift_add", Category::Computing},          {"fp_scaling_unit", Category::Computing},
    {"data_aligning_unit", Category::Computing}, {"input_register", Category::Storage},
    {"output_register", Category::Storage},      {"edram_buffer", Category::Storage},
    {"tile_output_register", Category::Storage}, {"bus", Category::Communication},
    {"router", Category::Communication},         {"activation", Category::Digital},
    {"tile_shift_add", Category::Digital},       {"max_pool", Category::Digital},
};

/// Per crossbar.
void add_crossbar(const mapping::HardwareConfig& hw, double n, Counts& c) {
  c["crossbar"] += n;
  c["dac"] += n * hw.rows;
  c["sample_hold"] += n * hw.cols;
  if (hw.adcs_per_ima == 0) c["adc"] += n * adcs_per_crossbar(hw);
  if (hw.data_aligning) c["data_aligning_unit"] += n;
}

/// Per IMA.
void add_ima(const mapping::HardwareConfig& hw, double n, Counts& c) {
  c["input_register"] += n;
  c["output_register"] += n;
  c["shift_add"] += n * hw.shift_adds_per_ima;
  if (hw.adcs_per_ima > 0) c["adc"] += n * hw.adcs_per_ima;  // the IMA's shared bank
  if (hw.output_scaling == mapping::OutputScaling::Fp32) c["fp_scaling_unit"] += n * hw.shift_adds_per_ima;
}

/// Per tile: ISAAC's tile periphery (one eDRAM buffer, bus, tile S+A, max-pool unit and output
/// register, two activation units).
void add_tile(double n, Counts& c) {
  c["edram_buffer"] += n;
  c["bus"] += n;
  c["activation"] += 2 * n;
  c["tile_shift_add"] += n;
  c["max_pool"] += n;
  c["tile_output_register"] += n;
}

}  // namespace

std::string category_name(Category c) {
  switch (c) {
    case Category::Computing: return "computing";
    case Category::Storage: return "storage";
    case Category::Communication: return "communication";
    case Category::Digital: return "digital";
  }
  return "?";
}

Category category_of(const std::string& component) {
  for (const auto& k : kClasses) {
    if (component == k.name) return k.category;
  }
  throw Error("cost: unknown component class '" + component + "'");
}

const std::vector<std::string>& component_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& k : kClasses) v.emplace_back(k.name);
    return v;
  }();
  return names;
}

Counts Inventory::total() const {
  Counts t;
  for (const auto& g : counts) {
    for (const auto& [k, v] : g) t[k] += v;
  }
  return t;
}

int adcs_per_crossbar(const mapping::HardwareConfig& hw) {
  const int capacity = hw.subtraction == mapping::Subtraction::Analog ? std::max(1, hw.cols / 2) : hw.cols;
  const int per = hw.columns_per_adc == 0 ? capacity : hw.columns_per_adc;
  return (capacity + per - 1) / per;
}

Inventory mapped_inventory(const mapping::MappedNetwork& mapped) {
  // The placed chip (mapping/layout.hpp): every copy of every crossbar; each IMA and tile is
  // counted once, with the layer of the first crossbar placed on it.
  const auto& hw = mapped.hardware;
  const auto& layout = mapped.layout;
  Inventory inv;
  inv.tiles = layout.tiles;
  inv.crossbars = layout.placed_crossbars();
  std::map<int, std::size_t> ima_owner, tile_owner, router_owner;
  for (std::size_t l = 0; l < layout.layers.size(); ++l) {
    for (const auto& copy : layout.layers[l].copies) {
      for (const auto& x : copy.xbars) {
        ima_owner.emplace(x.ima, l);
        tile_owner.emplace(x.tile, l);
      }
    }
  }
  // A tile without crossbars (a network of bias-only layers) belongs to the first layer; a
  // router to the layer of its first tile.
  for (int t = 0; t < layout.tiles; ++t) tile_owner.emplace(t, 0);
  for (int t = 0; t < layout.tiles; ++t) router_owner.emplace(layout.router_of(t), tile_owner.at(t));
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    inv.groups.push_back(mapped.layers[l].name);
    Counts c;
    std::size_t placed = 0;
    for (const auto& copy : layout.layers[l].copies) placed += copy.xbars.size();
    add_crossbar(hw, static_cast<double>(placed), c);
    double imas = 0, tiles = 0, routers = 0;
    for (const auto& [ima, owner] : ima_owner) imas += owner == l ? 1 : 0;
    for (const auto& [tile, owner] : tile_owner) tiles += owner == l ? 1 : 0;
    for (const auto& [router, owner] : router_owner) routers += owner == l ? 1 : 0;
    add_ima(hw, imas, c);
    add_tile(tiles, c);
    c["router"] += routers;
    inv.imas += imas;
    inv.adcs += c["adc"];
    inv.counts.push_back(std::move(c));
  }
  return inv;
}

Inventory chip_inventory(const mapping::HardwareConfig& hw, int tiles) {
  if (tiles < 1) throw Error("cost: a chip needs at least one tile, found " + std::to_string(tiles));
  Inventory inv;
  inv.groups = {"chip"};
  inv.tiles = tiles;
  inv.crossbars = static_cast<std::size_t>(tiles) * static_cast<std::size_t>(hw.crossbars_per_tile);
  const double imas_per_tile = (hw.crossbars_per_tile + hw.crossbars_per_ima - 1) / hw.crossbars_per_ima;
  Counts c;
  add_crossbar(hw, static_cast<double>(inv.crossbars), c);
  add_ima(hw, imas_per_tile * tiles, c);
  add_tile(tiles, c);
  c["router"] += (tiles + hw.tiles_per_router - 1) / hw.tiles_per_router;
  inv.imas = imas_per_tile * tiles;
  inv.adcs = c["adc"];
  inv.counts.push_back(std::move(c));
  return inv;
}

}  // namespace xbarsim::models::cost
