#include "mapping/sign_common.hpp"

namespace xbarsim::mapping::detail {

EncodedBlock paired_layout(std::int64_t rows, std::int64_t channels, int slices) {
  EncodedBlock b;
  b.rows = rows;
  for (std::int64_t c = 0; c < channels; ++c) {
    for (int s = 0; s < slices; ++s) {
      b.columns.push_back({ColumnRole::Kind::Positive, c, s});
      b.columns.push_back({ColumnRole::Kind::Negative, c, s});
    }
  }
  b.levels.assign(b.columns.size() * static_cast<std::size_t>(rows), 0);
  return b;
}

std::vector<std::int32_t> decode_pairs(const EncodedBlock& block, std::int64_t channels, const CrossbarGeometry& g) {
  std::vector<std::int32_t> w(static_cast<std::size_t>(block.rows * channels), 0);
  for (std::size_t col = 0; col < block.columns.size(); ++col) {
    const auto& role = block.columns[col];
    const std::int32_t sign = role.kind == ColumnRole::Kind::Positive ? 1 : -1;
    for (std::int64_t r = 0; r < block.rows; ++r) {
      w[static_cast<std::size_t>(role.channel * block.rows + r)] +=
          sign * (block.logical_level(r, col, g.cell_bits) << (role.slice * g.cell_bits));
    }
  }
  return w;
}

}  // namespace xbarsim::mapping::detail
