// The mapping compiler: an integer (optionally pruned) Network onto crossbars of any size.
// Allocation per layer follows mapping::footprint's rule (pruning.hpp): per group of output
// channels sharing a crossbar, kernel groups that are entirely zero are removed, the kept rows
// are compacted into blocks of R rows, and an all-zero block is never allocated.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mapping/hardware.hpp"
#include "mapping/layout.hpp"
#include "mapping/pruning.hpp"
#include "mapping/sign_scheme.hpp"
#include "models/arithmetic.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {

/// One allocated crossbar.
struct MappedCrossbar {
  std::size_t layer = 0;           ///< index into MappedNetwork::layers
  std::int64_t channel_begin = 0;  ///< output channels [channel_begin, channel_end)
  std::int64_t channel_end = 0;
  std::vector<std::int64_t> rows;  ///< unrolled input rows it reads (compacted), at most R
  EncodedBlock cells;              ///< target levels and the role of every column
  int tile = 0;
};

/// A conv2d/linear layer on crossbars, with its digital post-processing (shift-and-add stage).
struct MappedLayer {
  std::string name;
  UnrolledShape shape;
  CrossbarGeometry geometry;           ///< with this layer's weight bits
  LayerFootprint footprint;            ///< counts (pruning.hpp)
  std::vector<std::size_t> crossbars;  ///< indices into MappedNetwork::crossbars (empty: bias only)
  std::int64_t positions = 1;          ///< output positions per image (out_h x out_w; 1 for linear)
  int first_tile = 0;                  ///< home tile of the first copy (layout.layers[l])
  int tiles = 0;                       ///< tiles its copies use
  std::vector<std::int32_t> bias;      ///< at the accumulator scale
  std::vector<int> shift;              ///< per output channel: e_out - e_in - e_w (0 when raw)
  bool raw = false;                    ///< emits accumulators (output layer)
  models::IntRange range;              ///< output clip range
  models::IntRange input_range;        ///< codes the layer reads (drive the DACs bit-serially)
  int input_bits = 8;                  ///< bits of input_range (two's complement when signed)
  bool input_signed() const { return input_range.lo < 0; }
  /// Bits of one output code as it moves between tiles: 32 (raw accumulators) or the range's width.
  int output_code_bits() const {
    if (raw) return 32;
    int bits = 1;
    while ((std::int64_t{1} << bits) < range.hi - range.lo + 1) ++bits;
    return bits;
  }
};

struct MappedNetwork {
  HardwareConfig hardware;
  std::vector<MappedLayer> layers;
  std::vector<MappedCrossbar> crossbars;  ///< one per distinct block of cells; copies are in `layout`
  ChipLayout layout;                      ///< where every copy of every crossbar sits
  int tiles = 0;                          ///< = layout.tiles

  /// The integer weight matrix (layout c * rows + r) rebuilt from the crossbars' cells.
  std::vector<std::int32_t> reconstruct(std::size_t layer) const;
};

/// Compiles a quantized network and places it (mapping::place: replicas, tiles, IMAs). Throws
/// xbarsim::Error when the network needs more than hardware.max_tiles tiles, when a layer needs
/// more than one tile and hardware.layers_span_tiles is false, or when it is not quantized.
MappedNetwork compile(const workloads::Network& net, const HardwareConfig& hw);

}  // namespace xbarsim::mapping
