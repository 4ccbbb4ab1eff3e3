#include "mapping/programming.hpp"

#include <cmath>

#include "common/parallel.hpp"
#include "models/random.hpp"

namespace xbarsim::mapping {

std::int64_t ProgrammedNetwork::stuck_cells() const {
  std::int64_t n = 0;
  for (const auto& x : crossbars) n += x.stuck_on + x.stuck_off;
  return n;
}

ProgrammedNetwork program(const MappedNetwork& m, const models::DeviceConfig& device, std::uint64_t seed,
                          const ProgrammingOptions& options) {
  ProgrammedNetwork p;
  p.device = device;
  p.seed = seed;
  const models::ConductanceModel model(device, m.hardware.cell_bits);
  p.g0 = model.g0() * model.drift_factor();
  p.crossbars.resize(m.crossbars.size());
  const double tolerance = options.write_verify_tolerance * (model.target_us(1) - model.target_us(0));
  const bool ideal = device.ideal();
  parallel_for_chunks(m.crossbars.size(), resolve_threads(options.threads), [&](std::size_t xi) {
    const EncodedBlock& cells = m.crossbars[xi].cells;
    ProgrammedCrossbar& out = p.crossbars[xi];
    const auto rows = cells.rows;
    const auto cols = static_cast<std::int64_t>(cells.columns.size());
    out.g.resize(cols, rows);
    if (ideal) {
      for (std::int64_t c = 0; c < cols; ++c)
        for (std::int64_t r = 0; r < rows; ++r)
          out.g(c, r) = static_cast<float>(cells.level(r, static_cast<std::size_t>(c)));
      out.write_pulses = rows * cols;
      return;
    }
    models::Rng rng(models::derive_seed(seed, {xi}));
    for (std::int64_t c = 0; c < cols; ++c) {
      for (std::int64_t r = 0; r < rows; ++r) {
        const int level = cells.level(r, static_cast<std::size_t>(c));
        const models::CellFault fault = model.draw_fault(rng);
        double g = model.write(level, rng);
        int pulses = 1;
        if (options.write_verify_pulses > 0) {
          const double target = model.target_us(level);
          while (fault == models::CellFault::None && std::abs(g - target) > tolerance &&
                 pulses < options.write_verify_pulses) {
            g = model.write(level, rng);
            ++pulses;
          }
          if (fault != models::CellFault::None) pulses = options.write_verify_pulses;  // never verifies
        }
        out.write_pulses += pulses;
        out.stuck_on += fault == models::CellFault::StuckOn ? 1 : 0;
        out.stuck_off += fault == models::CellFault::StuckOff ? 1 : 0;
        out.g(c, r) = static_cast<float>(model.read_level_units(g, fault));
      }
    }
  });
  return p;
}

Compensation fit_compensation(const Eigen::VectorXf& actual, const Eigen::VectorXf& ideal, int bits,
                              std::uint64_t seed) {
  const auto rows = actual.size();
  // Normal equations of measured = gamma * u + beta * n over the calibration patterns.
  double suu = 0, sun = 0, snn = 0, smu = 0, smn = 0;
  models::Rng rng(seed);
  constexpr int kPatterns = 32;
  for (int q = 0; q < kPatterns; ++q) {
    double m = 0, u = 0, n = 0;
    for (Eigen::Index i = 0; i < rows; ++i) {
      const bool on = q == 0 || (rng.next() >> 63) != 0;
      if (!on) continue;
      m += actual(i);
      u += ideal(i);
      n += 1.0;
    }
    suu += u * u;
    sun += u * n;
    snn += n * n;
    smu += m * u;
    smn += m * n;
  }
  double gamma = 1.0, beta = 0.0;
  const double det = suu * snn - sun * sun;
  if (suu > 0.0 && std::abs(det) > 1e-9 * suu * snn) {
    gamma = (smu * snn - smn * sun) / det;
    beta = (suu * smn - sun * smu) / det;
  } else if (suu > 0.0) {  // u proportional to n (all targets equal): a gain explains it
    gamma = smu / suu;
  } else if (snn > 0.0) {  // the readout ideally reads zero: an offset only
    beta = smn / snn;
  }
  if (!(gamma > 0.05)) gamma = 1.0;  // a dead column cannot be amplified back; leave it
  Compensation c;
  c.bits = bits;
  c.gain = std::llround(std::ldexp(1.0 / gamma, bits));
  c.offset = std::llround(std::ldexp(beta / gamma, bits));
  return c;
}

}  // namespace xbarsim::mapping
