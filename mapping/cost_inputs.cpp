#include "mapping/cost_inputs.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/traffic.hpp"

namespace xbarsim::mapping {

namespace {

/// Per crossbar.
void add_crossbar(const HardwareConfig& hw, double n, cost::Counts& c) {
  c["crossbar"] += n;
  c["dac"] += n * hw.rows;
  c["sample_hold"] += n * hw.cols;
  if (hw.adcs_per_ima == 0) c["adc"] += n * adcs_per_crossbar(hw);
  if (hw.data_aligning) c["data_aligning_unit"] += n;
}

/// Per IMA.
void add_ima(const HardwareConfig& hw, double n, cost::Counts& c) {
  c["input_register"] += n;
  c["output_register"] += n;
  c["shift_add"] += n * hw.shift_adds_per_ima;
  if (hw.adcs_per_ima > 0) c["adc"] += n * hw.adcs_per_ima;  // the IMA's shared bank
  if (hw.output_scaling == OutputScaling::Fp32) c["fp_scaling_unit"] += n * hw.shift_adds_per_ima;
}

/// Per tile: ISAAC's tile periphery (one eDRAM buffer, bus, tile S+A, max-pool unit and output
/// register, two activation units).
void add_tile(double n, cost::Counts& c) {
  c["edram_buffer"] += n;
  c["bus"] += n;
  c["activation"] += 2 * n;
  c["tile_shift_add"] += n;
  c["max_pool"] += n;
  c["tile_output_register"] += n;
}

}  // namespace

int adcs_per_crossbar(const HardwareConfig& hw) {
  const int capacity = hw.subtraction == Subtraction::Analog ? std::max(1, hw.cols / 2) : hw.cols;
  const int per = hw.columns_per_adc == 0 ? capacity : hw.columns_per_adc;
  return (capacity + per - 1) / per;
}

cost::Inventory mapped_inventory(const MappedNetwork& mapped) {
  // The placed chip (mapping/layout.hpp): every copy of every crossbar; each IMA and tile is
  // counted once, with the layer of the first crossbar placed on it.
  const auto& hw = mapped.hardware;
  const auto& layout = mapped.layout;
  cost::Inventory inv;
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
    cost::Counts c;
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

cost::Inventory chip_inventory(const HardwareConfig& hw, int tiles) {
  if (tiles < 1) throw Error("cost: a chip needs at least one tile, found " + std::to_string(tiles));
  cost::Inventory inv;
  inv.groups = {"chip"};
  inv.tiles = tiles;
  inv.crossbars = static_cast<std::size_t>(tiles) * static_cast<std::size_t>(hw.crossbars_per_tile);
  const double imas_per_tile = (hw.crossbars_per_tile + hw.crossbars_per_ima - 1) / hw.crossbars_per_ima;
  cost::Counts c;
  add_crossbar(hw, static_cast<double>(inv.crossbars), c);
  add_ima(hw, imas_per_tile * tiles, c);
  add_tile(tiles, c);
  c["router"] += (tiles + hw.tiles_per_router - 1) / hw.tiles_per_router;
  inv.imas = imas_per_tile * tiles;
  inv.adcs = c["adc"];
  inv.counts.push_back(std::move(c));
  return inv;
}

double peak_rate_per_ns(const std::string& component, const HardwareConfig& hw, const cost::Counts& inventory) {
  const auto& t = hw.timing;
  const double read_ns = t.read_ns(hw.rows, hw.cols, hw.adc_bits) + t.dac_ns;
  const auto count = [&](const char* k) {
    const auto it = inventory.find(k);
    return it == inventory.end() ? 0.0 : it->second;
  };
  if (component == "crossbar" || component == "dac" || component == "sample_hold") {
    return read_ns > 0 ? 1.0 / read_ns : 0.0;  // one read (drive, sample) per read cycle
  }
  if (component == "adc") return 1.0 / t.conversion_ns(hw.adc_bits);
  if (component == "shift_add" || component == "fp_scaling_unit") {
    // The units of a class share the ADCs' output stream.
    const double units = count(component.c_str());
    return units > 0 ? count("adc") / t.conversion_ns(hw.adc_bits) / units : 0.0;
  }
  if (component == "data_aligning_unit") {
    // One input value per row per position; a position takes 8 / dac_bits reads (8-bit inputs).
    return read_ns > 0 ? hw.rows * hw.dac_bits / (8.0 * read_ns) : 0.0;
  }
  if (component == "edram_buffer") return t.buffer_access_ns > 0 ? 2.0 / t.buffer_access_ns : 0.0;  // read + write
  // Bytes per ns of the tile bus, which also fills the input registers and drains the outputs.
  if (component == "bus" || component == "input_register" || component == "output_register") {
    return t.bus_width_bytes * hw.clock_ghz;
  }
  if (component == "activation") return hw.clock_ghz;                           // one value per cycle
  if (component == "router") return t.link_bytes_per_ns * hw.tiles_per_router;  // one port per tile it serves
  return 0.0;
}

cost::ChipParams chip_params(const HardwareConfig& hw, const cost::Inventory& inventory) {
  cost::ChipParams p;
  p.rows = hw.rows;
  p.cols = hw.cols;
  p.adc_bits = hw.adc_bits;
  const auto total = inventory.total();
  for (const auto& name : cost::component_names()) {
    const double r = peak_rate_per_ns(name, hw, total);
    if (r > 0) p.peak_rate_per_ns[name] = r;
  }
  return p;
}

std::int64_t readouts_of(const MappedCrossbar& xb, Subtraction subtraction) {
  std::int64_t n = 0;
  for (const auto& role : xb.cells.columns) {
    if (subtraction == Subtraction::Analog && role.kind == ColumnRole::Kind::Negative) continue;  // paired
    ++n;
  }
  return n;
}

int phases_of(const MappedLayer& layer, const HardwareConfig& hw) {
  const int dac = std::min(hw.dac_bits, layer.input_bits);
  return (layer.input_bits + dac - 1) / dac;
}

void add_closed_only_actions(const MappedNetwork& mapped, std::size_t l, cost::Counts& a) {
  const auto& ml = mapped.layers[l];
  const auto positions = static_cast<double>(ml.positions);
  const double outputs = positions * static_cast<double>(ml.shape.cout);
  a["fp_scaling_unit"] += outputs;  // one multiply per finished output
  a["activation"] += outputs;
  double rows = 0;
  for (auto xi : ml.crossbars) rows += static_cast<double>(mapped.crossbars[xi].rows.size());
  a["data_aligning_unit"] += positions * rows;  // input values routed onto crossbar rows, once per position
}

std::vector<cost::Counts> closed_form_actions(const workloads::Network& net, const MappedNetwork& mapped) {
  const auto& hw = mapped.hardware;
  const auto traffic = closed_form_traffic(net, mapped);
  std::vector<cost::Counts> out(mapped.layers.size());
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    const auto& ml = mapped.layers[l];
    auto& a = out[l];
    const double mvms = static_cast<double>(ml.positions) * phases_of(ml, hw);
    for (auto xi : ml.crossbars) {
      const auto& xb = mapped.crossbars[xi];
      const auto readouts = static_cast<double>(readouts_of(xb, hw.subtraction));
      a["crossbar"] += mvms;
      a["dac"] += mvms * static_cast<double>(xb.rows.size());
      a["sample_hold"] += mvms * readouts;
      a["adc"] += mvms * readouts;
      a["shift_add"] += mvms * readouts;
    }
    const auto& t = traffic[l];
    a["edram_buffer"] += t.fetch_accesses + t.deliver_accesses;
    a["bus"] += t.fetch_bytes + t.deliver_bytes;
    a["input_register"] += t.fetch_bytes;
    a["output_register"] += t.deliver_bytes;
    a["router"] += t.link_bytes;
    add_closed_only_actions(mapped, l, a);
  }
  return out;
}

double ops_per_inference(const MappedNetwork& mapped) {
  double macs = 0;
  for (const auto& ml : mapped.layers) {
    macs += static_cast<double>(ml.positions) * static_cast<double>(ml.shape.rows) * static_cast<double>(ml.shape.cout);
  }
  return 2.0 * macs;
}

}  // namespace xbarsim::mapping
