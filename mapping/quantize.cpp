#include "mapping/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.hpp"

namespace xbarsim::mapping {

using workloads::DType;
using workloads::LayerKind;
using workloads::Tensor;

models::IntRange output_code_range(const workloads::Network& net, const std::string& layer, int bits) {
  return net.read_only_by_relu(layer) ? models::unsigned_range(bits) : models::signed_range(bits);
}

int choose_exponent(const std::vector<float>& values, models::IntRange range, int span) {
  const bool unsigned_codes = range.lo == 0;
  double max_abs = 0.0;
  for (float v : values) max_abs = std::max(max_abs, unsigned_codes ? std::max(0.0, double{v}) : std::fabs(double{v}));
  const double top = static_cast<double>(unsigned_codes ? range.hi : std::min(range.hi, -range.lo));
  if (max_abs == 0.0) return 0;
  // Smallest k with max_abs / 2^k <= top - 1/2, so no value rounds past the range.
  int k_noclip = static_cast<int>(std::ceil(std::log2(max_abs / top)));
  while (std::ldexp(max_abs, -k_noclip) >= top + 0.5) ++k_noclip;
  while (std::ldexp(max_abs, -(k_noclip - 1)) < top + 0.5) --k_noclip;
  int best_k = k_noclip;
  double best_err = std::numeric_limits<double>::infinity();
  for (int k = k_noclip; k >= k_noclip - span; --k) {
    double err = 0.0;
    for (float v : values) {
      const double target = unsigned_codes ? std::max(0.0, double{v}) : double{v};
      const double q = std::ldexp(static_cast<double>(models::quantize_value(v, k, range)), k);
      err += (q - target) * (q - target);
    }
    if (err < best_err) {
      best_err = err;
      best_k = k;
    }
  }
  return best_k;
}

workloads::Tensor quantize_weights(const workloads::Tensor& w, const workloads::LayerQuantization& q) {
  const auto values = w.to_double();
  const std::int64_t cout = w.shape().at(0);
  const std::int64_t per = static_cast<std::int64_t>(values.size()) / std::max<std::int64_t>(cout, 1);
  const auto range = models::weight_range(q.weight_bits);
  Tensor codes(q.weight_bits <= 8 ? DType::I8 : DType::I16, w.shape());
  for (std::int64_t c = 0; c < cout; ++c) {
    for (std::int64_t j = 0; j < per; ++j) {
      const auto v = models::quantize_value(values[c * per + j], q.weight_exp(c), range);
      if (codes.dtype() == DType::I8) {
        codes.data<std::int8_t>()[c * per + j] = static_cast<std::int8_t>(v);
      } else {
        codes.data<std::int16_t>()[c * per + j] = static_cast<std::int16_t>(v);
      }
    }
  }
  return codes;
}

workloads::Tensor quantize_bias(const workloads::Tensor& b, int input_exp, const workloads::LayerQuantization& q) {
  const auto values = b.to_double();
  const models::IntRange i32{std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()};
  std::vector<std::int32_t> codes(values.size());
  for (std::size_t c = 0; c < values.size(); ++c) {
    codes[c] = static_cast<std::int32_t>(
        models::quantize_value(values[c], input_exp + q.weight_exp(static_cast<std::int64_t>(c)), i32));
  }
  return Tensor::from<std::int32_t>({static_cast<std::int64_t>(codes.size())}, codes);
}

namespace {

const std::vector<float>& samples_of(const ActivationSamples& samples, const std::string& name) {
  auto it = samples.find(name);
  if (it == samples.end() || it->second.empty())
    throw Error("post-training quantization: no calibration values for tensor '" + name + "'");
  return it->second;
}

}  // namespace

workloads::Network quantize_post_training(const workloads::Network& float_net, const ActivationSamples& samples,
                                          const PtqOptions& opt) {
  if (opt.weight_bits < 2 || opt.weight_bits > 16 || opt.activation_bits < 1 || opt.activation_bits > 16) {
    throw Error("post-training quantization: weight bits must be in [2, 16] and activation bits in [1, 16]");
  }
  workloads::Network net = float_net;
  if (net.is_quantized()) throw Error("network '" + net.name + "' is already quantized");

  const auto& in_values = samples_of(samples, net.input_name);
  // Inputs that go below zero (mean/std normalisation) get two's complement codes: the DACs
  // drive the top phase's digit negative (docs/models.md, "Signed inputs").
  const float in_min = *std::min_element(in_values.begin(), in_values.end());
  const bool in_signed = in_min < 0.0F;
  if (in_signed && opt.activation_bits < 2) {
    throw Error("network '" + net.name + "': signed inputs (the normalised input reaches " + std::to_string(in_min) +
                ") need at least 2 activation bits");
  }
  const auto in_range =
      in_signed ? models::signed_range(opt.activation_bits) : models::unsigned_range(opt.activation_bits);
  net.input_quantization =
      workloads::InputQuantization{opt.activation_bits, choose_exponent(in_values, in_range), in_signed};

  std::map<std::string, int> exp{{net.input_name, net.input_quantization->input_scale_exp}};
  for (auto& L : net.layers) {
    if (L.kind == LayerKind::BatchNorm)
      throw Error("network '" + net.name + "': batchnorm '" + L.name + "' must be folded first");
    const int in_exp = exp.at(L.inputs[0]);
    if (L.has_weights()) {
      const Tensor& w = net.tensor(L.weight);
      const std::int64_t cout = w.shape()[0];
      const std::int64_t per = static_cast<std::int64_t>(w.numel()) / cout;
      const float* wd = w.data<float>();
      const auto wrange = models::weight_range(opt.weight_bits);
      workloads::LayerQuantization q;
      q.weight_bits = opt.weight_bits;
      if (opt.per_channel) {
        for (std::int64_t c = 0; c < cout; ++c) {
          q.weight_scale_exp.push_back(choose_exponent(std::vector<float>(wd + c * per, wd + (c + 1) * per), wrange));
        }
      } else {
        q.weight_scale_exp.push_back(choose_exponent(std::vector<float>(wd, wd + w.numel()), wrange));
      }
      q.weight = L.name + ".weight_q";
      net.tensors[q.weight] = quantize_weights(w, q);
      if (!L.bias.empty()) {
        q.bias = L.name + ".bias_q";
        net.tensors[q.bias] = quantize_bias(net.tensor(L.bias), in_exp, q);
      }
      if (L.name != net.output) {
        const auto range = output_code_range(net, L.name, opt.activation_bits);
        q.output_bits = opt.activation_bits;
        q.output_scale_exp = choose_exponent(samples_of(samples, L.name), range);
        exp[L.name] = *q.output_scale_exp;
      }
      L.quantization = q;
    } else if (L.kind == LayerKind::Add) {
      workloads::LayerQuantization q;
      q.output_bits = opt.activation_bits;
      q.output_scale_exp =
          choose_exponent(samples_of(samples, L.name), output_code_range(net, L.name, opt.activation_bits));
      exp[L.name] = *q.output_scale_exp;
      L.quantization = q;
    } else {
      exp[L.name] = in_exp;
    }
  }
  workloads::validate_and_infer(net, "post-training quantization of '" + net.name + "'");
  return net;
}

}  // namespace xbarsim::mapping
