#include "onnx/importer.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "common/error.hpp"
#include "workloads/io.hpp"

namespace xbarsim::onnx_import {

namespace {

using workloads::Layer;
using workloads::LayerKind;
using workloads::Shape;
using workloads::Tensor;

/// A constant of the graph: float values (weights) or integers (shapes), with its dims.
struct Constant {
  std::vector<std::int64_t> dims;
  std::vector<float> f;
  std::vector<std::int64_t> i;
};

class Importer {
 public:
  Importer(std::string path, const onnx::ModelProto& model) : path_(std::move(path)), model_(model) {}

  workloads::Network run(const std::string& name, const std::string& weights_file) {
    opset_ = default_opset();
    const auto& g = model_.graph();
    for (const auto& t : g.initializer()) constants_[t.name()] = constant_of(t, "initializer '" + t.name() + "'");
    read_input();
    for (const auto& node : g.node()) import_node(node);
    if (g.output_size() != 1) fail("the graph has " + std::to_string(g.output_size()) + " outputs, expected 1");
    net_.output = tensor_of(g.output(0).name(), "graph output");
    net_.name = name;
    net_.weights_file = weights_file;
    net_.metadata.produced_by = "xbarsim import " + path_;
    workloads::validate_and_infer(net_, path_);
    workloads::fold_batchnorm(net_, path_);
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

  Constant constant_of(const onnx::TensorProto& t, const std::string& what) const {
    Constant c;
    c.dims.assign(t.dims().begin(), t.dims().end());
    std::int64_t n = 1;
    for (auto d : c.dims) {
      if (d < 0 || d > (std::int64_t{1} << 31)) fail(what + ": dimension " + std::to_string(d) + " out of range");
      n *= d;
      if (n > (std::int64_t{1} << 31)) fail(what + ": more than 2^31 values");
    }
    const auto un = static_cast<std::size_t>(n);
    if (t.data_type() == onnx::TensorProto::FLOAT) {
      if (t.has_raw_data()) {
        if (t.raw_data().size() != un * sizeof(float)) fail(what + ": raw data size does not match its dims");
        c.f.resize(un);
        std::memcpy(c.f.data(), t.raw_data().data(), un * sizeof(float));
      } else {
        if (static_cast<std::size_t>(t.float_data_size()) != un) fail(what + ": float data does not match its dims");
        c.f.assign(t.float_data().begin(), t.float_data().end());
      }
    } else if (t.data_type() == onnx::TensorProto::INT64) {
      if (t.has_raw_data()) {
        if (t.raw_data().size() != un * sizeof(std::int64_t)) fail(what + ": raw data size does not match its dims");
        c.i.resize(un);
        std::memcpy(c.i.data(), t.raw_data().data(), un * sizeof(std::int64_t));
      } else {
        if (static_cast<std::size_t>(t.int64_data_size()) != un) fail(what + ": int64 data does not match its dims");
        c.i.assign(t.int64_data().begin(), t.int64_data().end());
      }
    } else {
      fail(what + ": data type " + std::to_string(t.data_type()) + ", expected FLOAT (1) or INT64 (7)");
    }
    return c;
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
  void window(const onnx::NodeProto& n, std::array<int, 2> kernel, Layer& L) const {
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
    L.kernel_size = kernel;
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

  std::string weight(const std::string& name, std::vector<std::int64_t> dims, const std::vector<float>& values) {
    net_.tensors[name] = Tensor::from<float>(std::move(dims), values);
    return name;
  }

  static Shape pooled(const Shape& in, const Layer& L) {
    const std::int64_t h = (in[1] + 2 * L.padding[0] - L.kernel_size[0]) / L.stride[0] + 1;
    const std::int64_t w = (in[2] + 2 * L.padding[1] - L.kernel_size[1]) / L.stride[1] + 1;
    return {in[0], h, w};
  }

  void import_node(const onnx::NodeProto& n) {
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail(n, "domain '" + n.domain() + "' is not supported");
    const std::string& op = n.op_type();
    if (op == "Constant") {
      const auto* a = attr(n, "value");
      if (a == nullptr) fail(n, "only the 'value' attribute is supported");
      constants_[n.output(0)] = constant_of(a->t(), "node '" + node_name(n) + "' value");
      return;
    }
    if (op == "Identity" || op == "Dropout") {
      alias_[n.output(0)] = tensor_of(n.input(0), "input");
      shape_[n.output(0)] = shape_.at(alias_[n.output(0)]);
      return;
    }
    const std::string in = tensor_of(n.input(0), "input");
    const Shape& s = shape_.at(in);
    const std::string& out = n.output(0);
    Layer L;
    L.inputs = {in};
    if (op == "Conv") {
      if (attr_int(n, "group", 1) != 1) fail(n, "group " + std::to_string(attr_int(n, "group", 1)) + ", expected 1");
      const Constant* w = n.input_size() > 1 ? constant(n.input(1)) : nullptr;
      if (w == nullptr || w->dims.size() != 4 || w->f.empty())
        fail(n, "expected a float initializer weight [M, C, kH, kW]");
      if (s.size() != 3 || w->dims[1] != s[0])
        fail(n, "weight has " + std::to_string(w->dims[1]) + " input channels for an input of shape " +
                    workloads::shape_string(s));
      L.kind = LayerKind::Conv2d;
      L.in_channels = w->dims[1];
      L.out_channels = w->dims[0];
      window(n, {static_cast<int>(w->dims[2]), static_cast<int>(w->dims[3])}, L);
      L.weight = weight(out + ".weight", w->dims, w->f);
      if (n.input_size() > 2 && !n.input(2).empty()) {
        const Constant* b = constant(n.input(2));
        if (b == nullptr || b->f.size() != static_cast<std::size_t>(L.out_channels))
          fail(n, "expected a float initializer bias of " + std::to_string(L.out_channels));
        L.bias = weight(out + ".bias", {L.out_channels}, b->f);
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
      const Constant* w = constant(n.input(1));
      if (w == nullptr || w->dims.size() != 2 || w->f.empty()) fail(n, "expected a float initializer B of rank 2");
      if (s.size() != 1)
        fail(n, "expects a [N, features] input, found a per-sample shape " + workloads::shape_string(s));
      const bool trans_b = gemm && attr_int(n, "transB", 0) != 0;
      const std::int64_t in_f = trans_b ? w->dims[1] : w->dims[0], out_f = trans_b ? w->dims[0] : w->dims[1];
      if (in_f != s[0]) fail(n, "B takes " + std::to_string(in_f) + " features, the input has " + std::to_string(s[0]));
      std::vector<float> wt(w->f.size());
      for (std::int64_t o = 0; o < out_f; ++o) {
        for (std::int64_t i = 0; i < in_f; ++i) {
          wt[static_cast<std::size_t>(o * in_f + i)] =
              trans_b ? w->f[static_cast<std::size_t>(o * in_f + i)] : w->f[static_cast<std::size_t>(i * out_f + o)];
        }
      }
      L.kind = LayerKind::Linear;
      L.in_features = in_f;
      L.out_features = out_f;
      L.weight = weight(out + ".weight", {out_f, in_f}, wt);
      if (gemm && n.input_size() > 2 && !n.input(2).empty()) {
        const Constant* b = constant(n.input(2));
        if (b == nullptr || b->f.size() != static_cast<std::size_t>(out_f))
          fail(n, "expected a float initializer C of " + std::to_string(out_f) + " values");
        L.bias = weight(out + ".bias", {out_f}, b->f);
      }
      add(L, out, {out_f});
    } else if (op == "Add") {
      if (const Constant* b = constant(n.input(1))) {
        // A bias after MatMul: folded into the linear layer.
        Layer* lin = nullptr;
        for (auto& l : net_.layers) lin = l.name == in ? &l : lin;
        if (lin == nullptr || lin->kind != LayerKind::Linear || !lin->bias.empty() ||
            b->f.size() != static_cast<std::size_t>(lin->out_features))
          fail(n, "adding a constant is supported only as the bias of a MatMul");
        lin->bias = weight(lin->name + ".bias", {lin->out_features}, b->f);
        alias_[out] = in;
        shape_[out] = s;
        return;
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
      window(n, {static_cast<int>(k[0]), static_cast<int>(k[1])}, L);
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
        const Constant* shape = n.input_size() > 1 ? constant(n.input(1)) : nullptr;
        std::int64_t features = 1;
        for (auto d : s) features *= d;
        const bool to_rows = shape != nullptr && shape->i.size() == 2 &&
                             (shape->i[1] == -1 || shape->i[1] == features) &&
                             (shape->i[0] == -1 || shape->i[0] == 0 || shape->i[0] == 1);
        if (!to_rows) fail(n, "only a reshape to [N, -1] (a flatten) is supported");
      }
      if (s.size() == 1) {  // already flat
        alias_[out] = in;
        shape_[out] = s;
        return;
      }
      L.kind = LayerKind::Flatten;
      add(L, out, {s[0] * s[1] * s[2]});
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
           "GlobalAveragePool, Flatten, Reshape to [N, -1], BatchNormalization, Identity, Dropout, Constant)");
    }
  }

  std::string path_;
  const onnx::ModelProto& model_;
  std::int64_t opset_ = 0;
  workloads::Network net_;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::string> alias_;  ///< ONNX value -> xbarsim tensor
  std::map<std::string, Shape> shape_;        ///< xbarsim tensor (and ONNX aliases) -> per-sample shape
};

}  // namespace

workloads::Network import_onnx(const std::string& path, const std::string& name, const std::string& weights_file) {
  const std::string bytes = workloads::read_file(path);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes)) throw make_error(path, "not an ONNX model (the protobuf does not parse)");
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw make_error(path, std::string("the ONNX checker rejects it: ") + e.what());
  }
  return Importer(path, model).run(name, weights_file);
}

}  // namespace xbarsim::onnx_import
