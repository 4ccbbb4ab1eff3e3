// Offset mapping: u = w + 2^(b-1) (unsigned, b bits) sliced into one column per slice, and
// (reference_column) one reference column with every used row at the middle level
// m = 2^(cell_bits-1); the digital side computes Σ_s 2^(s·cell_bits)·col_s − 2^(b-1)/m·reference.
// The reference reads m·Σx, a multiple of every ADC step up to m, so it converts exactly where a
// level-1 reference would round. Without the column the shift-and-add subtracts 2^(b-1)·Σx
// from the digits it counts. A zero weight is stored as 2^(b-1).
#include "mapping/sign_encoders.hpp"

namespace xbarsim::mapping {

EncodedBlock OffsetEncoder::encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels,
                                   const CrossbarGeometry& g) const {
  const int S = g.slices();
  const std::int32_t offset = std::int32_t{1} << (g.weight_bits - 1);
  EncodedBlock b;
  b.rows = rows;
  for (std::int64_t c = 0; c < channels; ++c) {
    for (int s = 0; s < S; ++s) b.columns.push_back({ColumnRole::Kind::Offset, c, s});
  }
  if (g.reference_column) b.columns.push_back({ColumnRole::Kind::Reference, -1, 0});
  const auto R = static_cast<std::size_t>(rows);
  b.levels.assign(b.columns.size() * R, 0);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto u = static_cast<std::uint32_t>(w[static_cast<std::size_t>(c * rows + r)] + offset);
      for (int s = 0; s < S; ++s) {
        b.levels[static_cast<std::size_t>(c * S + s) * R + static_cast<std::size_t>(r)] =
            static_cast<std::uint8_t>(slice_of(u, s, g.cell_bits));
      }
    }
  }
  if (g.reference_column) {
    const auto mid = static_cast<std::uint8_t>(reference_level(g.cell_bits));
    for (std::size_t r = 0; r < R; ++r) b.levels[(b.columns.size() - 1) * R + r] = mid;
  }
  return b;
}

std::vector<std::int32_t> OffsetEncoder::decode(const EncodedBlock& block, std::int64_t channels,
                                                const CrossbarGeometry& g) const {
  const std::int32_t offset = std::int32_t{1} << (g.weight_bits - 1);
  std::vector<std::int32_t> w(static_cast<std::size_t>(block.rows * channels), 0);
  const std::size_t ref = g.reference_column ? block.columns.size() - 1 : block.columns.size();
  for (std::size_t col = 0; col < ref; ++col) {
    const auto& role = block.columns[col];
    for (std::int64_t r = 0; r < block.rows; ++r) {
      w[static_cast<std::size_t>(role.channel * block.rows + r)] += block.logical_level(r, col, g.cell_bits)
                                                                    << (role.slice * g.cell_bits);
    }
  }
  // The reference column's reading times 2^(b-1) / m, or (digital) 2^(b-1) per unit input.
  const int mid = reference_level(g.cell_bits);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t r = 0; r < block.rows; ++r) {
      const std::int32_t ref_level = g.reference_column ? block.logical_level(r, ref, g.cell_bits) : mid;
      w[static_cast<std::size_t>(c * block.rows + r)] -= offset * ref_level / mid;
    }
  }
  return w;
}

}  // namespace xbarsim::mapping
