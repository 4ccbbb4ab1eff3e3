#include "models/adc.hpp"

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

int exact_adc_bits(double full_scale, bool bipolar) {
  int bits = 1;
  while (make_adc(bits, bipolar, full_scale).step_log2 > 0) ++bits;
  return bits;
}

}  // namespace xbarsim::models
