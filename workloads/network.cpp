#include "workloads/network.hpp"

#include <cmath>
#include <set>

#include "common/error.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::workloads {

namespace {

constexpr std::int64_t kMaxDim = 1 << 20;
/// The most values one tensor (one image's activations) may hold: 2^26, 256 MiB of float32;
/// an ImageNet VGG-16's largest activation holds 3.2 M.
constexpr std::int64_t kMaxTensorValues = std::int64_t{1} << 26;

/// Throws unless `shape` (each dimension at most kMaxDim) holds at most kMaxTensorValues values.
void check_values(const Shape& shape, const std::string& where) {
  std::int64_t n = 1;
  for (const auto d : shape) {
    n *= d;
    if (n > kMaxTensorValues) {
      throw make_error(where, "shape " + shape_string(shape) + " holds more than " + std::to_string(kMaxTensorValues) +
                                  " values (expected at most that per image)");
    }
  }
}

struct KindName {
  LayerKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {
    {LayerKind::Conv2d, "conv2d"},
    {LayerKind::Linear, "linear"},
    {LayerKind::Relu, "relu"},
    {LayerKind::MaxPool2d, "maxpool2d"},
    {LayerKind::AvgPool2d, "avgpool2d"},
    {LayerKind::Flatten, "flatten"},
    {LayerKind::Add, "add"},
    {LayerKind::BatchNorm, "batchnorm"},
    {LayerKind::Slice, "slice"},
    {LayerKind::Pad, "pad"},
};

std::array<std::int64_t, 3> get_triple(ObjectReader& r, const std::string& key, std::int64_t min, std::int64_t max,
                                       std::array<std::int64_t, 3> fallback) {
  if (!r.has(key)) {
    r.raw_optional(key);
    return fallback;
  }
  const auto v = r.get_int_array(key, min, max);
  if (v.size() != 3) throw Error(r.where(key) + ": expected 3 integers, one per axis of [C, H, W]");
  return {v[0], v[1], v[2]};
}

std::string kinds_list() {
  std::string s;
  for (const auto& k : kKinds) s += (s.empty() ? "" : ", ") + std::string(k.name);
  return s;
}

std::string layer_where(const std::string& file, std::size_t index, const std::string& name) {
  return file + ": layers[" + std::to_string(index) + "]" + (name.empty() ? "" : " ('" + name + "')");
}

LayerQuantization parse_layer_quant(ObjectReader r, const Layer& layer) {
  LayerQuantization q;
  if (layer.kind == LayerKind::Add) {
    q.output_bits = static_cast<int>(r.get_int("output_bits", 1, 16));
    q.output_scale_exp = static_cast<int>(r.get_int("output_scale_exp", -64, 64));
    r.finish();
    return q;
  }
  q.weight_bits = static_cast<int>(r.get_int("weight_bits", 2, 16));
  q.weight = r.get_string("weight");
  q.bias = r.get_string("bias", "");
  const auto& e = r.raw("weight_scale_exp");
  if (e.is_number_integer()) {
    q.weight_scale_exp.push_back(static_cast<int>(r.get_int("weight_scale_exp", -64, 64)));
  } else {
    for (auto v : r.get_int_array("weight_scale_exp", -64, 64)) q.weight_scale_exp.push_back(static_cast<int>(v));
    if (q.weight_scale_exp.empty())
      throw Error(r.where("weight_scale_exp") + ": expected an integer or a non-empty array");
  }
  if (auto b = r.get_optional_int("output_bits", 1, 16)) q.output_bits = static_cast<int>(*b);
  if (auto s = r.get_optional_int("output_scale_exp", -64, 64)) q.output_scale_exp = static_cast<int>(*s);
  if (q.output_bits.has_value() != q.output_scale_exp.has_value()) {
    throw Error(r.where() + ": output_bits and output_scale_exp go together (both, or neither for raw accumulators)");
  }
  r.finish();
  return q;
}

Layer parse_layer(const nlohmann::json& j, const std::string& file, std::size_t index) {
  ObjectReader r(j, file, "layers[" + std::to_string(index) + "]");
  Layer L;
  L.name = r.get_string("name");
  if (L.name.empty()) throw Error(r.where("name") + ": expected a non-empty string");
  const std::string type = r.get_string("type");
  if (!parse_kind(type, L.kind))
    throw Error(r.where("type") + ": unknown layer type \"" + type + "\", expected one of " + kinds_list());
  if (r.has("inputs")) {
    const auto& in = r.raw("inputs");
    if (!in.is_array() || in.empty()) throw Error(r.where("inputs") + ": expected a non-empty array of tensor names");
    for (const auto& s : in) {
      if (!s.is_string()) throw Error(r.where("inputs") + ": expected a non-empty array of tensor names");
      L.inputs.push_back(s.get<std::string>());
    }
  } else {
    r.raw_optional("inputs");
  }
  switch (L.kind) {
    case LayerKind::Conv2d:
      L.in_channels = r.get_int("in_channels", 1, kMaxDim);
      L.out_channels = r.get_int("out_channels", 1, kMaxDim);
      L.kernel_size = r.get_pair("kernel_size", 1, 1024, std::nullopt);
      L.stride = r.get_pair("stride", 1, 1024, std::array<int, 2>{1, 1});
      L.padding = r.get_pair("padding", 0, 1024, std::array<int, 2>{0, 0});
      L.weight = r.get_string("weight", "");
      L.bias = r.get_string("bias", "");
      break;
    case LayerKind::Linear:
      L.in_features = r.get_int("in_features", 1, kMaxDim * 64);
      L.out_features = r.get_int("out_features", 1, kMaxDim);
      L.weight = r.get_string("weight", "");
      L.bias = r.get_string("bias", "");
      break;
    case LayerKind::MaxPool2d:
    case LayerKind::AvgPool2d:
      L.kernel_size = r.get_pair("kernel_size", 1, 1024, std::nullopt);
      L.stride = r.get_pair("stride", 1, 1024, L.kernel_size);
      L.padding = r.get_pair("padding", 0, 512, std::array<int, 2>{0, 0});
      break;
    case LayerKind::BatchNorm:
      L.num_features = r.get_int("num_features", 1, kMaxDim);
      L.weight = r.get_string("weight");
      L.bias = r.get_string("bias");
      L.running_mean = r.get_string("running_mean");
      L.running_var = r.get_string("running_var");
      L.eps = r.get_number("eps", 0.0, 1.0, 1e-5);
      break;
    case LayerKind::Slice:
      L.begin = get_triple(r, "begin", 0, kMaxDim, {0, 0, 0});
      L.end = get_triple(r, "end", 1, kSliceToEnd, {kSliceToEnd, kSliceToEnd, kSliceToEnd});
      L.step = get_triple(r, "step", 1, kMaxDim, {1, 1, 1});
      break;
    case LayerKind::Pad:
      L.pad_before = get_triple(r, "before", 0, kMaxDim, {0, 0, 0});
      L.pad_after = get_triple(r, "after", 0, kMaxDim, {0, 0, 0});
      break;
    case LayerKind::Relu:
    case LayerKind::Flatten:
    case LayerKind::Add: break;
  }
  if (auto q = r.get_optional_object("quantization")) {
    if (!L.has_weights() && L.kind != LayerKind::Add) {
      throw Error(r.where("quantization") + ": only conv2d, linear and add layers take a quantization block");
    }
    L.quantization = parse_layer_quant(std::move(*q), L);
  }
  r.finish();
  return L;
}

Normalization parse_normalization(ObjectReader r);

DatasetSpec parse_dataset_spec(ObjectReader ds, const std::string& base_dir) {
  DatasetSpec spec;
  spec.base_dir = base_dir;
  spec.name = ds.get_string("name");
  if (auto f = ds.get_optional_string("format")) {
    spec.format = parse_dataset_format(*f, ds.where("format"));
  } else if (spec.name != "fashion-mnist") {
    throw Error(ds.where("format") + ": required for data set \"" + spec.name +
                "\" (one of: idx, cifar10, cifar100, safetensors; only fashion-mnist is built in)");
  }
  spec.dir = ds.get_string("dir", "");
  spec.classes = static_cast<int>(ds.get_int("classes", 2, 256, 0));
  for (auto [key, files] : {std::pair{"train", &spec.train}, std::pair{"test", &spec.test}}) {
    if (const auto* v = ds.raw_optional(key)) {
      if (!v->is_array() || v->empty()) throw Error(ds.where(key) + ": expected a non-empty array of file names");
      for (const auto& x : *v) {
        if (!x.is_string() || x.get<std::string>().empty())
          throw Error(ds.where(key) + ": expected a non-empty array of file names");
        files->push_back(x.get<std::string>());
      }
    }
  }
  if (auto n = ds.get_optional_object("normalization")) spec.normalization = parse_normalization(std::move(*n));
  ds.finish();
  return spec;
}

Metadata parse_metadata(ObjectReader m) {
  Metadata md;
  md.dataset = m.get_string("dataset", "");
  if (auto acc = m.get_optional_object("accuracy")) {
    for (const auto& k : acc->keys()) md.accuracy[k] = acc->get_number(k, 0.0, 1.0);
    acc->finish();
  }
  md.produced_by = m.get_string("produced_by", "");
  for (auto [key, dst] : {std::pair{"training", &md.training}, std::pair{"compression", &md.compression}}) {
    if (const auto* t = m.raw_optional(key)) {
      if (!t->is_object()) throw Error(m.where(key) + ": expected an object");
      *dst = *t;
    }
  }
  m.finish();
  return md;
}

Normalization parse_normalization(ObjectReader r) {
  Normalization n;
  n.scale = r.get_number("scale", 1e-12, 1e12, 1.0 / 255.0);
  n.mean = r.has("mean") ? r.get_number_array("mean", -1e6, 1e6) : (r.raw_optional("mean"), std::vector<double>{0.0});
  n.std = r.has("std") ? r.get_number_array("std", 1e-12, 1e6) : (r.raw_optional("std"), std::vector<double>{1.0});
  if (n.mean.empty() || n.std.empty()) throw Error(r.where() + ": mean and std need at least one value");
  r.finish();
  return n;
}

void check_tensor(const Network& net, const std::string& where, const std::string& name,
                  const std::vector<DType>& dtypes, const Shape& shape) {
  auto it = net.tensors.find(name);
  if (it == net.tensors.end()) throw make_error(where, "tensor '" + name + "' not found in " + net.weights_file);
  bool ok = false;
  std::string allowed;
  for (auto d : dtypes) {
    ok = ok || it->second.dtype() == d;
    allowed += (allowed.empty() ? "" : " or ") + dtype_name(d);
  }
  if (!ok)
    throw make_error(where,
                     "tensor '" + name + "' has dtype " + dtype_name(it->second.dtype()) + ", expected " + allowed);
  if (it->second.shape() != shape) {
    throw make_error(
        where, "tensor '" + name + "' has shape " + it->second.shape_string() + ", expected " + shape_string(shape));
  }
}

std::int64_t pooled(std::int64_t in, int k, int s, int p) { return (in + 2 * p - k) / s + 1; }

}  // namespace

std::string kind_name(LayerKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

bool parse_kind(const std::string& name, LayerKind& out) {
  for (const auto& k : kKinds) {
    if (name == k.name) {
      out = k.kind;
      return true;
    }
  }
  return false;
}

std::string format_shape(const Shape& s) { return shape_string(s); }

const Layer* Network::find_layer(const std::string& n) const {
  for (const auto& l : layers) {
    if (l.name == n) return &l;
  }
  return nullptr;
}

const Tensor& Network::tensor(const std::string& n) const {
  auto it = tensors.find(n);
  if (it == tensors.end()) throw Error("network '" + name + "': tensor '" + n + "' not found");
  return it->second;
}

const Shape& Network::shape_of(const std::string& tensor_name) const {
  if (tensor_name == input_name) return input_shape;
  const Layer* l = find_layer(tensor_name);
  if (l == nullptr) throw Error("network '" + name + "': no tensor named '" + tensor_name + "'");
  return l->output_shape;
}

bool Network::read_only_by_relu(const std::string& tensor) const {
  bool any = false;
  for (const auto& L : layers) {
    for (const auto& in : L.inputs) {
      if (in != tensor) continue;
      if (L.kind != LayerKind::Relu) return false;
      any = true;
    }
  }
  return any;
}

std::int64_t Network::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& l : layers) {
    if (!l.has_weights()) continue;
    n += l.kind == LayerKind::Conv2d ? l.out_channels * l.in_channels * l.kernel_size[0] * l.kernel_size[1]
                                     : l.out_features * l.in_features;
    if (!l.bias.empty() || (l.quantization && !l.quantization->bias.empty())) {
      n += l.kind == LayerKind::Conv2d ? l.out_channels : l.out_features;
    }
  }
  return n;
}

void validate_and_infer(Network& net, const std::string& file) {
  if (net.input_shape.empty() || net.input_shape.size() > 3) {
    throw make_error(file, "input.shape: expected [C, H, W] or [features], found " + shape_string(net.input_shape));
  }
  check_values(net.input_shape, file + ": input.shape");
  if (net.layers.empty()) throw make_error(file, "layers: expected at least one layer");
  std::set<std::string> defined{net.input_name};
  bool any_quant = false;
  bool all_quant = true;
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    Layer& L = net.layers[i];
    const std::string where = layer_where(file, i, L.name);
    if (defined.count(L.name) != 0)
      throw make_error(where, "name '" + L.name + "' is already used by an earlier tensor");
    if (L.inputs.empty()) L.inputs.push_back(i == 0 ? net.input_name : net.layers[i - 1].name);
    const std::size_t want_inputs = L.kind == LayerKind::Add ? 2 : 1;
    if (L.inputs.size() != want_inputs) {
      throw make_error(where, "inputs: " + kind_name(L.kind) + " takes " + std::to_string(want_inputs) +
                                  " input(s), found " + std::to_string(L.inputs.size()));
    }
    for (const auto& in : L.inputs) {
      if (defined.count(in) == 0) {
        throw make_error(where,
                         "inputs: tensor '" + in +
                             "' is not the network input or an earlier layer (layers must be in topological order)");
      }
    }
    const Shape& in = net.shape_of(L.inputs[0]);
    auto need_chw = [&] {
      if (in.size() != 3)
        throw make_error(where, kind_name(L.kind) + " expects a [C, H, W] input, '" + L.inputs[0] + "' has shape " +
                                    shape_string(in));
    };
    switch (L.kind) {
      case LayerKind::Conv2d: {
        need_chw();
        if (in[0] != L.in_channels) {
          throw make_error(where, "in_channels is " + std::to_string(L.in_channels) + " but input '" + L.inputs[0] +
                                      "' has " + std::to_string(in[0]) + " channels");
        }
        const auto h = pooled(in[1], L.kernel_size[0], L.stride[0], L.padding[0]);
        const auto w = pooled(in[2], L.kernel_size[1], L.stride[1], L.padding[1]);
        if (h < 1 || w < 1) throw make_error(where, "kernel_size larger than the padded input " + shape_string(in));
        L.output_shape = {L.out_channels, h, w};
        break;
      }
      case LayerKind::Linear:
        if (in.size() != 1 || in[0] != L.in_features) {
          throw make_error(where, "in_features is " + std::to_string(L.in_features) + " but input '" + L.inputs[0] +
                                      "' has shape " + shape_string(in) + " (add a flatten layer before linear)");
        }
        L.output_shape = {L.out_features};
        break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: {
        need_chw();
        if (2 * L.padding[0] > L.kernel_size[0] || 2 * L.padding[1] > L.kernel_size[1]) {
          throw make_error(where, "padding must be at most half of kernel_size");
        }
        const auto h = pooled(in[1], L.kernel_size[0], L.stride[0], L.padding[0]);
        const auto w = pooled(in[2], L.kernel_size[1], L.stride[1], L.padding[1]);
        if (h < 1 || w < 1) throw make_error(where, "kernel_size larger than the padded input " + shape_string(in));
        L.output_shape = {in[0], h, w};
        break;
      }
      case LayerKind::Flatten: {
        std::int64_t n = 1;
        for (auto d : in) n *= d;
        L.output_shape = {n};
        break;
      }
      case LayerKind::Slice: {
        need_chw();
        Shape out(3);
        for (int a = 0; a < 3; ++a) {
          L.end[a] = std::min(L.end[a], in[a]);
          if (L.begin[a] >= L.end[a]) {
            throw make_error(where, "slice: axis " + std::to_string(a) + " begins at " + std::to_string(L.begin[a]) +
                                        ", at or past its end " + std::to_string(L.end[a]) + " (input " +
                                        shape_string(in) + ")");
          }
          out[a] = (L.end[a] - L.begin[a] + L.step[a] - 1) / L.step[a];
        }
        L.output_shape = out;
        break;
      }
      case LayerKind::Pad: {
        need_chw();
        L.output_shape = {in[0] + L.pad_before[0] + L.pad_after[0], in[1] + L.pad_before[1] + L.pad_after[1],
                          in[2] + L.pad_before[2] + L.pad_after[2]};
        for (auto d : L.output_shape) {
          if (d > kMaxDim) throw make_error(where, "pad: output " + shape_string(L.output_shape) + " is too large");
        }
        break;
      }
      case LayerKind::Relu: L.output_shape = in; break;
      case LayerKind::Add:
        if (net.shape_of(L.inputs[1]) != in) {
          throw make_error(where, "add needs equal shapes, found " + shape_string(in) + " and " +
                                      shape_string(net.shape_of(L.inputs[1])));
        }
        L.output_shape = in;
        break;
      case LayerKind::BatchNorm:
        if (in.empty() || in[0] != L.num_features) {
          throw make_error(
              where, "num_features is " + std::to_string(L.num_features) + " but input has shape " + shape_string(in));
        }
        for (const auto* t : {&L.weight, &L.bias, &L.running_mean, &L.running_var}) {
          check_tensor(net, where, *t, {DType::F32}, {L.num_features});
        }
        L.output_shape = in;
        break;
    }
    check_values(L.output_shape, where + ": output");
    if (L.has_weights()) {
      const Shape wshape = L.kind == LayerKind::Conv2d
                               ? Shape{L.out_channels, L.in_channels, L.kernel_size[0], L.kernel_size[1]}
                               : Shape{L.out_features, L.in_features};
      const std::int64_t outs = wshape[0];
      if (L.weight.empty() && !L.quantization)
        throw make_error(where, "weight: expected a tensor name (or a quantization block)");
      if (!L.weight.empty()) check_tensor(net, where, L.weight, {DType::F32}, wshape);
      if (!L.bias.empty()) check_tensor(net, where, L.bias, {DType::F32}, {outs});
      if (L.quantization) {
        const auto& q = *L.quantization;
        check_tensor(net, where + ".quantization", q.weight, {DType::I8, DType::I16, DType::I32}, wshape);
        if (!q.bias.empty()) check_tensor(net, where + ".quantization", q.bias, {DType::I32}, {outs});
        if (q.weight_scale_exp.size() != 1 && static_cast<std::int64_t>(q.weight_scale_exp.size()) != outs) {
          throw make_error(where + ".quantization.weight_scale_exp", "expected 1 or " + std::to_string(outs) +
                                                                         " (one per output channel) values, found " +
                                                                         std::to_string(q.weight_scale_exp.size()));
        }
        const auto vals = net.tensors.at(q.weight).to_double();
        const double lim = std::ldexp(1.0, q.weight_bits - 1) - 1.0;
        for (std::size_t k = 0; k < vals.size(); ++k) {
          if (std::fabs(vals[k]) > lim) {
            throw make_error(where + ".quantization", "tensor '" + q.weight + "' element " + std::to_string(k) +
                                                          " is " + std::to_string(static_cast<long long>(vals[k])) +
                                                          ", outside the " + std::to_string(q.weight_bits) +
                                                          "-bit range [-" +
                                                          std::to_string(static_cast<long long>(lim)) + ", " +
                                                          std::to_string(static_cast<long long>(lim)) + "]");
          }
        }
      }
    }
    if (L.has_weights() || L.kind == LayerKind::Add) {
      any_quant = any_quant || L.quantization.has_value();
      all_quant = all_quant && L.quantization.has_value();
    }
    defined.insert(L.name);
  }
  if (net.output.empty()) net.output = net.layers.back().name;
  if (defined.count(net.output) == 0)
    throw make_error(file, "output: tensor '" + net.output + "' is not defined by any layer");
  if (any_quant || net.input_quantization) {
    if (!net.input_quantization)
      throw make_error(file, "quantization: layers are quantized but the network has no input quantization block");
    if (!all_quant) {
      for (std::size_t i = 0; i < net.layers.size(); ++i) {
        const auto& L = net.layers[i];
        if ((L.has_weights() || L.kind == LayerKind::Add) && !L.quantization) {
          throw make_error(
              layer_where(file, i, L.name),
              "quantization: missing, while the network is quantized (every conv2d, linear and add needs one)");
        }
      }
    }
    for (std::size_t i = 0; i < net.layers.size(); ++i) {
      const auto& L = net.layers[i];
      if (L.kind == LayerKind::BatchNorm)
        throw make_error(layer_where(file, i, L.name), "batchnorm in a quantized network: fold it before quantizing");
      if (L.quantization && !L.quantization->output_bits && L.name != net.output) {
        throw make_error(layer_where(file, i, L.name),
                         "quantization: output_bits/output_scale_exp are required except on the output layer");
      }
    }
  }
}

void fold_batchnorm(Network& net, const std::string& file) {
  for (std::size_t i = 0; i < net.layers.size(); ++i) {
    if (net.layers[i].kind != LayerKind::BatchNorm) continue;
    const Layer bn = net.layers[i];
    const std::string where = layer_where(file, i, bn.name);
    std::size_t p = net.layers.size();
    for (std::size_t k = 0; k < i; ++k) {
      if (net.layers[k].name == bn.inputs[0]) p = k;
    }
    if (p == net.layers.size() || !net.layers[p].has_weights() || net.layers[p].quantization) {
      throw make_error(
          where, "batchnorm must follow a float conv2d or linear layer to be folded (input is '" + bn.inputs[0] + "')");
    }
    for (std::size_t k = 0; k < net.layers.size(); ++k) {
      if (k == i) continue;
      for (const auto& in : net.layers[k].inputs) {
        if (in == bn.inputs[0])
          throw make_error(where, "cannot fold: '" + bn.inputs[0] + "' is also read by '" + net.layers[k].name + "'");
      }
    }
    if (net.output == bn.inputs[0])
      throw make_error(where, "cannot fold: '" + bn.inputs[0] + "' is the network output");
    Layer& L = net.layers[p];
    const auto gamma = net.tensor(bn.weight).to_double();
    const auto beta = net.tensor(bn.bias).to_double();
    const auto mean = net.tensor(bn.running_mean).to_double();
    const auto var = net.tensor(bn.running_var).to_double();
    Tensor& w = net.tensors.at(L.weight);
    const std::int64_t outs = w.shape()[0];
    const std::int64_t per = static_cast<std::int64_t>(w.numel()) / outs;
    std::vector<double> b(static_cast<std::size_t>(outs), 0.0);
    if (!L.bias.empty()) b = net.tensor(L.bias).to_double();
    float* wd = w.data<float>();
    std::vector<float> nb(static_cast<std::size_t>(outs));
    for (std::int64_t c = 0; c < outs; ++c) {
      if (var[c] + bn.eps <= 0)
        throw make_error(where, "running_var + eps must be positive (channel " + std::to_string(c) + ")");
      const double s = gamma[c] / std::sqrt(var[c] + bn.eps);
      for (std::int64_t k = 0; k < per; ++k) wd[c * per + k] = static_cast<float>(wd[c * per + k] * s);
      nb[c] = static_cast<float>((b[c] - mean[c]) * s + beta[c]);
    }
    const std::string bias_name = L.bias.empty() ? L.name + ".bias" : L.bias;
    if (L.bias.empty() && net.tensors.count(bias_name) != 0)
      throw make_error(where, "cannot fold: tensor '" + bias_name + "' already exists");
    net.tensors[bias_name] = Tensor::from<float>({outs}, nb);
    L.bias = bias_name;
    for (const auto* t : {&bn.weight, &bn.bias, &bn.running_mean, &bn.running_var}) net.tensors.erase(*t);
    for (auto& other : net.layers) {
      for (auto& in : other.inputs) {
        if (in == bn.name) in = L.name;
      }
    }
    if (net.output == bn.name) net.output = L.name;
    net.layers.erase(net.layers.begin() + static_cast<std::ptrdiff_t>(i));
    --i;
  }
}

Network load_network_json(const nlohmann::json& doc, const std::string& file, const std::string& base_dir) {
  ObjectReader r(doc, file, "");
  const auto version = r.get_int("version", 0, 1000);
  if (version != kNetworkFormatVersion) {
    throw Error(r.where("version") + ": format version " + std::to_string(version) + " is not supported, expected " +
                std::to_string(kNetworkFormatVersion));
  }
  Network net;
  net.name = r.get_string("name");
  {
    auto in = r.get_object("input");
    net.input_name = in.get_string("name", "input");
    net.input_shape = in.get_int_array("shape", 1, kMaxDim);
    in.finish();
  }
  net.dataset.base_dir = base_dir;
  if (auto ds = r.get_optional_object("dataset")) net.dataset = parse_dataset_spec(std::move(*ds), base_dir);
  net.weights_file = r.get_string("weights");
  if (auto q = r.get_optional_object("quantization")) {
    InputQuantization iq;
    iq.input_bits = static_cast<int>(q->get_int("input_bits", 1, 16));
    iq.input_scale_exp = static_cast<int>(q->get_int("input_scale_exp", -64, 64));
    iq.input_signed = q->get_bool("input_signed", false);
    if (const auto r = q->get_optional_string("rounding")) {
      if (*r != "half_up" && *r != "half_even")
        throw Error(q->where("rounding") + ": expected \"half_up\" or \"half_even\", found \"" + *r + "\"");
      iq.ties_to_even = *r == "half_even";
    }
    if (iq.input_signed && iq.input_bits < 2)
      throw Error(q->where("input_bits") + ": signed inputs need at least 2 bits, found 1");
    q->finish();
    net.input_quantization = iq;
  }
  const auto& layers = r.raw("layers");
  if (!layers.is_array()) throw Error(r.where("layers") + ": expected an array of layer objects");
  for (std::size_t i = 0; i < layers.size(); ++i) net.layers.push_back(parse_layer(layers[i], file, i));
  net.output = r.get_string("output", "");
  if (auto m = r.get_optional_object("metadata")) net.metadata = parse_metadata(std::move(*m));
  r.finish();

  const std::string weights_path = resolve_path(base_dir, net.weights_file);
  net.tensors = read_safetensors(weights_path).tensors;
  validate_and_infer(net, file);
  fold_batchnorm(net, file);
  return net;
}

Network load_network(const std::string& json_path) {
  return load_network_json(read_json_file(json_path), json_path, parent_dir(json_path));
}

DatasetSpec dataset_from_json(const nlohmann::json& j, const std::string& where, const std::string& base_dir) {
  return parse_dataset_spec(ObjectReader(j, where, "dataset"), base_dir);
}

Metadata metadata_from_json(const nlohmann::json& j, const std::string& where) {
  return parse_metadata(ObjectReader(j, where, "metadata"));
}

DatasetSpec load_dataset_spec(const std::string& json_path) {
  const auto doc = read_json_file(json_path);
  if (!doc.is_object()) throw make_error(json_path, "expected a JSON object (a network's \"dataset\" block)");
  return parse_dataset_spec(ObjectReader(doc, json_path, ""), parent_dir(json_path));
}

nlohmann::ordered_json to_json(const Network& net) {
  using json = nlohmann::ordered_json;
  auto pair = [](const std::array<int, 2>& p) { return p[0] == p[1] ? json(p[0]) : json({p[0], p[1]}); };
  json doc;
  doc["version"] = kNetworkFormatVersion;
  doc["name"] = net.name;
  doc["input"] = {{"name", net.input_name}, {"shape", net.input_shape}};
  const auto& n = net.dataset.normalization;
  const auto& ds = net.dataset;
  doc["dataset"] = {{"name", ds.name}};
  if (ds.format != DatasetFormat::FashionMnist || ds.name != "fashion-mnist")
    doc["dataset"]["format"] = dataset_format_name(ds.format);
  if (!ds.dir.empty()) doc["dataset"]["dir"] = ds.dir;
  if (ds.classes > 0) doc["dataset"]["classes"] = ds.classes;
  if (!ds.train.empty()) doc["dataset"]["train"] = ds.train;
  if (!ds.test.empty()) doc["dataset"]["test"] = ds.test;
  doc["dataset"]["normalization"] = {{"scale", n.scale}, {"mean", n.mean}, {"std", n.std}};
  doc["weights"] = net.weights_file;
  if (net.input_quantization) {
    doc["quantization"] = {{"input_bits", net.input_quantization->input_bits},
                           {"input_scale_exp", net.input_quantization->input_scale_exp}};
    if (net.input_quantization->input_signed) doc["quantization"]["input_signed"] = true;
    if (net.input_quantization->ties_to_even) doc["quantization"]["rounding"] = "half_even";
  }
  json layers = json::array();
  for (const auto& L : net.layers) {
    json j;
    j["name"] = L.name;
    j["type"] = kind_name(L.kind);
    j["inputs"] = L.inputs;
    switch (L.kind) {
      case LayerKind::Conv2d:
        j["in_channels"] = L.in_channels;
        j["out_channels"] = L.out_channels;
        j["kernel_size"] = pair(L.kernel_size);
        j["stride"] = pair(L.stride);
        j["padding"] = pair(L.padding);
        break;
      case LayerKind::Linear:
        j["in_features"] = L.in_features;
        j["out_features"] = L.out_features;
        break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d:
        j["kernel_size"] = pair(L.kernel_size);
        j["stride"] = pair(L.stride);
        j["padding"] = pair(L.padding);
        break;
      case LayerKind::BatchNorm:
        j["num_features"] = L.num_features;
        j["running_mean"] = L.running_mean;
        j["running_var"] = L.running_var;
        j["eps"] = L.eps;
        break;
      case LayerKind::Slice:
        j["begin"] = L.begin;
        j["end"] = L.end;
        j["step"] = L.step;
        break;
      case LayerKind::Pad:
        j["before"] = L.pad_before;
        j["after"] = L.pad_after;
        break;
      default: break;
    }
    if (!L.weight.empty()) j["weight"] = L.weight;
    if (!L.bias.empty()) j["bias"] = L.bias;
    if (L.quantization) {
      const auto& q = *L.quantization;
      json qj;
      if (L.kind != LayerKind::Add) {
        qj["weight_bits"] = q.weight_bits;
        qj["weight"] = q.weight;
        qj["weight_scale_exp"] =
            q.weight_scale_exp.size() == 1 ? json(q.weight_scale_exp[0]) : json(q.weight_scale_exp);
        if (!q.bias.empty()) qj["bias"] = q.bias;
      }
      if (q.output_bits) {
        qj["output_bits"] = *q.output_bits;
        qj["output_scale_exp"] = *q.output_scale_exp;
      }
      j["quantization"] = qj;
    }
    layers.push_back(j);
  }
  doc["layers"] = layers;
  doc["output"] = net.output;
  json meta = json::object();
  if (!net.metadata.dataset.empty()) meta["dataset"] = net.metadata.dataset;
  if (!net.metadata.accuracy.empty()) meta["accuracy"] = net.metadata.accuracy;
  if (!net.metadata.produced_by.empty()) meta["produced_by"] = net.metadata.produced_by;
  if (!net.metadata.training.empty()) meta["training"] = net.metadata.training;
  if (!net.metadata.compression.empty()) meta["compression"] = net.metadata.compression;
  if (!meta.empty()) doc["metadata"] = meta;
  return doc;
}

void save_network(const Network& net, const std::string& json_path) {
  if (net.weights_file.empty()) throw make_error(json_path, "network has no weights file name");
  TensorFile tf;
  tf.tensors = net.tensors;
  tf.metadata["format"] = "xbarsim";
  tf.metadata["network"] = net.name;
  write_files_atomic({{resolve_path(parent_dir(json_path), net.weights_file), serialize_safetensors(tf)},
                      {json_path, format_json(to_json(net))}});
}

}  // namespace xbarsim::workloads
