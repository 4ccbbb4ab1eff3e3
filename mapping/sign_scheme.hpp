// Storing signed integer weights in unsigned conductance levels: bit slicing plus one
// of three sign schemes (docs/models.md). One interface, one implementation per file
// (sign_two_column.cpp, sign_differential.cpp, sign_offset.cpp), chosen by make_sign_encoder.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "mapping/crossbar_geometry.hpp"

namespace xbarsim::mapping {

/// What one physical column of a crossbar holds.
struct ColumnRole {
  enum class Kind : std::uint8_t {
    Positive,   ///< adds its slice (two-column / differential first column)
    Negative,   ///< subtracts its slice (second column of the pair)
    Offset,     ///< the offset-encoded value w + 2^(b-1), one column per slice
    Reference,  ///< offset scheme: every used row at reference_level, so its sum is m x the input total
  };
  Kind kind = Kind::Positive;
  std::int64_t channel = -1;  ///< output channel within the block (-1 for the reference column)
  int slice = 0;              ///< slice index s: weight 2^(s * cell_bits)
  bool flipped = false;       ///< ISAAC's weight flip: the cells hold max - level (apply_weight_flip)
};

/// The cells of one block: rows x columns of levels in [0, 2^cell_bits - 1], column-major.
struct EncodedBlock {
  std::int64_t rows = 0;
  std::vector<ColumnRole> columns;
  std::vector<std::uint8_t> levels;  ///< levels[col * rows + row]
  /// The level the cell holds (what is programmed).
  std::uint8_t level(std::int64_t row, std::size_t col) const {
    return levels[col * static_cast<std::size_t>(rows) + static_cast<std::size_t>(row)];
  }
  /// The level the column stands for: `level`, or max - `level` in a flipped column.
  std::int32_t logical_level(std::int64_t row, std::size_t col, int cell_bits) const {
    const std::int32_t l = level(row, col);
    return columns[col].flipped ? ((1 << cell_bits) - 1) - l : l;
  }
};

/// ISAAC's weight flip (Shafiee et al. 2016, section 5): every column (the offset scheme's
/// reference included) whose levels sum past half of rows * (2^cell_bits - 1) stores max - level
/// instead, so no column reads more than half the range and an ADC one bit narrower converts it
/// exactly; the shift-and-add recovers the column as max * (sum of the input digits) - reading.

class SignEncoder {
 public:
  virtual ~SignEncoder() = default;
  /// Encodes W (rows x channels, W(r, c) at c * rows + r, |w| <= 2^(b-1) - 1) into cells.
  virtual EncodedBlock encode(const std::vector<std::int32_t>& w, std::int64_t rows, std::int64_t channels,
                              const CrossbarGeometry& g) const = 0;
  /// The inverse: what the crossbar computes per unit input, as integers (tests, checks).
  virtual std::vector<std::int32_t> decode(const EncodedBlock& block, std::int64_t channels,
                                           const CrossbarGeometry& g) const = 0;
};

void apply_weight_flip(EncodedBlock& block, int cell_bits);

/// The offset scheme's reference level m = 2^(cell_bits-1) (1 for 1-bit cells).
constexpr int reference_level(int cell_bits) { return 1 << (cell_bits - 1); }

/// The encoder of a sign scheme.
std::unique_ptr<SignEncoder> make_sign_encoder(SignScheme scheme);

/// Slice s of a non-negative magnitude: (m >> (s * cell_bits)) & (2^cell_bits - 1).
constexpr std::uint32_t slice_of(std::uint32_t magnitude, int s, int cell_bits) {
  return (magnitude >> (s * cell_bits)) & ((1U << cell_bits) - 1U);
}

}  // namespace xbarsim::mapping
