#include "sim/datapath.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "models/normal_block.hpp"
#include "models/random.hpp"

namespace xbarsim::sim {

double ArrayActivity::conductance_drive(int dac_bits) const {
  const double full = static_cast<double>((std::int64_t{1} << dac_bits) - 1);
  return std::ldexp(static_cast<double>(conductance_drive_fx), -kConductanceFractionBits) / (full * full);
}

namespace {

/// The array activity of one crossbar's block of bit planes: integer sums only.
void add_activity(const XbarPlan& xb, const InputBlock& in, ArrayActivity& a) {
  const auto& g = xb.row_conductance_fx;
  for (Eigen::Index k = 0; k < in.cols(); ++k) {
    for (Eigen::Index i = 0; i < in.rows(); ++i) {
      const auto d = static_cast<std::int64_t>(in(i, k));
      if (d == 0) continue;
      ++a.nonzero_digits;
      a.conductance_drive_fx += d * d * g[static_cast<std::size_t>(i)];
    }
  }
}

/// accumulate_layer's buffers, one set per thread, kept from call to call: fresh pages for a
/// block's bit planes and the accumulators on every call cost a page fault per 4 KiB and their
/// zeroing (about 300,000 faults for 2,000 LeNet-5 images). They only grow, to the largest block
/// and layer the thread has seen (what a call allocated anyway).
struct Buffers {
  std::vector<float> planes;
  std::vector<double> acc;
  std::vector<std::int32_t> codes32;
  std::vector<std::int64_t> codes64;
  Eigen::MatrixXf gathered;
  RowMajorF Y;
  Eigen::MatrixXf noise_in;  ///< crossbar_read: the squared digits of a tile
  RowMajorF variances;       ///< crossbar_read: the readings' read-noise variances
};

Buffers& thread_buffers() {
  thread_local Buffers b;
  return b;
}

}  // namespace

void crossbar_read(const XbarPlan& xb, const InputBlock& in, RowMajorF& y, std::uint64_t noise_seed) {
  y.noalias() = xb.a * in;
  if (xb.var.size() == 0) return;
  // Read noise: independent per cell and read, summed per readout (exact summed variance).
  // The squared digits and the variances live in the thread's datapath buffers (a tile's worth).
  Buffers& buffers = thread_buffers();
  Eigen::MatrixXf& noise_in = buffers.noise_in;
  RowMajorF& v = buffers.variances;
  noise_in = in.cwiseAbs2();
  v.noalias() = xb.var * noise_in;
  // One standard normal per readout and position, drawn from the tile's stream in chunks of
  // whole generator chunks (models/normal_block.hpp), so the stream is the same as in one fill.
  constexpr Eigen::Index kChunk = 8 * models::kNormalChunk;
  std::array<float, static_cast<std::size_t>(kChunk)> z;
  models::NormalStream normals(noise_seed);
  for (Eigen::Index k0 = 0; k0 < v.size(); k0 += kChunk) {
    const Eigen::Index n = std::min(kChunk, v.size() - k0);
    normals.fill(z.data(), static_cast<std::size_t>(n));
    Eigen::Map<Eigen::ArrayXf>(y.data() + k0, n) +=
        Eigen::Map<const Eigen::ArrayXf>(v.data() + k0, n).sqrt() * Eigen::Map<const Eigen::ArrayXf>(z.data(), n);
  }
}

void adc_convert(const LayerPlan& layer, const XbarPlan& xb, RowMajorF& y, std::uint64_t noise_seed) {
  if (layer.adc_identity) return;
  if (!layer.adc_nonideal.any()) {
    layer.adc.convert_all(y.data(), y.size());
    return;
  }
  const models::AdcErrors ideal;
  models::Rng rng(noise_seed);
  const bool noisy = layer.adc_nonideal.noise_lsb > 0.0;
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    const auto& e = xb.adc_errors.empty() ? ideal : xb.adc_errors[xb.adc_of_readout[static_cast<std::size_t>(r)]];
    for (Eigen::Index k = 0; k < y.cols(); ++k) {
      y(r, k) = static_cast<float>(
          models::convert_nonideal(layer.adc, layer.adc_nonideal, e, y(r, k), noisy ? rng.normal() : 0.0));
    }
  }
}

void shift_add(const LayerPlan& layer, const XbarPlan& xb, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
               AccumulatorRows acc, Eigen::Index m0) {
  if (!xb.compensation.empty()) {
    // corrected = (reading * gain - offset * n - constant) / 2^bits, rounded half up to the ADC step:
    // integer arithmetic in units of the step, done here in double (exact at these sizes).
    const Eigen::RowVectorXf nsum = in.colwise().sum();
    const double step = layer.adc.step();
    for (Eigen::Index r = 0; r < y.rows(); ++r) {
      const auto& c = xb.compensation[static_cast<std::size_t>(r)];
      const double scale = std::ldexp(1.0, -c.bits) / step;
      for (Eigen::Index k = 0; k < y.cols(); ++k) {
        const double v =
            (static_cast<double>(y(r, k)) * static_cast<double>(c.gain) -
             static_cast<double>(c.offset) * static_cast<double>(nsum(k)) - static_cast<double>(c.constant)) *
            scale;
        y(r, k) = static_cast<float>(std::floor(v + 0.5) * step);
      }
    }
  }
  // Weight flip: a flipped column read sum (max - l) x = max * sum(x) - sum l x; the digits' sum
  // per phase is counted digitally (ISAAC's correction). The digital offset reference uses the same count.
  bool any_flip = false;
  for (const auto& ro : xb.readouts) any_flip = any_flip || ro.flip_max != 0.0;
  Eigen::RowVectorXf digits;
  if (any_flip || xb.digital_reference != 0.0) digits = in.colwise().sum();
  if (any_flip) {
    for (Eigen::Index r = 0; r < y.rows(); ++r) {
      const double max = xb.readouts[static_cast<std::size_t>(r)].flip_max;
      if (max == 0.0) continue;
      for (Eigen::Index k = 0; k < y.cols(); ++k)
        y(r, k) = static_cast<float>(max * static_cast<double>(digits(k)) - static_cast<double>(y(r, k)));
    }
  }
  // Phases (2^(d p)), then slices and signs (readout coefficients); row blocks add up in acc.
  // In double: a column reading is an integer below 2^24 (hardware validation), but weighted by
  // 2^(d p) over the phases it is not (4096 rows of 8-bit cells, 8 phases: 2^27); double holds
  // every sum exactly up to 2^53.
  const int P = layer.phases, d = layer.dac_bits;
  Eigen::RowVectorXd t, term;
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    t = y.row(r).segment(0, mt).cast<double>();
    for (int p = 1; p < P; ++p) t += std::ldexp(1.0, d * p) * y.row(r).segment(p * mt, mt).cast<double>();
    const Readout& ro = xb.readouts[static_cast<std::size_t>(r)];
    term = ro.coef * t;
    if (ro.channel >= 0) {
      acc.row(xb.channel_begin + ro.channel).segment(m0, mt) += term;
    } else {  // the reference column's sum is subtracted from every channel the crossbar holds
      for (std::int64_t ch = 0; ch < xb.channels; ++ch) acc.row(xb.channel_begin + ch).segment(m0, mt) += term;
    }
  }
  if (xb.digital_reference != 0.0) {
    t = digits.segment(0, mt).cast<double>();
    for (int p = 1; p < P; ++p) t += std::ldexp(1.0, d * p) * digits.segment(p * mt, mt).cast<double>();
    term = xb.digital_reference * t;
    for (std::int64_t ch = 0; ch < xb.channels; ++ch) acc.row(xb.channel_begin + ch).segment(m0, mt) += term;
  }
}

namespace {

/// Positions per tile of a block. A tile's bit planes (rows x phases x tile) stay within about
/// 1 MB and a crossbar's readings of it (readouts x phases x tile) within about 256 KB, so that
/// the digits, the reads, the conversions and the shift-and-add of a tile run in cache instead
/// of streaming block-sized intermediates through memory. Random draws (read noise, ADC noise)
/// are seeded per tile, by the tile's first column among the layer's: the tiles of a block
/// depend only on the plan, the rows and the block's length, so the draws are the same for any
/// batch, shard or thread count. A calibration record takes the whole block (its samples are
/// defined per block, in the block's element order).
Eigen::Index cache_tile(Eigen::Index readouts, Eigen::Index rows, Eigen::Index phases, Eigen::Index mt) {
  const Eigen::Index by_readings = (Eigen::Index{1} << 16) / (std::max<Eigen::Index>(1, readouts) * phases);
  const Eigen::Index by_planes = (Eigen::Index{1} << 18) / (std::max<Eigen::Index>(1, rows) * phases);
  return std::clamp<Eigen::Index>(std::min(by_readings, by_planes), 16, std::max<Eigen::Index>(16, mt));
}

Eigen::Index tile_positions(const LayerPlan& L, Eigen::Index rows, Eigen::Index mt, bool record) {
  if (record) return mt;
  return cache_tile(L.max_readouts, rows, L.phases, mt);
}

template <typename T>
T* at_least(std::vector<T>& v, Eigen::Index n) {
  if (static_cast<Eigen::Index>(v.size()) < n) v.resize(static_cast<std::size_t>(n));
  return v.data();
}

/// The digits of n input codes (integers held in double), phase after phase: dst[p n + i] is
/// bits [d p, d p + d) of code i, the top phase signed (arithmetic shift). Int is wide enough for
/// every code (P d bits); the codes are converted once, then each phase is one vectorised pass.
template <typename Int>
void write_digits(const double* src, Eigen::Index n, int P, int d, float* dst, std::vector<Int>& codes) {
  Int* c = at_least(codes, n);
  for (Eigen::Index i = 0; i < n; ++i) c[i] = static_cast<Int>(src[i]);
  const Int mask = (Int{1} << d) - 1;
  for (int p = 0; p < P; ++p) {
    float* out = dst + p * n;
    const int sh = d * p;
    if (p == P - 1) {
      for (Eigen::Index i = 0; i < n; ++i) out[i] = static_cast<float>(c[i] >> sh);
    } else {
      for (Eigen::Index i = 0; i < n; ++i) out[i] = static_cast<float>((c[i] >> sh) & mask);
    }
  }
}

}  // namespace

Eigen::Index draw_block_columns(const LayerPlan& L, Eigen::Index rows, Eigen::Index total) {
  const Eigen::Index per = (Eigen::Index{1} << 22) / std::max<Eigen::Index>(1, rows * L.phases);
  return std::max<Eigen::Index>(1, std::min(total, per));
}

Eigen::Index aligned_columns(const LayerPlan& L, Eigen::Index rows, Eigen::Index total, Eigen::Index wanted) {
  if (wanted >= total) return std::max<Eigen::Index>(1, total);
  const Eigen::Index block = draw_block_columns(L, rows, total);
  return std::max<Eigen::Index>(1, wanted / block) * block;
}

namespace {

/// accumulate_layer for one or more trials that read the same unrolled input: each tile's bit
/// planes are made once, then go through every trial's crossbars into its own accumulators.
/// Trial t's result is exactly accumulate_layer(*trials[t].plan, ...): the blocks, tiles,
/// seeds and operations of each trial are those of its own call.
void accumulate_impl(const std::vector<TrialTarget>& trials, std::size_t layer, const Eigen::MatrixXd& x,
                     std::uint64_t stream, std::vector<float>* record, ArrayActivity* activity,
                     const mapping::ColumnSpan& span) {
  if (trials.empty()) throw std::logic_error("accumulate_layer: no trials");
  const LayerPlan& L = *trials.front().plan;
  for (const auto& t : trials) {
    const LayerPlan& o = *t.plan;
    if (o.phases != L.phases || o.dac_bits != L.dac_bits || o.cout != L.cout || o.draws != L.draws ||
        o.max_readouts != L.max_readouts)
      throw std::logic_error("accumulate_layer: trials whose plans block the positions differently");
  }
  const Eigen::Index K = x.rows(), M = x.cols();
  const int P = L.phases, d = L.dac_bits;
  const Eigen::Index first = span.count > 0 ? span.first : 0;
  const Eigen::Index total = span.count > 0 ? span.total : M;
  if (span.count > 0 && span.count != M) throw std::logic_error("accumulate_layer: the span does not match x");
  // Blocks of positions, numbered by their first column among all the layer's columns.
  const Eigen::Index mt_max = draw_block_columns(L, K, total);
  if (first % mt_max != 0) throw std::logic_error("accumulate_layer: a span that starts inside a block");
  Buffers& buffers = thread_buffers();
  const auto S = static_cast<Eigen::Index>(trials.size());
  double* acc_data = at_least(buffers.acc, S * L.cout * M);
  std::fill(acc_data, acc_data + S * L.cout * M, 0.0);
  Eigen::MatrixXf& gathered = buffers.gathered;
  RowMajorF& Y = buffers.Y;
  for (Eigen::Index m0 = 0; m0 < M; m0 += mt_max) {
    const Eigen::Index mt = std::min(mt_max, M - m0);
    const Eigen::Index jt_max = tile_positions(L, K, mt, record != nullptr);
    for (Eigen::Index j0 = 0; j0 < mt; j0 += jt_max) {
      const Eigen::Index jt = std::min(jt_max, mt - j0);
      // The tile's input digits, one run of jt columns per phase: phase p holds bits [d p, d p + d)
      // (the top one signed).
      Eigen::Map<Eigen::MatrixXf> planes(at_least(buffers.planes, K * P * jt), K, P * jt);
      const double* src = x.data() + (m0 + j0) * K;
      if (P * d <= 31) {
        write_digits<std::int32_t>(src, K * jt, P, d, planes.data(), buffers.codes32);
      } else {
        write_digits<std::int64_t>(src, K * jt, P, d, planes.data(), buffers.codes64);
      }
      for (Eigen::Index t = 0; t < S; ++t) {
        const TrialTarget& trial = trials[static_cast<std::size_t>(t)];
        Eigen::Map<RowMajorD> acc(acc_data + t * L.cout * M, L.cout, M);
        for (std::size_t xi = 0; xi < trial.plan->xbars.size(); ++xi) {
          const XbarPlan& xb = trial.plan->xbars[xi];
          const auto n = static_cast<Eigen::Index>(xb.rows.size());
          // Compacted rows (pruning) are gathered from the tile, in cache.
          if (!xb.contiguous) gathered = planes(xb.rows, Eigen::all);
          const InputBlock in =
              xb.contiguous ? InputBlock(planes.middleRows(xb.rows.front(), n)) : InputBlock(gathered);
          if (activity != nullptr) add_activity(xb, in, *activity);
          // The seeds name the tile by its first column among the layer's.
          const auto tile = static_cast<std::uint64_t>(first + m0 + j0);
          trial.stages->read(layer, xi, in, Y, models::derive_seed(trial.seed, {0x4EAD, stream, layer, xi, tile}));
          if (record != nullptr) {
            // An even sample for the percentile (a stride coprime with the row length, so that it
            // visits every column rather than aliasing onto a few), and the block's largest reading,
            // so that the 100th percentile is the true maximum.
            const Eigen::Index cols = std::max<Eigen::Index>(1, Y.cols());
            Eigen::Index stride = std::max<Eigen::Index>(1, Y.size() / 4096);
            while (std::gcd(stride, cols) != 1) ++stride;
            for (Eigen::Index k = 0; k < Y.size(); k += stride) record->push_back(std::abs(Y.data()[k]));
            if (Y.size() > 0) record->push_back(Y.cwiseAbs().maxCoeff());
          } else {
            trial.stages->convert(layer, xi, Y, models::derive_seed(trial.seed, {0xADC0, stream, layer, xi, tile}));
          }
          trial.stages->shift_add(layer, xi, in, Y, jt, acc, m0 + j0);
        }
      }
    }
  }
  // The accumulator is an integer: partial sums finer than one level (an ADC step below 1) round here.
  for (Eigen::Index t = 0; t < S; ++t) {
    const Eigen::Map<RowMajorD> acc(acc_data + t * L.cout * M, L.cout, M);
    *trials[static_cast<std::size_t>(t)].y = (acc.array() + 0.5).floor().matrix();
  }
}

}  // namespace

bool phases_merge_exactly(const LayerPlan& L) {
  if (!L.adc_identity || L.draws) return false;
  for (const auto& xb : L.xbars) {
    if (!xb.compensation.empty()) return false;
  }
  const double max_code = std::ldexp(1.0, L.phases * L.dac_bits);  // |code| below this, signed or not
  // A x must stay exact in float; a flipped reading max * sum(x) - A x is formed in double.
  bool exact = L.max_readout_l1 * max_code < std::ldexp(1.0, 24);
  for (const auto& xb : L.xbars) {
    for (const auto& ro : xb.readouts) {
      exact = exact && ro.flip_max * static_cast<double>(xb.rows.size()) * max_code < std::ldexp(1.0, 53);
    }
  }
  return exact;
}

void accumulate_layer_merged(const LayerPlan& L, const Eigen::MatrixXd& x, Eigen::MatrixXd& y) {
  const Eigen::Index K = x.rows(), M = x.cols();
  Buffers& buffers = thread_buffers();
  Eigen::Map<RowMajorD> acc(at_least(buffers.acc, L.cout * M), L.cout, M);
  acc.setZero();
  Eigen::MatrixXf& gathered = buffers.gathered;
  RowMajorF& Y = buffers.Y;
  // Tiles of about 1 MB of codes and 256 KB of readings, as the phased pass keeps in cache.
  const Eigen::Index jt_max = cache_tile(L.max_readouts, K, 1, M);
  Eigen::RowVectorXd digits, t;
  for (Eigen::Index j0 = 0; j0 < M; j0 += jt_max) {
    const Eigen::Index jt = std::min(jt_max, M - j0);
    Eigen::Map<Eigen::MatrixXf> codes(at_least(buffers.planes, K * jt), K, jt);
    codes = x.middleCols(j0, jt).cast<float>();
    for (const XbarPlan& xb : L.xbars) {
      const auto n = static_cast<Eigen::Index>(xb.rows.size());
      if (!xb.contiguous) gathered = codes(xb.rows, Eigen::all);
      const InputBlock in = xb.contiguous ? InputBlock(codes.middleRows(xb.rows.front(), n)) : InputBlock(gathered);
      Y.noalias() = xb.a * in;
      bool any_flip = false;
      for (const auto& ro : xb.readouts) any_flip = any_flip || ro.flip_max != 0.0;
      if (any_flip || xb.digital_reference != 0.0) digits = in.cast<double>().colwise().sum();
      for (Eigen::Index r = 0; r < Y.rows(); ++r) {
        const Readout& ro = xb.readouts[static_cast<std::size_t>(r)];
        t = Y.row(r).cast<double>();
        if (ro.flip_max != 0.0) t = ro.flip_max * digits - t;
        t *= ro.coef;
        if (ro.channel >= 0) {
          acc.row(xb.channel_begin + ro.channel).segment(j0, jt) += t;
        } else {  // the reference column's sum is subtracted from every channel the crossbar holds
          for (std::int64_t ch = 0; ch < xb.channels; ++ch) acc.row(xb.channel_begin + ch).segment(j0, jt) += t;
        }
      }
      if (xb.digital_reference != 0.0) {
        t = xb.digital_reference * digits;
        for (std::int64_t ch = 0; ch < xb.channels; ++ch) acc.row(xb.channel_begin + ch).segment(j0, jt) += t;
      }
    }
  }
  y = (acc.array() + 0.5).floor().matrix();
}

void accumulate_layer(const LayerPlan& L, std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y,
                      std::uint64_t seed, std::uint64_t stream, const CrossbarStages& stages,
                      std::vector<float>* record, ArrayActivity* activity, const mapping::ColumnSpan& span) {
  accumulate_impl({TrialTarget{&L, &stages, seed, &y}}, layer, x, stream, record, activity, span);
}

void accumulate_layer_trials(const std::vector<TrialTarget>& trials, std::size_t layer, const Eigen::MatrixXd& x,
                             std::uint64_t stream, const mapping::ColumnSpan& span) {
  accumulate_impl(trials, layer, x, stream, nullptr, nullptr, span);
}

void DirectStages::read(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y,
                        std::uint64_t noise_seed) const {
  crossbar_read(plans_[layer].xbars[xbar], in, y, noise_seed);
}

void DirectStages::convert(std::size_t layer, std::size_t xbar, RowMajorF& y, std::uint64_t noise_seed) const {
  adc_convert(plans_[layer], plans_[layer].xbars[xbar], y, noise_seed);
}

void DirectStages::shift_add(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
                             AccumulatorRows acc, Eigen::Index m0) const {
  sim::shift_add(plans_[layer], plans_[layer].xbars[xbar], in, y, mt, acc, m0);
}

}  // namespace xbarsim::sim
