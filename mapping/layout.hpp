// The chip's organisation as placed for one mapped network (docs/architecture.md, "Chip
// layout"): every layer's crossbars, copied `replicas` times for throughput, placed on IMAs
// (hw.crossbars_per_ima crossbars sharing registers, shift-and-add units and optionally an
// ADC bank) and tiles (hw.crossbars_per_tile crossbars sharing a buffer, a bus and a share
// of a router). The SystemC chip and the cost inventory are both built from this one layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xbarsim::mapping {

struct HardwareConfig;
struct MappedNetwork;

/// One placed copy of a crossbar.
struct PlacedCrossbar {
  std::size_t crossbar = 0;  ///< index in MappedNetwork::crossbars (the cells it holds)
  int tile = 0;
  int ima = 0;  ///< chip-wide IMA index
};

/// One copy of a layer's crossbars; it computes the output positions assigned to it.
struct Replica {
  std::vector<PlacedCrossbar> xbars;  ///< in the order of MappedLayer::crossbars
  int home_tile = 0;                  ///< merges partial sums and emits the outputs
};

struct LayerLayout {
  std::int64_t positions = 1;  ///< output positions per image
  int replicas = 1;
  bool budget_bound = false;    ///< Auto replication stopped here because the next copy did not fit max_tiles
  std::vector<Replica> copies;  ///< empty when the layer has no crossbars (bias only)
  std::vector<int> tiles;       ///< tiles its copies use (sorted)
};

struct ChipLayout {
  int tiles = 0;  ///< at least 1: layers without crossbars still run their biases on a tile
  int imas = 0;
  int tiles_per_router = 1;
  int routers = 0;  ///< ceil(tiles / tiles_per_router): the concentrated mesh (tile t on router t / tiles_per_router)
  std::vector<int> ima_tile;  ///< per IMA: its tile
  std::vector<LayerLayout> layers;
  std::size_t placed_crossbars() const;
  int router_of(int tile) const { return tile / tiles_per_router; }
};

/// Positions-per-image cost of one layer in the analytic balance used by Auto replication:
/// ceil(positions / replicas) x phases x max(read, conversion) per phase (ns).
double stage_estimate_ns(const MappedNetwork& mapped, std::size_t layer, int replicas);

/// Places `mapped` (its layers' positions set) onto the chip: replicas from hw.replicas, then,
/// with hw.replication Auto, more copies of the slowest stage (stage_estimate_ns) while the
/// chip stays within hw.max_tiles. Layers start on a fresh tile (a fresh IMA with
/// hw.pack_layers); copies of a layer follow each other. Throws xbarsim::Error when the
/// placement exceeds max_tiles or a layer named in hw.replicas does not exist.
ChipLayout place(const MappedNetwork& mapped, const HardwareConfig& hw);

}  // namespace xbarsim::mapping
