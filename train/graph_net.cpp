#include "train/graph_net.hpp"

#include <cmath>
#include <cstring>

#include "common/error.hpp"
#include "mapping/quantize.hpp"

namespace xbarsim::train {

using workloads::Layer;
using workloads::LayerKind;

torch::Tensor fake_quantize(const torch::Tensor& x, int exp, std::int64_t lo, std::int64_t hi) {
  const double s = std::ldexp(1.0, exp);
  const auto clipped = x.clamp(static_cast<double>(lo) * s, static_cast<double>(hi) * s);
  const auto q = (torch::floor(x.detach() / s + 0.5)).clamp(static_cast<double>(lo), static_cast<double>(hi)) * s;
  return clipped + (q - clipped).detach();
}

torch::Tensor fake_quantize(const torch::Tensor& x, const torch::Tensor& scale, std::int64_t lo, std::int64_t hi) {
  const auto s = scale.to(x.dtype());
  const auto clipped = torch::max(torch::min(x, s * static_cast<double>(hi)), s * static_cast<double>(lo));
  const auto q = torch::floor(x.detach() / s + 0.5).clamp(static_cast<double>(lo), static_cast<double>(hi)) * s;
  return clipped + (q - clipped).detach();
}

namespace {

/// The IR's slice and pad layers on an N x C x H x W tensor.
torch::Tensor slice_chw(const torch::Tensor& x, const workloads::Layer& L) {
  torch::Tensor y = x;
  for (int a = 0; a < 3; ++a)
    y = y.slice(a + 1, L.begin[a], std::min<std::int64_t>(L.end[a], y.size(a + 1)), L.step[a]);
  return y;
}

torch::Tensor pad_chw(const torch::Tensor& x, const workloads::Layer& L) {
  // torch's pad list runs from the last axis: (W before, W after, H before, H after, C before, C after).
  return torch::constant_pad_nd(
      x, {L.pad_before[2], L.pad_after[2], L.pad_before[1], L.pad_after[1], L.pad_before[0], L.pad_after[0]}, 0.0);
}

}  // namespace

torch::Tensor unweighted_forward(const workloads::Layer& L, const torch::Tensor& a) {
  switch (L.kind) {
    case LayerKind::Relu: return torch::relu(a);
    case LayerKind::MaxPool2d:
      return torch::max_pool2d(a, {L.kernel_size[0], L.kernel_size[1]}, {L.stride[0], L.stride[1]},
                               {L.padding[0], L.padding[1]});
    case LayerKind::AvgPool2d:
      return torch::avg_pool2d(a, {L.kernel_size[0], L.kernel_size[1]}, {L.stride[0], L.stride[1]},
                               {L.padding[0], L.padding[1]}, /*ceil_mode=*/false, /*count_include_pad=*/true);
    case LayerKind::Flatten: return a.flatten(1);
    case LayerKind::Slice: return slice_chw(a, L);
    case LayerKind::Pad: return pad_chw(a, L);
    default: throw Error("train: layer '" + L.name + "' (" + workloads::kind_name(L.kind) + ") has weights or inputs");
  }
}

namespace {

torch::Tensor to_torch(const workloads::Tensor& t) {
  const auto values = t.to_float();
  return torch::from_blob(const_cast<float*>(values.data()), t.shape(), torch::kFloat32).clone();
}

workloads::Tensor from_torch(const torch::Tensor& t) {
  const auto c = t.detach().to(torch::kFloat32).contiguous();
  workloads::Tensor out(workloads::DType::F32, std::vector<std::int64_t>(c.sizes().begin(), c.sizes().end()));
  if (out.nbytes() > 0) std::memcpy(out.raw(), c.data_ptr<float>(), out.nbytes());
  return out;
}

}  // namespace

GraphNet::GraphNet(const workloads::Network& net) : net_(net) {
  for (const auto& L : net_.layers) {
    if (L.kind == LayerKind::BatchNorm)
      throw Error("train: batchnorm '" + L.name + "' must be folded before training on a graph");
    if (!L.has_weights()) continue;
    const std::int64_t cout = L.kind == LayerKind::Conv2d ? L.out_channels : L.out_features;
    torch::Tensor w;
    if (!L.weight.empty()) {
      w = to_torch(net_.tensor(L.weight));
    } else {  // integer-only workload
      const auto& q = *L.quantization;
      w = to_torch(net_.tensor(q.weight));
      for (std::int64_t c = 0; c < cout; ++c) w[c].mul_(std::ldexp(1.0, q.weight_exp(c)));
    }
    torch::Tensor b = L.bias.empty() ? torch::zeros({cout}) : to_torch(net_.tensor(L.bias));
    // Parameter names may not contain '.'.
    std::string key = L.name;
    for (auto& ch : key) ch = ch == '.' ? '_' : ch;
    weights_[L.name] = register_parameter(key + "_weight", w);
    biases_[L.name] = register_parameter(key + "_bias", b);
    weighted_.push_back(L.name);
  }
}

const Layer& GraphNet::layer(const std::string& name) const {
  const Layer* L = net_.find_layer(name);
  if (L == nullptr) throw Error("train: no layer '" + name + "'");
  return *L;
}

mapping::UnrolledShape GraphNet::unrolled_shape(const std::string& name) const {
  return mapping::unrolled_shape(layer(name));
}

void GraphNet::set_quantization(const workloads::Network& quantized) {
  if (!quantized.is_quantized()) throw Error("train: set_quantization needs a quantized network");
  if (quantized.layers.size() != net_.layers.size()) throw Error("train: quantized network has a different graph");
  if (quantized.input_quantization->ties_to_even)
    throw Error("train: network '" + quantized.name +
                "' rounds ties to even; quantization-aware training reproduces the half-up contract only");
  quant_ = quantized;
  weight_scale_.clear();
  for (const auto& name : weighted_) {
    const auto& q = *quantized.find_layer(name)->quantization;
    const auto& w = weights_.at(name);
    std::vector<double> s;
    for (int e : q.weight_scale_exp) s.push_back(std::ldexp(1.0, e));
    std::vector<std::int64_t> shape(static_cast<std::size_t>(w.dim()), 1);
    shape[0] = static_cast<std::int64_t>(s.size());
    weight_scale_[name] = torch::tensor(s, torch::kFloat64).view(shape);
  }
  tensor_exp_.clear();
  tensor_exp_[quantized.input_name] = quantized.input_quantization->input_scale_exp;
  for (const auto& L : quantized.layers) {
    if (L.quantization && L.quantization->output_scale_exp) {
      tensor_exp_[L.name] = *L.quantization->output_scale_exp;
    } else if (!L.has_weights()) {
      tensor_exp_[L.name] = tensor_exp_.at(L.inputs[0]);
    }
  }
}

torch::Tensor GraphNet::weight_for_forward(const Layer& L, const torch::Tensor& w) {
  torch::Tensor out = w;
  if (quant_) {
    const auto range = models::weight_range(quant_->find_layer(L.name)->quantization->weight_bits);
    out = fake_quantize(w, weight_scale_.at(L.name), range.lo, range.hi);
  }
  if (sigma_ > 0.0 && is_training()) out = out * torch::exp(torch::randn_like(out) * sigma_);
  if (noise_ && quant_ && is_training()) {  // the codes through the chip's cells; gradient straight through
    const auto scale = weight_scale_.at(L.name).to(out.dtype());
    const auto codes = (out.detach() / scale).round();
    out = out + ((noise_->sample(codes) - codes) * scale).detach();
  }
  return out;
}

torch::Tensor GraphNet::bias_for_forward(const Layer& L, const torch::Tensor& b, int in_exp) {
  if (!quant_) return b;
  const std::int64_t lo = std::numeric_limits<std::int32_t>::min(), hi = std::numeric_limits<std::int32_t>::max();
  return fake_quantize(b, weight_scale_.at(L.name).view({-1}) * std::ldexp(1.0, in_exp), lo, hi);
}

torch::Tensor GraphNet::forward(torch::Tensor x) {
  std::map<std::string, torch::Tensor> t;
  const auto& qnet = quant_ ? *quant_ : net_;
  if (quant_) {
    const auto& iq = *quant_->input_quantization;
    x = fake_quantize(x, iq.input_scale_exp, iq.lo(), iq.hi());
  }
  t[net_.input_name] = x;
  for (const auto& L : qnet.layers) {
    const torch::Tensor& a = t.at(L.inputs[0]);
    torch::Tensor y;
    const int in_exp = quant_ ? tensor_exp_.at(L.inputs[0]) : 0;
    switch (L.kind) {
      case LayerKind::Conv2d:
      case LayerKind::Linear: {
        const auto w = weight_for_forward(L, weights_.at(L.name));
        const auto b = bias_for_forward(L, biases_.at(L.name), in_exp);
        y = L.kind == LayerKind::Conv2d
                ? torch::conv2d(a, w, b, {L.stride[0], L.stride[1]}, {L.padding[0], L.padding[1]})
                : torch::linear(a, w, b);
        if (quant_ && L.quantization->output_bits) {
          const auto r = mapping::output_code_range(qnet, L.name, *L.quantization->output_bits);
          y = fake_quantize(y, *L.quantization->output_scale_exp, r.lo, r.hi);
        }
        break;
      }
      case LayerKind::Relu:
      case LayerKind::MaxPool2d:
      case LayerKind::Flatten:
      case LayerKind::Slice:
      case LayerKind::Pad: y = unweighted_forward(L, a); break;
      case LayerKind::AvgPool2d:
        y = unweighted_forward(L, a);
        if (quant_)
          y = fake_quantize(y, in_exp, std::numeric_limits<std::int32_t>::min(),
                            std::numeric_limits<std::int32_t>::max());
        break;
      case LayerKind::Add:
        y = a + t.at(L.inputs[1]);
        if (quant_) {
          const auto r = mapping::output_code_range(qnet, L.name, *L.quantization->output_bits);
          y = fake_quantize(y, *L.quantization->output_scale_exp, r.lo, r.hi);
        }
        break;
      case LayerKind::BatchNorm: throw Error("train: batchnorm must be folded");
    }
    t[L.name] = y;
  }
  return t.at(net_.output);
}

void GraphNet::apply_masks(const std::map<std::string, std::vector<std::uint8_t>>& masks) {
  torch::NoGradGuard guard;
  for (const auto& [name, keep] : masks) {
    auto& w = weights_.at(name);
    auto m = torch::from_blob(const_cast<std::uint8_t*>(keep.data()), {static_cast<std::int64_t>(keep.size())},
                              torch::kUInt8)
                 .to(w.dtype())
                 .view(w.sizes());
    w.mul_(m);
  }
}

workloads::Network GraphNet::export_float() const {
  workloads::Network out = net_;
  for (auto& L : out.layers) {
    L.quantization.reset();
    if (!L.has_weights()) continue;
    if (L.weight.empty()) L.weight = L.name + ".weight";
    if (L.bias.empty()) L.bias = L.name + ".bias";
    out.tensors[L.weight] = from_torch(weights_.at(L.name));
    out.tensors[L.bias] = from_torch(biases_.at(L.name));
  }
  out.input_quantization.reset();
  // Drop integer tensors the float network no longer references.
  std::map<std::string, workloads::Tensor> used;
  for (const auto& L : out.layers) {
    for (const auto* n : {&L.weight, &L.bias}) {
      if (!n->empty()) used[*n] = out.tensors.at(*n);
    }
  }
  out.tensors = used;
  workloads::validate_and_infer(out, "export of '" + out.name + "'");
  return out;
}

workloads::Network GraphNet::export_quantized() const {
  if (!quant_) throw Error("train: export_quantized needs set_quantization first");
  workloads::Network out = export_float();
  out.input_quantization = quant_->input_quantization;
  std::map<std::string, int> exp{{out.input_name, out.input_quantization->input_scale_exp}};
  for (auto& L : out.layers) {
    const auto& qL = *quant_->find_layer(L.name);
    L.quantization = qL.quantization;
    const int in_exp = exp.count(L.inputs[0]) != 0 ? exp.at(L.inputs[0]) : 0;
    if (L.has_weights()) {
      auto& q = *L.quantization;
      q.weight = L.name + ".weight_q";
      out.tensors[q.weight] = mapping::quantize_weights(out.tensor(L.weight), q);
      q.bias = L.name + ".bias_q";
      out.tensors[q.bias] = mapping::quantize_bias(out.tensor(L.bias), in_exp, q);
      exp[L.name] = q.output_scale_exp.value_or(0);
    } else if (L.kind == LayerKind::Add) {
      exp[L.name] = *L.quantization->output_scale_exp;
    } else {
      exp[L.name] = in_exp;
    }
  }
  workloads::validate_and_infer(out, "export of '" + out.name + "'");
  return out;
}

}  // namespace xbarsim::train
