#include "mapping/cost_inputs.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/traffic.hpp"

namespace xbarsim::mapping {

namespace {

/// Per crossbar.
void add_crossbar(const HardwareConfig& hw, double n, cost::Counts& c) {
  c["crossbar"] += n;
  c["cells"] += n;
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

DigitStats digit_stats(int digit_bits, int dac_bits, double density) {
  // d = sum_j b_j 2^j over digit_bits independent bits, each 1 with probability rho.
  const double rho = density, k = digit_bits;
  const double full = std::ldexp(1.0, dac_bits) - 1;
  const double mean = rho * (std::ldexp(1.0, digit_bits) - 1);
  const double var = rho * (1 - rho) * (std::pow(4.0, k) - 1) / 3;
  DigitStats s;
  s.nonzero = 1 - std::pow(1 - rho, k);
  s.square = (var + mean * mean) / (full * full);
  return s;
}

DigitStats input_digit_stats(const MappedLayer& layer, const HardwareConfig& hw) {
  const int dac = std::min(hw.dac_bits, layer.input_bits);
  DigitStats total;
  for (int p = 0, left = layer.input_bits; left > 0; ++p, left -= dac) {
    const auto s = digit_stats(std::min(dac, left), dac, hw.input_bit_density);
    total.nonzero += s.nonzero;
    total.square += s.square;
  }
  return total;
}

double zero_level_units(const HardwareConfig& hw) {
  const auto& d = hw.device;
  return d.g_min_us / ((d.g_max_us - d.g_min_us) / (std::ldexp(1.0, hw.cell_bits) - 1));
}

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
    if (l == 0 && hw.cost_host_link) c["host_link"] += 1;  // the chip's off-chip link, with the first layer
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
  if (hw.cost_host_link) c["host_link"] += 1;
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
  const bool array =
      component == "crossbar" || component == "sample_hold" || component == "dac" || component == "cells";
  if (array && read_ns <= 0) return 0.0;
  if (component == "crossbar" || component == "sample_hold") return 1.0 / read_ns;  // one read (sample) per read
  // At the stated input bit density with full-width digits and uniformly spread cell levels.
  const DigitStats digit = digit_stats(hw.dac_bits, hw.dac_bits, hw.input_bit_density);
  if (component == "dac") return digit.nonzero / read_ns;
  if (component == "cells") {
    const double levels = std::ldexp(1.0, hw.cell_bits);
    const double mean_units = (levels - 1) / 2 + zero_level_units(hw);
    return static_cast<double>(hw.rows) * hw.cols * mean_units * digit.square / read_ns;
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
  if (component == "host_link") return t.host_link_bytes_per_ns;
  return 0.0;
}

cost::ChipParams chip_params(const HardwareConfig& hw, const cost::Inventory& inventory) {
  cost::ChipParams p;
  // V^2 [V^2] x dG [uS] x t [ns] = 1e-15 J = 1e-3 pJ
  const auto& d = hw.device;
  const double dg_us = (d.g_max_us - d.g_min_us) / (std::ldexp(1.0, hw.cell_bits) - 1);
  p.cell_unit_energy_pj = d.read_voltage_v * d.read_voltage_v * dg_us * d.read_pulse_ns * 1e-3;
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
    const auto positions = static_cast<double>(ml.positions);
    const double mvms = positions * phases_of(ml, hw);
    const DigitStats digit = input_digit_stats(ml, hw);
    const double g0 = zero_level_units(hw);
    for (auto xi : ml.crossbars) {
      const auto& xb = mapped.crossbars[xi];
      const auto readouts = static_cast<double>(readouts_of(xb, hw.subtraction));
      a["crossbar"] += mvms;
      // Expected at the stated input bit density, on the cells' target levels (no programming).
      a["dac"] += positions * digit.nonzero * static_cast<double>(xb.rows.size());
      double units = 0;
      for (std::size_t c = 0; c < xb.cells.columns.size(); ++c) {
        for (std::int64_t i = 0; i < xb.cells.rows; ++i) units += xb.cells.level(i, c) + g0;
      }
      a["cells"] += positions * digit.square * units;
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
    a["host_link"] += t.host_bytes;
    add_closed_only_actions(mapped, l, a);
  }
  return out;
}

PeakPerformance peak_performance(const HardwareConfig& hw, int tiles, int weight_bits, int input_bits) {
  if (tiles < 1) throw Error("peak: a chip needs at least one tile, found " + std::to_string(tiles));
  if (input_bits < 1 || input_bits > 32)
    throw Error("peak: input bits must be 1..32, found " + std::to_string(input_bits));
  CrossbarGeometry g;
  g.rows = hw.rows;
  g.cols = hw.cols;
  g.cell_bits = hw.cell_bits;
  g.weight_bits = weight_bits;
  g.sign = hw.sign;
  g.validate("peak");
  PeakPerformance p;
  p.crossbars = static_cast<std::int64_t>(tiles) * hw.crossbars_per_tile;
  p.rows = hw.rows;
  p.weights_per_crossbar = g.channels_per_crossbar();
  const int dac = std::min(hw.dac_bits, input_bits);
  p.phases = (input_bits + dac - 1) / dac;
  // The busiest ADC of a full crossbar, as the layout's stage estimate counts it.
  const std::int64_t columns = static_cast<std::int64_t>(p.weights_per_crossbar) * g.columns_per_channel() +
                               (hw.sign == SignScheme::Offset ? 1 : 0);
  const std::int64_t readouts = hw.subtraction == Subtraction::Analog ? (columns + 1) / 2 : columns;
  std::int64_t per_adc = 0;
  if (hw.adcs_per_ima > 0) {
    per_adc = (readouts + hw.adcs_per_ima - 1) / hw.adcs_per_ima;
  } else {
    per_adc = std::min<std::int64_t>(hw.columns_per_adc == 0 ? hw.cols : hw.columns_per_adc, readouts);
  }
  const auto& t = hw.timing;
  const double read = t.read_ns(hw.rows, hw.cols, hw.adc_bits) + t.dac_ns;
  p.phase_ns = std::max(read, static_cast<double>(per_adc) * t.conversion_ns(hw.adc_bits));
  p.ops_per_ns = 2.0 * static_cast<double>(p.crossbars) * p.rows * p.weights_per_crossbar / (p.phases * p.phase_ns);
  return p;
}

double ops_per_inference(const MappedNetwork& mapped) {
  double macs = 0;
  for (const auto& ml : mapped.layers) {
    macs += static_cast<double>(ml.positions) * static_cast<double>(ml.shape.rows) * static_cast<double>(ml.shape.cout);
  }
  return 2.0 * macs;
}

}  // namespace xbarsim::mapping
