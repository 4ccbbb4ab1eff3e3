#include "mapping/sign_scheme.hpp"

#include "mapping/sign_encoders.hpp"

namespace xbarsim::mapping {

std::unique_ptr<SignEncoder> make_sign_encoder(SignScheme scheme) {
  switch (scheme) {
    case SignScheme::TwoColumn: return std::make_unique<TwoColumnEncoder>();
    case SignScheme::Differential: return std::make_unique<DifferentialEncoder>();
    case SignScheme::Offset: return std::make_unique<OffsetEncoder>();
  }
  return nullptr;
}

}  // namespace xbarsim::mapping
