// Property tests of the mapping compiler over random single-layer integer networks:
// the cells give the weights back exactly, and crossbar counts follow the allocation rule.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"
#include "models/arithmetic.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {
namespace {

/// A network of one conv2d (cin channels, k x k kernel, over a 5x5 input) or linear layer
/// whose integer weights are `codes` (layout c * rows + r), raw accumulator output.
workloads::Network one_layer(bool conv, std::int64_t cin, int k, std::int64_t cout, int weight_bits,
                             const std::vector<std::int32_t>& codes) {
  workloads::Network net;
  net.name = "one_layer";
  net.input_shape = conv ? workloads::Shape{cin, 5, 5} : workloads::Shape{cin};
  net.input_quantization = workloads::InputQuantization{8, -8};
  workloads::Layer L;
  L.name = "layer";
  L.kind = conv ? workloads::LayerKind::Conv2d : workloads::LayerKind::Linear;
  L.inputs = {net.input_name};
  if (conv) {
    L.in_channels = cin;
    L.out_channels = cout;
    L.kernel_size = {k, k};
  } else {
    L.in_features = cin;
    L.out_features = cout;
  }
  workloads::LayerQuantization q;
  q.weight_bits = weight_bits;
  q.weight_scale_exp = {-4};
  q.weight = "layer.weight_int";
  L.quantization = q;
  net.tensors[q.weight] = conv ? workloads::Tensor::from<std::int32_t>({cout, cin, k, k}, codes)
                               : workloads::Tensor::from<std::int32_t>({cout, cin}, codes);
  net.layers.push_back(L);
  net.output = "layer";
  workloads::validate_and_infer(net, "one_layer");
  return net;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

TEST(CompileRandom, CellsGiveTheWeightsBackAndCountsFollowTheAllocationRule) {
  std::mt19937_64 rng(20261122);
  auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const SignScheme schemes[] = {SignScheme::TwoColumn, SignScheme::Differential, SignScheme::Offset};
  int cases = 0, edge_rows = 0, kernel_group_cases = 0;
  for (int it = 0; it < 1200; ++it) {
    HardwareConfig hw;
    hw.sign = schemes[it % 3];
    hw.cell_bits = static_cast<int>(pick(1, 4));
    const int wbits = static_cast<int>(pick(2, 8));
    const int rows_choices[] = {1, 2, 16, 33, 64, 100, 128, 256};
    hw.rows = rows_choices[pick(0, 7)];
    CrossbarGeometry g = hw.geometry(wbits);
    hw.cols = static_cast<int>(g.columns_per_channel() + (hw.sign == SignScheme::Offset ? 1 : 0) +
                               pick(0, 3) * g.columns_per_channel() + pick(0, 5));
    hw.columns_per_adc = 1;
    g = hw.geometry(wbits);
    const std::int64_t G = g.channels_per_crossbar();
    ASSERT_GE(G, 1);
    const bool conv = it % 2 == 0;
    const int k = conv ? static_cast<int>(pick(1, 3)) : 1;
    const std::int64_t area = std::int64_t{k} * k;
    // Unrolled rows: edge sizes around R (1, R-1, R, R+1, 2R+3) and random ones.
    std::int64_t target_rows = 0;
    switch (it % 6) {
      case 0: target_rows = 1; break;
      case 1: target_rows = hw.rows + 1; break;
      case 2: target_rows = hw.rows; break;
      case 3: target_rows = std::max(1, hw.rows - 1); break;
      case 4: target_rows = 2 * hw.rows + 3; break;
      default: target_rows = pick(1, 3 * hw.rows); break;
    }
    const std::int64_t cin = std::max<std::int64_t>(1, ceil_div(std::min<std::int64_t>(target_rows, 600), area));
    const std::int64_t K = cin * area;
    edge_rows += (K == 1 || K == hw.rows + 1) ? 1 : 0;
    const std::int64_t cout_choices[] = {1, G, G + 1, pick(1, 3 * G + 2)};
    const std::int64_t cout = std::min<std::int64_t>(cout_choices[pick(0, 3)], 64);
    // Weights: dense, unstructured zeros, or whole kernel groups zeroed per channel group.
    const auto range = models::weight_range(wbits);
    std::vector<std::int32_t> w(static_cast<std::size_t>(K * cout));
    const double zero_p = std::uniform_real_distribution<double>(0.0, 0.95)(rng);
    const int mode = static_cast<int>(pick(0, 2));
    for (auto& v : w) {
      v = static_cast<std::int32_t>(pick(range.lo, range.hi));
      if (mode == 1 && std::uniform_real_distribution<double>(0, 1)(rng) < zero_p) v = 0;
    }
    if (mode == 2) {
      ++kernel_group_cases;
      for (std::int64_t c0 = 0; c0 < cout; c0 += G) {
        for (std::int64_t ci = 0; ci < cin; ++ci) {
          if (std::uniform_real_distribution<double>(0, 1)(rng) >= zero_p) continue;
          for (std::int64_t c = c0; c < std::min(cout, c0 + G); ++c)
            for (std::int64_t r = ci * area; r < (ci + 1) * area; ++r) w[static_cast<std::size_t>(c * K + r)] = 0;
        }
      }
    }
    const auto net = one_layer(conv, cin, k, cout, wbits, w);
    const auto m = compile(net, hw);
    ASSERT_EQ(m.layers.size(), 1U);
    const auto rebuilt = m.reconstruct(0);
    ASSERT_EQ(rebuilt, w) << "case " << it << ": K " << K << " cout " << cout << " R " << hw.rows << " C " << hw.cols
                          << " cell " << hw.cell_bits << " w " << wbits << " " << sign_scheme_name(hw.sign);
    // Allocation rule, counted here from the weights: per channel group, kernel groups with a
    // non-zero weight are kept, compacted and cut into R rows; all-zero blocks are not allocated.
    std::int64_t expected = 0;
    for (std::int64_t c0 = 0; c0 < cout; c0 += G) {
      std::vector<std::int64_t> kept;
      for (std::int64_t r0 = 0; r0 < K; r0 += area) {
        bool any = false;
        for (std::int64_t c = c0; c < std::min(cout, c0 + G); ++c)
          for (std::int64_t r = r0; r < r0 + area; ++r) any = any || w[static_cast<std::size_t>(c * K + r)] != 0;
        for (std::int64_t r = r0; any && r < r0 + area; ++r) kept.push_back(r);
      }
      for (std::size_t b = 0; b < kept.size(); b += static_cast<std::size_t>(hw.rows)) {
        bool any = false;
        for (std::size_t i = b; i < std::min(kept.size(), b + static_cast<std::size_t>(hw.rows)); ++i)
          for (std::int64_t c = c0; c < std::min(cout, c0 + G); ++c)
            any = any || w[static_cast<std::size_t>(c * K + kept[i])] != 0;
        expected += any ? 1 : 0;
      }
    }
    const auto& L = m.layers[0];
    ASSERT_EQ(static_cast<std::int64_t>(L.crossbars.size()), expected) << "case " << it;
    ASSERT_EQ(L.footprint.crossbars, expected) << "case " << it << ": compiler and footprint() agree";
    ASSERT_EQ(L.footprint.crossbars_dense, ceil_div(K, hw.rows) * ceil_div(cout, G));
    for (auto xi : L.crossbars) {
      const auto& xb = m.crossbars[xi];
      ASSERT_LE(static_cast<int>(xb.rows.size()), hw.rows);
      ASSERT_LE(static_cast<int>(xb.cells.columns.size()), hw.cols);
      ASSERT_LE(xb.channel_end - xb.channel_begin, G);
      for (auto lv : xb.cells.levels) ASSERT_LT(lv, 1 << hw.cell_bits);
    }
    ++cases;
  }
  std::printf("%d cases, %d edge-row cases, %d kernel-group cases\n", cases, edge_rows, kernel_group_cases);
  EXPECT_GE(cases, 1000);
  EXPECT_GE(edge_rows, 300) << "1-row and R+1-row layers are exercised";
  EXPECT_GE(kernel_group_cases, 300);
}

TEST(CompileClosedForm, DenseAndBlockPrunedCounts) {
  HardwareConfig hw;  // 128 x 128, 2-bit cells, 8-bit weights, two-column: 16 channels per crossbar
  const std::int64_t K = 300, C = 40, G = 16;
  std::vector<std::int32_t> w(static_cast<std::size_t>(K * C), 3);
  EXPECT_EQ(compile(one_layer(false, K, 1, C, 8, w), hw).layers[0].crossbars.size(), 3U * 3U);
  // Zero the interior block rows [128, 256) x channels [16, 32): one crossbar fewer, the rest unchanged.
  for (std::int64_t c = G; c < 2 * G; ++c)
    for (std::int64_t r = 128; r < 256; ++r) w[static_cast<std::size_t>(c * K + r)] = 0;
  const auto m = compile(one_layer(false, K, 1, C, 8, w), hw);
  EXPECT_EQ(m.layers[0].crossbars.size(), 9U - 1U);
  EXPECT_EQ(m.layers[0].footprint.crossbars_dense, 9);
  // Conv 3x3, 50 input channels (K = 450): zero 20 kernel groups of channel group 0 -> 270 rows -> 3 crossbars.
  const std::int64_t cin = 50, kk = 9, Kc = cin * kk;
  std::vector<std::int32_t> wc(static_cast<std::size_t>(Kc * C), -5);
  for (std::int64_t c = 0; c < G; ++c)
    for (std::int64_t r = 0; r < 20 * kk; ++r) wc[static_cast<std::size_t>(c * Kc + r)] = 0;
  const auto mc = compile(one_layer(true, cin, 3, C, 8, wc), hw);
  EXPECT_EQ(mc.layers[0].crossbars.size(), 3U + 4U + 4U);  // ceil(270/128) + 2 x ceil(450/128)
  for (auto xi : mc.layers[0].crossbars) {
    if (mc.crossbars[xi].channel_begin == 0) {
      EXPECT_GE(mc.crossbars[xi].rows.front(), 20 * kk);
    }
  }
  // Differential: 8 columns per channel too; offset: 4 slices + 1 reference -> 31 channels.
  hw.sign = SignScheme::Offset;
  EXPECT_EQ(hw.geometry(8).channels_per_crossbar(), 31);
  EXPECT_EQ(compile(one_layer(false, K, 1, C, 8, std::vector<std::int32_t>(static_cast<std::size_t>(K * C), 1)), hw)
                .layers[0]
                .crossbars.size(),
            3U * 2U);
}

TEST(CompileErrors, TileSmallerThanALayerWhenLayersMayNotSpanTiles) {
  HardwareConfig hw;
  hw.crossbars_per_tile = 4;
  hw.layers_span_tiles = false;
  const std::vector<std::int32_t> w(300 * 40, 1);
  try {
    compile(one_layer(false, 300, 1, 40, 8, w), hw);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 'layer' needs 9 crossbars but a tile holds 4"), std::string::npos)
        << e.what();
  }
  hw.layers_span_tiles = true;
  EXPECT_EQ(compile(one_layer(false, 300, 1, 40, 8, w), hw).tiles, 3);
}

}  // namespace
}  // namespace xbarsim::mapping
