// Differential mapping (Yuan et al. 2021), per slice with L = 2^cell_bits - 1:
// w >= 0 -> (L, L - m_s), w < 0 -> (L - m_s, L); a zero is stored with both cells fully on,
// so the frequent stuck-on fault leaves it exact.
#include "mapping/sign_encoders.hpp"

#include <cstdlib>

#include "mapping/sign_common.hpp"

namespace xbarsim::mapping {

EncodedBlock DifferentialEncoder::encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels,
                                         const CrossbarGeometry& g) const {
  const int S = g.slices();
  const auto L = static_cast<std::uint8_t>((1U << g.cell_bits) - 1U);
  EncodedBlock b = detail::paired_layout(rows, channels, S);
  const auto R = static_cast<std::size_t>(rows);
  for (std::int64_t c = 0; c < channels; ++c) {
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int32_t v = w[static_cast<std::size_t>(c * rows + r)];
      const auto m = static_cast<std::uint32_t>(std::abs(v));
      for (int s = 0; s < S; ++s) {
        const auto ms = static_cast<std::uint8_t>(slice_of(m, s, g.cell_bits));
        const std::size_t pos = static_cast<std::size_t>(c * 2 * S + 2 * s);
        b.levels[pos * R + static_cast<std::size_t>(r)] = v >= 0 ? L : static_cast<std::uint8_t>(L - ms);
        b.levels[(pos + 1) * R + static_cast<std::size_t>(r)] = v >= 0 ? static_cast<std::uint8_t>(L - ms) : L;
      }
    }
  }
  return b;
}

std::vector<std::int32_t> DifferentialEncoder::decode(const EncodedBlock& block, std::int64_t channels,
                                                      const CrossbarGeometry& g) const {
  return detail::decode_pairs(block, channels, g);
}

}  // namespace xbarsim::mapping
