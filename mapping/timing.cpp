// The timing models of the datapath (docs/models.md, "Timing"): crossbar read time from the
// array's size, conversion time from the ADC's resolution and type.
#include <cmath>

#include "mapping/hardware.hpp"

namespace xbarsim::mapping {

double Timing::read_ns(int rows, int cols, int adc_bits) const {
  if (xbar_read_ns) return *xbar_read_ns;
  // Both lines settle to half an LSB of the ADC: (b + 1) ln 2 Elmore time constants, each the
  // source resistance times the line's capacitance plus half the line's own RC.
  const double c_line_fF = wire_c_ff + cell_c_ff;
  const auto tau_ns = [&](double source_ohm, int cells) {
    const double c = cells * c_line_fF * 1e-15, r = cells * wire_r_ohm;
    return (source_ohm * c + 0.5 * r * c) * 1e9;
  };
  const double settle = (adc_bits + 1) * std::log(2.0) * (tau_ns(driver_r_ohm, cols) + tau_ns(sense_r_ohm, rows));
  return xbar_sense_ns + settle;
}

double Timing::conversion_ns(int bits) const {
  if (adc_conversion_ns) return *adc_conversion_ns;
  return adc_type == AdcType::Sar ? bits * adc_bit_ns : adc_flash_ns;
}

}  // namespace xbarsim::mapping
