#include <gtest/gtest.h>

#include <random>

#include "mapping/sign_scheme.hpp"

namespace xbarsim::mapping {
namespace {

TEST(SignSchemes, EncodeDecodeRoundTripOverRandomCases) {
  std::mt19937_64 rng(2021);
  int cases = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    CrossbarGeometry g;
    g.weight_bits = 2 + static_cast<int>(rng() % 7);  // 2..8
    g.cell_bits = 1 + static_cast<int>(rng() % 4);    // 1..4
    g.sign = static_cast<SignScheme>(rng() % 3);
    g.rows = 1 + static_cast<int>(rng() % 256);
    g.reference_column = rng() % 2 == 0;
    const bool ref = g.sign == SignScheme::Offset && g.reference_column;
    g.cols = g.columns_per_channel() + (ref ? 1 : 0) + static_cast<int>(rng() % 256);
    const std::int64_t G = g.channels_per_crossbar();
    ASSERT_GE(G, 1);
    // Edge sizes: one row, a full crossbar, one row more than fits, one channel, a full crossbar of channels.
    const std::int64_t row_choices[] = {1, g.rows, g.rows + 1, 1 + static_cast<std::int64_t>(rng() % (2 * g.rows))};
    const std::int64_t rows = row_choices[trial % 4];
    const std::int64_t channels = trial % 3 == 0 ? 1 : (trial % 3 == 1 ? G : 1 + static_cast<std::int64_t>(rng() % G));
    const std::int32_t lim = (1 << (g.weight_bits - 1)) - 1;
    std::vector<std::int32_t> w(static_cast<std::size_t>(rows * channels));
    for (auto& v : w) v = rng() % 5 < 2 ? 0 : static_cast<std::int32_t>(rng() % (2 * lim + 1)) - lim;
    const auto enc = make_sign_encoder(g.sign);
    const EncodedBlock b = enc->encode(w, rows, channels, g);
    ASSERT_EQ(b.rows, rows);
    ASSERT_EQ(static_cast<std::int64_t>(b.columns.size()), channels * g.columns_per_channel() + (ref ? 1 : 0));
    const int L = (1 << g.cell_bits) - 1;
    for (auto level : b.levels) ASSERT_LE(level, L);
    ASSERT_EQ(enc->decode(b, channels, g), w) << sign_scheme_name(g.sign) << " b=" << g.weight_bits
                                              << " c=" << g.cell_bits << " rows=" << rows << " channels=" << channels;
    // Zero weights: both cells off (two-column), both fully on (differential).
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t r = 0; r < rows; ++r) {
        if (w[static_cast<std::size_t>(c * rows + r)] != 0 || g.sign == SignScheme::Offset) continue;
        for (int s = 0; s < g.slices(); ++s) {
          const auto col = static_cast<std::size_t>(c * 2 * g.slices() + 2 * s);
          const int want = g.sign == SignScheme::Differential ? L : 0;
          ASSERT_EQ(b.level(r, col), want);
          ASSERT_EQ(b.level(r, col + 1), want);
        }
      }
    }
    ++cases;
  }
  EXPECT_GE(cases, 1000);
}

TEST(SignSchemes, WeightFlipKeepsTheWeightsAndHalvesEveryColumnsRange) {
  std::mt19937_64 rng(16);
  int flipped = 0;
  for (int trial = 0; trial < 300; ++trial) {
    CrossbarGeometry g;
    g.weight_bits = 2 + static_cast<int>(rng() % 7);
    g.cell_bits = 1 + static_cast<int>(rng() % 4);
    g.sign = static_cast<SignScheme>(rng() % 3);
    g.rows = 1 + static_cast<int>(rng() % 128);
    g.cols = 4 * g.columns_per_channel() + 1;
    const std::int64_t rows = g.rows, channels = g.channels_per_crossbar();
    const std::int32_t lim = (1 << (g.weight_bits - 1)) - 1;
    std::vector<std::int32_t> w(static_cast<std::size_t>(rows * channels));
    // Large magnitudes (and, for the differential scheme, zeros: both cells full on) fill columns past half.
    for (auto& v : w) v = rng() % 4 == 0 ? 0 : (rng() % 2 == 0 ? lim : -lim + static_cast<std::int32_t>(rng() % 2));
    const auto enc = make_sign_encoder(g.sign);
    EncodedBlock b = enc->encode(w, rows, channels, g);
    apply_weight_flip(b, g.cell_bits);
    ASSERT_EQ(enc->decode(b, channels, g), w) << sign_scheme_name(g.sign);
    const int L = (1 << g.cell_bits) - 1;
    for (std::size_t col = 0; col < b.columns.size(); ++col) {  // the offset reference included
      std::int64_t sum = 0;
      for (std::int64_t r = 0; r < rows; ++r) sum += b.level(r, col);
      ASSERT_LE(2 * sum, rows * L) << "no column reads past half its range";
      flipped += b.columns[col].flipped ? 1 : 0;
    }
  }
  EXPECT_GT(flipped, 100);
}

TEST(SignSchemes, WorkedExamples) {
  CrossbarGeometry g;
  g.weight_bits = 8;
  g.cell_bits = 2;                         // 4 slices of the 7-bit magnitude, L = 3
  const std::vector<std::int32_t> w{-45};  // |w| = 45 = 0b0101101 -> slices 1, 3, 2, 0 (LSB first)
  g.sign = SignScheme::TwoColumn;
  auto b = make_sign_encoder(g.sign)->encode(w, 1, 1, g);
  const int two[] = {0, 1, 0, 3, 0, 2, 0, 0};  // (pos, neg) per slice
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b.levels[i], two[i]) << i;
  g.sign = SignScheme::Differential;
  b = make_sign_encoder(g.sign)->encode(w, 1, 1, g);
  const int diff[] = {2, 3, 0, 3, 1, 3, 3, 3};  // (L - m_s, L) for a negative weight
  for (int i = 0; i < 8; ++i) EXPECT_EQ(b.levels[i], diff[i]) << i;
  g.sign = SignScheme::Offset;
  b = make_sign_encoder(g.sign)->encode(w, 1, 1, g);
  // u = -45 + 128 = 83 = 0b01010011 -> slices 3, 0, 1, 1; then the reference column at the middle
  // level 2, which the digital side weights by -2^(8-2) = -64: 3 + 0 + 16 + 64 - 64 * 2 = -45.
  const int off[] = {3, 0, 1, 1, 2};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.levels[i], off[i]) << i;
  EXPECT_EQ(make_sign_encoder(g.sign)->decode(b, 1, g), w);
  // Without the column (offset_reference "digital") the same slices, and 2^(b-1) per unit input subtracted.
  g.reference_column = false;
  b = make_sign_encoder(g.sign)->encode(w, 1, 1, g);
  ASSERT_EQ(b.columns.size(), 4U);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.levels[i], off[i]) << i;
  EXPECT_EQ(make_sign_encoder(g.sign)->decode(b, 1, g), w);
  EXPECT_EQ(g.channels_per_crossbar(), 128 / 4) << "the reference's column holds weights instead";
  g.reference_column = true;
  EXPECT_EQ(g.channels_per_crossbar(), 127 / 4);
}

}  // namespace
}  // namespace xbarsim::mapping
