#include "models/adc.hpp"

#include <algorithm>

namespace xbarsim::models {

AdcTransfer make_adc(int bits, bool bipolar, double full_scale) {
  AdcTransfer a;
  a.bits = bits;
  a.bipolar = bipolar;
  a.full_scale = full_scale;
  a.step_log2 = -16;
  while (a.max_reading() < full_scale && a.step_log2 < 62) ++a.step_log2;
  return a;
}

AdcErrors draw_adc_errors(const AdcNonideality& n, int bits, Rng& rng) {
  AdcErrors e;
  e.gain = 1.0 + n.gain_sigma * rng.normal();
  e.offset_lsb = n.offset_sigma_lsb * rng.normal();
  if (n.dnl_sigma_lsb > 0.0) {
    e.threshold_lsb.resize((std::size_t{1} << bits) - 1);
    for (auto& t : e.threshold_lsb) t = static_cast<float>(std::clamp(n.dnl_sigma_lsb * rng.normal(), -0.49, 0.49));
  }
  return e;
}

double convert_nonideal(const AdcTransfer& adc, const AdcNonideality& n, const AdcErrors& e, double reading,
                        double noise) {
  const auto lo = static_cast<double>(adc.code_min()), hi = static_cast<double>(adc.code_max());
  double u = std::ldexp(reading, -adc.step_log2) * e.gain + e.offset_lsb + n.noise_lsb * noise;
  if (n.inl_lsb != 0.0) {
    const double t = 2.0 * (u - lo) / (hi - lo) - 1.0;  // -1 .. 1 over the codes
    if (t > -1.0 && t < 1.0) u += n.inl_lsb * (1.0 - t * t);
  }
  double code = std::nearbyint(u);  // ties to even, as AdcTransfer::convert
  if (!e.threshold_lsb.empty() && code > lo - 1.0 && code < hi + 1.0) {
    // Threshold T_k between codes k-1 and k sits at k - 1/2 + d_k; |d_k| < 1/2 keeps them ordered,
    // so the code is the rounded one or a neighbour.
    const auto at = [&](double k) { return k - 0.5 + e.threshold_lsb[static_cast<std::size_t>(k - lo - 1.0)]; };
    if (code > lo && code <= hi && u < at(code)) {
      code -= 1.0;
    } else if (code + 1.0 <= hi && code + 1.0 > lo && u >= at(code + 1.0)) {
      code += 1.0;
    }
  }
  code = std::fmin(std::fmax(code, lo), hi);
  return code * adc.step();
}

int exact_adc_bits(double full_scale, bool bipolar) {
  int bits = 1;
  while (make_adc(bits, bipolar, full_scale).step_log2 > 0) ++bits;
  return bits;
}

}  // namespace xbarsim::models
