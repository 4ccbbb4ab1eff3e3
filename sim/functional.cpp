#include "sim/functional.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "models/arithmetic.hpp"
#include "models/random.hpp"
#include "sim/datapath.hpp"

namespace xbarsim::sim {

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
    // With the weight flip no column's levels sum past half the range (ISAAC's one ADC bit saved).
    const double column_range = hw.weight_flip ? std::floor(static_cast<double>(hw.rows) * levels_max / 2.0)
                                               : static_cast<double>(hw.rows) * levels_max;
    const double full_scale = column_range * ((1 << L.dac_bits) - 1);
    const int bits = options.exact_adc ? models::exact_adc_bits(full_scale, bipolar) : hw.adc_bits;
    L.adc = models::make_adc(bits, bipolar, full_scale);
    L.adc_identity = ideal && L.adc.exact();
    const int b = ml.geometry.weight_bits;
    for (auto xi : ml.crossbars) {
      const auto& xb = mapped.crossbars[xi];
      const auto& g = programmed.crossbars[xi].g;  // physical columns x rows
      XbarPlan plan;
      plan.crossbar = xi;
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
          plan.readouts.push_back({role.channel, -w, role.flipped ? levels_max : 0.0});
          members.push_back({static_cast<int>(c)});
        } else {
          plan.readouts.push_back({role.channel, w, role.flipped ? levels_max : 0.0});
          members.push_back({static_cast<int>(c)});
          if (analog && role.kind == K::Positive) {
            for (std::size_t n = 0; n < roles.size(); ++n) {
              if (roles[n].kind == K::Negative && roles[n].channel == role.channel && roles[n].slice == role.slice)
                members.back().push_back(static_cast<int>(n));
            }
          }
        }
      }
      // The conductance every driven row sees (all physical columns, Gmin included): the array's read energy.
      plan.row_conductance_fx.resize(static_cast<std::size_t>(nrows));
      for (Eigen::Index i = 0; i < nrows; ++i) {
        const double units = g.col(i).cast<double>().sum() + programmed.g0 * static_cast<double>(g.rows());
        plan.row_conductance_fx[static_cast<std::size_t>(i)] =
            std::llround(std::ldexp(std::max(0.0, units), kConductanceFractionBits));
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
  std::vector<float>* record = recorder_ != nullptr ? &(*recorder_)[weighted_layer] : nullptr;
  accumulate_layer(layers_.at(weighted_layer), weighted_layer, x, y, seed_, stream, DirectStages(layers_), record);
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
