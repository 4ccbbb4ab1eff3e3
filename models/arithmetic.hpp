// The integer arithmetic of the shift-and-add stage (ARCHITECTURE.md, arithmetic
// contract): power-of-two rescaling by an arithmetic shift with rounding, and
// clipping to the activation range. Both engines and the trainer's fake-quant
// use exactly these definitions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace xbarsim::models {

/// round(v / 2^shift) with ties rounded up (towards +inf): floor(v / 2^shift + 1/2).
/// A negative shift multiplies by 2^-shift. Uses an arithmetic right shift.
constexpr std::int64_t round_shift(std::int64_t v, int shift) {
  if (shift > 0) {
    if (shift >= 63) return v >= 0 ? 0 : (v >= -(std::int64_t{1} << 62) ? 0 : -1);
    return (v + (std::int64_t{1} << (shift - 1))) >> shift;
  }
  if (shift < 0) return v * (std::int64_t{1} << (-shift));
  return v;
}

/// How a rescale rounds a tie: up (floor(x + 1/2), the shift-and-add unit adds 2^(shift-1)
/// before the shift; xbarsim's default) or to the even neighbour (ONNX QuantizeLinear and
/// PyTorch; the unit also checks that the dropped bits are exactly one half).
enum class Rounding { HalfUp, HalfEven };

/// round(v / 2^shift) with ties to the even neighbour (a negative shift multiplies).
constexpr std::int64_t round_shift_even(std::int64_t v, int shift) {
  if (shift <= 0) return round_shift(v, shift);
  if (shift >= 63) return v >= -(std::int64_t{1} << 62) && v <= (std::int64_t{1} << 62) ? 0 : (v < 0 ? -1 : 1);
  const std::int64_t q = v >> shift;  // floor
  const std::int64_t r = v - q * (std::int64_t{1} << shift), half = std::int64_t{1} << (shift - 1);
  return r > half || (r == half && (q & 1) != 0) ? q + 1 : q;
}

constexpr std::int64_t round_shift(std::int64_t v, int shift, Rounding mode) {
  return mode == Rounding::HalfUp ? round_shift(v, shift) : round_shift_even(v, shift);
}

/// Inclusive integer range of an activation or weight code.
struct IntRange {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  constexpr std::int64_t clip(std::int64_t v) const { return std::min(hi, std::max(lo, v)); }
};

/// [0, 2^bits - 1]: activations after ReLU.
constexpr IntRange unsigned_range(int bits) { return {0, (std::int64_t{1} << bits) - 1}; }
/// [-2^(bits-1), 2^(bits-1) - 1]: signed activations (e.g. before a residual add).
constexpr IntRange signed_range(int bits) {
  return {-(std::int64_t{1} << (bits - 1)), (std::int64_t{1} << (bits - 1)) - 1};
}
/// [-(2^(bits-1) - 1), 2^(bits-1) - 1]: symmetric weights, magnitude fits bits-1 bits.
constexpr IntRange weight_range(int bits) {
  return {-((std::int64_t{1} << (bits - 1)) - 1), (std::int64_t{1} << (bits - 1)) - 1};
}

/// Quantizes a real value to the code clip(floor(x / 2^exp + 1/2)) — the same rounding as round_shift.
inline std::int64_t quantize_value(double x, int exp, IntRange range) {
  const double scaled = std::floor(std::ldexp(x, -exp) + 0.5);
  if (!(scaled > static_cast<double>(range.lo))) return range.lo;  // also catches NaN
  if (scaled > static_cast<double>(range.hi)) return range.hi;
  return static_cast<std::int64_t>(scaled);
}

/// The same with ties to even (std::nearbyint in the default rounding mode).
inline std::int64_t quantize_value(double x, int exp, IntRange range, Rounding mode) {
  if (mode == Rounding::HalfUp) return quantize_value(x, exp, range);
  const double scaled = std::nearbyint(std::ldexp(x, -exp));
  if (!(scaled > static_cast<double>(range.lo))) return range.lo;
  if (scaled > static_cast<double>(range.hi)) return range.hi;
  return static_cast<std::int64_t>(scaled);
}

/// Integer average: round(sum / count) with ties up, floor division for negative sums.
constexpr std::int64_t round_div(std::int64_t sum, std::int64_t count) {
  const std::int64_t num = 2 * sum + count;
  const std::int64_t den = 2 * count;
  return num >= 0 ? num / den : -((-num + den - 1) / den);
}

/// Integer average with ties to even.
constexpr std::int64_t round_div_even(std::int64_t sum, std::int64_t count) {
  std::int64_t q = sum / count, r = sum % count;
  if (r < 0) {  // floor division
    q -= 1;
    r += count;
  }
  return 2 * r > count || (2 * r == count && (q & 1) != 0) ? q + 1 : q;
}

constexpr std::int64_t round_div(std::int64_t sum, std::int64_t count, Rounding mode) {
  return mode == Rounding::HalfUp ? round_div(sum, count) : round_div_even(sum, count);
}

}  // namespace xbarsim::models
