// Writes small ONNX models into a folder, the seed corpus of fuzz_onnx (scripts/fuzz.sh): one model
// per importer path (Conv with pads and strides, batch norm, pooling, a residual Add, Gemm, MatMul +
// Add after a Reshape, QDQ pairs, Pad, Slice, Constant, Identity, Dropout; float_data and raw_data
// initializers). A few hundred bytes each, where the shipped models are 70 KB to 1.7 MB, so that the
// fuzzer mutates the graph rather than weight bytes and runs tens of times more inputs per second.
// Each model is imported once here and the outcome printed: a seed that no longer imports shows up.
// Usage: make_onnx_seeds <folder>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "onnx/importer.hpp"

namespace {

struct Model {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit Model(const std::vector<std::int64_t>& shape) : g(m.mutable_graph()) {
    m.set_ir_version(8);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(13);
    g->set_name("seed");
    auto* t = g->add_input();
    t->set_name("x");
    auto* tt = t->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : shape) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
  /// A float initializer with values 0.1 k - 0.3 (k = 0, 1, ...), in float_data or raw_data.
  void init(const std::string& name, const std::vector<std::int64_t>& dims, bool raw = false) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t n = 1;
    for (auto d : dims) {
      t->add_dims(d);
      n *= d;
    }
    std::string bytes;
    for (std::int64_t k = 0; k < n; ++k) {
      const float v = 0.1F * static_cast<float>(k % 7) - 0.3F;
      if (raw) {
        char b[sizeof v];
        std::memcpy(b, &v, sizeof v);
        bytes.append(b, sizeof v);
      } else {
        t->add_float_data(v);
      }
    }
    if (raw) t->set_raw_data(bytes);
  }
  void scalar(const std::string& name, float v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    t->add_float_data(v);
  }
  /// An int8 initializer with values k % 5 - 2.
  void int8(const std::string& name, const std::vector<std::int64_t>& dims) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT8);
    std::int64_t n = 1;
    for (auto d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (std::int64_t k = 0; k < n; ++k) t->add_int32_data(static_cast<int>(k % 5) - 2);
  }
  void ints(const std::string& name, const std::vector<std::int64_t>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<std::int64_t>(v.size()));
    for (auto x : v) t->add_int64_data(x);
  }
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& in, const std::string& out) {
    auto* n = g->add_node();
    n->set_op_type(op);
    n->set_name(out);
    for (const auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  static void attr(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void attr(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  void output(const std::string& name, const std::vector<std::int64_t>& dims) {
    auto* o = g->add_output();
    o->set_name(name);
    auto* tt = o->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(onnx::TensorProto::FLOAT);
    tt->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : dims) tt->mutable_shape()->add_dim()->set_dim_value(d);
  }
};

/// Conv (pads, strides) -> BatchNormalization -> Relu -> MaxPool -> Flatten -> Gemm (transB).
Model cnn() {
  Model b({1, 6, 6});
  b.init("w", {2, 1, 3, 3});
  b.init("bias", {2});
  b.init("g", {2});
  b.init("be", {2});
  b.init("m", {2});
  b.ints("unused", {1});
  auto* c = b.node("Conv", {"x", "w", "bias"}, "c");
  Model::attr(c, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  Model::attr(c, "kernel_shape", std::vector<std::int64_t>{3, 3});
  auto* v = b.g->add_initializer();
  v->set_name("v");
  v->set_data_type(onnx::TensorProto::FLOAT);
  v->add_dims(2);
  v->add_float_data(0.5F);
  v->add_float_data(2.0F);
  b.node("BatchNormalization", {"c", "g", "be", "m", "v"}, "bn");
  b.node("Relu", {"bn"}, "r");
  auto* p = b.node("MaxPool", {"r"}, "p");
  Model::attr(p, "kernel_shape", std::vector<std::int64_t>{2, 2});
  Model::attr(p, "strides", std::vector<std::int64_t>{2, 2});
  b.node("Flatten", {"p"}, "f");
  b.init("fw", {3, 18}, true);
  b.init("fb", {3});
  auto* fc = b.node("Gemm", {"f", "fw", "fb"}, "y");
  Model::attr(fc, "transB", std::int64_t{1});
  b.output("y", {3});
  return b;
}

/// Conv -> Relu -> Conv (stride 1, pad 1) -> Add (skip) -> Relu -> Dropout -> GlobalAveragePool ->
/// Flatten -> Gemm.
Model residual() {
  Model b({2, 4, 4});
  b.init("w1", {2, 2, 3, 3}, true);
  b.init("w2", {2, 2, 3, 3});
  auto* c1 = b.node("Conv", {"x", "w1"}, "c1");
  Model::attr(c1, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c1"}, "r1");
  auto* c2 = b.node("Conv", {"r1", "w2"}, "c2");
  Model::attr(c2, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  Model::attr(c2, "strides", std::vector<std::int64_t>{1, 1});
  b.node("Add", {"c2", "x"}, "a");
  b.node("Relu", {"a"}, "r2");
  b.node("Dropout", {"r2"}, "d");
  b.node("GlobalAveragePool", {"d"}, "gap");
  b.node("Flatten", {"gap"}, "f");
  b.init("fw", {2, 2});
  b.node("Gemm", {"f", "fw"}, "y");
  b.output("y", {2});
  return b;
}

/// Reshape [1, -1] -> MatMul -> Add -> Relu -> Identity.
Model mlp() {
  Model b({1, 2, 2});
  b.ints("shape", {1, -1});
  b.node("Reshape", {"x", "shape"}, "flat");
  b.init("B", {4, 3}, true);
  b.init("c", {3});
  b.node("MatMul", {"flat", "B"}, "mm");
  b.node("Add", {"mm", "c"}, "s");
  b.node("Relu", {"s"}, "r");
  b.node("Identity", {"r"}, "y");
  b.output("y", {3});
  return b;
}

/// QDQ: the input and the weights through QuantizeLinear / DequantizeLinear pairs (power-of-two
/// scales, int8 weights), then Conv -> Relu -> QDQ -> AveragePool -> Flatten -> Gemm.
Model qdq() {
  Model b({1, 4, 4});
  b.scalar("s_in", 0.0625F);
  b.node("QuantizeLinear", {"x", "s_in"}, "xq");
  b.node("DequantizeLinear", {"xq", "s_in"}, "xd");
  b.int8("wq", {2, 1, 3, 3});
  b.scalar("s_w", 0.125F);
  b.node("DequantizeLinear", {"wq", "s_w"}, "w");
  auto* c = b.node("Conv", {"xd", "w"}, "c");
  Model::attr(c, "pads", std::vector<std::int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c"}, "r");
  b.scalar("s_a", 0.25F);
  b.node("QuantizeLinear", {"r", "s_a"}, "rq");
  b.node("DequantizeLinear", {"rq", "s_a"}, "rd");
  auto* p = b.node("AveragePool", {"rd"}, "p");
  Model::attr(p, "kernel_shape", std::vector<std::int64_t>{2, 2});
  Model::attr(p, "strides", std::vector<std::int64_t>{2, 2});
  b.node("Flatten", {"p"}, "f");
  b.int8("fq", {2, 8});
  b.node("DequantizeLinear", {"fq", "s_w"}, "fw");
  auto* fc = b.node("Gemm", {"f", "fw"}, "y");
  Model::attr(fc, "transB", std::int64_t{1});
  b.output("y", {2});
  return b;
}

/// Constant -> Pad (zeros) -> Conv -> Slice (channels) -> Flatten -> Gemm.
Model pad_slice() {
  Model b({1, 3, 3});
  auto* k = b.node("Constant", {}, "pads");
  auto* a = k->add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  auto* t = a->mutable_t();
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(8);
  for (auto v : {0, 0, 1, 1, 0, 0, 1, 1}) t->add_int64_data(v);
  b.node("Pad", {"x", "pads"}, "xp");
  b.init("w", {4, 1, 3, 3});
  b.node("Conv", {"xp", "w"}, "c");
  b.ints("starts", {0});
  b.ints("ends", {2});
  b.ints("axes", {1});
  b.node("Slice", {"c", "starts", "ends", "axes"}, "s");
  b.node("Flatten", {"s"}, "f");
  b.init("fw", {2, 18});
  auto* fc = b.node("Gemm", {"f", "fw"}, "y");
  Model::attr(fc, "transB", std::int64_t{1});
  b.output("y", {2});
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_onnx_seeds <folder>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::pair<const char*, Model> models[] = {
      {"cnn", cnn()}, {"residual", residual()}, {"mlp", mlp()}, {"qdq", qdq()}, {"pad_slice", pad_slice()},
  };
  for (const auto& [name, model] : models) {
    const std::string path = dir + "/seed_small_" + name + ".onnx";
    const std::string bytes = model.m.SerializeAsString();
    std::ofstream(path, std::ios::binary) << bytes;
    std::string outcome = "imports";
    try {
      (void)xbarsim::onnx_import::import_onnx(path, name, std::string(name) + ".safetensors");
    } catch (const xbarsim::Error& e) {
      outcome = std::string("refused: ") + e.what();
    }
    std::printf("make_onnx_seeds: %s (%zu bytes): %s\n", path.c_str(), bytes.size(), outcome.c_str());
  }
  return 0;
}
