// Crossbar-aligned pruning (CRIMP) and unstructured pruning (Yuan et al.'s baseline):
// the groups of the unrolled weight matrix that are pruned together, masks that reach a
// target sparsity by group L2 norm, and the closed-form crossbar count of a masked layer.
//
// Unrolled matrix W of a layer: rows r = (ci*kh + ky)*kw + kx (see unroll.hpp), columns =
// output channels. A weight tensor [Cout, Cin, kh, kw] (or [Cout, in]) stores W(r, c) at
// index c * rows + r, so masks use that layout too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "mapping/crossbar_geometry.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {

enum class PruneMethod {
  Crossbar,             ///< whole crossbar-sized blocks: R rows x the channels sharing one crossbar
  KernelGroup,          ///< kh*kw rows of one input channel x the channels sharing one crossbar
  CrossbarKernelGroup,  ///< both kinds of group compete (ranked by RMS)
  Unstructured,         ///< single weights by magnitude
};
std::string prune_method_name(PruneMethod m);
PruneMethod parse_prune_method(const std::string& s, const std::string& where);

/// Shape of one layer's unrolled weight matrix.
struct UnrolledShape {
  std::int64_t rows = 0;         ///< Cin * kh * kw (in_features for linear)
  std::int64_t cout = 0;         ///< output channels
  std::int64_t kernel_area = 1;  ///< kh * kw (1 for linear): rows per kernel group
};

/// The unrolled shape of a conv2d or linear layer.
UnrolledShape unrolled_shape(const workloads::Layer& layer);

/// Rows [row_begin, row_end) x columns [col_begin, col_end) of the unrolled matrix.
struct WeightGroup {
  std::int64_t row_begin = 0, row_end = 0, col_begin = 0, col_end = 0;
  std::int64_t size() const { return (row_end - row_begin) * (col_end - col_begin); }
};

std::vector<WeightGroup> crossbar_blocks(const UnrolledShape& s, const CrossbarGeometry& g);
std::vector<WeightGroup> kernel_groups(const UnrolledShape& s, const CrossbarGeometry& g);

/// One layer handed to the pruner: its shape and current weights (index c * rows + r).
struct PrunableLayer {
  std::string name;
  UnrolledShape shape;
  const float* weights = nullptr;
};

struct PruneOptions {
  PruneMethod method = PruneMethod::KernelGroup;
  double sparsity = 0.5;  ///< fraction of the (in-scope) weights set to zero
  bool global = true;     ///< rank groups across all layers (false: each layer reaches `sparsity`)
};

/// Keep-masks (1 = keep), one per layer, layout c * rows + r. Groups are ranked by their
/// RMS (L2 norm / sqrt(size)) relative to their layer's RMS, and pruned from the smallest
/// until the target is reached (globally, or in each layer). A group that would take a layer's
/// last weights is skipped: every layer keeps at least one group, so a layer that only one
/// whole group could bring to the target stays below it.
std::vector<std::vector<std::uint8_t>> compute_masks(const std::vector<PrunableLayer>& layers,
                                                     const CrossbarGeometry& g, const PruneOptions& options);

/// What a (masked) layer occupies. Allocation rule shared with the mapping compiler:
/// per group of channels sharing a crossbar, the kernel groups that are entirely zero
/// are removed (rows compacted), the rest is cut into blocks of R rows, and a block that
/// is entirely zero is not allocated.
struct LayerFootprint {
  std::int64_t weights = 0, nonzero = 0;
  std::int64_t crossbar_blocks = 0, crossbar_blocks_kept = 0;  ///< uncompacted R x G blocks
  std::int64_t kernel_groups = 0, kernel_groups_kept = 0;
  std::int64_t crossbars_dense = 0;  ///< ceil(rows / R) * ceil(cout / G)
  std::int64_t crossbars = 0;        ///< after removal and compaction
  double sparsity() const {
    return weights == 0 ? 0.0 : 1.0 - static_cast<double>(nonzero) / static_cast<double>(weights);
  }
};

/// `keep` holds 1 where W(r, c) is kept; layout c * rows + r.
LayerFootprint footprint(const UnrolledShape& s, const std::vector<std::uint8_t>& keep, const CrossbarGeometry& g);

}  // namespace xbarsim::mapping
