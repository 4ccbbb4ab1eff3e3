// The crossbar datapath both engines share (docs/architecture.md, "Arithmetic contract"):
// the per-layer plan of every crossbar (its programmed conductances as readout rows), and
// the three stages of one crossbar's work on a block of input bit planes: the analog read
// (Crossbar), the conversion (Adc), and self-compensation plus shift-and-add (ShiftAdd).
// The functional engine calls these functions directly; the cycle-level modules call them
// through sim::CrossbarStages, so the two engines cannot drift apart.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "mapping/programming.hpp"
#include "mapping/unroll.hpp"
#include "models/adc.hpp"

namespace xbarsim::sim {

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
/// The accumulators of a layer, channels x positions (a view, so that they can live in a reused buffer).
using AccumulatorRows = Eigen::Ref<RowMajorD>;
/// Bit planes of a block: rows read by one crossbar x (phases x positions) columns.
using InputBlock = Eigen::Ref<const Eigen::MatrixXf, 0, Eigen::OuterStride<>>;

/// One converted quantity of a crossbar: a column, or (analog subtraction) a column pair.
struct Readout {
  std::int64_t channel = -1;  ///< output channel within the crossbar; -1 = every channel (offset reference)
  double coef = 1.0;          ///< shift-and-add weight: +-2^(slice * cell_bits), or -2^(b-1) for the reference
  double flip_max = 0.0;      ///< a flipped column (weight flip): the reading is max * sum(digits) - reading
};

/// One crossbar of a layer, ready to read.
struct XbarPlan {
  std::size_t crossbar = 0;  ///< index in MappedNetwork::crossbars
  std::int64_t channel_begin = 0;
  std::int64_t channels = 0;
  std::vector<Readout> readouts;
  Eigen::MatrixXf a;               ///< readouts x rows: contribution of each row to each readout (level units)
  Eigen::MatrixXf var;             ///< readouts x rows: read-noise variance per unit input^2 (empty: no noise)
  std::vector<Eigen::Index> rows;  ///< unrolled input rows read
  bool contiguous = false;
  std::vector<mapping::Compensation> compensation;  ///< per readout; empty = none
  /// Offset scheme without a reference column: this times the input digits' sum is added to
  /// every channel of the crossbar (-2^(b-1)); 0 = none.
  double digital_reference = 0.0;
  /// ADC non-idealities: the static errors of each of the crossbar's ADCs, and which ADC converts
  /// each readout (columns_per_adc contiguous physical columns per ADC). Empty: ideal converters.
  std::vector<models::AdcErrors> adc_errors;
  std::vector<std::uint32_t> adc_of_readout;
  /// Per row read: the conductance its driven voltage sees, summed over every physical column of
  /// the crossbar (reference and both columns of a pair included), sum of G / dG, in fixed point
  /// of 2^-kConductanceFractionBits (integer sums: the same total in any order or thread count).
  std::vector<std::int64_t> row_conductance_fx;
};

constexpr int kConductanceFractionBits = 20;
/// Sums of d^2 x row conductance over a test set can pass 2^63 (8-bit DACs, wide arrays).
__extension__ typedef __int128 WideSum;  // NOLINT(modernize-use-using): __extension__ needs typedef

/// What a layer's arrays did in the data pass (docs/models.md, "Array and DAC energy"): per input
/// phase and driven row, digits d of full scale D = 2^dac_bits - 1.
struct ArrayActivity {
  std::int64_t nonzero_digits = 0;  ///< rows driven with d != 0 (DAC drives that move charge)
  /// sum over driven rows of d^2 x row_conductance_fx: cell read energy in units of
  /// (V_read / D)^2 x dG x read pulse x 2^-kConductanceFractionBits
  WideSum conductance_drive_fx = 0;
  ArrayActivity& operator+=(const ArrayActivity& o) {
    nonzero_digits += o.nonzero_digits;
    conductance_drive_fx += o.conductance_drive_fx;
    return *this;
  }
  /// Cell read energy in units of V_read^2 x dG x read pulse (full-scale digits).
  double conductance_drive(int dac_bits) const;
};

/// One conv2d/linear layer: its crossbars and converter.
struct LayerPlan {
  std::int64_t cout = 0;
  std::int64_t positions = 1;  ///< output positions per image
  int dac_bits = 1;
  int phases = 8;  ///< input phases per read: ceil(input_bits / dac_bits)
  models::AdcTransfer adc;
  models::AdcNonideality adc_nonideal;  ///< any(): every conversion goes through convert_nonideal
  std::string adc_range_source;         ///< how adc's range was set: full_scale, rows_used, layer_max, calibrated, user
  double adc_range = 0.0;               ///< the reading (column units) the range was sized for
  double reading_bound = 0.0;           ///< the largest |reading| the stored levels allow (ideal cells)
  /// Every reading of the programmed arrays is an integer, bounded by programmed_bound: ideal
  /// cells, or cells whose only non-ideality is stuck-at faults (a stuck cell reads an end level)
  /// with no read noise and no self-compensation (which is fitted through the converter).
  bool integer_levels = false;
  double programmed_bound = 0.0;  ///< with integer_levels: the largest |reading| the programmed levels allow
  /// Integer readings and an exact ideal ADC for every one of them: conversion changes nothing.
  bool adc_identity = false;
  std::vector<XbarPlan> xbars;
  bool draws = false;             ///< read noise or ADC noise: random draws, seeded per tile of positions
  Eigen::Index max_readouts = 1;  ///< the most readouts of any of its crossbars
  double max_readout_l1 = 0.0;    ///< the largest sum of |contributions| of a readout (level units per unit digit)
};

/// Whether the layer's input phases may be merged into one product of the whole codes
/// (accumulate_layer_merged): the conversion changes nothing (ideal arrays, an exact ideal ADC),
/// there is nothing to draw and no self-compensation, and every reading of whole codes is an
/// integer below 2^24, which float holds exactly in any order of summation.
bool phases_merge_exactly(const LayerPlan& plan);
/// The accumulators of a layer whose phases merge exactly: sum_p 2^(d p) (A x_p) = A x, so each
/// crossbar multiplies its levels by the input codes once instead of once per phase, and the
/// shift-and-add weighs slices, signs, flipped columns and the offset reference as the phased
/// pass does. Bit for bit what accumulate_layer gives (every sum is an exact integer), in 1/P of
/// its products. Not for a pass that records readings or array activity (those are per phase).
void accumulate_layer_merged(const LayerPlan& plan, const Eigen::MatrixXd& x, Eigen::MatrixXd& y);

/// Stage 1, the Crossbar: column readings (readouts x columns of `in`) of the bit planes `in`,
/// plus read noise drawn from `noise_seed` when the plan has a variance.
void crossbar_read(const XbarPlan& xb, const InputBlock& in, RowMajorF& y, std::uint64_t noise_seed);
/// Stage 2, the Adc: every reading through the layer's transfer function, in place; with
/// non-idealities, through each readout's ADC, its input-referred noise drawn from `noise_seed`.
void adc_convert(const LayerPlan& layer, const XbarPlan& xb, RowMajorF& y, std::uint64_t noise_seed);
/// Stage 3, the ShiftAdd unit: self-compensation, then the phases weighted 2^(dac_bits p), the
/// readout coefficients (slices, signs, the offset reference), added into acc rows of the
/// crossbar's channels, columns [m0, m0 + mt). `y` holds P blocks of mt columns.
void shift_add(const LayerPlan& layer, const XbarPlan& xb, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
               AccumulatorRows acc, Eigen::Index m0);

/// Who performs a crossbar's three stages: the functional engine calls the functions above;
/// the cycle-level chip routes each call to the crossbar's module.
class CrossbarStages {
 public:
  virtual ~CrossbarStages() = default;
  /// `xbar`: index in LayerPlan::xbars of `layer`.
  virtual void read(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y,
                    std::uint64_t noise_seed) const = 0;
  virtual void convert(std::size_t layer, std::size_t xbar, RowMajorF& y, std::uint64_t noise_seed) const = 0;
  virtual void shift_add(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
                         AccumulatorRows acc, Eigen::Index m0) const = 0;
};

/// Positions per block of a layer whose unrolled input has `total` columns of `rows` codes: about
/// 4 M bit-plane floats. Blocks, numbered by their first column among the `total`, are cut into
/// cache-sized tiles the same way wherever they are computed; a tile seeds its random draws, a
/// block is the unit of a calibration's samples.
Eigen::Index draw_block_columns(const LayerPlan& plan, Eigen::Index rows, Eigen::Index total);
/// Columns per accumulate_layer call near `wanted` (at least one block) whose calls, one after
/// another, give exactly the single call's result: whole blocks, or all `total` columns.
Eigen::Index aligned_columns(const LayerPlan& plan, Eigen::Index rows, Eigen::Index total, Eigen::Index wanted);

/// The accumulators of one layer (cout x M) for unrolled input codes x (K x M): positions are
/// taken in blocks, each block's bit planes go through every crossbar's three stages, and
/// the accumulator rounds half up to an integer. `seed` and `stream` seed the read noise.
/// `span`: which of the layer's unrolled columns x holds (count 0: x is all of them); a span
/// that starts inside a block (draw_block_columns) is a logic error.
/// `record` (may be null): instead of converting, samples |reading| into it (ADC calibration).
/// `activity` (may be null): adds the layer's array activity (DAC drives, cell read energy) to it.
void accumulate_layer(const LayerPlan& plan, std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y,
                      std::uint64_t seed, std::uint64_t stream, const CrossbarStages& stages,
                      std::vector<float>* record = nullptr, ArrayActivity* activity = nullptr,
                      const mapping::ColumnSpan& span = {});

/// One trial (device seed) of a layer in a shared pass: its plan, who performs its stages, its
/// seed, and where its accumulators go.
struct TrialTarget {
  const LayerPlan* plan = nullptr;
  const CrossbarStages* stages = nullptr;
  std::uint64_t seed = 0;
  Eigen::MatrixXd* y = nullptr;
};
/// accumulate_layer for several trials of one layer on the same unrolled input codes x (Monte
/// Carlo that shares the inputs): each tile's bit planes are made once and read by every trial's
/// crossbars. Each trial's *y is bit for bit what its own accumulate_layer call gives. The
/// trials' plans must block the positions alike (the same phases, DAC, draws and widest
/// crossbar: plans of one mapping on different device seeds); otherwise a logic error.
void accumulate_layer_trials(const std::vector<TrialTarget>& trials, std::size_t layer, const Eigen::MatrixXd& x,
                             std::uint64_t stream, const mapping::ColumnSpan& span = {});

/// The stages as plain function calls on `plans`.
class DirectStages final : public CrossbarStages {
 public:
  explicit DirectStages(const std::vector<LayerPlan>& plans) : plans_(plans) {}
  void read(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y,
            std::uint64_t noise_seed) const override;
  void convert(std::size_t layer, std::size_t xbar, RowMajorF& y, std::uint64_t noise_seed) const override;
  void shift_add(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
                 AccumulatorRows acc, Eigen::Index m0) const override;

 private:
  const std::vector<LayerPlan>& plans_;
};

}  // namespace xbarsim::sim
