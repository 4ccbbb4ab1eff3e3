// The three SignEncoder implementations; each is defined in its own file
// (sign_two_column.cpp, sign_differential.cpp, sign_offset.cpp).
#pragma once

#include "mapping/sign_scheme.hpp"

namespace xbarsim::mapping {

#define XBARSIM_DECLARE_SIGN_ENCODER(Name)                                                            \
  class Name final : public SignEncoder {                                                             \
   public:                                                                                            \
    EncodedBlock encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels, \
                        const CrossbarGeometry& g) const override;                                    \
    std::vector<std::int32_t> decode(const EncodedBlock& block, std::int64_t channels,                \
                                     const CrossbarGeometry& g) const override;                       \
  }

XBARSIM_DECLARE_SIGN_ENCODER(TwoColumnEncoder);
XBARSIM_DECLARE_SIGN_ENCODER(DifferentialEncoder);
XBARSIM_DECLARE_SIGN_ENCODER(OffsetEncoder);

#undef XBARSIM_DECLARE_SIGN_ENCODER

}  // namespace xbarsim::mapping
