#pragma once

#include "mapping/sign_scheme.hpp"

namespace xbarsim::mapping {

class OffsetEncoder final : public SignEncoder {
 public:
  EncodedBlock encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels,
                      const CrossbarGeometry& g) const override;
  std::vector<std::int32_t> decode(const EncodedBlock& block, std::int64_t channels,
                                   const CrossbarGeometry& g) const override;
};

}  // namespace xbarsim::mapping
