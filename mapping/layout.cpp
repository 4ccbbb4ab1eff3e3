#include "mapping/layout.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"

namespace xbarsim::mapping {

std::size_t ChipLayout::placed_crossbars() const {
  std::size_t n = 0;
  for (const auto& l : layers) {
    for (const auto& r : l.copies) n += r.xbars.size();
  }
  return n;
}

namespace {

/// Conversions of the busiest ADC of a crossbar per input phase.
std::int64_t conversions_per_adc(const HardwareConfig& hw, const MappedCrossbar& xb) {
  const auto columns = static_cast<std::int64_t>(xb.cells.columns.size());
  const std::int64_t readouts = hw.subtraction == Subtraction::Analog ? (columns + 1) / 2 : columns;
  if (hw.adcs_per_ima > 0) return (readouts + hw.adcs_per_ima - 1) / hw.adcs_per_ima;  // the IMA's bank
  const int per = hw.columns_per_adc == 0 ? hw.cols : hw.columns_per_adc;
  return std::min<std::int64_t>(per, readouts);
}

/// Walks the placement of every copy of every crossbar, in order, calling
/// visit(layer, replica, index in the layer, tile, ima slot in the tile). Returns the tiles used.
template <typename Visit>
int allocate(const MappedNetwork& m, const HardwareConfig& hw, const std::vector<int>& replicas, Visit visit) {
  const int cpt = hw.crossbars_per_tile, cpi = hw.crossbars_per_ima;
  int tile = -1, slot = 0;  // slot: next crossbar position in the tile, 0..cpt-1
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    const auto& ml = m.layers[l];
    if (ml.crossbars.empty()) continue;
    if (tile < 0 || !hw.pack_layers) {
      ++tile;
      slot = 0;
    } else {
      slot = (slot + cpi - 1) / cpi * cpi;  // a fresh IMA
    }
    for (int r = 0; r < replicas[l]; ++r) {
      for (std::size_t i = 0; i < ml.crossbars.size(); ++i) {
        if (slot >= cpt) {
          ++tile;
          slot = 0;
        }
        visit(l, r, i, tile, slot / cpi);
        ++slot;
      }
    }
  }
  return tile + 1;
}

int tiles_needed(const MappedNetwork& m, const HardwareConfig& hw, const std::vector<int>& replicas) {
  return allocate(m, hw, replicas, [](std::size_t, int, std::size_t, int, int) {});
}

}  // namespace

double stage_estimate_ns(const MappedNetwork& m, std::size_t layer, int replicas) {
  const auto& hw = m.hardware;
  const auto& ml = m.layers.at(layer);
  if (ml.crossbars.empty()) return 0.0;
  const int phases = (ml.input_bits + hw.dac_bits - 1) / hw.dac_bits;
  const double read = hw.timing.read_ns(hw.rows, hw.cols, hw.adc_bits) + hw.timing.dac_ns;
  std::int64_t per_adc = 0;
  for (auto x : ml.crossbars) per_adc = std::max(per_adc, conversions_per_adc(hw, m.crossbars[x]));
  const double convert = static_cast<double>(per_adc) * hw.timing.conversion_ns(hw.adc_bits);
  const std::int64_t share = (ml.positions + replicas - 1) / replicas;
  return static_cast<double>(share) * phases * std::max(read, convert);
}

ChipLayout place(const MappedNetwork& m, const HardwareConfig& hw) {
  const std::size_t L = m.layers.size();
  std::vector<int> replicas(L, 1);
  std::map<std::string, std::size_t> index;
  for (std::size_t l = 0; l < L; ++l) index[m.layers[l].name] = l;
  for (const auto& [name, k] : hw.replicas) {
    const auto it = index.find(name);
    if (it == index.end()) {
      std::string names;
      for (const auto& ml : m.layers) names += (names.empty() ? "" : ", ") + ml.name;
      throw Error("hardware '" + hw.name + "': replicas." + name +
                  ": no weighted layer of that name (layers: " + names + ")");
    }
    replicas[it->second] =
        static_cast<int>(std::min<std::int64_t>(k, std::max<std::int64_t>(1, m.layers[it->second].positions)));
  }
  std::vector<bool> bound(L, false);
  if (hw.replication == Replication::Auto && hw.max_tiles > 0) {
    // ISAAC-style balance: copy the slowest stage while the chip still fits.
    for (;;) {
      std::size_t worst = L;
      double worst_ns = 0.0;
      for (std::size_t l = 0; l < L; ++l) {
        const double t = stage_estimate_ns(m, l, replicas[l]);
        if (t > worst_ns) {
          worst_ns = t;
          worst = l;
        }
      }
      if (worst == L) break;
      const std::int64_t positions = m.layers[worst].positions;
      const std::int64_t share = (positions + replicas[worst] - 1) / replicas[worst];
      if (share <= 1) break;  // one position per copy: nothing left to gain
      // The fewest copies that lower this stage's share by one position.
      const int next = static_cast<int>((positions + share - 2) / (share - 1));
      std::vector<int> trial = replicas;
      trial[worst] = next;
      if (tiles_needed(m, hw, trial) > hw.max_tiles) {
        bound[worst] = true;
        break;
      }
      replicas = std::move(trial);
    }
  }

  ChipLayout out;
  out.layers.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    out.layers[l].positions = m.layers[l].positions;
    out.layers[l].budget_bound = bound[l];
    if (m.layers[l].crossbars.empty()) {
      out.layers[l].replicas = 1;
      continue;
    }
    out.layers[l].replicas = replicas[l];
    out.layers[l].copies.resize(static_cast<std::size_t>(replicas[l]));
  }
  const int imas_per_tile = (hw.crossbars_per_tile + hw.crossbars_per_ima - 1) / hw.crossbars_per_ima;
  std::map<int, int> ima_id;  // tile * imas_per_tile + slot -> chip-wide IMA index
  out.tiles = allocate(m, hw, replicas, [&](std::size_t l, int r, std::size_t i, int tile, int ima_slot) {
    const int key = tile * imas_per_tile + ima_slot;
    auto it = ima_id.find(key);
    if (it == ima_id.end()) {
      it = ima_id.emplace(key, static_cast<int>(out.ima_tile.size())).first;
      out.ima_tile.push_back(tile);
    }
    auto& copy = out.layers[l].copies[static_cast<std::size_t>(r)];
    if (copy.xbars.empty()) copy.home_tile = tile;
    copy.xbars.push_back({m.layers[l].crossbars[i], tile, it->second});
  });
  out.imas = static_cast<int>(out.ima_tile.size());
  for (auto& ll : out.layers) {
    std::set<int> t;
    for (const auto& c : ll.copies) {
      for (const auto& x : c.xbars) t.insert(x.tile);
    }
    ll.tiles.assign(t.begin(), t.end());
  }
  out.tiles = std::max(1, out.tiles);
  out.tiles_per_router = hw.tiles_per_router;
  out.routers = (out.tiles + hw.tiles_per_router - 1) / hw.tiles_per_router;
  if (hw.max_tiles > 0 && out.tiles > hw.max_tiles) {
    throw Error("hardware '" + hw.name + "': max_tiles is " + std::to_string(hw.max_tiles) + " but the mapping needs " +
                std::to_string(out.tiles) + " tiles of " + std::to_string(hw.crossbars_per_tile) +
                " crossbars (replicas included)");
  }
  return out;
}

}  // namespace xbarsim::mapping
