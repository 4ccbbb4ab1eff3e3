// The ADC transfer function (docs/models.md, "ADC"): a uniform quantizer with a power-of-two
// step (LSB), so its output code times the step is a fixed-point partial sum the shift-and-add
// stage only shifts. The step is the smallest power of two whose top code reaches the range:
// above one level when the ADC is too narrow for the column, below one level when it has bits
// to spare. Unipolar for single columns, bipolar for analog-subtracted column pairs or signed
// inputs. An ADC whose range covers the column's full scale with a step of at most 1 is exact
// on integer readings.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace xbarsim::models {

struct AdcTransfer {
  int bits = 8;
  bool bipolar = false;
  int step_log2 = 0;        ///< step (LSB) = 2^step_log2 column units
  double full_scale = 0.0;  ///< the reading the range was sized for (column units)

  double step() const { return std::ldexp(1.0, step_log2); }
  std::int64_t code_min() const { return bipolar ? -(std::int64_t{1} << (bits - 1)) : 0; }
  std::int64_t code_max() const {
    return bipolar ? (std::int64_t{1} << (bits - 1)) - 1 : (std::int64_t{1} << bits) - 1;
  }
  /// Largest reading converted without clipping.
  double max_reading() const { return static_cast<double>(code_max()) * step(); }
  /// True when every integer reading in [-full_scale, full_scale] (bipolar) or [0, full_scale] converts exactly.
  bool exact() const { return step_log2 <= 0 && max_reading() >= full_scale; }

  /// The converted value (code x step): round half up to the step, clip to the code range.
  float convert(float reading) const {
    const float inv = static_cast<float>(std::ldexp(1.0, -step_log2));
    float code = std::floor(reading * inv + 0.5F);
    code = std::fmin(std::fmax(code, static_cast<float>(code_min())), static_cast<float>(code_max()));
    return code * static_cast<float>(step());
  }
  /// convert() over n readings in place, vectorised (the functional engine's hot path).
  void convert_all(float* readings, std::ptrdiff_t n) const {
    const float inv = static_cast<float>(std::ldexp(1.0, -step_log2));
    const auto lo = static_cast<float>(code_min()), hi = static_cast<float>(code_max());
    Eigen::Map<Eigen::ArrayXf> a(readings, n);
    a = (a * inv + 0.5F).floor().max(lo).min(hi) * static_cast<float>(step());
  }
};

/// The ADC of `bits` sized for readings up to `full_scale`: the smallest power-of-two step
/// (down to 2^-16) whose largest code reaches full_scale.
AdcTransfer make_adc(int bits, bool bipolar, double full_scale);

/// Bits an ADC needs to convert every integer reading in the full scale exactly.
int exact_adc_bits(double full_scale, bool bipolar);

}  // namespace xbarsim::models
