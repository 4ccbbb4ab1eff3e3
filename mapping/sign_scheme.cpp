#include "mapping/sign_scheme.hpp"

#include "mapping/sign_encoders.hpp"

namespace xbarsim::mapping {

void apply_weight_flip(EncodedBlock& block, int cell_bits) {
  const std::int64_t max = (std::int64_t{1} << cell_bits) - 1;
  const auto R = static_cast<std::size_t>(block.rows);
  for (std::size_t col = 0; col < block.columns.size(); ++col) {
    auto& role = block.columns[col];
    if (role.flipped) continue;
    std::int64_t sum = 0;
    for (std::size_t r = 0; r < R; ++r) sum += block.levels[col * R + r];
    if (2 * sum <= block.rows * max) continue;
    for (std::size_t r = 0; r < R; ++r)
      block.levels[col * R + r] = static_cast<std::uint8_t>(max - block.levels[col * R + r]);
    role.flipped = true;
  }
}

std::unique_ptr<SignEncoder> make_sign_encoder(SignScheme scheme) {
  switch (scheme) {
    case SignScheme::TwoColumn: return std::make_unique<TwoColumnEncoder>();
    case SignScheme::Differential: return std::make_unique<DifferentialEncoder>();
    case SignScheme::Offset: return std::make_unique<OffsetEncoder>();
  }
  return nullptr;
}

}  // namespace xbarsim::mapping
