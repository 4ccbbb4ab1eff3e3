// Two-column mapping: w > 0 -> (w, 0), w < 0 -> (0, |w|), w = 0 -> (0, 0), per slice.
#include "mapping/sign_encoders.hpp"

#include <cstdlib>

#include "mapping/sign_common.hpp"

namespace xbarsim::mapping {

EncodedBlock TwoColumnEncoder::encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels,
                                      const CrossbarGeometry& g) const {
  const int S = g.slices();
  EncodedBlock b = detail::paired_layout(rows, channels, S);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int32_t v = w[static_cast<std::size_t>(c * rows + r)];
      const auto m = static_cast<std::uint32_t>(std::abs(v));
      for (int s = 0; s < S; ++s) {
        const std::size_t col = static_cast<std::size_t>(c * 2 * S + 2 * s + (v < 0 ? 1 : 0));
        b.levels[col * static_cast<std::size_t>(rows) + static_cast<std::size_t>(r)] =
            static_cast<std::uint8_t>(slice_of(m, s, g.cell_bits));
      }
    }
  }
  return b;
}

std::vector<std::int32_t> TwoColumnEncoder::decode(const EncodedBlock& block, std::int64_t channels,
                                                   const CrossbarGeometry& g) const {
  return detail::decode_pairs(block, channels, g);
}

}  // namespace xbarsim::mapping
