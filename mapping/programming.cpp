#include "mapping/programming.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <vector>

#include "common/parallel.hpp"
#include "models/random.hpp"

namespace xbarsim::mapping {

std::int64_t ProgrammedNetwork::stuck_cells() const {
  std::int64_t n = 0;
  for (const auto& x : crossbars) n += x.stuck_on + x.stuck_off;
  return n;
}

std::int64_t ProgrammedNetwork::write_pulses() const {
  std::int64_t n = 0;
  for (const auto& x : crossbars) n += x.write_pulses;
  return n;
}

std::int64_t ProgrammedNetwork::verify_reads() const {
  std::int64_t n = 0;
  for (const auto& x : crossbars) n += x.verify_reads;
  return n;
}

double ProgrammedNetwork::programming_energy_pj() const {
  double e = 0;
  for (const auto& x : crossbars) e += x.write_energy_pj + x.verify_energy_pj;
  return e;
}

double ProgrammedNetwork::programming_ns() const {
  double t = 0;
  for (const auto& x : crossbars) t = std::max(t, x.programming_ns);
  return t;
}

namespace {

/// Energy (pJ) of a pulse of `v` volts for `t_ns` across `g_us`: V^2 G t.
double pulse_energy_pj(double v, double g_us, double t_ns) { return v * v * g_us * t_ns * 1e-3; }

/// The cells (columns x rows, column-major) that correlated faults stick: open word and bit lines
/// (stuck-off), and square clusters around centres drawn per cell (stuck-on or -off by the device's
/// ratio, one draw per cluster). Empty when the device has none.
std::vector<std::uint8_t> correlated_faults(const models::DeviceConfig& d, std::int64_t rows, std::int64_t cols,
                                            std::uint64_t seed) {
  if (!d.correlated_faults()) return {};
  std::vector<std::uint8_t> f(static_cast<std::size_t>(rows * cols), 0);
  models::Rng rng(seed);
  const auto off = static_cast<std::uint8_t>(models::CellFault::StuckOff);
  const auto on = static_cast<std::uint8_t>(models::CellFault::StuckOn);
  for (std::int64_t r = 0; r < rows; ++r) {
    if (d.fault_word_line_rate > 0.0 && rng.uniform() < d.fault_word_line_rate) {
      for (std::int64_t c = 0; c < cols; ++c) f[static_cast<std::size_t>(c * rows + r)] = off;
    }
  }
  for (std::int64_t c = 0; c < cols; ++c) {
    if (d.fault_bit_line_rate > 0.0 && rng.uniform() < d.fault_bit_line_rate) {
      for (std::int64_t r = 0; r < rows; ++r) f[static_cast<std::size_t>(c * rows + r)] = off;
    }
  }
  if (d.fault_cluster_rate > 0.0) {
    const std::int64_t k = d.fault_cluster_radius;
    const double p_on = d.stuck_on_per_off / (1.0 + d.stuck_on_per_off);
    for (std::int64_t c = 0; c < cols; ++c) {
      for (std::int64_t r = 0; r < rows; ++r) {
        if (rng.uniform() >= d.fault_cluster_rate) continue;
        const std::uint8_t kind = rng.uniform() < p_on ? on : off;
        for (std::int64_t cc = std::max<std::int64_t>(0, c - k); cc <= std::min(cols - 1, c + k); ++cc) {
          for (std::int64_t rr = std::max<std::int64_t>(0, r - k); rr <= std::min(rows - 1, r + k); ++rr) {
            auto& cell = f[static_cast<std::size_t>(cc * rows + rr)];
            if (cell == 0) cell = kind;  // an open line stays open
          }
        }
      }
    }
  }
  return f;
}

}  // namespace

ProgrammedNetwork program(const MappedNetwork& m, const models::DeviceConfig& device, std::uint64_t seed,
                          const ProgrammingOptions& options) {
  ProgrammedNetwork p;
  p.device = device;
  p.seed = seed;
  const models::ConductanceModel model(device, m.hardware.cell_bits);
  p.g0 = model.g0() * model.drift_factor();
  p.dg_us = model.level_spacing_us();
  p.read_floor = device.read_noise_floor_us / model.level_spacing_us();
  p.crossbars.resize(m.crossbars.size());
  const double tolerance = options.write_verify_tolerance * (model.target_us(1) - model.target_us(0));
  const bool ideal = device.ideal();
  parallel_for_chunks(m.crossbars.size(), resolve_threads(options.threads), [&](std::size_t xi) {
    const EncodedBlock& cells = m.crossbars[xi].cells;
    ProgrammedCrossbar& out = p.crossbars[xi];
    const auto rows = cells.rows;
    const auto cols = static_cast<std::int64_t>(cells.columns.size());
    out.g.resize(cols, rows);
    if (ideal) {  // one pulse per cell; with write-verify one read that accepts it
      const std::int64_t verifies = options.write_verify_pulses > 0 ? 1 : 0;
      for (std::int64_t c = 0; c < cols; ++c) {
        for (std::int64_t r = 0; r < rows; ++r) {
          const int level = cells.level(r, static_cast<std::size_t>(c));
          out.g(c, r) = static_cast<float>(level);
          const double g = model.target_us(level);
          out.write_energy_pj += pulse_energy_pj(device.write_voltage_v, g, device.write_pulse_ns);
          out.verify_energy_pj += verifies * pulse_energy_pj(device.read_voltage_v, g, device.read_pulse_ns);
        }
      }
      out.write_pulses = rows * cols;
      out.verify_reads = verifies * rows * cols;
      out.programming_ns = rows * cols * (device.write_pulse_ns + verifies * device.read_pulse_ns);
      return;
    }
    models::Rng rng(models::derive_seed(seed, {xi}));
    // Spatially correlated faults from their own stream, so i.i.d. cells draw the same as without them.
    const auto line_faults = correlated_faults(device, rows, cols, models::derive_seed(seed, {xi, 0xFA17}));
    const bool record = device.fault_rate > 0.0 || device.correlated_faults();
    if (record) out.faults.assign(static_cast<std::size_t>(rows * cols), 0);
    double sum_t0 = 0.0, sum_t = 0.0;  // global drift compensation: the array's total read right after writing and now
    for (std::int64_t c = 0; c < cols; ++c) {
      for (std::int64_t r = 0; r < rows; ++r) {
        const int level = cells.level(r, static_cast<std::size_t>(c));
        const auto at = static_cast<std::size_t>(c * rows + r);
        models::CellFault fault = model.draw_fault(rng);
        if (!line_faults.empty() && line_faults[at] != 0) fault = static_cast<models::CellFault>(line_faults[at]);
        double g = model.write(level, rng);
        const double target = model.target_us(level);
        int pulses = 1, verifies = 0;
        if (options.write_verify_pulses > 0) {
          if (fault == models::CellFault::None) {
            for (;;) {
              const double read = model.verify_read(g, rng);
              ++verifies;
              if (std::abs(read - target) <= tolerance || pulses >= options.write_verify_pulses) break;
              g = model.correct(g, target - read, level, rng);
              ++pulses;
            }
          } else {  // a stuck cell never verifies
            pulses = verifies = options.write_verify_pulses;
          }
        }
        out.write_pulses += pulses;
        out.verify_reads += verifies;
        // Energy: V^2 G t per pulse (at the target conductance) and per verify read (at the cell's).
        out.write_energy_pj += pulses * pulse_energy_pj(device.write_voltage_v, target, device.write_pulse_ns);
        out.verify_energy_pj += verifies * pulse_energy_pj(device.read_voltage_v, g, device.read_pulse_ns);
        out.programming_ns += pulses * device.write_pulse_ns + verifies * device.read_pulse_ns;
        const double drift = model.draw_drift(level, rng);
        out.stuck_on += fault == models::CellFault::StuckOn ? 1 : 0;
        out.stuck_off += fault == models::CellFault::StuckOff ? 1 : 0;
        if (record) out.faults[at] = static_cast<std::uint8_t>(fault);
        const double now = model.read_level_units(g, fault, drift);
        out.g(c, r) = static_cast<float>(now);
        if (device.drift_compensation) {
          sum_t0 += model.read_level_units(g, fault, 1.0) + model.g0() * (1.0 - model.drift_factor());
          sum_t += now;
        }
      }
    }
    if (device.drift_compensation && sum_t > 0.0) {
      out.drift_compensation = sum_t0 / sum_t;
      out.g *= static_cast<float>(out.drift_compensation);
    }
  });
  return p;
}

Compensation fit_compensation(const Eigen::VectorXf& actual, const Eigen::VectorXf& ideal,
                              const Eigen::VectorXf& variance, int bits, std::uint64_t seed, const Measure& measure) {
  const auto rows = actual.size();
  // Calibration reads: all rows on, 31 seeded random patterns (a half, a quarter or an eighth of
  // the rows on, in turn, so that some stay inside a narrow ADC range), all rows off. A read the
  // ADC clips (measure returns NaN) says nothing about the column and is left out.
  constexpr int kPatterns = 33;
  Eigen::Matrix<double, kPatterns, 3> X;  // columns: u (intended reading), n (rows on), 1
  Eigen::Matrix<double, kPatterns, 1> y;  // the measured reading
  models::Rng rng(seed);
  int kept = 0;
  for (int q = 0; q < kPatterns; ++q) {
    double m = 0, u = 0, n = 0, v = 0;
    const int shift = 63 - (q + 2) % 3;  // on with probability 1/2, 1/4, 1/8
    for (Eigen::Index i = 0; i < rows && q + 1 < kPatterns; ++i) {
      const bool on = q == 0 || (rng.next() >> shift) == 0;
      if (!on) continue;
      m += actual(i);
      u += ideal(i);
      n += 1.0;
      if (variance.size() > 0) v += variance(i);
    }
    if (measure) m = measure(m, v);
    if (std::isnan(m)) continue;
    X.row(kept) << u, n, 1.0;
    y(kept) = m;
    ++kept;
  }
  // measured = gamma u + beta n + kappa by least squares, on the first column set that is not
  // degenerate: u proportional to n (every target equal) fits gamma and kappa, a readout that
  // should read 0 fits beta and kappa.
  double gamma = 1.0, beta = 0.0, kappa = 0.0;
  const std::vector<std::vector<int>> sets = {{0, 1, 2}, {0, 2}, {1, 2}, {2}};
  for (const auto& cols : sets) {
    if (kept < static_cast<int>(cols.size())) continue;
    Eigen::MatrixXd A(kept, static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) A.col(static_cast<Eigen::Index>(j)) = X.col(cols[j]).head(kept);
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
    if (qr.rank() < A.cols()) continue;
    const Eigen::VectorXd c = qr.solve(y.head(kept));
    for (std::size_t j = 0; j < cols.size(); ++j) {
      const double v = c(static_cast<Eigen::Index>(j));
      (cols[j] == 0 ? gamma : cols[j] == 1 ? beta : kappa) = v;
    }
    break;
  }
  if (!(gamma > 0.05)) gamma = 1.0;  // a dead column cannot be amplified back; leave it
  Compensation c;
  c.bits = bits;
  c.gain = std::llround(std::ldexp(1.0 / gamma, bits));
  c.offset = std::llround(std::ldexp(beta / gamma, bits));
  c.constant = std::llround(std::ldexp(kappa / gamma, bits));
  return c;
}

}  // namespace xbarsim::mapping
