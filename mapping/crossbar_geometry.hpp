// How many rows and output channels of an unrolled weight matrix one crossbar holds.
// Pruning (train/) aligns its groups to this, and the mapping compiler allocates by it.
#pragma once

#include <cstdint>
#include <string>

namespace xbarsim::mapping {

/// How a signed weight is stored in unsigned conductances (docs/models.md).
enum class SignScheme {
  TwoColumn,     ///< w>0 -> (w, 0), w<0 -> (0, |w|): two columns per slice
  Differential,  ///< Yuan et al.: w>=0 -> (max, max-w), w<0 -> (max-|w|, max): two columns per slice
  Offset,        ///< w + 2^(b-1) in one column per slice, a reference column per crossbar (or a digital count)
};

std::string sign_scheme_name(SignScheme s);
/// "two-column", "differential", "offset"; throws xbarsim::Error naming `where` otherwise.
SignScheme parse_sign_scheme(const std::string& s, const std::string& where);

struct CrossbarGeometry {
  int rows = 128;
  int cols = 128;
  int cell_bits = 2;
  int weight_bits = 8;
  SignScheme sign = SignScheme::TwoColumn;
  bool reference_column = true;  ///< offset scheme: a reference column (false: subtracted digitally)

  /// Slices per weight: magnitude bits (b-1; b for offset) over cell bits, rounded up.
  int slices() const;
  /// Physical columns one output channel needs (slices x columns per slice).
  int columns_per_channel() const;
  /// Output channels that share one crossbar's columns (reference column excluded).
  int channels_per_crossbar() const;
  /// Throws xbarsim::Error (naming `where`) for impossible geometries.
  void validate(const std::string& where) const;
};

}  // namespace xbarsim::mapping
