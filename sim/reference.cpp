#include "sim/reference.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "mapping/quantize.hpp"

namespace xbarsim::sim {

using workloads::LayerKind;
template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::string precision_name(Precision p) { return p == Precision::Float ? "float" : "int"; }

Precision parse_precision(const std::string& s) {
  if (s == "float") return Precision::Float;
  if (s == "int") return Precision::Int;
  throw Error("--precision: expected float or int, found '" + s + "'");
}

struct ReferenceEngine::Step {
  LayerKind kind = LayerKind::Relu;
  std::string name;
  std::vector<std::size_t> in;
  std::size_t out = 0;
  std::vector<std::size_t> release;  ///< slots whose last reader is this step

  // conv2d / linear
  bool is_conv = false;
  mapping::ConvGeometry geom;
  Eigen::MatrixXf wf;  ///< Cout x K
  Eigen::VectorXf bf;
  Eigen::MatrixXd wi;  ///< integer codes, Cout x K
  /// The same codes in float, and the largest sum of |codes| of an output channel: with inputs
  /// up to x_max and wi_l1_max x x_max < 2^24 every product and partial sum is an integer float
  /// holds exactly, in any order, so the product is taken in float (twice the double rate).
  Eigen::MatrixXf wi_f;
  double wi_l1_max = 0.0;
  Eigen::VectorXd bi;
  std::vector<int> shift;          ///< per output channel: output_exp - (input_exp + weight_exp)
  bool raw = false;                ///< emits accumulators (no output_bits)
  std::size_t weighted_index = 0;  ///< among conv2d/linear layers
  models::IntRange range;

  // pools: geom.kh/kw/stride/pad with in_channels/in_h/in_w
  // add
  int add_shift_a = 0, add_shift_b = 0, add_out_shift = 0;
  // slice / pad: the input feature each output feature copies (-1: a padded zero)
  std::vector<std::int64_t> gather;
};

namespace {

/// Max or average pooling over the windows of `g`. Padded cells never win a max; they
/// count as zeros in an average (PyTorch's count_include_pad=True), whose divisor is kh*kw.
/// Integer averages round with models::round_div (ties as the network's `rounding` says).
template <typename T>
void pool2d(const mapping::ConvGeometry& g, const Mat<T>& in, Mat<T>& out, bool is_max, bool integer,
            models::Rounding rounding) {
  const std::int64_t oh = g.out_h(), ow = g.out_w();
  const std::int64_t count = std::int64_t{g.kh} * g.kw;
  out.resize(g.in_channels * oh * ow, in.cols());
  for (std::int64_t n = 0; n < in.cols(); ++n) {
    for (std::int64_t c = 0; c < g.in_channels; ++c) {
      const T* plane = in.data() + n * in.rows() + c * g.in_h * g.in_w;
      T* dst = out.data() + n * out.rows() + c * oh * ow;
      for (std::int64_t oy = 0; oy < oh; ++oy) {
        for (std::int64_t ox = 0; ox < ow; ++ox) {
          T acc = is_max ? -std::numeric_limits<T>::infinity() : T(0);
          for (int ky = 0; ky < g.kh; ++ky) {
            const std::int64_t y = oy * g.stride_h - g.pad_h + ky;
            if (y < 0 || y >= g.in_h) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
              const std::int64_t x = ox * g.stride_w - g.pad_w + kx;
              if (x < 0 || x >= g.in_w) continue;
              const T v = plane[y * g.in_w + x];
              acc = is_max ? std::max(acc, v) : acc + v;
            }
          }
          if (!is_max) {
            acc = integer ? static_cast<T>(models::round_div(static_cast<std::int64_t>(acc), count, rounding))
                          : acc / static_cast<T>(count);
          }
          dst[oy * ow + ox] = acc;
        }
      }
    }
  }
}

/// Slice and pad as a gather over {C, H, W}: the input feature of each output feature, -1 for a zero.
std::vector<std::int64_t> gather_of(const workloads::Layer& L, const workloads::Shape& in) {
  const auto& o = L.output_shape;
  std::vector<std::int64_t> g(static_cast<std::size_t>(o[0] * o[1] * o[2]));
  std::size_t k = 0;
  for (std::int64_t c = 0; c < o[0]; ++c) {
    for (std::int64_t y = 0; y < o[1]; ++y) {
      for (std::int64_t x = 0; x < o[2]; ++x, ++k) {
        std::int64_t ic = c, iy = y, ix = x;
        if (L.kind == LayerKind::Slice) {
          ic = L.begin[0] + c * L.step[0];
          iy = L.begin[1] + y * L.step[1];
          ix = L.begin[2] + x * L.step[2];
        } else {
          ic -= L.pad_before[0];
          iy -= L.pad_before[1];
          ix -= L.pad_before[2];
        }
        const bool inside = ic >= 0 && ic < in[0] && iy >= 0 && iy < in[1] && ix >= 0 && ix < in[2];
        g[k] = inside ? (ic * in[1] + iy) * in[2] + ix : -1;
      }
    }
  }
  return g;
}

}  // namespace

ReferenceEngine::ReferenceEngine(const workloads::Network& net, Precision precision) : precision_(precision) {
  if (precision == Precision::Int && !net.is_quantized()) {
    throw Error("network '" + net.name +
                "' has no quantization blocks: integer inference needs a quantized workload "
                "(run 'xbarsim quantize' or use --precision int on eval, which quantizes it first)");
  }
  input_size_ = 1;
  for (auto d : net.input_shape) input_size_ *= d;
  if (net.input_quantization) input_quant_ = *net.input_quantization;

  std::map<std::string, std::size_t> slot{{net.input_name, 0}};
  std::map<std::string, int> exp;  // power-of-two scale of each tensor (quantized networks)
  if (net.input_quantization) exp[net.input_name] = net.input_quantization->input_scale_exp;
  std::vector<double> raw_scale;  // per output feature of a raw (accumulator) layer
  std::map<std::string, std::vector<double>> raw_scales;
  std::size_t weighted_count = 0;

  for (const auto& L : net.layers) {
    Step s;
    s.kind = L.kind;
    s.name = L.name;
    for (const auto& in : L.inputs) s.in.push_back(slot.at(in));
    s.out = slot.size();
    slot[L.name] = s.out;
    const workloads::Shape& ishape = net.shape_of(L.inputs[0]);
    if (ishape.size() == 3) {
      s.geom.in_channels = ishape[0];
      s.geom.in_h = ishape[1];
      s.geom.in_w = ishape[2];
      s.geom.kh = L.kernel_size[0];
      s.geom.kw = L.kernel_size[1];
      s.geom.stride_h = L.stride[0];
      s.geom.stride_w = L.stride[1];
      s.geom.pad_h = L.padding[0];
      s.geom.pad_w = L.padding[1];
    }
    const bool quantized = net.is_quantized();
    const int in_exp = quantized ? exp.at(L.inputs[0]) : 0;
    if (L.has_weights()) {
      s.weighted_index = weighted_count++;
      s.is_conv = L.kind == LayerKind::Conv2d;
      const std::int64_t cout = s.is_conv ? L.out_channels : L.out_features;
      const std::int64_t k = s.is_conv ? s.geom.rows() : L.in_features;
      const auto* q = L.quantization ? &*L.quantization : nullptr;
      // validate_and_infer guarantees a block wherever one is read below; checked anyway.
      const auto need_q = [&]() -> const workloads::LayerQuantization& {
        if (q == nullptr) throw Error("network '" + net.name + "': layer '" + L.name + "' has no quantization block");
        return *q;
      };
      if (precision == Precision::Float) {  // the integer engine multiplies the codes (s.wi below)
        if (!L.weight.empty()) {
          s.wf = Eigen::Map<const RowMajorF>(net.tensor(L.weight).data<float>(), cout, k);
        } else {  // integer-only workload: the float weights are the dequantized codes
          const auto codes = net.tensor(need_q().weight).to_double();
          s.wf.resize(cout, k);
          for (std::int64_t c = 0; c < cout; ++c) {
            for (std::int64_t j = 0; j < k; ++j)
              s.wf(c, j) = static_cast<float>(std::ldexp(codes[c * k + j], q->weight_exp(c)));
          }
        }
      }
      s.bf = Eigen::VectorXf::Zero(cout);
      if (!L.bias.empty()) {
        s.bf = Eigen::Map<const Eigen::VectorXf>(net.tensor(L.bias).data<float>(), cout);
      } else if (q != nullptr && !q->bias.empty()) {
        const auto codes = net.tensor(q->bias).to_double();
        for (std::int64_t c = 0; c < cout; ++c)
          s.bf(c) = static_cast<float>(std::ldexp(codes[c], in_exp + q->weight_exp(c)));
      }
      if (precision == Precision::Int) {
        const auto codes = net.tensor(need_q().weight).to_double();
        s.wi = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(codes.data(),
                                                                                                        cout, k);
        s.wi_f = s.wi.cast<float>();
        s.wi_l1_max = cout > 0 ? s.wi.cwiseAbs().rowwise().sum().maxCoeff() : 0.0;
        s.bi = Eigen::VectorXd::Zero(cout);
        if (!q->bias.empty()) s.bi = Eigen::Map<const Eigen::VectorXd>(net.tensor(q->bias).to_double().data(), cout);
        s.raw = !q->output_bits.has_value();
        s.shift.resize(static_cast<std::size_t>(cout));
        for (std::int64_t c = 0; c < cout; ++c) {
          s.shift[c] = s.raw ? 0 : *q->output_scale_exp - (in_exp + q->weight_exp(c));
        }
        if (!s.raw) s.range = mapping::output_code_range(net, L.name, *q->output_bits);
      }
      if (quantized) {
        if (need_q().output_bits) {
          exp[L.name] = *q->output_scale_exp;
        } else {
          const std::int64_t per = s.is_conv ? s.geom.positions() : 1;
          std::vector<double> sc;
          for (std::int64_t c = 0; c < cout; ++c) {
            for (std::int64_t p = 0; p < per; ++p) sc.push_back(std::ldexp(1.0, in_exp + q->weight_exp(c)));
          }
          raw_scales[L.name] = sc;
          exp[L.name] = 0;
        }
      }
    } else if (L.kind == LayerKind::Add) {
      if (quantized) {
        const int ea = exp.at(L.inputs[0]), eb = exp.at(L.inputs[1]);
        const int emin = std::min(ea, eb);
        s.add_shift_a = ea - emin;
        s.add_shift_b = eb - emin;
        s.add_out_shift = *L.quantization->output_scale_exp - emin;
        s.range = mapping::output_code_range(net, L.name, *L.quantization->output_bits);
        exp[L.name] = *L.quantization->output_scale_exp;
      }
    } else if (quantized) {
      if (raw_scales.count(L.inputs[0]) != 0) {
        throw Error("network '" + net.name + "': layer '" + L.name + "' reads raw accumulators of '" + L.inputs[0] +
                    "'");
      }
      exp[L.name] = exp.at(L.inputs[0]);
    }
    if (L.kind == LayerKind::Slice || L.kind == LayerKind::Pad) s.gather = gather_of(L, ishape);
    steps_.push_back(std::move(s));
  }
  output_slot_ = slot.at(net.output);
  const auto& oshape = net.shape_of(net.output);
  output_size_ = 1;
  for (auto d : oshape) output_size_ *= d;
  if (precision == Precision::Int) {
    auto it = raw_scales.find(net.output);
    output_scale_ = it != raw_scales.end() ? it->second
                                           : std::vector<double>(static_cast<std::size_t>(output_size_),
                                                                 std::ldexp(1.0, exp.at(net.output)));
  }
  // Free every intermediate after its last reader (the output is kept).
  std::map<std::size_t, std::size_t> last_use;
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    for (auto in : steps_[i].in) last_use[in] = i;
  }
  for (const auto& [s, i] : last_use) {
    if (s != output_slot_) steps_[i].release.push_back(s);
  }
}

ReferenceEngine::~ReferenceEngine() = default;
ReferenceEngine::ReferenceEngine(ReferenceEngine&&) noexcept = default;
ReferenceEngine& ReferenceEngine::operator=(ReferenceEngine&&) noexcept = default;

namespace {

/// A pass's reused buffers: the unrolled input of a call, the accumulators, one call's part.
template <typename T>
struct Scratch {
  Mat<T> cols, y, part;
  Eigen::MatrixXf xf, yf;  ///< an exact integer product taken in float
};

/// Unrolled columns per accumulate call of weighted step s (K rows, `total` columns).
std::int64_t columns_per_call(const ReferenceEngine::Step& s, std::int64_t K, std::int64_t total, bool integer,
                              const Accumulator* accumulator) {
  const std::int64_t wanted = std::max<std::int64_t>(1, kUnrolledValuesPerCall / std::max<std::int64_t>(1, K));
  std::int64_t per = total;
  if (s.is_conv) {
    per = integer && accumulator != nullptr
              ? accumulator->columns_per_call(s.weighted_index, K, total, wanted)
              : std::max<std::int64_t>(1, wanted / kMinColumnsPerCall) * kMinColumnsPerCall;
  }
  if (per < 1) throw std::logic_error("reference engine: an accumulator asked for no columns per call");
  return per;
}

/// The unrolled input of weighted step s on `a`, `per` columns at a time: product(x, span) for
/// each call. The unrolled input is made and multiplied a bounded number of columns at a time.
/// Integer sums are exact in any split; the accumulator sets the split so that its blocks, and
/// the draws seeded by them, are those of a single call. In float, a column's sum order depends
/// on K (the depth blocking) and on where the column falls in the kernel's groups of columns (a
/// column left over at a call's end takes another path): calls start on multiples of
/// kMinColumnsPerCall and only the last one ends elsewhere, as the single call does, so the
/// split changes no bit.
template <typename T, typename Product>
void for_each_call(const ReferenceEngine::Step& s, const Mat<T>& a, std::int64_t per, Mat<T>& cols,
                   const Product& product) {
  const std::int64_t total = s.is_conv ? a.cols() * s.geom.positions() : a.cols();
  for (std::int64_t first = 0, count = 0; first < total; first += count) {
    count = std::min(per, total - first);
    if (total - first - count < kMinColumnsPerCall) count = total - first;  // no narrow last call
    const mapping::ColumnSpan span{first, count, total};
    if (s.is_conv) {
      mapping::im2col(s.geom, a, span, cols);
      product(cols, span);
    } else {
      product(a, span);
    }
  }
}

/// Weighted step s's output from its accumulators y (consumed): bias, requantization to the
/// output codes (unless raw), back to channels x positions.
template <typename T>
void finish_weighted(const ReferenceEngine::Step& s, Mat<T>& y, Mat<T>& out, models::Rounding rounding) {
  if constexpr (std::is_same_v<T, double>) {
    y.colwise() += s.bi;
    if (!s.raw) {
      for (std::int64_t j = 0; j < y.cols(); ++j) {
        for (std::int64_t c = 0; c < y.rows(); ++c) {
          y(c, j) = static_cast<T>(
              s.range.clip(models::round_shift(static_cast<std::int64_t>(y(c, j)), s.shift[c], rounding)));
        }
      }
    }
  } else {
    y.colwise() += s.bf;
  }
  if (s.is_conv) {
    mapping::col2chw(y, s.geom.positions(), out);
  } else {
    out.swap(y);
  }
}

bool is_weighted(const ReferenceEngine::Step& s) { return s.kind == LayerKind::Conv2d || s.kind == LayerKind::Linear; }

}  // namespace

template <typename T>
std::vector<Mat<T>> ReferenceEngine::input_slots(const Eigen::MatrixXf& inputs, const TensorObserver* observer) const {
  if (inputs.rows() != input_size_) {
    throw Error("reference engine: input has " + std::to_string(inputs.rows()) + " features, network expects " +
                std::to_string(input_size_));
  }
  std::vector<Mat<T>> slots(steps_.size() + 1);
  if constexpr (std::is_same_v<T, double>) {
    const models::Rounding rounding = input_quant_.ties_to_even ? models::Rounding::HalfEven : models::Rounding::HalfUp;
    const models::IntRange range{input_quant_.lo(), input_quant_.hi()};
    slots[0] = inputs.unaryExpr([&](float x) {
      return static_cast<double>(models::quantize_value(x, input_quant_.input_scale_exp, range, rounding));
    });
  } else {
    slots[0] = inputs;
    if (observer != nullptr) (*observer)("input", slots[0]);
  }
  return slots;
}

template <typename T>
void ReferenceEngine::run_steps(std::vector<Mat<T>>& slots, std::size_t begin, std::size_t end,
                                const TensorObserver* observer, const Accumulator* accumulator, std::uint64_t stream,
                                const CodeObserver* code_observer) const {
  constexpr bool kInt = std::is_same_v<T, double>;
  const models::Rounding rounding = input_quant_.ties_to_even ? models::Rounding::HalfEven : models::Rounding::HalfUp;
  // Kept per thread from pass to pass: fresh pages for the unrolled input and the accumulators on
  // every batch cost a page fault per 4 KiB and their zeroing.
  thread_local Scratch<T> w;
  for (std::size_t i = begin; i < end; ++i) {
    const Step& s = steps_[i];
    const Mat<T>& a = slots[s.in[0]];
    Mat<T>& out = slots[s.out];
    switch (s.kind) {
      case LayerKind::Conv2d:
      case LayerKind::Linear: {
        const std::int64_t K = s.is_conv ? s.geom.rows() : a.rows();
        const std::int64_t total = s.is_conv ? a.cols() * s.geom.positions() : a.cols();
        const std::int64_t per = columns_per_call(s, K, total, kInt, accumulator);
        w.y.resize(kInt ? s.wi.rows() : s.wf.rows(), total);
        for_each_call<T>(s, a, per, w.cols, [&](const Mat<T>& x, const mapping::ColumnSpan& span) {
          if constexpr (kInt) {
            if (accumulator != nullptr) {
              accumulator->accumulate(s.weighted_index, x, w.part, stream, span);
              w.y.middleCols(span.first, span.count) = w.part;
            } else if (s.wi_l1_max * x.cwiseAbs().maxCoeff() < 16777216.0) {  // exact in float (2^24)
              w.xf = x.template cast<float>();
              w.yf.noalias() = s.wi_f * w.xf;
              w.y.middleCols(span.first, span.count) = w.yf.template cast<double>();
            } else {
              w.y.middleCols(span.first, span.count).noalias() = s.wi * x;
            }
          } else {
            w.y.middleCols(span.first, span.count).noalias() = s.wf * x;
          }
        });
        finish_weighted<T>(s, w.y, out, rounding);
        break;
      }
      case LayerKind::Relu: out = a.cwiseMax(T(0)); break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: pool2d(s.geom, a, out, s.kind == LayerKind::MaxPool2d, kInt, rounding); break;
      case LayerKind::Flatten: out = a; break;
      case LayerKind::Slice:
      case LayerKind::Pad: {
        const auto rows = static_cast<std::int64_t>(s.gather.size());
        out.resize(rows, a.cols());
        for (std::int64_t j = 0; j < a.cols(); ++j) {
          for (std::int64_t r = 0; r < rows; ++r) {
            const std::int64_t g = s.gather[static_cast<std::size_t>(r)];
            out(r, j) = g < 0 ? T(0) : a(g, j);
          }
        }
        break;
      }
      case LayerKind::Add: {
        const Mat<T>& b = slots[s.in[1]];
        if constexpr (kInt) {
          out.resize(a.rows(), a.cols());
          for (std::int64_t k = 0; k < a.size(); ++k) {
            const std::int64_t sum = models::round_shift(static_cast<std::int64_t>(a.data()[k]), -s.add_shift_a) +
                                     models::round_shift(static_cast<std::int64_t>(b.data()[k]), -s.add_shift_b);
            out.data()[k] = static_cast<T>(s.range.clip(models::round_shift(sum, s.add_out_shift, rounding)));
          }
        } else {
          out = a + b;
        }
        break;
      }
      case LayerKind::BatchNorm: throw Error("reference engine: batchnorm '" + s.name + "' was not folded");
    }
    if constexpr (!kInt) {
      if (observer != nullptr) (*observer)(s.name, out);
    } else {
      if (code_observer != nullptr) (*code_observer)(s.name, out);
    }
    for (auto r : s.release) slots[r] = Mat<T>();
  }
}

template <typename T>
Mat<T> ReferenceEngine::run(const Eigen::MatrixXf& inputs, const TensorObserver* observer,
                            const Accumulator* accumulator, std::uint64_t stream,
                            const CodeObserver* code_observer) const {
  std::vector<Mat<T>> slots = input_slots<T>(inputs, observer);
  run_steps<T>(slots, 0, steps_.size(), observer, accumulator, stream, code_observer);
  return std::move(slots[output_slot_]);
}

std::vector<Eigen::MatrixXd> ReferenceEngine::forward_int_codes_trials(const Eigen::MatrixXf& inputs,
                                                                       const TrialsAccumulator& trials,
                                                                       std::uint64_t stream) const {
  if (precision_ != Precision::Int) throw Error("reference engine: integer codes need Precision::Int");
  const std::size_t S = trials.trials();
  if (S == 0) throw std::logic_error("reference engine: no trials");
  std::vector<Mat<double>> slots = input_slots<double>(inputs, nullptr);
  // The steps before the first weighted layer see the same tensors in every trial: once.
  std::size_t w = 0;
  while (w < steps_.size() && !is_weighted(steps_[w])) ++w;
  std::vector<Eigen::MatrixXd> outputs;
  run_steps<double>(slots, 0, w, nullptr, nullptr, stream, nullptr);
  if (w == steps_.size()) {  // nothing runs on crossbars
    outputs.assign(S, slots[output_slot_]);
    return outputs;
  }
  // The first weighted layer: one unrolled input, its bit planes shared by every trial's crossbars.
  const Step& s = steps_[w];
  const Mat<double>& a = slots[s.in[0]];
  const std::int64_t K = s.is_conv ? s.geom.rows() : a.rows();
  const std::int64_t total = s.is_conv ? a.cols() * s.geom.positions() : a.cols();
  const std::int64_t per = columns_per_call(s, K, total, true, &trials.trial(0));
  std::vector<Mat<double>> ys(S, Mat<double>(s.wi.rows(), total)), parts(S);
  Mat<double> cols;
  for_each_call<double>(s, a, per, cols, [&](const Mat<double>& x, const mapping::ColumnSpan& span) {
    trials.accumulate_shared(s.weighted_index, x, parts, stream, span);
    for (std::size_t t = 0; t < S; ++t) ys[t].middleCols(span.first, span.count) = parts[t];
  });
  parts.clear();
  // From there on each trial has its own tensors.
  const models::Rounding rounding = input_quant_.ties_to_even ? models::Rounding::HalfEven : models::Rounding::HalfUp;
  outputs.resize(S);
  for (std::size_t t = 0; t < S; ++t) {
    std::vector<Mat<double>> own = t + 1 < S ? slots : std::move(slots);
    finish_weighted<double>(s, ys[t], own[s.out], rounding);
    ys[t] = Mat<double>();
    for (auto r : s.release) own[r] = Mat<double>();
    run_steps<double>(own, w + 1, steps_.size(), nullptr, &trials.trial(t), stream, nullptr);
    outputs[t] = std::move(own[output_slot_]);
  }
  return outputs;
}

Eigen::MatrixXd ReferenceEngine::forward(const Eigen::MatrixXf& inputs, const TensorObserver* observer) const {
  if (precision_ == Precision::Float) return run<float>(inputs, observer, nullptr, 0, nullptr).cast<double>();
  return forward_int(inputs, nullptr, 0);
}

Eigen::MatrixXd ReferenceEngine::forward_int(const Eigen::MatrixXf& inputs, const Accumulator* accumulator,
                                             std::uint64_t stream) const {
  return scale_output(forward_int_codes(inputs, accumulator, stream, nullptr));
}

Eigen::MatrixXd ReferenceEngine::scale_output(Eigen::MatrixXd codes) const {
  if (precision_ != Precision::Int || codes.rows() != output_size_) {
    throw Error("reference engine: scale_output expects " + std::to_string(output_size_) + " integer output codes");
  }
  for (std::int64_t j = 0; j < codes.cols(); ++j) {
    for (std::int64_t i = 0; i < codes.rows(); ++i) codes(i, j) *= output_scale_[static_cast<std::size_t>(i)];
  }
  return codes;
}

Eigen::MatrixXd ReferenceEngine::forward_int_codes(const Eigen::MatrixXf& inputs, const Accumulator* accumulator,
                                                   std::uint64_t stream, const CodeObserver* observer) const {
  if (precision_ != Precision::Int) throw Error("reference engine: integer codes need Precision::Int");
  return run<double>(inputs, nullptr, accumulator, stream, observer);
}

std::vector<std::string> ReferenceEngine::weighted_layers() const {
  std::vector<std::string> out;
  for (const auto& s : steps_) {
    if (s.kind == LayerKind::Conv2d || s.kind == LayerKind::Linear) out.push_back(s.name);
  }
  return out;
}

Eigen::MatrixXf image_batch(const workloads::Dataset& data, const workloads::Normalization& norm, std::int64_t first,
                            std::int64_t n) {
  Eigen::MatrixXf x(data.image_size(), n);
  workloads::normalize_images(data, norm, first, n, x.data());
  return x;
}

EvalResult evaluate(const ReferenceEngine& engine, const workloads::Dataset& data, const workloads::Normalization& norm,
                    const EvalOptions& options) {
  return evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t) { return engine.forward(x); },
                          engine.input_size(), data, norm, options);
}

EvalResult evaluate_forward(const BatchForward& forward, std::int64_t input_size, const workloads::Dataset& data,
                            const workloads::Normalization& norm, const EvalOptions& options) {
  return evaluate_forward_trials(
             [&](const Eigen::MatrixXf& x, std::uint64_t c) { return std::vector<Eigen::MatrixXd>{forward(x, c)}; }, 1,
             input_size, data, norm, options)
      .front();
}

std::vector<EvalResult> evaluate_forward_trials(const BatchForwardTrials& forward, std::size_t trials,
                                                std::int64_t input_size, const workloads::Dataset& data,
                                                const workloads::Normalization& norm, const EvalOptions& options) {
  workloads::check_image_size(data, input_size);
  if (trials == 0) throw std::logic_error("evaluate_forward_trials: no trials");
  const auto start = std::chrono::steady_clock::now();
  std::vector<EvalResult> results(trials);
  const std::int64_t images = options.limit > 0 ? std::min(options.limit, data.count) : data.count;
  for (auto& r : results) {
    r.images = images;
    r.predictions.assign(static_cast<std::size_t>(images), -1);
    r.output_digests.assign(static_cast<std::size_t>(images), 0);
  }
  const std::int64_t batch = std::max<std::int64_t>(1, options.batch);
  const std::size_t chunks = static_cast<std::size_t>((images + batch - 1) / batch);
  std::atomic<std::int64_t> done{0};
  std::mutex progress_mutex;
  parallel_for_chunks(chunks, resolve_threads(options.threads), [&](std::size_t c) {
    const std::int64_t first = static_cast<std::int64_t>(c) * batch;
    const std::int64_t n = std::min(batch, images - first);
    const std::vector<Eigen::MatrixXd> outputs =
        forward(image_batch(data, norm, first, n), static_cast<std::uint64_t>(c));
    if (outputs.size() != trials) throw std::logic_error("evaluate_forward_trials: a batch without every trial");
    for (std::size_t t = 0; t < trials; ++t) {
      const Eigen::MatrixXd& logits = outputs[t];
      EvalResult& r = results[t];
      for (std::int64_t i = 0; i < n; ++i) {
        Eigen::Index best = 0;
        logits.col(i).maxCoeff(&best);
        r.predictions[static_cast<std::size_t>(first + i)] = static_cast<int>(best);
        std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the bytes of the doubles
        const auto* bytes = reinterpret_cast<const unsigned char*>(logits.col(i).data());
        for (std::size_t b = 0; b < static_cast<std::size_t>(logits.rows()) * sizeof(double); ++b)
          h = (h ^ bytes[b]) * 0x100000001b3ULL;
        r.output_digests[static_cast<std::size_t>(first + i)] = h;
      }
    }
    const std::int64_t now = done.fetch_add(n) + n;
    if (options.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      options.progress(now, images);
    }
  });
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& r : results) {
    for (std::int64_t i = 0; i < images; ++i) {
      r.correct += r.predictions[static_cast<std::size_t>(i)] == data.labels[static_cast<std::size_t>(i)] ? 1 : 0;
    }
    r.wall_time_s = wall;
  }
  return results;
}

}  // namespace xbarsim::sim
