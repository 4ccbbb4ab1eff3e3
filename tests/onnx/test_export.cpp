// ONNX export: import(export(w)) gives w back (the network JSON, every tensor the engines read,
// the outputs), for float workloads, integer ones as QDQ (per-layer and per-channel scales,
// pruned codes, residual adds, average pooling, slices and pads, both tie roundings); what QDQ
// cannot express is a named error.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "common/error.hpp"
#include "onnx/exporter.hpp"
#include "onnx/importer.hpp"
#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "tests/support/toy.hpp"
#include "workloads/network.hpp"

namespace xbarsim::onnx_import {
namespace {

using testing_support::message_of;
using testing_support::TempDir;
using workloads::LayerKind;

workloads::Network round_trip(const workloads::Network& w, const TempDir& dir) {
  const std::string path = dir.file(w.name + ".onnx");
  export_onnx(w, path);
  return import_onnx(path, w.name, w.weights_file);
}

/// Everything an engine reads is the same: the JSON (layers, quantization blocks, data set,
/// metadata) and, tensor by tensor, the values; float weights beside integer codes come back
/// as the dequantized codes.
void expect_same(const workloads::Network& a, const workloads::Network& b) {
  EXPECT_EQ(workloads::to_json(a).dump(1), workloads::to_json(b).dump(1));
  for (const auto& L : a.layers) {
    if (L.quantization && L.has_weights()) {
      const auto& q = *L.quantization;
      EXPECT_EQ(a.tensor(q.weight).to_double(), b.tensor(q.weight).to_double()) << L.name;
      if (!q.bias.empty()) {
        EXPECT_EQ(a.tensor(q.bias).to_double(), b.tensor(q.bias).to_double()) << L.name;
      }
    } else if (L.has_weights()) {
      EXPECT_EQ(a.tensor(L.weight).to_double(), b.tensor(L.weight).to_double()) << L.name;
      if (!L.bias.empty()) {
        EXPECT_EQ(a.tensor(L.bias).to_double(), b.tensor(L.bias).to_double()) << L.name;
      }
    }
  }
  const auto p = a.is_quantized() ? sim::Precision::Int : sim::Precision::Float;
  Eigen::MatrixXf x = (Eigen::MatrixXf::Random(sim::ReferenceEngine(a, p).input_size(), 5).array() + 1.0F) / 2.0F;
  EXPECT_EQ(sim::ReferenceEngine(a, p).forward(x), sim::ReferenceEngine(b, p).forward(x));
}

workloads::Network zoo(const std::string& name) {
  return workloads::load_network(std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + name + ".json");
}

TEST(OnnxExport, ZooWorkloadsComeBackExactly) {
  TempDir dir;
  for (const char* name : {"lenet5", "vgg8", "lenet5_int8", "lenet5_crimp", "vgg8_crimp"}) {
    SCOPED_TRACE(name);
    const auto w = zoo(name);
    expect_same(w, round_trip(w, dir));
  }
}

TEST(OnnxExport, TheZoosOnnxFilesAreItsWorkloads) {
  // workloads/zoo/onnx/ (scripts/export_zoo_onnx.sh): one file per zoo workload, each importing
  // back to it, so the files cannot drift from the JSON.
  const std::filesystem::path dir = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo";
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    SCOPED_TRACE(e.path().filename().string());
    const auto w = workloads::load_network(e.path().string());
    const auto onnx = dir / "onnx" / (e.path().stem().string() + ".onnx");
    ASSERT_TRUE(std::filesystem::exists(onnx)) << onnx << " is missing: run scripts/export_zoo_onnx.sh";
    expect_same(w, import_onnx(onnx.string(), w.name, w.weights_file));
    ++checked;
  }
  EXPECT_GE(checked, 11);
}

/// Random 4 x 8 x 8 images to calibrate on.
workloads::Dataset images(std::mt19937_64& rng, std::int64_t n) {
  workloads::Dataset d;
  d.name = "random";
  d.count = n;
  d.channels = 4;
  d.height = d.width = 8;
  d.classes = 5;
  for (std::int64_t i = 0; i < n * d.image_size(); ++i) d.pixels.push_back(static_cast<std::uint8_t>(rng() % 256));
  d.labels.assign(static_cast<std::size_t>(n), 0);
  return d;
}

workloads::Network quantized(const workloads::Network& f, std::mt19937_64& rng, const mapping::PtqOptions& opt) {
  sim::CalibrationOptions c;
  c.images = 32;
  return sim::calibrate_and_quantize(f, images(rng, 32), f.dataset.normalization, opt, c);
}

TEST(OnnxExport, ResidualNetworksWithSlicesPadsAndAveragesComeBackInFloatAndAsQdq) {
  TempDir dir;
  std::mt19937_64 rng(4);
  const auto f = testing_support::toy_option_a(4);
  expect_same(f, round_trip(f, dir));
  // Integer, per channel, with both tie roundings.
  mapping::PtqOptions opt;
  opt.per_channel = true;
  auto q = quantized(f, rng, opt);
  q.name = "toy_option_a_int8";
  expect_same(q, round_trip(q, dir));
  q.input_quantization->ties_to_even = true;
  expect_same(q, round_trip(q, dir));
}

TEST(OnnxExport, WhatQdqCannotHoldIsNamed) {
  TempDir dir;
  std::mt19937_64 rng(4);
  const auto f = testing_support::toy_option_a(4);
  mapping::PtqOptions opt;
  opt.activation_bits = 6;
  const auto q = quantized(f, rng, opt);
  const auto m = message_of([&] { export_onnx(q, dir.file("q6.onnx")); });
  EXPECT_NE(m.find("QDQ export needs 8-bit inputs, found 6"), std::string::npos) << m;
  EXPECT_FALSE(std::filesystem::exists(dir.file("q6.onnx")));
}

}  // namespace
}  // namespace xbarsim::onnx_import
