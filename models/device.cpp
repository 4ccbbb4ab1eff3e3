#include "models/device.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace xbarsim::models {

std::string write_variation_name(WriteVariation v) { return v == WriteVariation::Lognormal ? "lognormal" : "gaussian"; }

double DeviceConfig::on_off_ratio() const {
  return g_min_us > 0.0 ? g_max_us / g_min_us : std::numeric_limits<double>::infinity();
}

double DeviceConfig::sigma(int level) const {
  if (!write_sigma_per_level.empty()) return write_sigma_per_level.at(static_cast<std::size_t>(level));
  return write_sigma;
}

double DeviceConfig::nu(int level) const {
  if (!drift_nu_per_level.empty()) return drift_nu_per_level.at(static_cast<std::size_t>(level));
  return drift_nu;
}

bool DeviceConfig::drifts() const {
  bool any = drift_nu != 0.0 || drift_nu_sigma != 0.0;
  for (double v : drift_nu_per_level) any = any || v != 0.0;
  return any;
}

bool DeviceConfig::ideal() const {
  bool no_variation = write_sigma_per_level.empty() ? write_sigma == 0.0 : true;
  for (double s : write_sigma_per_level) no_variation = no_variation && s == 0.0;
  for (double c : write_sigma_poly_us) no_variation = no_variation && c == 0.0;
  return no_variation && write_floor_us == 0.0 && read_noise_sigma == 0.0 && read_noise_floor_us == 0.0 &&
         fault_rate == 0.0 && !correlated_faults() && !drifts();
}

void DeviceConfig::validate(const std::string& where, int cell_bits) const {
  if (!(g_max_us > g_min_us)) {
    throw Error(where + ": g_max_us (" + std::to_string(g_max_us) + ") must exceed g_min_us (" +
                std::to_string(g_min_us) + ")");
  }
  const std::size_t levels = std::size_t{1} << cell_bits;
  if (!write_sigma_per_level.empty() && write_sigma_per_level.size() != levels) {
    throw Error(where + ": write_sigma_per_level has " + std::to_string(write_sigma_per_level.size()) +
                " entries, expected one per level (" + std::to_string(levels) + " for " + std::to_string(cell_bits) +
                "-bit cells)");
  }
  if (!drift_nu_per_level.empty() && drift_nu_per_level.size() != levels) {
    throw Error(where + ": drift_nu_per_level has " + std::to_string(drift_nu_per_level.size()) +
                " entries, expected one per level (" + std::to_string(levels) + " for " + std::to_string(cell_bits) +
                "-bit cells)");
  }
  if (drift_time_s < drift_t0_s) throw Error(where + ": drift_time_s must be at least drift_t0_s");
}

ConductanceModel::ConductanceModel(const DeviceConfig& device, int cell_bits) : d_(device), levels_(1 << cell_bits) {
  dg_ = (d_.g_max_us - d_.g_min_us) / static_cast<double>(levels_ - 1);
  g0_ = d_.g_min_us / dg_;
  drift_ = d_.drift_nu == 0.0 ? 1.0 : std::pow(d_.drift_time_s / d_.drift_t0_s, -d_.drift_nu);
}

double ConductanceModel::target_us(int level) const { return d_.g_min_us + dg_ * level; }

double ConductanceModel::poly_sigma_us(int level) const {
  if (d_.write_sigma_poly_us.empty()) return 0.0;
  const double x = target_us(level) / d_.g_max_us;
  double sigma = 0.0, power = 1.0;
  for (double c : d_.write_sigma_poly_us) {
    sigma += c * power;
    power *= x;
  }
  return std::max(0.0, sigma);
}

CellFault ConductanceModel::draw_fault(Rng& rng) const {
  if (d_.fault_rate <= 0.0) return CellFault::None;
  const double u = rng.uniform();
  if (u >= d_.fault_rate) return CellFault::None;
  // P(on | stuck) = r / (1 + r)
  return u < d_.fault_rate * d_.stuck_on_per_off / (1.0 + d_.stuck_on_per_off) ? CellFault::StuckOn
                                                                               : CellFault::StuckOff;
}

double ConductanceModel::write(int level, Rng& rng) const {
  const double g = target_us(level);
  const double s = d_.sigma(level);
  const double poly = poly_sigma_us(level);
  if (s == 0.0 && d_.write_floor_us == 0.0 && poly == 0.0) return g;
  double out = g;
  if (s != 0.0) {
    const double n = rng.normal();
    if (d_.write_model == WriteVariation::Lognormal) {
      out = g * std::exp(s * n - (d_.write_mean_preserving ? 0.5 * s * s : 0.0));
    } else {
      out = g * (1.0 + s * n);
    }
  }
  if (poly > 0.0) out += poly * rng.normal();
  if (d_.write_floor_us > 0.0) out += d_.write_floor_us * rng.normal();
  if (d_.write_bounded) out = std::clamp(out, d_.g_min_us, d_.g_max_us);
  return std::max(0.0, out);
}

double ConductanceModel::verify_read(double g_us, Rng& rng) const {
  double r = g_us;
  if (d_.read_noise_sigma > 0.0) r += g_us * d_.read_noise_sigma * rng.normal();
  if (d_.read_noise_floor_us > 0.0) r += d_.read_noise_floor_us * rng.normal();
  return r;
}

double ConductanceModel::correct(double g_us, double step_us, int level, Rng& rng) const {
  const double s = d_.sigma(level);
  double out = g_us + step_us * (s > 0.0 ? 1.0 + s * rng.normal() : 1.0);
  if (d_.write_floor_us > 0.0) out += d_.write_floor_us * rng.normal();
  if (d_.write_bounded) out = std::clamp(out, d_.g_min_us, d_.g_max_us);
  return std::max(0.0, out);
}

double ConductanceModel::draw_drift(int level, Rng& rng) const {
  if (d_.drift_nu_sigma == 0.0 && d_.drift_nu_per_level.empty()) return drift_;
  double nu = d_.nu(level);
  if (d_.drift_nu_sigma > 0.0) nu = std::max(0.0, nu + d_.drift_nu_sigma * rng.normal());
  return nu == 0.0 ? 1.0 : std::pow(d_.drift_time_s / d_.drift_t0_s, -nu);
}

double ConductanceModel::read_level_units(double g_us, CellFault fault, double drift) const {
  switch (fault) {
    case CellFault::StuckOn: return (d_.g_max_us - d_.g_min_us * drift_) / dg_;
    case CellFault::StuckOff: return (d_.g_min_us - d_.g_min_us * drift_) / dg_;
    case CellFault::None: break;
  }
  return (g_us * drift - d_.g_min_us * drift_) / dg_;
}

}  // namespace xbarsim::models
