#include "onnx/importer.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/error.hpp"
#include "onnx/constants.hpp"
#include "workloads/io.hpp"

namespace xbarsim::onnx_import {

namespace {

using workloads::Layer;
using workloads::LayerKind;
using workloads::Shape;
using workloads::Tensor;

/// Integer codes of a constant and their power-of-two exponents (DequantizeLinear of an
/// integer initializer): one exponent, or one per index of `axis`.
struct QuantizedConstant {
  std::vector<std::int64_t> codes;
  std::vector<int> exps;
  int axis = -1;  ///< -1: per tensor
  int onnx_type = 0;
};

/// What a QuantizeLinear asks of a tensor: codes at 2^exp, int8 (signed) or uint8.
struct Request {
  int exp = 0;
  bool is_signed = true;
  bool via_relu = false;  ///< the quantizer reads the tensor through a ReLU
  std::string node;
};

/// The exponent e of a positive power of two 2^e, or nothing.
std::optional<int> power_of_two(double s) {
  if (!(s > 0) || !std::isfinite(s)) return std::nullopt;
  int e = 0;
  const double m = std::frexp(s, &e);
  if (m != 0.5) return std::nullopt;
  return e - 1;
}

class Importer {
 public:
  Importer(std::string path, const onnx::ModelProto& model) : path_(std::move(path)), model_(model) {}

  workloads::Network run(const std::string& name, const std::string& weights_file) {
    opset_ = default_opset();
    std::optional<nlohmann::json> dataset, metadata;
    for (const auto& p : model_.metadata_props()) {
      if (p.key() == "xbarsim.rounding") half_up_ = p.value() == "half_up";
      if (p.key() == "xbarsim.dataset") dataset = metadata_json(p.value(), p.key());
      if (p.key() == "xbarsim.metadata") metadata = metadata_json(p.value(), p.key());
    }
    const auto& g = model_.graph();
    for (const auto& t : g.initializer()) constants_[t.name()] = read(t, "initializer '" + t.name() + "'");
    read_input();
    for (const auto& node : g.node()) import_node(node);
    if (g.output_size() != 1) fail("the graph has " + std::to_string(g.output_size()) + " outputs, expected 1");
    net_.output = tensor_of(g.output(0).name(), "graph output");
    net_.name = name;
    net_.weights_file = weights_file;
    net_.metadata.produced_by = "xbarsim import " + path_;
    // A model xbarsim exported carries the workload's data set and metadata.
    if (dataset) net_.dataset = workloads::dataset_from_json(*dataset, path_ + " (xbarsim.dataset)", parent_dir());
    if (metadata) net_.metadata = workloads::metadata_from_json(*metadata, path_ + " (xbarsim.metadata)");
    fold_pads();
    workloads::validate_and_infer(net_, path_);
    if (qdq_) {
      for (const auto& L : net_.layers) {
        if (L.kind == LayerKind::BatchNorm)
          fail("BatchNormalization '" + L.name + "' in a QDQ model (fold it before quantizing)");
      }
      resolve_qdq();
      workloads::validate_and_infer(net_, path_);
    } else {
      workloads::fold_batchnorm(net_, path_);
    }
    tidy_names();
    workloads::validate_and_infer(net_, path_);
    return std::move(net_);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw make_error(path_, what); }
  [[noreturn]] void fail(const onnx::NodeProto& n, const std::string& what) const {
    throw make_error(
        path_, "node '" + node_name(n) + "' (" + n.op_type() + ", opset " + std::to_string(opset_) + "): " + what);
  }
  static std::string node_name(const onnx::NodeProto& n) {
    return n.name().empty() ? (n.output_size() > 0 ? n.output(0) : n.op_type()) : n.name();
  }

  nlohmann::json metadata_json(const std::string& text, const std::string& key) const {
    try {
      return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
      fail("metadata '" + key + "' is not JSON");
    }
  }
  std::string parent_dir() const {
    const auto p = std::filesystem::path(path_).parent_path();
    return p.empty() ? "." : p.string();
  }

  Constant read(const onnx::TensorProto& t, const std::string& what) const {
    try {
      return read_constant(t, what);
    } catch (const Error& e) {
      fail(e.what());
    }
  }

  std::int64_t default_opset() const {
    for (const auto& o : model_.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") {
        if (o.version() < 11 || o.version() > 17)
          fail("opset " + std::to_string(o.version()) + " of the default domain, expected 11..17");
        return o.version();
      }
    }
    fail("no opset of the default domain");
  }

  void read_input() {
    const auto& g = model_.graph();
    const onnx::ValueInfoProto* in = nullptr;
    for (const auto& v : g.input()) {
      if (constants_.count(v.name()) != 0) continue;  // older exporters list initializers as inputs
      if (in != nullptr) fail("more than one graph input ('" + in->name() + "', '" + v.name() + "'), expected 1");
      in = &v;
    }
    if (in == nullptr) fail("no graph input");
    const auto& shape = in->type().tensor_type().shape();
    if (in->type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      fail("input '" + in->name() + "': expected FLOAT");
    if (shape.dim_size() != 2 && shape.dim_size() != 4)
      fail("input '" + in->name() + "': expected [N, C, H, W] or [N, features]");
    Shape s;
    for (int d = 1; d < shape.dim_size(); ++d) {
      if (!shape.dim(d).has_dim_value() || shape.dim(d).dim_value() < 1)
        fail("input '" + in->name() + "': dimension " + std::to_string(d) + " must be a fixed size");
      s.push_back(shape.dim(d).dim_value());
    }
    net_.input_name = in->name();
    net_.input_shape = s;
    alias_[in->name()] = in->name();
    shape_[in->name()] = s;
  }

  /// The xbarsim tensor an ONNX value name stands for.
  std::string tensor_of(const std::string& onnx_name, const std::string& what) const {
    const auto it = alias_.find(onnx_name);
    if (it == alias_.end()) fail(what + " '" + onnx_name + "' is not produced by an imported node");
    return it->second;
  }
  const Constant* constant(const std::string& name) const {
    const auto it = constants_.find(name);
    return it == constants_.end() ? nullptr : &it->second;
  }
  const Constant* input_constant(const onnx::NodeProto& n, int k) const {
    return n.input_size() > k && !n.input(k).empty() ? constant(n.input(k)) : nullptr;
  }
  Layer* producer(const std::string& tensor) {
    for (auto& l : net_.layers) {
      if (l.name == tensor) return &l;
    }
    return nullptr;
  }

  static const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
    for (const auto& a : n.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }
  static std::int64_t attr_int(const onnx::NodeProto& n, const std::string& name, std::int64_t fallback) {
    const auto* a = attr(n, name);
    return a == nullptr ? fallback : a->i();
  }
  static std::vector<std::int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                                             std::vector<std::int64_t> fallback) {
    const auto* a = attr(n, name);
    return a == nullptr ? fallback : std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
  }

  /// kernel, stride and symmetric padding of a 2-D conv or pool.
  void window(const onnx::NodeProto& n, std::array<std::int64_t, 2> kernel, Layer& L) const {
    const auto strides = attr_ints(n, "strides", {1, 1});
    const auto pads = attr_ints(n, "pads", {0, 0, 0, 0});
    const auto dil = attr_ints(n, "dilations", {1, 1});
    if (strides.size() != 2 || pads.size() != 4 || dil.size() != 2) fail(n, "expected 2-D strides, pads, dilations");
    if (dil[0] != 1 || dil[1] != 1) fail(n, "dilations other than 1 are not supported");
    if (pads[0] != pads[2] || pads[1] != pads[3])
      fail(n, "asymmetric pads [" + std::to_string(pads[0]) + ", " + std::to_string(pads[1]) + ", " +
                  std::to_string(pads[2]) + ", " + std::to_string(pads[3]) + "] are not supported");
    if (const auto* a = attr(n, "auto_pad"); a != nullptr && a->s() != "NOTSET" && !a->s().empty())
      fail(n, "auto_pad " + a->s() + " is not supported (export with explicit pads)");
    constexpr std::int64_t kMax = std::int64_t{1} << 20;
    for (int i = 0; i < 2; ++i) {
      if (kernel[static_cast<std::size_t>(i)] < 1 || kernel[static_cast<std::size_t>(i)] > kMax)
        fail(n, "kernel size " + std::to_string(kernel[static_cast<std::size_t>(i)]) + ", expected 1 to 2^20");
      if (strides[static_cast<std::size_t>(i)] < 1 || strides[static_cast<std::size_t>(i)] > kMax)
        fail(n, "stride " + std::to_string(strides[static_cast<std::size_t>(i)]) + ", expected 1 to 2^20");
      if (pads[static_cast<std::size_t>(i)] < 0 || pads[static_cast<std::size_t>(i)] > kMax)
        fail(n, "pad " + std::to_string(pads[static_cast<std::size_t>(i)]) + ", expected 0 to 2^20");
    }
    L.kernel_size = {static_cast<int>(kernel[0]), static_cast<int>(kernel[1])};
    L.stride = {static_cast<int>(strides[0]), static_cast<int>(strides[1])};
    L.padding = {static_cast<int>(pads[0]), static_cast<int>(pads[1])};
  }

  /// Adds `L` producing ONNX value `out`, with per-sample shape `s`.
  void add(Layer L, const std::string& out, const Shape& s) {
    if (net_.find_layer(out) != nullptr || out == net_.input_name) fail("value '" + out + "' is produced twice");
    L.name = out;
    net_.layers.push_back(std::move(L));
    alias_[out] = out;
    shape_[out] = s;
  }
  void same_as(const std::string& out, const std::string& in) {
    alias_[out] = in;
    shape_[out] = shape_.at(in);
  }

  std::string weight(const std::string& name, std::vector<std::int64_t> dims, const std::vector<float>& values) {
    net_.tensors[name] = Tensor::from<float>(std::move(dims), values);
    return name;
  }

  static Shape pooled(const Shape& in, const Layer& L) {
    const std::int64_t h = (in[1] + 2 * L.padding[0] - L.kernel_size[0]) / L.stride[0] + 1;
    const std::int64_t w = (in[2] + 2 * L.padding[1] - L.kernel_size[1]) / L.stride[1] + 1;
    return {in[0], h, w};
  }

  // ---- constants and folding

  /// Folds `n` when its inputs are constants (Shape: when the shape is known); true if it did.
  bool try_fold(const onnx::NodeProto& n) {
    if (n.op_type() == "Shape") {
      if (n.input_size() < 1 || constant(n.input(0)) != nullptr || alias_.count(n.input(0)) == 0) return false;
      const Shape& s = shape_.at(alias_.at(n.input(0)));
      Constant c;
      c.type = Constant::Type::Int;
      c.onnx_type = onnx::TensorProto::INT64;
      c.i.push_back(kBatchDim);
      c.i.insert(c.i.end(), s.begin(), s.end());
      const auto rank = static_cast<std::int64_t>(c.i.size());
      std::int64_t start = attr_int(n, "start", 0), end = attr_int(n, "end", rank);
      start = std::clamp<std::int64_t>(start < 0 ? start + rank : start, 0, rank);
      end = std::clamp<std::int64_t>(end < 0 ? end + rank : end, 0, rank);
      c.i = std::vector<std::int64_t>(c.i.begin() + start, c.i.begin() + std::max(start, end));
      c.dims = {static_cast<std::int64_t>(c.i.size())};
      constants_[n.output(0)] = c;
      return true;
    }
    std::vector<const Constant*> in;
    for (int k = 0; k < n.input_size(); ++k) in.push_back(n.input(k).empty() ? nullptr : constant(n.input(k)));
    if (in.empty() || in[0] == nullptr) {
      if (n.op_type() != "ConstantOfShape") return false;
    }
    Constant out;
    try {
      if (!fold(n, in, out)) return false;
    } catch (const std::invalid_argument& e) {
      fail(n, std::string("cannot fold: ") + e.what());
    } catch (const Error& e) {
      fail(n, e.what());
    }
    constants_[n.output(0)] = std::move(out);
    return true;
  }

  // ---- QDQ

  /// The power-of-two exponent of a scale constant with one value, or one per channel.
  std::vector<int> exponents(const onnx::NodeProto& n, const Constant* scale) const {
    if (scale == nullptr || scale->type != Constant::Type::Float || scale->size() < 1)
      fail(n, "expected a float initializer scale");
    std::vector<int> e;
    for (std::int64_t k = 0; k < scale->size(); ++k) {
      const auto p = power_of_two(scale->at(k));
      if (!p) {
        fail(n, "scale " + std::to_string(scale->at(k)) +
                    " is not a power of two (xbarsim's shift-and-add units rescale by powers of two only; "
                    "quantize with power-of-two scales, e.g. CRIMP's, or import the float model and run "
                    "xbarsim quantize)");
      }
      e.push_back(*p);
    }
    return e;
  }
  /// Zero point: absent (uint8 zero) or all zeros; returns whether codes are signed.
  bool zero_point_signed(const onnx::NodeProto& n, bool quantize) const {
    const Constant* z = input_constant(n, 2);
    if (n.input_size() > 2 && !n.input(2).empty() && z == nullptr) fail(n, "expected an initializer zero point");
    if (z == nullptr) return !quantize;  // QuantizeLinear defaults to uint8; DequantizeLinear's input decides
    for (std::int64_t k = 0; k < z->size(); ++k) {
      if (z->at(k) != 0.0) fail(n, "zero point " + std::to_string(z->at(k)) + ", expected 0 (symmetric codes)");
    }
    if (z->onnx_type != onnx::TensorProto::INT8 && z->onnx_type != onnx::TensorProto::UINT8 &&
        z->onnx_type != onnx::TensorProto::INT32)
      fail(n, "zero point of type " + std::to_string(z->onnx_type) + ", expected INT8, UINT8 or INT32");
    return z->onnx_type != onnx::TensorProto::UINT8;
  }

  void quantize_linear(const onnx::NodeProto& n) {
    qdq_ = true;
    const auto e = exponents(n, input_constant(n, 1));
    const bool is_signed = zero_point_signed(n, true);
    if (const Constant* x = input_constant(n, 0)) {  // a float weight quantized in the graph
      if (e.size() != 1) fail(n, "per-axis quantization of a constant is not supported (store the int8 codes)");
      Constant c;
      c.type = Constant::Type::Int;
      c.dims = x->dims;
      c.onnx_type = is_signed ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8;
      for (std::int64_t k = 0; k < x->size(); ++k) {
        const double v = std::nearbyint(std::ldexp(x->at(k), -e[0]));
        c.i.push_back(static_cast<std::int64_t>(std::clamp(v, is_signed ? -128.0 : 0.0, is_signed ? 127.0 : 255.0)));
      }
      constants_[n.output(0)] = c;
      return;
    }
    if (e.size() != 1) fail(n, "per-axis quantization of an activation is not supported");
    const std::string t = tensor_of(n.input(0), "input");
    request(t, Request{e[0], is_signed, false, node_name(n)});
    quantized_value_[n.output(0)] = t;
  }

  void dequantize_linear(const onnx::NodeProto& n) {
    qdq_ = true;
    const auto e = exponents(n, input_constant(n, 1));
    if (const Constant* x = input_constant(n, 0)) {
      if (x->type != Constant::Type::Int) fail(n, "expected integer codes");
      zero_point_signed(n, false);
      QuantizedConstant q;
      q.codes = x->i;
      q.exps = e;
      q.onnx_type = x->onnx_type;
      if (e.size() > 1) {
        const auto rank = static_cast<std::int64_t>(x->dims.size());
        std::int64_t axis = attr_int(n, "axis", 1);
        axis = axis < 0 ? axis + rank : axis;
        if (axis < 0 || axis >= rank || x->dims[static_cast<std::size_t>(axis)] != static_cast<std::int64_t>(e.size()))
          fail(n, "per-axis scale of " + std::to_string(e.size()) + " values does not match the axis");
        q.axis = static_cast<int>(axis);
      }
      Constant f;
      f.dims = x->dims;
      std::int64_t inner = 1;
      if (q.axis >= 0) {
        for (std::size_t d = static_cast<std::size_t>(q.axis) + 1; d < x->dims.size(); ++d) inner *= x->dims[d];
      }
      for (std::int64_t k = 0; k < x->size(); ++k) {
        const std::size_t c =
            q.axis < 0 ? 0 : static_cast<std::size_t>((k / inner) % static_cast<std::int64_t>(e.size()));
        f.f.push_back(static_cast<float>(std::ldexp(static_cast<double>(x->i[static_cast<std::size_t>(k)]), e[c])));
      }
      constants_[n.output(0)] = f;
      quantized_constant_[n.output(0)] = q;
      return;
    }
    const auto it = quantized_value_.find(n.input(0));
    if (it == quantized_value_.end()) fail(n, "dequantizes '" + n.input(0) + "', which no QuantizeLinear produced");
    if (e.size() != 1 || e[0] != requests_.at(request_target(it->second)).exp) {
      // The pair must share its scale (what QDQ exporters write).
      fail(n, "scale differs from its QuantizeLinear's");
    }
    same_as(n.output(0), it->second);
  }

  /// The tensor whose quantization a QuantizeLinear of `t` sets: back through ReLU, max
  /// pooling, flatten, slice and pad, which commute with a monotone rounding.
  std::string request_target(const std::string& t) {
    std::string cur = t;
    for (Layer* L = producer(cur); L != nullptr; L = producer(cur)) {
      if (L->kind != LayerKind::Relu && L->kind != LayerKind::MaxPool2d && L->kind != LayerKind::Flatten &&
          L->kind != LayerKind::Slice && L->kind != LayerKind::Pad)
        break;
      cur = L->inputs[0];
    }
    return cur;
  }

  void request(const std::string& t, Request r) {
    const std::string target = request_target(t);
    for (Layer* L = producer(t); L != nullptr && L->name != target; L = producer(L->inputs[0]))
      r.via_relu = r.via_relu || L->kind == LayerKind::Relu;
    const auto it = requests_.find(target);
    if (it == requests_.end()) {
      requests_[target] = r;
      return;
    }
    if (it->second.exp != r.exp) {
      fail("QuantizeLinear '" + r.node + "' re-quantizes '" + target + "' at 2^" + std::to_string(r.exp) + " after '" +
           it->second.node + "' quantized it at 2^" + std::to_string(it->second.exp) +
           " (a change of scale after ReLU, max pooling or a reshape is not supported)");
    }
  }

  /// After the graph is read: every weighted layer, add and the input get their integer form.
  void resolve_qdq() {
    /// Output bits that give exactly QuantizeLinear's codes (int8: [-128, 127], uint8: [0, 255])
    /// under the contract's ranges (unsigned when every reader is a ReLU).
    const auto output_bits = [&](const std::string& t, const Request& r) {
      const bool relu_only = net_.read_only_by_relu(t);
      if (r.is_signed) {
        if (relu_only) return 7;  // relu(clip(x, -128, 127)) = clip(x, 0, 127)
        if (r.via_relu) fail("'" + t + "' is quantized after a ReLU but also read without it: not supported");
        return 8;
      }
      if (!relu_only)
        fail("'" + t + "' is quantized to uint8 (negatives clipped) but read by more than ReLUs: not supported");
      return 8;
    };
    const auto in_req = requests_.find(net_.input_name);
    if (in_req == requests_.end()) fail("QDQ model: the input '" + net_.input_name + "' has no QuantizeLinear");
    workloads::InputQuantization iq;
    iq.input_bits = 8;
    iq.input_scale_exp = in_req->second.exp;
    iq.input_signed = in_req->second.is_signed;
    iq.ties_to_even = !half_up_;
    net_.input_quantization = iq;
    std::map<std::string, int> exp{{net_.input_name, iq.input_scale_exp}};
    for (auto& L : net_.layers) {
      const int in_exp = exp.at(L.inputs[0]);
      const auto req = requests_.find(L.name);
      if (L.has_weights()) {
        const auto w = weight_codes_.find(L.name);
        if (w == weight_codes_.end())
          fail("layer '" + L.name + "': float weights in a QDQ model (xbarsim does not re-quantize them)");
        workloads::LayerQuantization q;
        q.weight_scale_exp = w->second.exps;
        std::int64_t top = 0;
        for (auto c : w->second.codes) top = std::max(top, std::abs(c));
        q.weight_bits = 8;
        while ((std::int64_t{1} << (q.weight_bits - 1)) - 1 < top) ++q.weight_bits;  // -128 needs 9 symmetric bits
        if (q.weight_bits > 8) widened_.push_back(L.name);
        const auto& shape = net_.tensor(L.weight).shape();
        q.weight = L.name + ".weight_q";
        net_.tensors[q.weight] = Tensor::from<std::int32_t>(
            shape, std::vector<std::int32_t>(w->second.codes.begin(), w->second.codes.end()));
        const std::int64_t cout = shape[0];
        if (!L.bias.empty()) {
          const auto b = bias_codes_.find(L.name);
          std::vector<std::int32_t> codes;
          const auto values = net_.tensor(L.bias).to_double();
          for (std::int64_t c = 0; c < cout; ++c) {
            const int e = in_exp + q.weight_exp(c);
            if (b != bias_codes_.end()) {
              const int be =
                  b->second.exps.size() == 1 ? b->second.exps[0] : b->second.exps[static_cast<std::size_t>(c)];
              if (be != e)
                fail("layer '" + L.name + "': bias scale 2^" + std::to_string(be) + " of channel " + std::to_string(c) +
                     ", expected the accumulator's 2^" + std::to_string(e) + " (input scale times weight scale)");
              codes.push_back(static_cast<std::int32_t>(b->second.codes[static_cast<std::size_t>(c)]));
            } else {
              const double code = std::ldexp(values[static_cast<std::size_t>(c)], -e);
              if (code != std::nearbyint(code) || std::fabs(code) > 2147483647.0)
                fail("layer '" + L.name + "': float bias " + std::to_string(values[static_cast<std::size_t>(c)]) +
                     " is not a multiple of the accumulator's scale 2^" + std::to_string(e) +
                     " (store it as int32 codes)");
              codes.push_back(static_cast<std::int32_t>(code));
            }
          }
          q.bias = L.name + ".bias_q";
          net_.tensors[q.bias] = Tensor::from<std::int32_t>({cout}, codes);
        }
        if (req != requests_.end()) {
          q.output_bits = output_bits(L.name, req->second);
          q.output_scale_exp = req->second.exp;
          exp[L.name] = req->second.exp;
        } else if (L.name != net_.output) {
          fail("layer '" + L.name + "': its output is not quantized (no QuantizeLinear) but it is not the output");
        }
        L.quantization = q;
      } else if (L.kind == LayerKind::Add) {
        if (req == requests_.end()) fail("add '" + L.name + "': its output is not quantized (no QuantizeLinear)");
        workloads::LayerQuantization q;
        q.output_bits = output_bits(L.name, req->second);
        q.output_scale_exp = req->second.exp;
        exp[L.name] = req->second.exp;
        L.quantization = q;
      } else {
        if (req != requests_.end() && req->second.exp != in_exp)
          fail("'" + L.name + "' (" + workloads::kind_name(L.kind) + ") is re-quantized at 2^" +
               std::to_string(req->second.exp) + ", its input is at 2^" + std::to_string(in_exp) +
               " (only weighted layers and adds change scale)");
        exp[L.name] = in_exp;
      }
    }
    if (!widened_.empty()) {
      std::string names;
      for (const auto& n : widened_) names += (names.empty() ? "" : ", ") + n;
      net_.metadata.training["import_note"] =
          "int8 weight code -128 in " + names + ": mapped with 9-bit symmetric weights";
    }
  }

  /// Exporters' value names as layer names, without their decoration: torch's
  /// "/blocks/blocks.3/conv2/Conv_output_0" becomes "blocks/blocks.3/conv2/Conv".
  void tidy_names() {
    std::map<std::string, std::string> to;
    std::set<std::string> used{net_.input_name};
    for (const auto& L : net_.layers) {
      std::string n = L.name;
      if (!n.empty() && n.front() == '/') n.erase(0, 1);
      const std::string suffix = "_output_0";
      if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
        n.resize(n.size() - suffix.size());
      if (n.empty()) n = L.name;
      std::string unique = n;
      for (int k = 2; used.count(unique) != 0; ++k) unique = n + "_" + std::to_string(k);
      used.insert(unique);
      to[L.name] = unique;
    }
    const auto rename_tensor = [&](std::string& t, const std::string& from, const std::string& into) {
      if (t.empty() || t.compare(0, from.size() + 1, from + ".") != 0) return;
      const std::string renamed = into + t.substr(from.size());
      if (net_.tensors.count(t) != 0 && net_.tensors.count(renamed) == 0) {
        auto node = net_.tensors.extract(t);
        node.key() = renamed;
        net_.tensors.insert(std::move(node));
      }
      t = renamed;
    };
    for (auto& L : net_.layers) {
      const std::string old = L.name;
      L.name = to.at(old);
      for (auto& in : L.inputs) in = to.count(in) != 0 ? to.at(in) : in;
      for (auto* t : {&L.weight, &L.bias, &L.running_mean, &L.running_var}) rename_tensor(*t, old, L.name);
      if (L.quantization) {
        rename_tensor(L.quantization->weight, old, L.name);
        rename_tensor(L.quantization->bias, old, L.name);
      }
    }
    net_.output = to.count(net_.output) != 0 ? to.at(net_.output) : net_.output;
  }

  // ---- pads folded into the following conv or average pool

  void fold_pads() {
    for (std::size_t i = 0; i < net_.layers.size(); ++i) {
      const Layer P = net_.layers[i];
      if (P.kind != LayerKind::Pad || P.name == net_.output) continue;
      const bool spatial = P.pad_before[0] == 0 && P.pad_after[0] == 0 && P.pad_before[1] == P.pad_after[1] &&
                           P.pad_before[2] == P.pad_after[2];
      std::vector<Layer*> readers;
      for (auto& L : net_.layers) {
        for (const auto& in : L.inputs) {
          if (in == P.name) readers.push_back(&L);
        }
      }
      if (!spatial || readers.size() != 1) continue;
      Layer& R = *readers[0];
      const std::array<int, 2> pad{R.padding[0] + static_cast<int>(P.pad_before[1]),
                                   R.padding[1] + static_cast<int>(P.pad_before[2])};
      const bool conv = R.kind == LayerKind::Conv2d;
      const bool avg =
          R.kind == LayerKind::AvgPool2d && 2 * pad[0] <= R.kernel_size[0] && 2 * pad[1] <= R.kernel_size[1];
      if (!conv && !avg) continue;
      R.padding = pad;
      R.inputs[0] = P.inputs[0];
      for (auto& [onnx_name, t] : alias_) {
        if (t == P.name) t = P.inputs[0];
      }
      net_.layers.erase(net_.layers.begin() + static_cast<std::ptrdiff_t>(i));
      --i;
    }
  }

  // ---- nodes

  void import_node(const onnx::NodeProto& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, "domain '" + n.domain() + "' is not supported");
    const std::string& op = n.op_type();
    // The checker's schemas check these counts; they are checked again here, before any input or
    // output is read, so that a model the checker passes unchecked (import_onnx refuses the one
    // such case known, an experimental operator) cannot make protobuf abort on a missing index.
    if (n.output_size() < 1 || n.output(0).empty()) fail(n, "expected an output, found none");
    const int inputs = op == "Constant" ? 0 : op == "Add" ? 2 : 1;
    if (n.input_size() < inputs)
      fail(n, std::to_string(n.input_size()) + " inputs, expected at least " + std::to_string(inputs));
    if (op == "Constant") {
      const auto* a = attr(n, "value");
      if (a == nullptr) fail(n, "only the 'value' attribute is supported");
      constants_[n.output(0)] = read(a->t(), "node '" + node_name(n) + "' value");
      return;
    }
    if (op == "QuantizeLinear") return quantize_linear(n);
    if (op == "DequantizeLinear") return dequantize_linear(n);
    if (try_fold(n)) return;
    if (op == "Identity" || op == "Dropout") return same_as(n.output(0), tensor_of(n.input(0), "input"));
    const std::string in = tensor_of(n.input(0), "input");
    const Shape& s = shape_.at(in);
    const std::string& out = n.output(0);
    Layer L;
    L.inputs = {in};
    if (op == "Conv") {
      if (attr_int(n, "group", 1) != 1) fail(n, "group " + std::to_string(attr_int(n, "group", 1)) + ", expected 1");
      const Constant* w = input_constant(n, 1);
      if (w == nullptr || w->dims.size() != 4 || w->f.empty())
        fail(n, "expected a float initializer weight [M, C, kH, kW]");
      if (s.size() != 3 || w->dims[1] != s[0])
        fail(n, "weight has " + std::to_string(w->dims[1]) + " input channels for an input of shape " +
                    workloads::shape_string(s));
      L.kind = LayerKind::Conv2d;
      L.in_channels = w->dims[1];
      L.out_channels = w->dims[0];
      window(n, {w->dims[2], w->dims[3]}, L);
      L.weight = weight(out + ".weight", w->dims, w->f);
      weight_codes(n, n.input(1), out, 0, nullptr);
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const Constant* b = constant(n.input(2));
        if (b == nullptr || b->f.size() != static_cast<std::size_t>(L.out_channels))
          fail(n, "expected a float initializer bias of " + std::to_string(L.out_channels));
        L.bias = weight(out + ".bias", {L.out_channels}, b->f);
        bias_codes(n.input(2), out);
      }
      const Shape p = pooled(s, L);
      add(L, out, {L.out_channels, p[1], p[2]});
    } else if (op == "Gemm" || op == "MatMul") {
      const bool gemm = op == "Gemm";
      if (gemm && (attr(n, "alpha") != nullptr && attr(n, "alpha")->f() != 1.0F))
        fail(n, "alpha other than 1 is not supported");
      if (gemm && (attr(n, "beta") != nullptr && attr(n, "beta")->f() != 1.0F))
        fail(n, "beta other than 1 is not supported");
      if (gemm && attr_int(n, "transA", 0) != 0) fail(n, "transA is not supported");
      const Constant* w = input_constant(n, 1);
      if (w == nullptr || w->dims.size() != 2 || w->f.empty()) fail(n, "expected a float initializer B of rank 2");
      if (s.size() != 1)
        fail(n, "expects a [N, features] input, found a per-sample shape " + workloads::shape_string(s));
      const bool trans_b = gemm && attr_int(n, "transB", 0) != 0;
      const std::int64_t in_f = trans_b ? w->dims[1] : w->dims[0], out_f = trans_b ? w->dims[0] : w->dims[1];
      if (in_f != s[0]) fail(n, "B takes " + std::to_string(in_f) + " features, the input has " + std::to_string(s[0]));
      // xbarsim stores [out, in]: element (o, i) of B^T is B[i * out + o].
      std::vector<std::int64_t> order(w->f.size());
      for (std::int64_t o = 0; o < out_f; ++o) {
        for (std::int64_t i = 0; i < in_f; ++i)
          order[static_cast<std::size_t>(o * in_f + i)] = trans_b ? o * in_f + i : i * out_f + o;
      }
      std::vector<float> wt(w->f.size());
      for (std::size_t k = 0; k < order.size(); ++k) wt[k] = w->f[static_cast<std::size_t>(order[k])];
      L.kind = LayerKind::Linear;
      L.in_features = in_f;
      L.out_features = out_f;
      L.weight = weight(out + ".weight", {out_f, in_f}, wt);
      weight_codes(n, n.input(1), out, trans_b ? 0 : 1, &order);
      if (gemm && n.input_size() > 2 && !n.input(2).empty()) {
        const Constant* b = constant(n.input(2));
        if (b == nullptr || b->f.size() != static_cast<std::size_t>(out_f))
          fail(n, "expected a float initializer C of " + std::to_string(out_f) + " values");
        L.bias = weight(out + ".bias", {out_f}, b->f);
        bias_codes(n.input(2), out);
      }
      add(L, out, {out_f});
    } else if (op == "Add") {
      if (const Constant* b = constant(n.input(1))) {
        // A bias after MatMul: folded into the linear layer.
        Layer* lin = producer(in);
        if (lin == nullptr || lin->kind != LayerKind::Linear || !lin->bias.empty() ||
            b->f.size() != static_cast<std::size_t>(lin->out_features))
          fail(n, "adding a constant is supported only as the bias of a MatMul");
        lin->bias = weight(lin->name + ".bias", {lin->out_features}, b->f);
        bias_codes(n.input(1), lin->name);
        return same_as(out, in);
      }
      const std::string other = tensor_of(n.input(1), "input");
      if (shape_.at(other) != s)
        fail(n, "operands of shapes " + workloads::shape_string(s) + " and " +
                    workloads::shape_string(shape_.at(other)) + " (no broadcasting)");
      L.kind = LayerKind::Add;
      L.inputs = {in, other};
      add(L, out, s);
    } else if (op == "Relu") {
      L.kind = LayerKind::Relu;
      add(L, out, s);
    } else if (op == "MaxPool" || op == "AveragePool") {
      if (s.size() != 3) fail(n, "expects an [N, C, H, W] input");
      if (attr_int(n, "ceil_mode", 0) != 0) fail(n, "ceil_mode 1 is not supported");
      if (n.output_size() > 1 && !n.output(1).empty()) fail(n, "the indices output is not supported");
      const auto k = attr_ints(n, "kernel_shape", {});
      if (k.size() != 2) fail(n, "expected a 2-D kernel_shape");
      L.kind = op == "MaxPool" ? LayerKind::MaxPool2d : LayerKind::AvgPool2d;
      window(n, {k[0], k[1]}, L);
      if (op == "AveragePool" && attr_int(n, "count_include_pad", 0) == 0 && (L.padding[0] > 0 || L.padding[1] > 0))
        fail(n, "padded average pooling must count the padding (count_include_pad 1)");
      add(L, out, pooled(s, L));
    } else if (op == "GlobalAveragePool") {
      if (s.size() != 3) fail(n, "expects an [N, C, H, W] input");
      L.kind = LayerKind::AvgPool2d;
      L.kernel_size = {static_cast<int>(s[1]), static_cast<int>(s[2])};
      L.stride = L.kernel_size;
      add(L, out, {s[0], 1, 1});
    } else if (op == "Flatten" || op == "Reshape") {
      if (op == "Flatten" && attr_int(n, "axis", 1) != 1) fail(n, "axis other than 1 is not supported");
      if (op == "Reshape") {
        const Constant* shape = input_constant(n, 1);
        std::int64_t features = 1;
        for (auto d : s) features *= d;
        const bool to_rows = shape != nullptr && shape->i.size() == 2 &&
                             (shape->i[1] == -1 || shape->i[1] == features) &&
                             (shape->i[0] == -1 || shape->i[0] == 0 || shape->i[0] == 1 || shape->i[0] == kBatchDim);
        if (!to_rows) fail(n, "only a reshape to [N, -1] (a flatten) is supported");
      }
      if (s.size() == 1) return same_as(out, in);  // already flat
      L.kind = LayerKind::Flatten;
      add(L, out, {s[0] * s[1] * s[2]});
    } else if (op == "Slice") {
      slice(n, L, s);
      add(L, out, L.output_shape);
    } else if (op == "Pad") {
      pad(n, L, s);
      add(L, out, L.output_shape);
    } else if (op == "BatchNormalization") {
      if (n.input_size() != 5) fail(n, "expected inputs X, scale, B, mean, var");
      if (s.empty()) fail(n, "expects a non-empty input");
      if (n.output_size() > 1) fail(n, "training-mode outputs are not supported");
      const std::int64_t c = s[0];
      std::vector<std::string> names;
      const char* parts[] = {"weight", "bias", "running_mean", "running_var"};
      for (int k = 0; k < 4; ++k) {
        const Constant* p = constant(n.input(k + 1));
        if (p == nullptr || p->f.size() != static_cast<std::size_t>(c))
          fail(n, std::string("expected a float initializer ") + parts[k] + " of " + std::to_string(c));
        names.push_back(weight(out + "." + parts[k], {c}, p->f));
      }
      L.kind = LayerKind::BatchNorm;
      L.num_features = c;
      L.weight = names[0];
      L.bias = names[1];
      L.running_mean = names[2];
      L.running_var = names[3];
      if (const auto* e = attr(n, "epsilon")) L.eps = e->f();
      add(L, out, s);
    } else {
      fail(n,
           "not supported (xbarsim imports Conv, Gemm, MatMul, Add, Relu, MaxPool, AveragePool, "
           "GlobalAveragePool, Flatten, Reshape to [N, -1], Slice, Pad, BatchNormalization, Identity, Dropout, "
           "QuantizeLinear, DequantizeLinear, Constant, and folds Shape, Gather, Unsqueeze, Squeeze, Concat, "
           "Reshape, Transpose, Cast, ConstantOfShape on constants)");
    }
  }

  /// Integer codes of a weight given by DequantizeLinear: in xbarsim's [out, ...] order
  /// (`order[k]`: the ONNX element of xbarsim element k), exponents per output channel when
  /// the scale runs along the output axis `out_axis`.
  void weight_codes(const onnx::NodeProto& n, const std::string& value, const std::string& layer, int out_axis,
                    const std::vector<std::int64_t>* order) {
    const auto it = quantized_constant_.find(value);
    if (it == quantized_constant_.end()) return;
    const QuantizedConstant& q = it->second;
    if (q.axis >= 0 && q.axis != out_axis) fail(n, "per-axis weight scales must run along the output channels");
    QuantizedConstant w = q;
    if (order != nullptr) {
      for (std::size_t k = 0; k < order->size(); ++k) w.codes[k] = q.codes[static_cast<std::size_t>((*order)[k])];
    }
    weight_codes_[layer] = w;
  }
  void bias_codes(const std::string& value, const std::string& layer) {
    const auto it = quantized_constant_.find(value);
    if (it != quantized_constant_.end()) bias_codes_[layer] = it->second;
  }

  /// Per-axis {C, H, W} begin/end/step of a Slice on a tensor (the batch axis kept whole).
  void slice(const onnx::NodeProto& n, Layer& L, const Shape& s) const {
    if (s.size() != 3) fail(n, "expects an [N, C, H, W] input");
    const Constant* starts = input_constant(n, 1);
    const Constant* ends = input_constant(n, 2);
    const Constant* axes = input_constant(n, 3);
    const Constant* steps = input_constant(n, 4);
    if (starts == nullptr || ends == nullptr || starts->type != Constant::Type::Int ||
        ends->type != Constant::Type::Int || starts->size() != ends->size())
      fail(n, "expected constant integer starts and ends of one length");
    if ((n.input_size() > 3 && !n.input(3).empty() && axes == nullptr) ||
        (n.input_size() > 4 && !n.input(4).empty() && steps == nullptr))
      fail(n, "expected constant axes and steps");
    L.kind = LayerKind::Slice;
    L.output_shape = s;
    for (std::int64_t k = 0; k < starts->size(); ++k) {
      std::int64_t axis = axes != nullptr ? axes->i[static_cast<std::size_t>(k)] : k;
      axis = axis < 0 ? axis + 4 : axis;
      const std::int64_t step = steps != nullptr ? steps->i[static_cast<std::size_t>(k)] : 1;
      std::int64_t b = starts->i[static_cast<std::size_t>(k)], e = ends->i[static_cast<std::size_t>(k)];
      if (axis < 0 || axis > 3) fail(n, "axis " + std::to_string(axis) + " out of range");
      if (step < 1) fail(n, "step " + std::to_string(step) + ": only positive steps are supported");
      if (axis == 0) {
        if (b != 0 || e < std::numeric_limits<std::int32_t>::max()) fail(n, "slicing the batch axis is not supported");
        continue;
      }
      const std::int64_t d = s[static_cast<std::size_t>(axis - 1)];
      b = std::clamp<std::int64_t>(b < 0 ? b + d : b, 0, d);
      e = std::clamp<std::int64_t>(e < 0 ? e + d : e, 0, d);
      if (b >= e) fail(n, "axis " + std::to_string(axis) + " is sliced to nothing");
      const auto a = static_cast<std::size_t>(axis - 1);
      L.begin[a] = b;
      L.end[a] = e;
      L.step[a] = step;
      L.output_shape[a] = (e - b + step - 1) / step;
    }
  }

  /// Zero padding of a tensor: pads [N, C, H, W begins, then ends], the batch's zero.
  void pad(const onnx::NodeProto& n, Layer& L, const Shape& s) const {
    if (s.size() != 3) fail(n, "expects an [N, C, H, W] input");
    if (const auto* m = attr(n, "mode"); m != nullptr && m->s() != "constant")
      fail(n, "mode '" + m->s() + "': only constant (zero) padding is supported");
    const Constant* pads = input_constant(n, 1);
    if (pads == nullptr || pads->type != Constant::Type::Int || pads->size() != 8)
      fail(n, "expected 8 constant integer pads");
    if (const Constant* v = input_constant(n, 2); v != nullptr && (v->size() != 1 || v->at(0) != 0.0))
      fail(n, "constant_value other than 0 is not supported");
    if (n.input_size() > 2 && !n.input(2).empty() && input_constant(n, 2) == nullptr)
      fail(n, "expected a constant constant_value");
    if (n.input_size() > 3 && !n.input(3).empty()) fail(n, "the axes input is not supported");
    const auto& p = pads->i;
    if (p[0] != 0 || p[4] != 0) fail(n, "padding the batch axis is not supported");
    L.kind = LayerKind::Pad;
    L.output_shape = s;
    for (std::size_t a = 0; a < 3; ++a) {
      if (p[a + 1] < 0 || p[a + 5] < 0) fail(n, "negative pads (cropping) are not supported");
      L.pad_before[a] = p[a + 1];
      L.pad_after[a] = p[a + 5];
      L.output_shape[a] += p[a + 1] + p[a + 5];
    }
  }

  std::string path_;
  const onnx::ModelProto& model_;
  std::int64_t opset_ = 0;
  workloads::Network net_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::string> alias_;  ///< ONNX value -> xbarsim tensor
  std::map<std::string, Shape> shape_;        ///< xbarsim tensor (and ONNX aliases) -> per-sample shape
  // QDQ
  bool qdq_ = false;
  bool half_up_ = false;  ///< ties round up: a model xbarsim exported from a half-up workload
  std::map<std::string, QuantizedConstant> quantized_constant_;         ///< ONNX value -> codes
  std::map<std::string, std::string> quantized_value_;                  ///< QuantizeLinear output -> xbarsim tensor
  std::map<std::string, Request> requests_;                             ///< xbarsim tensor -> its quantization
  std::map<std::string, QuantizedConstant> weight_codes_, bias_codes_;  ///< per layer
  std::vector<std::string> widened_;
};

}  // namespace

workloads::Network import_onnx(const std::string& path, const std::string& name, const std::string& weights_file) {
  const std::string bytes = workloads::read_file(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw make_error(path, "not an ONNX model (the protobuf does not parse)");
  // The checker does not check a model holding an experimental operator (its own list: GRUUnit,
  // Crop, ...): it says so on stderr and returns. xbarsim imports none of them, so what the
  // checker writes is captured and such a model refused in one line.
  std::ostringstream said;
  {
    struct Capture {  // std::cerr into `said` while the checker runs, whatever way it leaves
      std::streambuf* saved;
      ~Capture() { std::cerr.rdbuf(saved); }
    } capture{std::cerr.rdbuf(said.rdbuf())};
    try {
      onnx::checker::check_model(model);
    } catch (const std::exception& e) {
      throw make_error(path, std::string("the ONNX checker rejects it: ") + e.what());
    }
  }
  const std::string warning = said.str();
  if (const auto at = warning.find("experimental ops: "); at != std::string::npos) {
    const std::string op = warning.substr(at + 18, warning.find_first_of("\r\n", at) - at - 18);
    throw make_error(path,
                     "operator " + op + " is experimental in ONNX: not supported, and not checked by the ONNX checker");
  }
  std::cerr << warning;
  return Importer(path, model).run(name, weights_file);
}

}  // namespace xbarsim::onnx_import
