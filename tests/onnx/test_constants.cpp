// Constant folding of the integer subgraphs exporters write: each op on small tensors whose
// results are worked out by hand (numpy's semantics, which ONNX follows).
#include <gtest/gtest.h>

#include <stdexcept>

#include "onnx/constants.hpp"

namespace xbarsim::onnx_import {
namespace {

Constant ints(std::vector<std::int64_t> dims, std::vector<std::int64_t> v) {
  Constant c;
  c.type = Constant::Type::Int;
  c.onnx_type = onnx::TensorProto::INT64;
  c.dims = std::move(dims);
  c.i = std::move(v);
  return c;
}

onnx::NodeProto node(const std::string& op) {
  onnx::NodeProto n;
  n.set_op_type(op);
  n.add_output("y");
  return n;
}

void set_ints(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
void set_int(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

TEST(ConstantFolding, ShapeOpsGiveWhatNumpyGives) {
  const Constant m = ints({2, 3}, {0, 1, 2, 3, 4, 5});  // [[0 1 2] [3 4 5]]
  Constant out;
  {
    auto n = node("Transpose");
    set_ints(n, "perm", {1, 0});
    ASSERT_TRUE(fold(n, {&m}, out));
    EXPECT_EQ(out.dims, (std::vector<std::int64_t>{3, 2}));
    EXPECT_EQ(out.i, (std::vector<std::int64_t>{0, 3, 1, 4, 2, 5}));
  }
  {
    auto n = node("Gather");
    set_int(n, "axis", 1);
    const Constant idx = ints({2}, {2, -3});  // columns 2 and 0
    ASSERT_TRUE(fold(n, {&m, &idx}, out));
    EXPECT_EQ(out.dims, (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(out.i, (std::vector<std::int64_t>{2, 0, 5, 3}));
  }
  {
    auto n = node("Concat");
    set_int(n, "axis", 1);
    const Constant b = ints({2, 1}, {9, 8});
    ASSERT_TRUE(fold(n, {&m, &b}, out));
    EXPECT_EQ(out.i, (std::vector<std::int64_t>{0, 1, 2, 9, 3, 4, 5, 8}));
  }
  {
    // m[:, ::-2] : columns 2, 0 (ends below -size mean "through the start").
    auto n = node("Slice");
    const Constant st = ints({1}, {-1}), en = ints({1}, {-9223372036854775807LL}), ax = ints({1}, {1}),
                   sp = ints({1}, {-2});
    ASSERT_TRUE(fold(n, {&m, &st, &en, &ax, &sp}, out));
    EXPECT_EQ(out.dims, (std::vector<std::int64_t>{2, 2}));
    EXPECT_EQ(out.i, (std::vector<std::int64_t>{2, 0, 5, 3}));
  }
  {
    auto n = node("Reshape");
    const Constant shape = ints({2}, {-1, 2});
    ASSERT_TRUE(fold(n, {&m, &shape}, out));
    EXPECT_EQ(out.dims, (std::vector<std::int64_t>{3, 2}));
  }
  {
    auto n = node("Unsqueeze");
    const Constant axes = ints({1}, {0});
    ASSERT_TRUE(fold(n, {&m, &axes}, out));
    EXPECT_EQ(out.dims, (std::vector<std::int64_t>{1, 2, 3}));
    auto sq = node("Squeeze");
    Constant back;
    ASSERT_TRUE(fold(sq, {&out}, back));
    EXPECT_EQ(back.dims, (std::vector<std::int64_t>{2, 3}));
  }
  {
    auto n = node("ConstantOfShape");
    const Constant shape = ints({1}, {3});
    ASSERT_TRUE(fold(n, {&shape}, out));
    EXPECT_EQ(out.f, (std::vector<float>{0.0F, 0.0F, 0.0F}));
    auto c = node("Cast");
    set_int(c, "to", onnx::TensorProto::INT64);
    Constant cast;
    ASSERT_TRUE(fold(c, {&out}, cast));
    EXPECT_EQ(cast.i, (std::vector<std::int64_t>{0, 0, 0}));
  }
  {
    auto n = node("Mul");
    const Constant two = ints({}, {2});
    ASSERT_TRUE(fold(n, {&m, &two}, out));
    EXPECT_EQ(out.i, (std::vector<std::int64_t>{0, 2, 4, 6, 8, 10}));
  }
  // Not foldable: a tensor input (nullptr) or an op that is not a shape op.
  EXPECT_FALSE(fold(node("Relu"), {&m}, out));
  EXPECT_FALSE(fold(node("Transpose"), {nullptr}, out));
  auto bad = node("Gather");
  const Constant far = ints({1}, {7});
  EXPECT_THROW(fold(bad, {&m, &far}, out), std::invalid_argument);
}

}  // namespace
}  // namespace xbarsim::onnx_import
