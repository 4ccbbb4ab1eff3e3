// Parasitic resistance of a crossbar (docs/models.md, "IR drop"): the resistive network of
// word-line and bit-line segments, word-line drivers and bit-line sense inputs around the
// cells, solved exactly (sparse nodal analysis), and a fast first-order model for arrays too
// large to solve. Cells are ohmic, so the network is linear: the column currents are a fixed
// matrix T times the row voltages, and T (one solve per row, with the factorization reused)
// is what an engine multiplies with instead of the conductances.
#pragma once

#include <Eigen/Core>
#include <memory>

namespace xbarsim::models {

/// Resistances around the cells, ohms. A zero is taken as an ideal connection.
struct LineResistances {
  double word_segment_ohm = 0.0;  ///< word line between adjacent cells (and from the driver to the first)
  double bit_segment_ohm = 0.0;   ///< bit line between adjacent cells (and from the last to the sense input)
  double driver_ohm = 0.0;        ///< word-line driver output resistance
  double sense_ohm = 0.0;         ///< bit-line sense (virtual ground) input resistance
  bool any() const { return word_segment_ohm > 0 || bit_segment_ohm > 0 || driver_ohm > 0 || sense_ohm > 0; }
};

/// The exact nodal solve of one crossbar: rows x cols cell conductances (microsiemens), rows
/// driven from column 0's side, columns sensed past the last row.
class CrossbarNetwork {
 public:
  CrossbarNetwork(const Eigen::MatrixXd& g_us, const LineResistances& r);
  ~CrossbarNetwork();
  CrossbarNetwork(CrossbarNetwork&&) noexcept;
  CrossbarNetwork& operator=(CrossbarNetwork&&) noexcept;

  /// Column currents (microamperes) for row drive voltages v (volts; undriven rows at 0 V).
  Eigen::VectorXd column_currents(const Eigen::VectorXd& v) const;
  /// The cells' word-line and bit-line node voltages (rows x cols each) for drive v.
  void node_voltages(const Eigen::VectorXd& v, Eigen::MatrixXd& word, Eigen::MatrixXd& bit) const;
  /// T (cols x rows, microsiemens): column currents per volt on each row, the others at 0 V.
  /// One solve per row.
  Eigen::MatrixXd transfer() const;
  /// The operating-point model (cols x rows, microsiemens): every row at v_mean, one solve; each
  /// cell's effective conductance is its current G (V - U) / v_mean. Equals T on a uniform drive;
  /// other patterns see the uniform drive's drop (docs/validation.md gives the error).
  Eigen::MatrixXd operating_point_transfer(double v_mean) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The fast model: a data-independent transfer (cols x rows, microsiemens) from one operating
/// point, every row at `v_mean` (the mean drive: input density x read voltage). Every cell's
/// current comes from the line voltages the cells' currents cause, starting from the ideal
/// currents (`passes` = 1: the first-order model; each further pass recomputes the voltages from
/// the last currents); the cell's effective conductance is its current / v_mean. Exact at the
/// operating point once converged; other input patterns see the drop of the mean one.
/// O(passes x rows x cols).
Eigen::MatrixXd fast_transfer(const Eigen::MatrixXd& g_us, const LineResistances& r, double v_mean, int passes = 1);

}  // namespace xbarsim::models
