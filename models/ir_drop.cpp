#include "models/ir_drop.hpp"

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#include <algorithm>
#include <vector>

#include "common/error.hpp"

namespace xbarsim::models {

namespace {

/// An ideal connection, modelled as this small resistance (ohms): 1 micro-ohm next to cells of
/// kilo-ohms keeps the system well conditioned in double precision.
constexpr double kShortOhm = 1e-6;

double siemens(double ohm) { return 1.0 / (ohm > 0.0 ? ohm : kShortOhm); }

}  // namespace

struct CrossbarNetwork::Impl {
  Eigen::Index rows = 0, cols = 0;
  Eigen::MatrixXd g_us;
  double g_driver = 0.0, g_sense = 0.0;  // S
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver;

  Eigen::Index word(Eigen::Index i, Eigen::Index j) const { return i * cols + j; }
  Eigen::Index bit(Eigen::Index i, Eigen::Index j) const { return rows * cols + i * cols + j; }

  Eigen::VectorXd solve(const Eigen::VectorXd& v) const {
    Eigen::VectorXd rhs = Eigen::VectorXd::Zero(2 * rows * cols);
    for (Eigen::Index i = 0; i < rows; ++i) rhs(word(i, 0)) = v(i) * g_driver;
    return solver.solve(rhs);
  }
};

CrossbarNetwork::CrossbarNetwork(const Eigen::MatrixXd& g_us, const LineResistances& r) : impl_(new Impl) {
  Impl& m = *impl_;
  m.rows = g_us.rows();
  m.cols = g_us.cols();
  m.g_us = g_us;
  if (m.rows < 1 || m.cols < 1) throw Error("IR drop: an empty crossbar");
  // Nodal analysis: G x = i, one node per cell on each line. The driver ties word(i, 0) to the
  // source through driver + one segment; the sense input ties bit(rows - 1, j) to ground likewise.
  m.g_driver = siemens(r.driver_ohm + r.word_segment_ohm);
  m.g_sense = siemens(r.sense_ohm + r.bit_segment_ohm);
  const double gw = siemens(r.word_segment_ohm), gb = siemens(r.bit_segment_ohm);
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(static_cast<std::size_t>(12 * m.rows * m.cols));
  const auto link = [&](Eigen::Index a, Eigen::Index b, double g) {
    t.emplace_back(a, a, g);
    t.emplace_back(b, b, g);
    t.emplace_back(a, b, -g);
    t.emplace_back(b, a, -g);
  };
  for (Eigen::Index i = 0; i < m.rows; ++i) {
    for (Eigen::Index j = 0; j < m.cols; ++j) {
      link(m.word(i, j), m.bit(i, j), g_us(i, j) * 1e-6);
      if (j + 1 < m.cols) link(m.word(i, j), m.word(i, j + 1), gw);
      if (i + 1 < m.rows) link(m.bit(i, j), m.bit(i + 1, j), gb);
    }
    t.emplace_back(m.word(i, 0), m.word(i, 0), m.g_driver);
  }
  for (Eigen::Index j = 0; j < m.cols; ++j) t.emplace_back(m.bit(m.rows - 1, j), m.bit(m.rows - 1, j), m.g_sense);
  Eigen::SparseMatrix<double> a(2 * m.rows * m.cols, 2 * m.rows * m.cols);
  a.setFromTriplets(t.begin(), t.end());
  m.solver.compute(a);
  if (m.solver.info() != Eigen::Success) throw Error("IR drop: the crossbar's nodal matrix could not be factorized");
}

CrossbarNetwork::~CrossbarNetwork() = default;
CrossbarNetwork::CrossbarNetwork(CrossbarNetwork&&) noexcept = default;
CrossbarNetwork& CrossbarNetwork::operator=(CrossbarNetwork&&) noexcept = default;

Eigen::VectorXd CrossbarNetwork::column_currents(const Eigen::VectorXd& v) const {
  const Impl& m = *impl_;
  const Eigen::VectorXd x = m.solve(v);
  Eigen::VectorXd out(m.cols);
  for (Eigen::Index j = 0; j < m.cols; ++j) out(j) = x(m.bit(m.rows - 1, j)) * m.g_sense * 1e6;
  return out;
}

void CrossbarNetwork::node_voltages(const Eigen::VectorXd& v, Eigen::MatrixXd& word, Eigen::MatrixXd& bit) const {
  const Impl& m = *impl_;
  const Eigen::VectorXd x = m.solve(v);
  word.resize(m.rows, m.cols);
  bit.resize(m.rows, m.cols);
  for (Eigen::Index i = 0; i < m.rows; ++i) {
    for (Eigen::Index j = 0; j < m.cols; ++j) {
      word(i, j) = x(m.word(i, j));
      bit(i, j) = x(m.bit(i, j));
    }
  }
}

Eigen::MatrixXd CrossbarNetwork::transfer() const {
  const Impl& m = *impl_;
  Eigen::MatrixXd t(m.cols, m.rows);
  Eigen::VectorXd v = Eigen::VectorXd::Zero(m.rows);
  for (Eigen::Index i = 0; i < m.rows; ++i) {
    v(i) = 1.0;
    t.col(i) = column_currents(v);
    v(i) = 0.0;
  }
  return t;
}

Eigen::MatrixXd CrossbarNetwork::operating_point_transfer(double v_mean) const {
  const Impl& m = *impl_;
  Eigen::MatrixXd word, bit;
  node_voltages(Eigen::VectorXd::Constant(m.rows, v_mean), word, bit);
  return (impl_->g_us.cwiseProduct(word - bit) / v_mean).transpose();
}

Eigen::MatrixXd fast_transfer(const Eigen::MatrixXd& g_us, const LineResistances& r, double v_mean, int passes) {
  const Eigen::Index R = g_us.rows(), C = g_us.cols();
  // The operating point: every row at v_mean. Start from the ideal cell currents (uA); each pass
  // computes the line voltages the current estimate causes — segment k of word line i (before
  // cell k) carries the currents of cells k..C-1, segment k of bit line j (after cell k) those of
  // cells 0..k — and the cells' currents at those voltages. One pass is the first-order model;
  // more passes converge to the exact currents at this operating point while the drops stay
  // small (a Jacobi iteration on the line voltages).
  Eigen::MatrixXd cur = g_us * v_mean, word(R, C), bit(R, C);
  for (int pass = 0; pass < std::max(1, passes); ++pass) {
    for (Eigen::Index i = 0; i < R; ++i) {
      double beyond = cur.row(i).sum(), drop = r.driver_ohm * beyond * 1e-6;
      for (Eigen::Index j = 0; j < C; ++j) {
        drop += r.word_segment_ohm * beyond * 1e-6;  // the segment into cell j
        beyond -= cur(i, j);
        word(i, j) = v_mean - drop;
      }
    }
    for (Eigen::Index j = 0; j < C; ++j) {
      double above = cur.col(j).sum(), rise = r.sense_ohm * above * 1e-6;
      for (Eigen::Index i = R - 1; i >= 0; --i) {
        rise += r.bit_segment_ohm * above * 1e-6;  // the segment out of cell i
        above -= cur(i, j);
        bit(i, j) = rise;
      }
    }
    cur = g_us.cwiseProduct(word - bit);
  }
  // Each cell's effective conductance: its current per volt of drive at the operating point.
  return (v_mean > 0.0 ? Eigen::MatrixXd(cur / v_mean) : g_us).transpose();
}

}  // namespace xbarsim::models
