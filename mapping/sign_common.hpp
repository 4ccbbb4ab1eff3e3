// Shared by the paired-column encoders (two-column and differential): layout of the
// columns of a block, channel-major, slice-minor, positive before negative.
#pragma once

#include "mapping/sign_scheme.hpp"

namespace xbarsim::mapping::detail {

/// Columns [c * 2S + 2s] (positive) and [c * 2S + 2s + 1] (negative) for channel c, slice s.
EncodedBlock paired_layout(std::int64_t rows, std::int64_t channels, int slices);

/// Σ_s (level(pos_s) − level(neg_s)) · 2^(s·cell_bits) per (row, channel): what both paired schemes compute.
std::vector<std::int32_t> decode_pairs(const EncodedBlock& block, std::int64_t channels, const CrossbarGeometry& g);

}  // namespace xbarsim::mapping::detail
