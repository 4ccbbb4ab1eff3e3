#include "mapping/crossbar_geometry.hpp"

#include "common/error.hpp"

namespace xbarsim::mapping {

std::string sign_scheme_name(SignScheme s) {
  switch (s) {
    case SignScheme::TwoColumn: return "two-column";
    case SignScheme::Differential: return "differential";
    case SignScheme::Offset: return "offset";
  }
  return "?";
}

SignScheme parse_sign_scheme(const std::string& s, const std::string& where) {
  if (s == "two-column") return SignScheme::TwoColumn;
  if (s == "differential") return SignScheme::Differential;
  if (s == "offset") return SignScheme::Offset;
  throw make_error(where, "unknown sign scheme \"" + s + "\", expected two-column, differential or offset");
}

int CrossbarGeometry::slices() const {
  const int magnitude_bits = sign == SignScheme::Offset ? weight_bits : weight_bits - 1;
  return (magnitude_bits + cell_bits - 1) / cell_bits;
}

int CrossbarGeometry::columns_per_channel() const { return sign == SignScheme::Offset ? slices() : 2 * slices(); }

int CrossbarGeometry::channels_per_crossbar() const {
  const int usable = sign == SignScheme::Offset && reference_column ? cols - 1 : cols;
  return usable / columns_per_channel();
}

void CrossbarGeometry::validate(const std::string& where) const {
  if (rows < 1 || cols < 1) throw make_error(where, "crossbar rows and cols must be at least 1");
  if (cell_bits < 1 || cell_bits > 8)
    throw make_error(where, "cell_bits must be in [1, 8], found " + std::to_string(cell_bits));
  if (weight_bits < 2 || weight_bits > 16)
    throw make_error(where, "weight_bits must be in [2, 16], found " + std::to_string(weight_bits));
  if (channels_per_crossbar() < 1) {
    throw make_error(where, "a " + std::to_string(cols) + "-column crossbar cannot hold one output channel (" +
                                std::to_string(columns_per_channel()) + " columns with " + sign_scheme_name(sign) +
                                (sign == SignScheme::Offset && reference_column ? " plus a reference column" : "") +
                                ")");
  }
}

}  // namespace xbarsim::mapping
