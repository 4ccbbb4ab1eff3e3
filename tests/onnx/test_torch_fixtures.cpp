// Real exports: the ONNX files of tests/onnx/fixtures were written by torch.onnx (PyTorch 1.13,
// scripts/make_onnx_fixtures.py) with torch's own logits for four inputs, and a QDQ LeNet-5
// whose outputs the script computed from the ONNX operator definitions. xbarsim imports them
// and must compute what torch (or the QDQ definition) computed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "onnx/importer.hpp"
#include "sim/reference.hpp"
#include "tests/support/toy.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::onnx_import {
namespace {

std::string fixture(const std::string& file) {
  return std::string(XBARSIM_SOURCE_DIR) + "/tests/onnx/fixtures/" + file;
}

const workloads::TensorFile& reference() {
  static const workloads::TensorFile f = workloads::read_safetensors(fixture("reference.safetensors"));
  return f;
}

/// The fixture inputs as input_size x n.
Eigen::MatrixXf inputs() {
  const auto& t = reference().tensors.at("inputs");
  const auto v = t.to_double();
  const std::int64_t n = t.shape()[0], per = static_cast<std::int64_t>(v.size()) / n;
  Eigen::MatrixXf x(per, n);
  for (std::int64_t j = 0; j < n; ++j) {
    for (std::int64_t k = 0; k < per; ++k) x(k, j) = static_cast<float>(v[static_cast<std::size_t>(j * per + k)]);
  }
  return x;
}

/// `name`'s reference outputs, classes x n.
Eigen::MatrixXd expected(const std::string& name) {
  const auto& t = reference().tensors.at(name);
  const auto v = t.to_double();
  const std::int64_t n = t.shape()[0], c = t.shape()[1];
  Eigen::MatrixXd y(c, n);
  for (std::int64_t j = 0; j < n; ++j) {
    for (std::int64_t k = 0; k < c; ++k) y(k, j) = v[static_cast<std::size_t>(j * c + k)];
  }
  return y;
}

int count_kind(const workloads::Network& net, workloads::LayerKind k) {
  int n = 0;
  for (const auto& L : net.layers) n += L.kind == k ? 1 : 0;
  return n;
}

class TorchExport : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchExport, FloatLogitsMatchTorchWithin1e4Relative) {
  const auto net = import_onnx(fixture(GetParam() + ".onnx"), GetParam(), GetParam() + ".safetensors");
  const Eigen::MatrixXd ours = sim::ReferenceEngine(net, sim::Precision::Float).forward(inputs());
  const Eigen::MatrixXd theirs = expected(GetParam() + ".logits");
  ASSERT_EQ(ours.rows(), theirs.rows());
  ASSERT_EQ(ours.cols(), theirs.cols());
  double worst_relative = 0;
  for (Eigen::Index j = 0; j < ours.cols(); ++j) {
    const double scale = theirs.col(j).cwiseAbs().maxCoeff();
    const double worst = (ours.col(j) - theirs.col(j)).cwiseAbs().maxCoeff();
    EXPECT_LE(worst, 1e-4 * scale) << GetParam() << " input " << j << ": worst " << worst << " of " << scale;
    worst_relative = std::max(worst_relative, worst / scale);
  }
  RecordProperty("worst_relative_error", std::to_string(worst_relative));
  std::printf("%s: worst difference %.2e of the largest logit\n", GetParam().c_str(), worst_relative);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TorchExport, ::testing::Values("lenet5", "vgg8", "resnet20a", "resnet20b"));

TEST(TorchExport, OptionAShortcutsImportAsSlicesAndChannelPads) {
  // He et al.'s option A: x[:, :, ::2, ::2] (two Slice nodes) then F.pad on the channels (a Pad
  // whose pads torch computes with ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast).
  const auto a = import_onnx(fixture("resnet20a.onnx"), "a", "a.safetensors");
  EXPECT_EQ(count_kind(a, workloads::LayerKind::Slice), 4);
  EXPECT_EQ(count_kind(a, workloads::LayerKind::Pad), 2);
  EXPECT_EQ(count_kind(a, workloads::LayerKind::Add), 9);
  EXPECT_EQ(count_kind(a, workloads::LayerKind::Conv2d), 19);
  for (const auto& L : a.layers) {
    if (L.kind == workloads::LayerKind::Pad) {
      EXPECT_EQ(L.pad_before[0] + L.pad_after[0], L.output_shape[0] / 2) << L.name;
      EXPECT_EQ(L.pad_before[1] + L.pad_after[1] + L.pad_before[2] + L.pad_after[2], 0) << L.name;
    }
  }
  const auto b = import_onnx(fixture("resnet20b.onnx"), "b", "b.safetensors");
  EXPECT_EQ(count_kind(b, workloads::LayerKind::Conv2d), 21) << "two 1x1 projections";
  EXPECT_EQ(count_kind(b, workloads::LayerKind::Slice) + count_kind(b, workloads::LayerKind::Pad), 0);
  // VGG-8's x.view(x.size(0), -1) is Shape -> Gather -> Unsqueeze -> Concat -> Reshape: a flatten.
  const auto v = import_onnx(fixture("vgg8.onnx"), "v", "v.safetensors");
  EXPECT_EQ(count_kind(v, workloads::LayerKind::Flatten), 1);
}

TEST(QdqImport, PowerOfTwoScalesImportAsAnIntegerWorkloadThatComputesTheQdqModelBitForBit) {
  const auto net = import_onnx(fixture("lenet5_qdq.onnx"), "q", "q.safetensors");
  ASSERT_TRUE(net.is_quantized());
  EXPECT_TRUE(net.input_quantization->ties_to_even) << "QuantizeLinear rounds half to even";
  EXPECT_EQ(net.input_quantization->input_scale_exp, -8);
  const auto* conv2 = net.find_layer("conv2");
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->quantization->weight_scale_exp.size(), 16U) << "per-channel scales kept";
  EXPECT_EQ(*conv2->quantization->output_bits, 7) << "int8 read only by a ReLU: [0, 127]";
  const auto* fc1 = net.find_layer("fc1");
  ASSERT_NE(fc1, nullptr);
  EXPECT_EQ(*fc1->quantization->output_bits, 8) << "int8 read by the add: [-128, 127]";
  // The integer engine's outputs, scaled back, are the QDQ model's outputs exactly (both are
  // dyadic rationals computed without rounding error).
  const Eigen::MatrixXd ours = sim::ReferenceEngine(net, sim::Precision::Int).forward(inputs());
  const Eigen::MatrixXd theirs = expected("lenet5_qdq.logits");
  ASSERT_EQ(ours.rows(), theirs.rows());
  EXPECT_EQ((ours - theirs).cwiseAbs().maxCoeff(), 0.0);
  // Ties occur in this model: rounding them up instead gives different outputs.
  auto up = net;
  up.input_quantization->ties_to_even = false;
  EXPECT_GT((sim::ReferenceEngine(up, sim::Precision::Int).forward(inputs()) - theirs).cwiseAbs().maxCoeff(), 0.0);
}

}  // namespace
}  // namespace xbarsim::onnx_import
