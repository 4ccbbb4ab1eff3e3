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
#include <vector>

#include "models/random.hpp"

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

  /// The converted value (code x step): the nearest code, clipped to the code range. A reading
  /// exactly on a threshold (an integer reading at an odd multiple of half a step above 1 level)
  /// goes to the even code: ideal cells give integer readings, and rounding their ties one way
  /// would bias every coarse conversion by half a level (a real comparator splits such ties by
  /// its noise, unbiased too).
  float convert(float reading) const {
    const float inv = static_cast<float>(std::ldexp(1.0, -step_log2));
    float code = std::nearbyint(reading * inv);  // the default rounding mode: ties to even
    code = std::fmin(std::fmax(code, static_cast<float>(code_min())), static_cast<float>(code_max()));
    return code * static_cast<float>(step());
  }
  /// convert() over n readings in place, vectorised (the functional engine's hot path).
  void convert_all(float* readings, std::ptrdiff_t n) const {
    const float inv = static_cast<float>(std::ldexp(1.0, -step_log2));
    const auto lo = static_cast<float>(code_min()), hi = static_cast<float>(code_max());
    Eigen::Map<Eigen::ArrayXf> a(readings, n);
    a = (a * inv).rint().max(lo).min(hi) * static_cast<float>(step());
  }
};

/// What the ADC non-idealities are (docs/models.md, "ADC non-idealities"), in LSB of the
/// converter they act on, so they scale with its range.
struct AdcNonideality {
  double offset_sigma_lsb = 0.0;  ///< per ADC: input offset ~ N(0, s^2) LSB
  double gain_sigma = 0.0;        ///< per ADC: gain 1 + N(0, s^2)
  double inl_lsb = 0.0;           ///< every ADC: INL bow peak, LSB (a parabola, zero at both range ends)
  double dnl_sigma_lsb = 0.0;     ///< per ADC: each code threshold displaced by N(0, s^2) LSB, clipped to +-0.49
  double noise_lsb = 0.0;         ///< every conversion: input-referred N(0, s^2) LSB
  bool any() const {
    return offset_sigma_lsb > 0 || gain_sigma > 0 || inl_lsb != 0 || dnl_sigma_lsb > 0 || noise_lsb > 0;
  }
};

/// One physical ADC's static errors, drawn once (draw_adc_errors).
struct AdcErrors {
  double gain = 1.0;
  double offset_lsb = 0.0;
  /// DNL: displacement (LSB) of the threshold below code code_min + 1 + k; empty = ideal thresholds.
  std::vector<float> threshold_lsb;
};

/// Draws one ADC's static errors for a converter of `bits`.
AdcErrors draw_adc_errors(const AdcNonideality& n, int bits, Rng& rng);

/// The converted value (code x step) of `reading` through a non-ideal ADC: the reading times the
/// gain plus the offset and `noise` (a standard normal draw scaled by noise_lsb), in LSB; the INL bow
/// added; then the code whose thresholds (k - 1/2 + DNL displacement) enclose it, clipped.
double convert_nonideal(const AdcTransfer& adc, const AdcNonideality& n, const AdcErrors& e, double reading,
                        double noise);

/// The ADC of `bits` sized for readings up to `full_scale`: the smallest power-of-two step
/// (down to 2^-16) whose largest code reaches full_scale.
AdcTransfer make_adc(int bits, bool bipolar, double full_scale);

/// Bits an ADC needs to convert every integer reading in the full scale exactly.
int exact_adc_bits(double full_scale, bool bipolar);

}  // namespace xbarsim::models
