#include "sim/functional.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"
#include "models/arithmetic.hpp"
#include "models/ir_drop.hpp"
#include "models/random.hpp"
#include "sim/datapath.hpp"

namespace xbarsim::sim {

FunctionalEngine::~FunctionalEngine() = default;

namespace {

using Kind = mapping::ColumnRole::Kind;

std::string range_name(mapping::AdcRange r) {
  switch (r) {
    case mapping::AdcRange::FullScale: return "full_scale";
    case mapping::AdcRange::RowsUsed: return "rows_used";
    case mapping::AdcRange::LayerMax: return "layer_max";
    case mapping::AdcRange::Calibrated: return "calibrated";
  }
  return "?";
}

/// The largest |reading| of readout r of `ideal` (readouts x rows of signed level contributions)
/// per unit input digit: with unsigned digits the larger of its positive and negative parts, with
/// signed ones their sum.
double readout_bound(const Eigen::MatrixXf& ideal, Eigen::Index r, bool signed_inputs) {
  double pos = 0, neg = 0;
  for (Eigen::Index i = 0; i < ideal.cols(); ++i) {
    const double v = ideal(r, i);
    (v > 0 ? pos : neg) += std::abs(v);
  }
  return signed_inputs ? pos + neg : std::max(pos, neg);
}

/// The level-unit contributions (physical columns x rows) of crossbar xi's cells with the lines'
/// resistance (models/ir_drop.hpp): the transfer T (microsiemens) of its used region, divided by dG,
/// minus the zero-level current the reference subtraction removes (nominal g0 per driven row).
Eigen::MatrixXf ir_drop_transfer(const mapping::ProgrammedNetwork& p, std::size_t xi,
                                 const mapping::HardwareConfig& hw) {
  const Eigen::MatrixXf& g = p.crossbars[xi].g;  // physical columns x rows
  const Eigen::MatrixXd g_us = ((g.cast<double>().array() + p.g0) * p.dg_us).matrix().transpose();  // rows x cols
  models::LineResistances r;
  r.word_segment_ohm = r.bit_segment_ohm = hw.timing.wire_r_ohm;
  r.driver_ohm = hw.ir_driver_r_ohm;
  r.sense_ohm = hw.ir_sense_r_ohm;
  const double v_mean = hw.input_bit_density * p.device.read_voltage_v;
  Eigen::MatrixXd t;  // cols x rows, microsiemens
  switch (hw.ir_drop) {
    case mapping::IrDrop::Exact: t = models::CrossbarNetwork(g_us, r).transfer(); break;
    case mapping::IrDrop::OperatingPoint: t = models::CrossbarNetwork(g_us, r).operating_point_transfer(v_mean); break;
    case mapping::IrDrop::FirstOrder: t = models::fast_transfer(g_us, r, v_mean, hw.ir_drop_passes); break;
    case mapping::IrDrop::Off: return g;
  }
  return (t.array() / p.dg_us - p.g0).matrix().cast<float>();
}

}  // namespace

FunctionalEngine::FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                                   const mapping::ProgrammedNetwork& programmed, const FunctionalOptions& options)
    : FunctionalEngine(net, mapped, programmed, nullptr, options) {}

FunctionalEngine::FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                                   mapping::ProgrammedNetwork&& programmed, const FunctionalOptions& options)
    : FunctionalEngine(net, mapped, programmed, &programmed, options) {}

FunctionalEngine::FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                                   const mapping::ProgrammedNetwork& programmed, mapping::ProgrammedNetwork* consumed,
                                   const FunctionalOptions& options)
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
  programming_ = programmed.cost();
  for (const auto& [layer, range] : hw.adc_ranges) {
    if (std::find(names.begin(), names.end(), layer) == names.end()) {
      throw Error("hardware: adc_ranges." + layer + ": no weighted layer '" + layer + "' in network '" + net.name +
                  "' (" + std::to_string(range) + ")");
    }
  }
  const bool analog = hw.subtraction == mapping::Subtraction::Analog;
  const bool ir = hw.ir_drop != mapping::IrDrop::Off;
  const bool ideal = programmed.ideal() && !ir;  // with IR drop no reading is an integer
  adc_percentile_ = hw.adc_percentile;
  compensation_bits_ = hw.compensation_bits;
  self_compensation_ = hw.self_compensation;
  models::AdcNonideality adc_errors;
  adc_errors.offset_sigma_lsb = hw.adc_offset_lsb;
  adc_errors.gain_sigma = hw.adc_gain_error;
  adc_errors.inl_lsb = hw.adc_inl_lsb;
  adc_errors.dnl_sigma_lsb = hw.adc_dnl_lsb;
  adc_errors.noise_lsb = hw.adc_noise_lsb;
  if (options.exact_adc) adc_errors = {};  // the "ideal ADC" row of a ladder
  const double levels_max = static_cast<double>((1 << hw.cell_bits) - 1);
  layers_.resize(mapped.layers.size());
  if (self_compensation_) ideal_a_.resize(mapped.layers.size());
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
    L.adc_nonideal = adc_errors;
    const bool bipolar = analog || ml.input_signed();
    const double digit_max = (1 << L.dac_bits) - 1;
    const int b = ml.geometry.weight_bits;
    std::int64_t rows_used = 0;
    double bound = 0.0;
    // Stuck-at faults alone leave every contribution a whole number of levels (a stuck cell reads
    // the top or the bottom level): the layer then converts like an ideal one when its ADC is exact
    // for the readings the programmed levels allow.
    bool integer_levels = !ir;
    double programmed_bound = 0.0;
    for (auto xi : ml.crossbars) {
      const auto& xb = mapped.crossbars[xi];
      // Physical columns x rows of level units: the programmed cells, or with IR drop what each
      // cell's row contributes to its column through the lines (T / dG minus the nominal zero level).
      Eigen::MatrixXf with_lines;
      if (ir) with_lines = ir_drop_transfer(programmed, xi, hw);
      const Eigen::MatrixXf& g = ir ? with_lines : programmed.crossbars[xi].g;
      XbarPlan plan;
      plan.crossbar = xi;
      plan.channel_begin = xb.channel_begin;
      plan.channels = xb.channel_end - xb.channel_begin;
      plan.rows.assign(xb.rows.begin(), xb.rows.end());
      plan.contiguous = true;
      for (std::size_t i = 1; i < plan.rows.size(); ++i) plan.contiguous &= plan.rows[i] == plan.rows[i - 1] + 1;
      const auto nrows = static_cast<Eigen::Index>(plan.rows.size());
      rows_used = std::max<std::int64_t>(rows_used, nrows);
      const auto& roles = xb.cells.columns;
      if (hw.sign == mapping::SignScheme::Offset && !ml.geometry.reference_column)
        plan.digital_reference = -std::ldexp(1.0, b - 1);
      std::vector<std::vector<int>> members;  // physical columns of each readout
      for (std::size_t c = 0; c < roles.size(); ++c) {
        const auto& role = roles[c];
        const double w = std::ldexp(1.0, role.slice * hw.cell_bits);
        if (role.kind == Kind::Reference) {
          // m = 2^(cell_bits-1) per row: the reference reads m x the input total.
          plan.readouts.push_back(
              {-1, -std::ldexp(1.0, b - 1) / mapping::reference_level(hw.cell_bits), role.flipped ? levels_max : 0.0});
          members.push_back({static_cast<int>(c)});
        } else if (role.kind == Kind::Negative) {
          if (analog) continue;  // paired with its positive column below
          plan.readouts.push_back({role.channel, -w, role.flipped ? levels_max : 0.0});
          members.push_back({static_cast<int>(c)});
        } else {
          plan.readouts.push_back({role.channel, w, role.flipped ? levels_max : 0.0});
          members.push_back({static_cast<int>(c)});
          if (analog && role.kind == Kind::Positive) {
            for (std::size_t n = 0; n < roles.size(); ++n) {
              if (roles[n].kind == Kind::Negative && roles[n].channel == role.channel && roles[n].slice == role.slice)
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
      const bool noisy = read_noise_sigma_ > 0.0 || programmed.read_floor > 0.0;
      const double floor2 = programmed.read_floor * programmed.read_floor;
      if (noisy) plan.var.setZero(nread, nrows);
      for (Eigen::Index r = 0; r < nread; ++r) {
        const auto& mem = members[static_cast<std::size_t>(r)];
        for (Eigen::Index i = 0; i < nrows; ++i) {
          float v = 0.0F, iv = 0.0F;
          for (std::size_t k = 0; k < mem.size(); ++k) {
            const float sign = k == 0 ? 1.0F : -1.0F;
            v += sign * g(mem[k], i);
            iv += sign * static_cast<float>(xb.cells.level(i, static_cast<std::size_t>(mem[k])));
            if (noisy) {  // per cell and read: proportional to its conductance (Gmin included), plus the floor
              const double tot = g(mem[k], i) + programmed.g0;
              plan.var(r, i) += static_cast<float>(read_noise_sigma_ * read_noise_sigma_ * tot * tot + floor2);
            }
          }
          plan.a(r, i) = v;
          ideal_a(r, i) = iv;
        }
        bound = std::max(bound, readout_bound(ideal_a, r, ml.input_signed()));
        if (integer_levels) programmed_bound = std::max(programmed_bound, readout_bound(plan.a, r, ml.input_signed()));
      }
      integer_levels = integer_levels && !noisy && (plan.a.array() == plan.a.array().round()).all();
      if (adc_errors.any()) {
        // ADC k converts physical columns [k cpa, (k + 1) cpa) of the crossbar; its errors are drawn once.
        const auto cpa = static_cast<std::size_t>(hw.columns_per_adc > 0 ? hw.columns_per_adc : roles.size());
        const std::size_t count = (roles.size() + cpa - 1) / cpa;
        models::Rng rng(models::derive_seed(programmed.seed, {0xADCE, static_cast<std::uint64_t>(xi)}));
        for (std::size_t k = 0; k < count; ++k)
          plan.adc_errors.push_back(models::draw_adc_errors(adc_errors, hw.adc_bits, rng));
        for (const auto& mem : members) plan.adc_of_readout.push_back(static_cast<std::uint32_t>(mem.front() / cpa));
      }
      if (self_compensation_) ideal_a_[li].push_back(std::move(ideal_a));
      L.draws = L.draws || L.adc_nonideal.noise_lsb > 0.0 || plan.var.size() > 0;
      L.max_readouts = std::max<Eigen::Index>(L.max_readouts, static_cast<Eigen::Index>(plan.readouts.size()));
      if (plan.a.size() > 0)
        L.max_readout_l1 =
            std::max(L.max_readout_l1, static_cast<double>(plan.a.cwiseAbs().rowwise().sum().maxCoeff()));
      L.xbars.push_back(std::move(plan));
      if (consumed != nullptr) {  // this crossbar's cells are in its plan now
        consumed->crossbars[xi].g = Eigen::MatrixXf();
        consumed->crossbars[xi].faults = std::vector<std::uint8_t>();
      }
    }
    // The ADC range (docs/models.md, "ADC range").
    const double column_range = hw.weight_flip ? std::floor(static_cast<double>(hw.rows) * levels_max / 2.0)
                                               : static_cast<double>(hw.rows) * levels_max;
    const double full_scale = column_range * digit_max;  // the crossbar's, whatever the layer uses
    L.reading_bound = std::min(bound * digit_max, full_scale);
    // Self-compensation is fitted through the converter (its clipped codes are dropped), so a
    // faulty layer keeps converting there; an ideal one converts nothing either way.
    L.integer_levels = ideal || (integer_levels && !self_compensation_);
    L.programmed_bound = ideal ? L.reading_bound : programmed_bound * digit_max;
    double range = full_scale;
    L.adc_range_source = range_name(hw.adc_range);
    if (hw.adc_range == mapping::AdcRange::RowsUsed) {
      range = std::min(full_scale, (hw.weight_flip ? std::floor(static_cast<double>(rows_used) * levels_max / 2.0)
                                                   : static_cast<double>(rows_used) * levels_max) *
                                       digit_max);
    } else if (hw.adc_range == mapping::AdcRange::LayerMax) {
      range = std::max(1.0, L.reading_bound);
    }
    if (const auto u = hw.adc_ranges.find(ml.name); u != hw.adc_ranges.end()) {
      range = u->second;
      L.adc_range_source = "user";
    }
    if (options.exact_adc) {  // wide enough for every integer reading of the crossbar, whatever the mode
      L.adc_range_source = "exact";
      set_adc_range(L, models::exact_adc_bits(full_scale, bipolar), bipolar, full_scale);
    } else {
      set_adc_range(L, hw.adc_bits, bipolar, range);
    }
  }
  fit_compensation();
}

void FunctionalEngine::set_adc_range(LayerPlan& L, int bits, bool bipolar, double range) const {
  L.adc = models::make_adc(bits, bipolar, range);
  L.adc_range = range;
  L.adc.full_scale = std::max(1.0, L.reading_bound);  // exact() means: every reading the levels allow converts exactly
  models::AdcTransfer programmed = L.adc;
  programmed.full_scale = std::max(1.0, L.programmed_bound);
  L.adc_identity = L.integer_levels && programmed.exact() && !L.adc_nonideal.any();
}

void FunctionalEngine::fit_compensation() {
  if (!self_compensation_) return;
  for (std::size_t li = 0; li < layers_.size(); ++li) {
    LayerPlan& L = layers_[li];
    for (std::size_t x = 0; x < L.xbars.size(); ++x) {
      XbarPlan& plan = L.xbars[x];
      const Eigen::MatrixXf& ideal_a = ideal_a_[li][x];
      plan.compensation.clear();
      const std::uint64_t seed = models::derive_seed(seed_, {0xCA1, static_cast<std::uint64_t>(plan.crossbar)});
      // Measured through the chip: read noise on, then the readout's own ADC (its range, errors and noise).
      models::Rng noise(models::derive_seed(seed_, {0xCA1, 0x401, static_cast<std::uint64_t>(plan.crossbar)}));
      const models::AdcErrors no_errors;
      for (Eigen::Index r = 0; r < plan.a.rows(); ++r) {
        const auto& e =
            plan.adc_errors.empty() ? no_errors : plan.adc_errors[plan.adc_of_readout[static_cast<std::size_t>(r)]];
        const mapping::Measure measure = [&](double reading, double variance) {
          if (variance > 0.0) reading += std::sqrt(variance) * noise.normal();
          if (L.adc_identity) return reading;
          const double v = L.adc_nonideal.any()
                               ? models::convert_nonideal(L.adc, L.adc_nonideal, e, reading, noise.normal())
                               : static_cast<double>(L.adc.convert(static_cast<float>(reading)));
          // A clipped read (the top or bottom code) carries no information about the column.
          const bool clipped = v >= L.adc.max_reading() || (L.adc.bipolar && v <= L.adc.code_min() * L.adc.step());
          return clipped ? std::numeric_limits<double>::quiet_NaN() : v;
        };
        const Eigen::VectorXf var =
            plan.var.size() > 0 ? Eigen::VectorXf(plan.var.row(r).transpose()) : Eigen::VectorXf();
        plan.compensation.push_back(mapping::fit_compensation(plan.a.row(r).transpose(), ideal_a.row(r).transpose(),
                                                              var, compensation_bits_, seed, measure));
      }
      bool all_identity = true;
      for (const auto& c : plan.compensation) all_identity = all_identity && c.identity();
      if (all_identity) plan.compensation.clear();
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
                                  std::uint64_t stream, const mapping::ColumnSpan& span) const {
  std::vector<float>* record = recorder_ != nullptr ? &(*recorder_)[weighted_layer] : nullptr;
  const LayerPlan& L = layers_.at(weighted_layer);
  if (record == nullptr && L.phases > 1 && phases_merge_exactly(L)) {  // the same numbers in 1/P of the products
    accumulate_layer_merged(L, x, y);
    return;
  }
  accumulate_layer(L, weighted_layer, x, y, seed_, stream, DirectStages(layers_), record, nullptr, span);
}

std::int64_t FunctionalEngine::columns_per_call(std::size_t weighted_layer, std::int64_t rows, std::int64_t total,
                                                std::int64_t wanted) const {
  return aligned_columns(layers_.at(weighted_layer), rows, total, wanted);
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
    if (r.empty() || L.adc_range_source == "user") continue;
    const auto k = static_cast<std::size_t>(std::ceil(adc_percentile_ / 100.0 * static_cast<double>(r.size()))) - 1;
    std::nth_element(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(std::min(k, r.size() - 1)), r.end());
    const double range = std::max(1.0, static_cast<double>(r[std::min(k, r.size() - 1)]));
    set_adc_range(L, L.adc.bits, L.adc.bipolar, std::min(range, L.adc_range));
    L.adc_range_source = "calibrated";
  }
  fit_compensation();  // through the ADC it now has
}

}  // namespace xbarsim::sim
