// ONNX import: models built here with the ONNX protobuf API (the operators' semantics written
// out by hand: pads, strides, transB, batch norm, global average pooling, MatMul + Add) import
// into the workload a user would write for them, node by node, and compute the same outputs;
// unsupported or malformed models are named errors; `xbarsim import` then `eval` end to end.
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <fstream>
#include <random>

#include "common/error.hpp"
#include "onnx/importer.hpp"
#include "sim/reference.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"
#include "workloads/network.hpp"

namespace xbarsim::onnx_import {
namespace {

using testing_support::message_of;

using testing_support::TempDir;

std::vector<float> random_values(std::size_t n, std::mt19937_64& rng, float scale) {
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

/// A model under construction: input [1, shape...], nodes in order, float initializers.
struct Builder {
  onnx::ModelProto m;
  onnx::GraphProto* g;
  explicit Builder(const std::vector<std::int64_t>& shape, int opset = 13) : g(m.mutable_graph()) {
    m.set_ir_version(8);
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    g->set_name("test");
    auto* in = g->add_input();
    in->set_name("x");
    auto* t = in->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : shape) t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  void init(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& v) {
    auto* t = g->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (auto d : dims) t->add_dims(d);
    for (float x : v) t->add_float_data(x);
  }
  void init_i64(const std::string& name, const std::vector<std::int64_t>& v) {
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
  static void ints(onnx::NodeProto* n, const std::string& name, const std::vector<std::int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto x : v) a->add_ints(x);
  }
  static void integer(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  /// The graph output [N, dims...] (the checker wants its shape).
  void output(const std::string& name, const std::vector<std::int64_t>& dims) {
    auto* o = g->add_output();
    o->set_name(name);
    auto* t = o->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    t->mutable_shape()->add_dim()->set_dim_param("N");
    for (auto d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  }
  std::string save(const TempDir& dir, const std::string& file) const {
    const std::string p = dir.file(file);
    std::ofstream(p, std::ios::binary) << m.SerializeAsString();
    return p;
  }
};

TEST(OnnxImport, AResidualCnnImportsAsTheNetworkOneWouldWriteForIt) {
  // x [2, 6, 6] -> Conv 2->3 3x3 pad 1 -> BatchNorm -> Relu -> MaxPool 2 -> Conv 3->3 3x3 pad 1 ->
  // Add (skip from the pool) -> Relu -> Dropout -> GlobalAveragePool -> Flatten -> Gemm(transB) 3->4.
  std::mt19937_64 rng(3);
  Builder b({2, 6, 6});
  const auto w1 = random_values(3 * 2 * 9, rng, 0.5F), b1 = random_values(3, rng, 0.1F);
  const auto w2 = random_values(3 * 3 * 9, rng, 0.5F), b2 = random_values(3, rng, 0.1F);
  const std::vector<float> gamma{1.5F, 0.5F, 1.0F}, beta{0.1F, -0.2F, 0.0F}, mean{0.2F, -0.1F, 0.3F},
      var{0.5F, 2.0F, 1.0F};
  const auto w3 = random_values(4 * 3, rng, 0.5F), b3 = random_values(4, rng, 0.1F);
  b.init("w1", {3, 2, 3, 3}, w1);
  b.init("b1", {3}, b1);
  b.init("w2", {3, 3, 3, 3}, w2);
  b.init("b2", {3}, b2);
  b.init("g", {3}, gamma);
  b.init("be", {3}, beta);
  b.init("m", {3}, mean);
  b.init("v", {3}, var);
  b.init("w3", {4, 3}, w3);
  b.init("b3", {4}, b3);
  auto* c1 = b.node("Conv", {"x", "w1", "b1"}, "c1");
  Builder::ints(c1, "pads", {1, 1, 1, 1});
  Builder::ints(c1, "kernel_shape", {3, 3});
  b.node("BatchNormalization", {"c1", "g", "be", "m", "v"}, "bn");
  b.node("Relu", {"bn"}, "r1");
  auto* p1 = b.node("MaxPool", {"r1"}, "p1");
  Builder::ints(p1, "kernel_shape", {2, 2});
  Builder::ints(p1, "strides", {2, 2});
  auto* c2 = b.node("Conv", {"p1", "w2", "b2"}, "c2");
  Builder::ints(c2, "pads", {1, 1, 1, 1});
  b.node("Add", {"c2", "p1"}, "a");
  b.node("Relu", {"a"}, "r2");
  b.node("Dropout", {"r2"}, "d");
  b.node("GlobalAveragePool", {"d"}, "gap");
  b.node("Flatten", {"gap"}, "f");
  auto* fc = b.node("Gemm", {"f", "w3", "b3"}, "y");
  Builder::integer(fc, "transB", 1);
  b.output("y", {4});
  TempDir dir;
  const auto net = import_onnx(b.save(dir, "m.onnx"), "m", "m.safetensors");

  // The same network in xbarsim's own terms, batch norm folded by hand:
  // w' = w g / sqrt(v + eps), b' = (b - m) g / sqrt(v + eps) + beta.
  workloads::Network want;
  want.name = "want";
  want.input_shape = {2, 6, 6};
  want.weights_file = "want.safetensors";
  auto add = [&](workloads::Layer L) { want.layers.push_back(std::move(L)); };
  std::vector<float> f1 = w1, fb1(3);
  for (int c = 0; c < 3; ++c) {
    const float s = gamma[c] / std::sqrt(var[c] + 1e-5F);
    for (int k = 0; k < 18; ++k) f1[static_cast<std::size_t>(c * 18 + k)] *= s;
    fb1[static_cast<std::size_t>(c)] = (b1[c] - mean[c]) * s + beta[c];
  }
  want.tensors["c1.w"] = workloads::Tensor::from<float>({3, 2, 3, 3}, f1);
  want.tensors["c1.b"] = workloads::Tensor::from<float>({3}, fb1);
  want.tensors["c2.w"] = workloads::Tensor::from<float>({3, 3, 3, 3}, w2);
  want.tensors["c2.b"] = workloads::Tensor::from<float>({3}, b2);
  want.tensors["fc.w"] = workloads::Tensor::from<float>({4, 3}, w3);
  want.tensors["fc.b"] = workloads::Tensor::from<float>({4}, b3);
  using K = workloads::LayerKind;
  workloads::Layer L;
  L = {};
  L.name = "c1", L.kind = K::Conv2d, L.inputs = {"input"}, L.in_channels = 2, L.out_channels = 3;
  L.kernel_size = {3, 3}, L.padding = {1, 1}, L.weight = "c1.w", L.bias = "c1.b";
  add(L);
  L = {};
  L.name = "r1", L.kind = K::Relu, L.inputs = {"c1"};
  add(L);
  L = {};
  L.name = "p1", L.kind = K::MaxPool2d, L.inputs = {"r1"}, L.kernel_size = {2, 2}, L.stride = {2, 2};
  add(L);
  L = {};
  L.name = "c2", L.kind = K::Conv2d, L.inputs = {"p1"}, L.in_channels = 3, L.out_channels = 3;
  L.kernel_size = {3, 3}, L.padding = {1, 1}, L.weight = "c2.w", L.bias = "c2.b";
  add(L);
  L = {};
  L.name = "a", L.kind = K::Add, L.inputs = {"c2", "p1"};
  add(L);
  L = {};
  L.name = "r2", L.kind = K::Relu, L.inputs = {"a"};
  add(L);
  L = {};
  L.name = "gap", L.kind = K::AvgPool2d, L.inputs = {"r2"}, L.kernel_size = {3, 3}, L.stride = {3, 3};
  add(L);
  L = {};
  L.name = "f", L.kind = K::Flatten, L.inputs = {"gap"};
  add(L);
  L = {};
  L.name = "fc", L.kind = K::Linear, L.inputs = {"f"}, L.in_features = 3, L.out_features = 4;
  L.weight = "fc.w", L.bias = "fc.b";
  add(L);
  workloads::validate_and_infer(want, "want");

  EXPECT_EQ(net.input_shape, (workloads::Shape{2, 6, 6}));
  ASSERT_EQ(net.layers.size(), want.layers.size());  // batch norm folded, dropout removed
  for (std::size_t i = 0; i < want.layers.size(); ++i) EXPECT_EQ(net.layers[i].kind, want.layers[i].kind) << i;
  const sim::ReferenceEngine got_e(net, sim::Precision::Float), want_e(want, sim::Precision::Float);
  const Eigen::MatrixXf x = Eigen::MatrixXf::Random(72, 5);
  const Eigen::MatrixXd got = got_e.forward(x), exp = want_e.forward(x);
  ASSERT_EQ(got.rows(), 4);
  EXPECT_LT((got - exp).cwiseAbs().maxCoeff(), 1e-5 * (1 + exp.cwiseAbs().maxCoeff()));
  // Saved and loaded back, the workload is the same.
  workloads::save_network(net, dir.file("m.json"));
  const auto back = workloads::load_network(dir.file("m.json"));
  const Eigen::MatrixXd again = sim::ReferenceEngine(back, sim::Precision::Float).forward(x);
  EXPECT_EQ(again, got);
}

TEST(OnnxImport, MatMulPlusAddAndReshapeToRowsBecomeALinearLayerAfterAFlatten) {
  // x [1, 2, 2] -> Reshape [1, -1] -> MatMul B [4, 3] (no transpose) -> Add c [3].
  Builder b({1, 2, 2});
  const std::vector<float> B{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, c{0.5F, -1, 2};
  b.init("B", {4, 3}, B);
  b.init("c", {3}, c);
  b.init_i64("shape", {1, -1});
  b.node("Reshape", {"x", "shape"}, "flat");
  b.node("MatMul", {"flat", "B"}, "mm");
  b.node("Add", {"mm", "c"}, "y");
  b.output("y", {3});
  TempDir dir;
  const auto net = import_onnx(b.save(dir, "mm.onnx"), "mm", "mm.safetensors");
  ASSERT_EQ(net.layers.size(), 2U);
  EXPECT_EQ(net.layers[1].kind, workloads::LayerKind::Linear);
  // y = x^T B + c, worked out for x = (1, 0, -1, 2): row 0 - row 2 + 2 row 3 + c.
  Eigen::MatrixXf x(4, 1);
  x << 1, 0, -1, 2;
  const Eigen::MatrixXd y = sim::ReferenceEngine(net, sim::Precision::Float).forward(x);
  EXPECT_NEAR(y(0), 1 - 7 + 2 * 10 + 0.5, 1e-5);
  EXPECT_NEAR(y(1), 2 - 8 + 2 * 11 - 1, 1e-5);
  EXPECT_NEAR(y(2), 3 - 9 + 2 * 12 + 2, 1e-5);
}

TEST(OnnxImport, WhatCannotBeImportedIsNamed) {
  TempDir dir;
  {
    Builder b({4});
    b.node("Sigmoid", {"x"}, "s");
    b.output("s", {4});
    const auto m = message_of([&] { import_onnx(b.save(dir, "a.onnx"), "a", "a.safetensors"); });
    EXPECT_NE(m.find("a.onnx: node 's' (Sigmoid, opset 13): not supported"), std::string::npos) << m;
  }
  {
    std::mt19937_64 rng(1);
    Builder b({4, 5, 5});
    b.init("w", {4, 2, 3, 3}, random_values(72, rng, 1));
    auto* c = b.node("Conv", {"x", "w"}, "c");
    Builder::integer(c, "group", 2);
    b.output("c", {4, 3, 3});
    const auto m = message_of([&] { import_onnx(b.save(dir, "g.onnx"), "g", "g.safetensors"); });
    EXPECT_NE(m.find("node 'c' (Conv, opset 13): group 2, expected 1"), std::string::npos) << m;
  }
  {
    std::mt19937_64 rng(1);
    Builder b({2, 5, 5});
    b.init("w", {2, 2, 3, 3}, random_values(36, rng, 1));
    auto* c = b.node("Conv", {"x", "w"}, "c");
    Builder::ints(c, "pads", {1, 1, 0, 0});
    b.output("c", {2, 4, 4});
    const auto m = message_of([&] { import_onnx(b.save(dir, "p.onnx"), "p", "p.safetensors"); });
    EXPECT_NE(m.find("asymmetric pads [1, 1, 0, 0] are not supported"), std::string::npos) << m;
  }
  {
    // A kernel of 2^32 + 2 would wrap to 2 in a 32-bit int: the 64-bit value is checked.
    Builder b({1, 6, 6});
    auto* p = b.node("MaxPool", {"x"}, "p");
    Builder::ints(p, "kernel_shape", {(std::int64_t{1} << 32) + 2, 2});
    Builder::ints(p, "strides", {2, 2});
    b.output("p", {1, 3, 3});
    const auto m = message_of([&] { import_onnx(b.save(dir, "k.onnx"), "k", "k.safetensors"); });
    EXPECT_NE(m.find("kernel size 4294967298, expected 1 to 2^20"), std::string::npos) << m;
  }
  {
    Builder b({4}, 9);
    b.node("Relu", {"x"}, "r");
    b.output("r", {4});
    const auto m = message_of([&] { import_onnx(b.save(dir, "o.onnx"), "o", "o.safetensors"); });
    EXPECT_NE(m.find("opset 9 of the default domain, expected 11..17"), std::string::npos) << m;
  }
  std::ofstream(dir.file("junk.onnx"), std::ios::binary) << "\x08\x01 this is not a protobuf \xff\xff\xff";
  const auto m = message_of([&] { import_onnx(dir.file("junk.onnx"), "j", "j.safetensors"); });
  EXPECT_NE(m.find("junk.onnx: "), std::string::npos) << m;
  EXPECT_NE(message_of([&] { import_onnx(dir.file("missing.onnx"), "j", "j.safetensors"); }).find("missing.onnx"),
            std::string::npos);
}

TEST(OnnxImport, TheCommandWritesAWorkloadThatEvaluates) {
  // 1x28x28 (Fashion-MNIST) -> Conv 1->2 3x3 -> Relu -> MaxPool 2 -> Flatten -> Gemm 338->10.
  std::mt19937_64 rng(9);
  Builder b({1, 28, 28});
  b.init("w", {2, 1, 3, 3}, random_values(18, rng, 0.5F));
  b.init("fw", {10, 338}, random_values(3380, rng, 0.1F));
  b.node("Conv", {"x", "w"}, "c");
  b.node("Relu", {"c"}, "r");
  auto* p = b.node("MaxPool", {"r"}, "p");
  Builder::ints(p, "kernel_shape", {2, 2});
  Builder::ints(p, "strides", {2, 2});
  b.node("Flatten", {"p"}, "f");
  auto* g = b.node("Gemm", {"f", "fw"}, "y");
  Builder::integer(g, "transB", 1);
  b.output("y", {10});
  TempDir dir;
  const std::string model = b.save(dir, "small.onnx");
  const auto r = testing_support::run_cli(XBARSIM_CLI, "import " + model + " -o " + dir.file("small.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("5 layers"), std::string::npos) << r.output;
  const auto e = testing_support::run_cli(XBARSIM_CLI, "eval " + dir.file("small.json") + " --limit 20");
  EXPECT_EQ(e.status, 0) << e.output;
  const auto bad =
      testing_support::run_cli(XBARSIM_CLI, "import " + dir.file("nope.onnx") + " -o " + dir.file("n.json"));
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_FALSE(std::filesystem::exists(dir.file("n.json")));
}

TEST(OnnxImport, BadModelsAreOneLineAndExitStatus2FromEveryCommand) {
  TempDir dir;
  std::ofstream(dir.file("junk.onnx"), std::ios::binary) << "\x08\x01 not a protobuf \xff\xff";
  Builder s({4});
  s.node("Sigmoid", {"x"}, "s");
  s.output("s", {4});
  s.save(dir, "sigmoid.onnx");
  // A QDQ input quantizer at scale 0.3: not a power of two.
  Builder q({4});
  q.init("sc", {}, {0.3F});
  q.node("QuantizeLinear", {"x", "sc"}, "xq");
  q.node("DequantizeLinear", {"xq", "sc"}, "xd");
  q.output("xd", {4});
  q.save(dir, "scale.onnx");
  const std::pair<std::string, std::string> cases[] = {
      {"eval " + dir.file("junk.onnx"), "junk.onnx: not an ONNX model"},
      {"info " + dir.file("sigmoid.onnx"), "sigmoid.onnx: node 's' (Sigmoid, opset 13): not supported"},
      {"import " + dir.file("scale.onnx") + " -o " + dir.file("scale.json"),
       "scale.onnx: node 'xq' (QuantizeLinear, opset 13): scale 0.300000 is not a power of two"},
      {"run " + dir.file("missing.onnx"), "missing.onnx"},
  };
  for (const auto& [args, fragment] : cases) {
    const auto r = testing_support::run_cli(XBARSIM_CLI, args);
    EXPECT_EQ(r.status, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir.file("scale.json")));
}

}  // namespace
}  // namespace xbarsim::onnx_import
