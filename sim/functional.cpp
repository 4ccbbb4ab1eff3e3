#include "sim/functional.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "models/arithmetic.hpp"
#include "models/random.hpp"

namespace xbarsim::sim {

using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMajorD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

/// One converted quantity of a crossbar: a column, or (analog subtraction) a column pair.
struct Readout {
  std::int64_t channel = -1;  ///< output channel within the crossbar; -1 = every channel (offset reference)
  double coef = 1.0;          ///< shift-and-add weight: +-2^(slice * cell_bits), or -2^(b-1) for the reference
};

struct XbarPlan {
  std::int64_t channel_begin = 0;
  std::int64_t channels = 0;
  std::vector<Readout> readouts;
  Eigen::MatrixXf a;               ///< readouts x rows: contribution of each row to each readout (level units)
  Eigen::MatrixXf var;             ///< readouts x rows: read-noise variance per unit input^2 (empty: no noise)
  std::vector<Eigen::Index> rows;  ///< unrolled input rows read
  bool contiguous = false;
  std::vector<mapping::Compensation> compensation;  ///< per readout; empty = none
};

}  // namespace

struct FunctionalEngine::LayerPlan {
  std::int64_t cout = 0;
  std::int64_t positions = 1;
  int dac_bits = 1;
  int phases = 8;
  models::AdcTransfer adc;
  bool adc_identity = false;  ///< ideal arrays and an exact ADC: conversion changes nothing
  std::vector<XbarPlan> xbars;
};

FunctionalEngine::~FunctionalEngine() = default;

FunctionalEngine::FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                                   const mapping::ProgrammedNetwork& programmed, const FunctionalOptions& options)
    : reference_(net, Precision::Int), read_noise_sigma_(programmed.device.read_noise_sigma), seed_(programmed.seed) {
  const auto names = reference_.weighted_layers();
  if (names.size() != mapped.layers.size()) {
    throw Error("functional engine: network '" + net.name + "' has " + std::to_string(names.size()) +
                " weighted layers but the mapping has " + std::to_string(mapped.layers.size()));
  }
  if (programmed.crossbars.size() != mapped.crossbars.size()) {
    throw Error("functional engine: programmed arrays do not belong to this mapping");
  }
  const auto& hw = mapped.hardware;
  const bool analog = hw.subtraction == mapping::Subtraction::Analog;
  const bool ideal = programmed.ideal();
  ideal_ = ideal;
  adc_percentile_ = hw.adc_percentile;
  const double levels_max = static_cast<double>((1 << hw.cell_bits) - 1);
  layers_.resize(mapped.layers.size());
  for (std::size_t li = 0; li < mapped.layers.size(); ++li) {
    const auto& ml = mapped.layers[li];
    if (ml.name != names[li]) {
      throw Error("functional engine: mapped layer '" + ml.name + "' does not match network layer '" + names[li] + "'");
    }
    LayerPlan& L = layers_[li];
    L.cout = ml.shape.cout;
    const auto& oshape = net.shape_of(ml.name);
    L.positions = oshape.size() == 3 ? oshape[1] * oshape[2] : 1;
    L.dac_bits = std::min(hw.dac_bits, ml.input_bits);
    L.phases = (ml.input_bits + L.dac_bits - 1) / L.dac_bits;
    const bool bipolar = analog || ml.input_signed();
    const double full_scale = static_cast<double>(hw.rows) * levels_max * ((1 << L.dac_bits) - 1);
    const int bits = options.exact_adc ? models::exact_adc_bits(full_scale, bipolar) : hw.adc_bits;
    L.adc = models::make_adc(bits, bipolar, full_scale);
    L.adc_identity = ideal && L.adc.exact();
    const int b = ml.geometry.weight_bits;
    for (auto xi : ml.crossbars) {
      const auto& xb = mapped.crossbars[xi];
      const auto& g = programmed.crossbars[xi].g;  // physical columns x rows
      XbarPlan plan;
      plan.channel_begin = xb.channel_begin;
      plan.channels = xb.channel_end - xb.channel_begin;
      plan.rows.assign(xb.rows.begin(), xb.rows.end());
      plan.contiguous = true;
      for (std::size_t i = 1; i < plan.rows.size(); ++i) plan.contiguous &= plan.rows[i] == plan.rows[i - 1] + 1;
      const auto nrows = static_cast<Eigen::Index>(plan.rows.size());
      const auto& roles = xb.cells.columns;
      std::vector<std::vector<int>> members;  // physical columns of each readout
      for (std::size_t c = 0; c < roles.size(); ++c) {
        const auto& role = roles[c];
        const double w = std::ldexp(1.0, role.slice * hw.cell_bits);
        using K = mapping::ColumnRole::Kind;
        if (role.kind == K::Reference) {
          plan.readouts.push_back({-1, -std::ldexp(1.0, b - 1)});
          members.push_back({static_cast<int>(c)});
        } else if (role.kind == K::Negative) {
          if (analog) continue;  // paired with its positive column below
          plan.readouts.push_back({role.channel, -w});
          members.push_back({static_cast<int>(c)});
        } else {
          plan.readouts.push_back({role.channel, w});
          members.push_back({static_cast<int>(c)});
          if (analog && role.kind == K::Positive) {
            for (std::size_t n = 0; n < roles.size(); ++n) {
              if (roles[n].kind == K::Negative && roles[n].channel == role.channel && roles[n].slice == role.slice)
                members.back().push_back(static_cast<int>(n));
            }
          }
        }
      }
      const auto nread = static_cast<Eigen::Index>(plan.readouts.size());
      plan.a.resize(nread, nrows);
      Eigen::MatrixXf ideal_a(nread, nrows);
      if (read_noise_sigma_ > 0.0) plan.var.setZero(nread, nrows);
      for (Eigen::Index r = 0; r < nread; ++r) {
        const auto& mem = members[static_cast<std::size_t>(r)];
        for (Eigen::Index i = 0; i < nrows; ++i) {
          float v = 0.0F, iv = 0.0F;
          for (std::size_t k = 0; k < mem.size(); ++k) {
            const float sign = k == 0 ? 1.0F : -1.0F;
            v += sign * g(mem[k], i);
            iv += sign * static_cast<float>(xb.cells.level(i, static_cast<std::size_t>(mem[k])));
            if (read_noise_sigma_ > 0.0) {
              const double tot = g(mem[k], i) + programmed.g0;
              plan.var(r, i) += static_cast<float>(read_noise_sigma_ * read_noise_sigma_ * tot * tot);
            }
          }
          plan.a(r, i) = v;
          ideal_a(r, i) = iv;
        }
      }
      if (hw.self_compensation) {
        for (Eigen::Index r = 0; r < nread; ++r) {
          plan.compensation.push_back(
              mapping::fit_compensation(plan.a.row(r).transpose(), ideal_a.row(r).transpose(), hw.compensation_bits,
                                        models::derive_seed(programmed.seed, {0xCA1, static_cast<std::uint64_t>(xi)})));
        }
        bool all_identity = true;
        for (const auto& c : plan.compensation) all_identity = all_identity && c.identity();
        if (all_identity) plan.compensation.clear();
      }
      L.xbars.push_back(std::move(plan));
    }
  }
}

const models::AdcTransfer& FunctionalEngine::adc(std::size_t weighted_layer) const {
  return layers_.at(weighted_layer).adc;
}

std::size_t FunctionalEngine::layer_count() const { return layers_.size(); }

double FunctionalEngine::analog_macs_per_image() const {
  double macs = 0.0;
  for (const auto& L : layers_) {
    for (const auto& x : L.xbars) macs += static_cast<double>(x.a.size()) * L.phases * static_cast<double>(L.positions);
  }
  return macs;
}

Eigen::MatrixXd FunctionalEngine::forward_codes(const Eigen::MatrixXf& images, std::uint64_t stream,
                                                const CodeObserver* observer) const {
  return reference_.forward_int_codes(images, this, stream, observer);
}

Eigen::MatrixXd FunctionalEngine::forward(const Eigen::MatrixXf& images, std::uint64_t stream) const {
  return reference_.forward_int(images, this, stream);
}

void FunctionalEngine::accumulate(std::size_t weighted_layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y,
                                  std::uint64_t stream) const {
  const LayerPlan& L = layers_.at(weighted_layer);
  const Eigen::Index K = x.rows(), M = x.cols();
  const int P = L.phases, d = L.dac_bits;
  const std::int64_t mask = (std::int64_t{1} << d) - 1;
  // Tiles of positions bound the bit-plane buffer to about 4 M floats.
  const Eigen::Index mt_max = std::max<Eigen::Index>(1, std::min<Eigen::Index>(M, (Eigen::Index{1} << 22) / (K * P)));
  RowMajorD acc = RowMajorD::Zero(L.cout, M);
  Eigen::MatrixXf planes, gathered, noise_in;
  RowMajorF Y, V;
  Eigen::RowVectorXf nsum;
  Eigen::VectorXf t;
  Eigen::RowVectorXd term;
  const bool recording = recorder_ != nullptr;
  for (Eigen::Index m0 = 0; m0 < M; m0 += mt_max) {
    const Eigen::Index mt = std::min(mt_max, M - m0);
    // Input digits, one block of mt columns per phase: phase p holds bits [d p, d p + d) (the top one signed).
    planes.resize(K, P * mt);
    for (Eigen::Index j = 0; j < mt; ++j) {
      const double* src = x.data() + (m0 + j) * K;
      for (int p = 0; p < P; ++p) {
        float* dst = planes.data() + (p * mt + j) * K;
        const int sh = d * p;
        if (p == P - 1) {
          for (Eigen::Index i = 0; i < K; ++i) dst[i] = static_cast<float>(static_cast<std::int64_t>(src[i]) >> sh);
        } else {
          for (Eigen::Index i = 0; i < K; ++i)
            dst[i] = static_cast<float>((static_cast<std::int64_t>(src[i]) >> sh) & mask);
        }
      }
    }
    for (std::size_t xi = 0; xi < L.xbars.size(); ++xi) {
      const XbarPlan& xb = L.xbars[xi];
      const auto n = static_cast<Eigen::Index>(xb.rows.size());
      if (!xb.contiguous) gathered = planes(xb.rows, Eigen::all);
      using InputRef = Eigen::Ref<const Eigen::MatrixXf, 0, Eigen::OuterStride<>>;
      const InputRef in = xb.contiguous ? InputRef(planes.middleRows(xb.rows.front(), n)) : InputRef(gathered);
      Y.noalias() = xb.a * in;
      if (xb.var.size() > 0) {  // read noise: independent per cell and read, summed per readout
        noise_in = in.cwiseAbs2();
        V.noalias() = xb.var * noise_in;
        models::Rng rng(
            models::derive_seed(seed_, {0x4EAD, stream, weighted_layer, xi, static_cast<std::uint64_t>(m0)}));
        for (Eigen::Index k = 0; k < V.size(); ++k)
          Y.data()[k] += static_cast<float>(std::sqrt(V.data()[k]) * rng.normal());
      }
      if (recording) {
        auto& rec = (*recorder_)[weighted_layer];
        const Eigen::Index stride = std::max<Eigen::Index>(1, Y.size() / 4096);
        for (Eigen::Index k = 0; k < Y.size(); k += stride) rec.push_back(std::abs(Y.data()[k]));
      } else if (!L.adc_identity) {
        L.adc.convert_all(Y.data(), Y.size());
      }
      if (!xb.compensation.empty()) {
        // corrected = (reading * gain - offset * n) / 2^bits, rounded half up to the ADC step:
        // integer arithmetic in units of the step, done here in double (exact at these sizes).
        nsum = in.colwise().sum();
        const double step = L.adc.step();
        for (Eigen::Index r = 0; r < Y.rows(); ++r) {
          const auto& c = xb.compensation[static_cast<std::size_t>(r)];
          const double scale = std::ldexp(1.0, -c.bits) / step;
          for (Eigen::Index k = 0; k < Y.cols(); ++k) {
            const double v = (static_cast<double>(Y(r, k)) * static_cast<double>(c.gain) -
                              static_cast<double>(c.offset) * static_cast<double>(nsum(k))) *
                             scale;
            Y(r, k) = static_cast<float>(std::floor(v + 0.5) * step);
          }
        }
      }
      // Shift-and-add: phases (2^(d p)), then slices and signs (readout coefficients), then row blocks.
      for (Eigen::Index r = 0; r < Y.rows(); ++r) {
        t = Y.row(r).segment(0, mt).transpose();
        for (int p = 1; p < P; ++p) t += std::ldexp(1.0F, d * p) * Y.row(r).segment(p * mt, mt).transpose();
        const Readout& ro = xb.readouts[static_cast<std::size_t>(r)];
        term = ro.coef * t.cast<double>().transpose();
        if (ro.channel >= 0) {
          acc.row(xb.channel_begin + ro.channel).segment(m0, mt) += term;
        } else {  // the reference column's sum is subtracted from every channel the crossbar holds
          for (std::int64_t ch = 0; ch < xb.channels; ++ch) acc.row(xb.channel_begin + ch).segment(m0, mt) += term;
        }
      }
    }
  }
  // The accumulator is an integer: partial sums finer than one level (an ADC step below 1) round here.
  y = (acc.array() + 0.5).floor().matrix();
}

void FunctionalEngine::calibrate_adc(const Eigen::MatrixXf& images) {
  std::vector<std::vector<float>> readings(layers_.size());
  recorder_ = &readings;
  try {
    forward_codes(images, 0xCA11B, nullptr);
  } catch (...) {
    recorder_ = nullptr;
    throw;
  }
  recorder_ = nullptr;
  for (std::size_t li = 0; li < layers_.size(); ++li) {
    LayerPlan& L = layers_[li];
    auto& r = readings[li];
    if (r.empty()) continue;
    const auto k = static_cast<std::size_t>(std::ceil(adc_percentile_ / 100.0 * static_cast<double>(r.size()))) - 1;
    std::nth_element(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(std::min(k, r.size() - 1)), r.end());
    const double range = std::max(1.0, static_cast<double>(r[std::min(k, r.size() - 1)]));
    const double full_scale = L.adc.full_scale;
    L.adc = models::make_adc(L.adc.bits, L.adc.bipolar, std::min(range, full_scale));
    L.adc.full_scale = full_scale;
    L.adc_identity = ideal_ && L.adc.exact();
  }
}

}  // namespace xbarsim::sim
