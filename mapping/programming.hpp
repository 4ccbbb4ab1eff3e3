// Programming the mapped cells into a non-ideal device (docs/models.md, "Programming"):
// every cell of every allocated crossbar is written through models::ConductanceModel
// (write variation, optional write-verify, stuck-at faults, drift), from a seed. The result
// is what each cell contributes to its column per unit input, in level units, the form
// the functional engine and the cycle-level modules multiply with.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <vector>

#include "mapping/mapped_network.hpp"
#include "models/device.hpp"

namespace xbarsim::mapping {

/// One programmed crossbar, used region only.
struct ProgrammedCrossbar {
  Eigen::MatrixXf g;  ///< physical columns x rows: (G(t) - Gmin(t)) / dG of every cell (ideal: its level)
  std::int64_t stuck_on = 0;
  std::int64_t stuck_off = 0;
  std::int64_t write_pulses = 0;    ///< programming pulses spent (write-verify corrections included)
  std::int64_t verify_reads = 0;    ///< write-verify reads
  double write_energy_pj = 0.0;     ///< sum over pulses of V_w^2 G_T t_w
  double verify_energy_pj = 0.0;    ///< sum over verify reads of V_r^2 G t_r
  double programming_ns = 0.0;      ///< cells one after another: pulses x t_w + verify reads x t_r
  double drift_compensation = 1.0;  ///< the global drift compensation factor applied (1 = none)
  /// Physical columns x rows of models::CellFault, column-major like g; empty when the device has no faults.
  std::vector<std::uint8_t> faults;
};

/// Write-verify (docs/models.md, "Device model"): after the first write, each cell is read (with
/// the device's read noise) and, while the reading is off by more than the tolerance, given a
/// corrective pulse of the measured error, up to write_verify_pulses pulses in all.
struct ProgrammingOptions {
  int write_verify_pulses = 0;          ///< 0 = one write per cell
  double write_verify_tolerance = 0.2;  ///< accepted |G - target|, fraction of dG
  unsigned threads = 0;                 ///< results do not depend on it
};

/// What programming the chip cost: pulses and verify reads, their energy and the time (each array
/// programs its cells one after another, the arrays in parallel).
struct ProgrammingCost {
  std::int64_t pulses = 0;
  std::int64_t verify_reads = 0;
  double energy_pj = 0.0;
  double time_ns = 0.0;
};

struct ProgrammedNetwork {
  models::DeviceConfig device;
  std::uint64_t seed = 0;
  double g0 = 0.0;          ///< zero-level conductance in level units (read noise acts on g + g0)
  double dg_us = 0.0;       ///< level spacing dG, microsiemens (IR drop works in siemens)
  double read_floor = 0.0;  ///< the additive read-noise sigma in level units (read_noise_floor_us / dG)
  std::vector<ProgrammedCrossbar> crossbars;  ///< parallel to MappedNetwork::crossbars
  bool ideal() const { return device.ideal(); }
  std::int64_t stuck_cells() const;
  /// Totals over the arrays; the time is the slowest array's (arrays program in parallel).
  std::int64_t write_pulses() const;
  std::int64_t verify_reads() const;
  double programming_energy_pj() const;
  double programming_ns() const;
  ProgrammingCost cost() const { return {write_pulses(), verify_reads(), programming_energy_pj(), programming_ns()}; }
};

/// Programs every crossbar of `m`. Each crossbar draws from its own stream derive_seed(seed, {index}),
/// so the result depends only on the seed.
ProgrammedNetwork program(const MappedNetwork& m, const models::DeviceConfig& device, std::uint64_t seed,
                          const ProgrammingOptions& options);

/// CRIMP self-compensation of one readout (a column, or an analog-subtracted column pair):
/// fixed-point gain, offset per driven input and constant so that
/// round_shift(a * gain - offset * n - constant, bits) ~ the ideal reading, where a is the
/// measured reading and n the sum of the input values driven.
struct Compensation {
  std::int64_t gain = 1;
  std::int64_t offset = 0;
  std::int64_t constant = 0;  ///< per conversion (an ADC offset, a leakage current)
  int bits = 0;
  bool identity() const { return gain == (std::int64_t{1} << bits) && offset == 0 && constant == 0; }
};

/// What the chip reads for a calibration pattern: the analog sum of the driven rows' contributions
/// and the variance of its read noise in, the value after the ADC (and its errors) out; NaN for a
/// read the ADC clipped (left out of the fit).
using Measure = std::function<double(double reading, double variance)>;

/// Fits measured = gamma * ideal + beta * n + kappa by least squares over calibration reads with
/// known inputs (all rows on, 31 seeded random patterns of 1/2, 1/4 or 1/8 of the rows, all rows
/// off; clipped reads left out), from the readout's
/// actual per-row contributions `actual` and its intended ones `ideal`; returns the correction
/// (1/gamma, beta/gamma, kappa/gamma).
/// `measure` (may be empty: the exact sum) is how each pattern is read; `variance` (may be empty)
/// the per-row read-noise variance it is given.
Compensation fit_compensation(const Eigen::VectorXf& actual, const Eigen::VectorXf& ideal,
                              const Eigen::VectorXf& variance, int bits, std::uint64_t seed,
                              const Measure& measure = {});

}  // namespace xbarsim::mapping
