// The resistive cell (docs/models.md, "Device model"): 2^cell_bits conductance levels
// spread linearly between Gmin and Gmax, per-cell write variation (lognormal or gaussian
// proportional, optionally per level), stuck-at faults, power-law drift and read noise.
// Plain C++; the programming step (mapping/programming.hpp) draws every cell through it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/random.hpp"

namespace xbarsim::models {

enum class WriteVariation { Lognormal, Gaussian };

std::string write_variation_name(WriteVariation v);

/// Every parameter of the device, with units in the names. Defaults describe an ideal cell.
struct DeviceConfig {
  std::string name = "ideal";
  double g_max_us = 100.0;  ///< conductance of the top level (LRS), microsiemens
  double g_min_us = 0.0;    ///< conductance of level 0 (HRS); 0 = infinite on/off ratio
  WriteVariation write_model = WriteVariation::Lognormal;
  double write_sigma = 0.0;                   ///< lognormal: G exp(theta), theta ~ N(0, s^2); gaussian: G (1 + s n)
  std::vector<double> write_sigma_per_level;  ///< optional: sigma of level k (overrides write_sigma)
  bool write_mean_preserving = false;         ///< lognormal: G exp(theta - sigma^2 / 2), so E[G'] = G
  double write_floor_us = 0.0;                ///< additive, state-independent programming noise: + N(0, floor^2), uS
  /// Optional: additive programming noise whose sigma depends on the target, max(0, sum_i c_i (G_T / Gmax)^i) uS
  /// (aihwkit's PCM model: c = 0.26348, 1.9650, -1.1731 at Gmax 25 uS; Nandakumar et al. 2019).
  std::vector<double> write_sigma_poly_us;
  bool write_bounded = false;              ///< written conductances clipped to [g_min_us, g_max_us]
  double read_noise_sigma = 0.0;           ///< per read, gaussian proportional: G (1 + s n)
  double read_noise_floor_us = 0.0;        ///< per read, additive and state-independent: + N(0, floor^2), uS
  double fault_rate = 0.0;                 ///< stuck-at cells, fraction of all cells
  double stuck_on_per_off = 5.2;           ///< stuck-on : stuck-off ratio (Yuan et al. 2021: 9.04 % : 1.75 %)
  double fault_word_line_rate = 0.0;       ///< fraction of word lines (rows) open: their cells read as stuck-off
  double fault_bit_line_rate = 0.0;        ///< fraction of bit lines (columns) open: their cells read as stuck-off
  double fault_cluster_rate = 0.0;         ///< cluster centres per cell; each sticks a square of cells
  int fault_cluster_radius = 1;            ///< cells within this Chebyshev distance of a centre (a 3 x 3 square at 1)
  double drift_nu = 0.0;                   ///< G(t) = G (t / t0)^-nu
  double drift_nu_sigma = 0.0;             ///< per cell: nu ~ N(drift_nu, sigma^2), clipped at 0
  std::vector<double> drift_nu_per_level;  ///< optional: the mean nu of level k (overrides drift_nu)
  bool drift_compensation = false;         ///< per array: readings scaled by sum G(t0) / sum G(t)
  double drift_time_s = 1.0;               ///< time of the reads after programming
  double drift_t0_s = 1.0;                 ///< drift reference time
  double write_voltage_v = 2.0;            ///< programming pulse amplitude (write-verify energy) [assumption]
  double write_pulse_ns = 100.0;           ///< programming pulse width (write-verify time, energy) [assumption]
  double read_voltage_v = 0.2;             ///< read voltage of a full-scale input digit (energy model)
  double read_pulse_ns = 3.16;             ///< time the read voltage is applied per input phase (energy model)

  /// Gmax / Gmin (infinity when Gmin = 0).
  double on_off_ratio() const;
  /// Sigma of the write variation of `level`.
  double sigma(int level) const;
  /// The mean drift exponent of `level`.
  double nu(int level) const;
  /// Any drift at all (a mean exponent or a spread).
  bool drifts() const;
  /// Any spatially correlated faults (lines or clusters).
  bool correlated_faults() const {
    return fault_word_line_rate > 0 || fault_bit_line_rate > 0 || fault_cluster_rate > 0;
  }
  /// No variation, faults, noise or drift: every cell reads exactly its level.
  bool ideal() const;
  /// Throws xbarsim::Error naming `where` for impossible values.
  void validate(const std::string& where, int cell_bits) const;
};

enum class CellFault : std::uint8_t { None, StuckOff, StuckOn };

/// Conductances of one cell technology at a given number of levels, in "level units":
/// u = (G - Gmin) / dG with dG = (Gmax - Gmin) / (levels - 1), so an ideal cell at level k
/// reads exactly k once the zero-level current Gmin * sum(x) is subtracted (docs/models.md).
class ConductanceModel {
 public:
  ConductanceModel(const DeviceConfig& device, int cell_bits);

  int levels() const { return levels_; }
  /// Gmin / dG: the zero-level conductance in level units.
  double g0() const { return g0_; }
  /// Conductance of an ideal cell at `level`, microsiemens.
  double target_us(int level) const;
  /// Sigma (uS) of the conductance-dependent programming noise at the target of `level` (0 without it).
  double poly_sigma_us(int level) const;
  /// Level spacing dG, microsiemens.
  double level_spacing_us() const { return dg_; }
  /// Drift factor (t / t0)^-nu at the read time, of the mean exponent drift_nu.
  double drift_factor() const { return drift_; }
  /// One cell's drift factor (t / t0)^-nu with its own nu ~ N(nu(level), drift_nu_sigma^2), nu >= 0.
  /// Draws from `rng` only when the device has a spread or per-level exponents.
  double draw_drift(int level, Rng& rng) const;

  /// Draws whether a cell is stuck (and how) at the configured fault rate.
  CellFault draw_fault(Rng& rng) const;
  /// One write of `level`: the conductance (microsiemens) right after programming.
  double write(int level, Rng& rng) const;
  /// A verify read of a cell at `g_us`: the device's read noise (proportional and floor) on it.
  double verify_read(double g_us, Rng& rng) const;
  /// A corrective pulse of write-verify: moves `g_us` by `step_us`, the step off by the level's
  /// write sigma (relative to the step) and the programming floor; bounded like a write.
  double correct(double g_us, double step_us, int level, Rng& rng) const;
  /// What a programmed (or stuck) cell contributes at read time, in level units,
  /// zero-level current subtracted: (G(t) - Gmin(t)) / dG with drift applied to programmed cells
  /// (`drift`: the cell's own factor; Gmin(t) drifts by the mean factor).
  double read_level_units(double g_us, CellFault fault) const { return read_level_units(g_us, fault, drift_); }
  double read_level_units(double g_us, CellFault fault, double drift) const;

 private:
  DeviceConfig d_;
  int levels_ = 2;
  double dg_ = 0.0;
  double g0_ = 0.0;
  double drift_ = 1.0;
};

}  // namespace xbarsim::models
