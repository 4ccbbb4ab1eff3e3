#include "onnx/exporter.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <map>

#include "common/error.hpp"
#include "workloads/io.hpp"

namespace xbarsim::onnx_import {

namespace {

using workloads::Layer;
using workloads::LayerKind;

constexpr int kOpset = 13;

class Exporter {
 public:
  explicit Exporter(const workloads::Network& net) : net_(net), g_(model_.mutable_graph()) {}

  onnx::ModelProto run() {
    model_.set_ir_version(8);
    model_.set_producer_name("xbarsim");
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(kOpset);
    g_->set_name(net_.name);
    const auto doc = workloads::to_json(net_);
    meta("xbarsim.dataset", doc.at("dataset").dump());
    meta("xbarsim.metadata", doc.contains("metadata") ? doc.at("metadata").dump() : "{}");
    const bool integer = net_.is_quantized();
    if (integer) meta("xbarsim.rounding", net_.input_quantization->ties_to_even ? "half_even" : "half_up");
    value_info(g_->add_input(), net_.input_name, net_.input_shape);
    value_[net_.input_name] = net_.input_name;
    if (integer) {
      const auto& iq = *net_.input_quantization;
      if (iq.input_bits != 8) fail("input", "QDQ export needs 8-bit inputs, found " + std::to_string(iq.input_bits));
      exp_[net_.input_name] = iq.input_scale_exp;
      signed_[net_.input_name] = iq.input_signed;
      value_[net_.input_name] = quantize(net_.input_name, iq.input_scale_exp, iq.input_signed, "input");
    }
    for (const auto& L : net_.layers) layer(L, integer);
    auto* out = g_->add_output();
    value_info(out, value_.at(net_.output), net_.shape_of(net_.output));
    return std::move(model_);
  }

 private:
  [[noreturn]] void fail(const std::string& layer, const std::string& what) const {
    throw Error("ONNX export of '" + net_.name + "': " + layer + ": " + what);
  }

  void meta(const std::string& key, const std::string& value) {
    auto* p = model_.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }

  static void value_info(onnx::ValueInfoProto* v, const std::string& name, const workloads::Shape& s) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : s) t->mutable_shape()->add_dim()->set_dim_value(d);
  }

  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::string& out,
                        const std::string& name) {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  static void ints(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void int_attr(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }

  std::string init_float(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& v) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
    return name;
  }
  std::string init_ints(const std::string& name, const std::vector<std::int64_t>& dims,
                        const std::vector<std::int64_t>& v, int type) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (auto d : dims) t->add_dims(d);
    // Raw little-endian bytes: one byte per INT8/UINT8 code (int32_data would spend a varint each).
    std::string raw;
    for (auto x : v) {
      if (type == onnx::TensorProto::INT64) {
        raw.append(reinterpret_cast<const char*>(&x), sizeof x);
      } else if (type == onnx::TensorProto::INT32) {
        const auto y = static_cast<std::int32_t>(x);
        raw.append(reinterpret_cast<const char*>(&y), sizeof y);
      } else {
        raw.push_back(static_cast<char>(static_cast<std::uint8_t>(x)));
      }
    }
    t->set_raw_data(raw);
    return name;
  }
  std::string scale(const std::string& name, const std::vector<int>& exps) {
    std::vector<float> s;
    for (int e : exps) s.push_back(std::ldexp(1.0F, e));
    return init_float(name,
                      exps.size() == 1 ? std::vector<std::int64_t>{}
                                       : std::vector<std::int64_t>{static_cast<std::int64_t>(exps.size())},
                      s);
  }
  std::string zero(const std::string& name, std::size_t n, int type) {
    return init_ints(name,
                     n == 1 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{static_cast<std::int64_t>(n)},
                     std::vector<std::int64_t>(n, 0), type);
  }

  /// Q + DQ of `value` at 2^exp (int8 or uint8); returns the DQ output.
  std::string quantize(const std::string& value, int exp, bool is_signed, const std::string& name) {
    const std::string s = scale(name + ".q.scale", {exp});
    const std::string z = zero(name + ".q.zero", 1, is_signed ? onnx::TensorProto::INT8 : onnx::TensorProto::UINT8);
    node("QuantizeLinear", {value, s, z}, name + ".q", name + ".quantize");
    node("DequantizeLinear", {name + ".q", s, z}, name + ".dq", name + ".dequantize");
    return name + ".dq";
  }

  /// The QDQ type of a layer's codes: its output bits and range (unsigned when only ReLUs read it).
  bool output_signed(const Layer& L) const {
    const int bits = *L.quantization->output_bits;
    const bool relu_only = net_.read_only_by_relu(L.name);
    if (relu_only && bits == 8) return false;  // uint8 [0, 255]
    if (relu_only && bits == 7) return true;   // int8 read by ReLUs: [0, 127]
    if (!relu_only && bits == 8) return true;  // int8 [-128, 127]
    fail(L.name, std::to_string(bits) + "-bit " + (relu_only ? "unsigned" : "signed") +
                     " outputs have no QDQ form (8 bits, or 7 bits read only by ReLUs)");
  }

  std::vector<float> floats(const std::string& tensor) const {
    const auto v = net_.tensor(tensor).to_double();
    return {v.begin(), v.end()};
  }

  void weights(const Layer& L, bool integer, std::vector<std::string>& inputs) {
    const std::string wname = L.name + ".weight", bname = L.name + ".bias";
    const auto& wshape = net_.tensor(integer ? L.quantization->weight : L.weight).shape();
    if (!integer) {
      inputs.push_back(init_float(wname, wshape, floats(L.weight)));
      if (!L.bias.empty()) inputs.push_back(init_float(bname, {wshape[0]}, floats(L.bias)));
      return;
    }
    const auto& q = *L.quantization;
    const auto codes = net_.tensor(q.weight).to_double();
    std::vector<std::int64_t> c(codes.begin(), codes.end());
    for (auto v : c) {
      if (v < -128 || v > 127) fail(L.name, "weight code " + std::to_string(v) + " does not fit int8");
    }
    const std::size_t channels = q.weight_scale_exp.size();
    init_ints(wname + "_q", wshape, c, onnx::TensorProto::INT8);
    auto* dq = node("DequantizeLinear",
                    {wname + "_q", scale(wname + ".scale", q.weight_scale_exp),
                     zero(wname + ".zero", channels, onnx::TensorProto::INT8)},
                    wname, wname + ".dequantize");
    if (channels > 1) int_attr(dq, "axis", 0);
    inputs.push_back(wname);
    if (!q.bias.empty()) {
      const auto b = net_.tensor(q.bias).to_double();
      const int in_exp = exp_.at(L.inputs[0]);
      std::vector<int> bexp;
      for (std::int64_t k = 0; k < wshape[0]; ++k) bexp.push_back(in_exp + q.weight_exp(k));
      init_ints(bname + "_q", {wshape[0]}, std::vector<std::int64_t>(b.begin(), b.end()), onnx::TensorProto::INT32);
      auto* bdq = node(
          "DequantizeLinear",
          {bname + "_q", scale(bname + ".scale", bexp), zero(bname + ".zero", bexp.size(), onnx::TensorProto::INT32)},
          bname, bname + ".dequantize");
      int_attr(bdq, "axis", 0);
      inputs.push_back(bname);
    }
  }

  void layer(const Layer& L, bool integer) {
    std::vector<std::string> in;
    for (const auto& i : L.inputs) in.push_back(value_.at(i));
    const std::string& out = L.name;
    const int in_exp = integer ? exp_.at(L.inputs[0]) : 0;
    int out_exp = in_exp;
    switch (L.kind) {
      case LayerKind::Conv2d: {
        weights(L, integer, in);
        auto* n = node("Conv", in, out, L.name);
        ints(n, "kernel_shape", {L.kernel_size[0], L.kernel_size[1]});
        ints(n, "strides", {L.stride[0], L.stride[1]});
        ints(n, "pads", {L.padding[0], L.padding[1], L.padding[0], L.padding[1]});
        break;
      }
      case LayerKind::Linear: {
        weights(L, integer, in);
        int_attr(node("Gemm", in, out, L.name), "transB", 1);
        break;
      }
      case LayerKind::Relu: node("Relu", in, out, L.name); break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: {
        const bool max = L.kind == LayerKind::MaxPool2d;
        auto* n = node(max ? "MaxPool" : "AveragePool", in, out, L.name);
        ints(n, "kernel_shape", {L.kernel_size[0], L.kernel_size[1]});
        ints(n, "strides", {L.stride[0], L.stride[1]});
        ints(n, "pads", {L.padding[0], L.padding[1], L.padding[0], L.padding[1]});
        if (!max) int_attr(n, "count_include_pad", 1);
        break;
      }
      case LayerKind::Flatten: int_attr(node("Flatten", in, out, L.name), "axis", 1); break;
      case LayerKind::Add: node("Add", in, out, L.name); break;
      case LayerKind::Slice: {
        const auto& s = net_.shape_of(L.inputs[0]);
        std::vector<std::int64_t> ends;
        for (int a = 0; a < 3; ++a) ends.push_back(std::min(L.end[a], s[static_cast<std::size_t>(a)]));
        in.push_back(
            init_ints(L.name + ".starts", {3}, {L.begin[0], L.begin[1], L.begin[2]}, onnx::TensorProto::INT64));
        in.push_back(init_ints(L.name + ".ends", {3}, ends, onnx::TensorProto::INT64));
        in.push_back(init_ints(L.name + ".axes", {3}, {1, 2, 3}, onnx::TensorProto::INT64));
        in.push_back(init_ints(L.name + ".steps", {3}, {L.step[0], L.step[1], L.step[2]}, onnx::TensorProto::INT64));
        node("Slice", in, out, L.name);
        break;
      }
      case LayerKind::Pad: {
        in.push_back(init_ints(
            L.name + ".pads", {8},
            {0, L.pad_before[0], L.pad_before[1], L.pad_before[2], 0, L.pad_after[0], L.pad_after[1], L.pad_after[2]},
            onnx::TensorProto::INT64));
        auto* n = node("Pad", in, out, L.name);
        auto* a = n->add_attribute();
        a->set_name("mode");
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s("constant");
        break;
      }
      case LayerKind::BatchNorm: fail(L.name, "batch norm must be folded before export");
    }
    value_[L.name] = out;
    if (!integer) return;
    const bool rescaled = (L.has_weights() || L.kind == LayerKind::Add) && L.quantization->output_bits;
    const bool is_signed = rescaled                    ? output_signed(L)
                           : L.has_weights()           ? true
                           : L.kind == LayerKind::Relu ? false
                                                       : signed_[L.inputs[0]];
    if (rescaled) {
      out_exp = *L.quantization->output_scale_exp;
      value_[L.name] = quantize(out, out_exp, is_signed, L.name);
    } else if (L.kind == LayerKind::AvgPool2d) {
      // The contract rounds an average onto its input's grid; QDQ says so with a Q + DQ.
      value_[L.name] = quantize(out, out_exp, is_signed, L.name);
    } else if (L.has_weights() && L.name != net_.output) {
      fail(L.name, "raw accumulators inside the network have no QDQ form");
    }
    exp_[L.name] = out_exp;
    signed_[L.name] = is_signed;
  }

  const workloads::Network& net_;
  onnx::ModelProto model_;
  onnx::GraphProto* g_;
  std::map<std::string, std::string> value_;  ///< xbarsim tensor -> the ONNX value that carries it
  std::map<std::string, int> exp_;            ///< integer: power-of-two scale of every tensor
  std::map<std::string, bool> signed_;        ///< integer: int8 (true) or uint8 codes
};

}  // namespace

void export_onnx(const workloads::Network& net, const std::string& path) {
  auto model = Exporter(net).run();
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw make_error(path, std::string("internal error: the exported model fails the ONNX checker: ") + e.what());
  }
  workloads::write_file_atomic(path, model.SerializeAsString());
}

}  // namespace xbarsim::onnx_import
