// The block normal generator (models/normal_block.hpp) against the standard normal itself:
// moments, the Kolmogorov-Smirnov distance to the exact CDF (erfc), the tails, independence of
// the two values of a pair, of neighbouring generator lanes and of successive draws, and values
// that depend on their index only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "models/normal_block.hpp"

namespace xbarsim::models {
namespace {

std::vector<float> draw(std::uint64_t seed, std::size_t n) {
  NormalStream normals(seed);
  std::vector<float> z(n);
  normals.fill(z.data(), n);
  return z;
}

TEST(NormalBlock, MomentsAreThoseOfTheStandardNormal) {
  const std::size_t n = std::size_t{1} << 21;
  const auto z = draw(11, n);
  double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
  for (float v : z) {
    const double x = v;
    m1 += x;
    m2 += x * x;
    m3 += x * x * x;
    m4 += x * x * x * x;
  }
  const double N = static_cast<double>(n);
  m1 /= N, m2 /= N, m3 /= N, m4 /= N;
  // Standard errors: mean 1/sqrt(N), variance sqrt(2/N), third moment sqrt(15/N), fourth sqrt(96/N).
  EXPECT_NEAR(m1, 0.0, 4 / std::sqrt(N));
  EXPECT_NEAR(m2, 1.0, 4 * std::sqrt(2 / N));
  EXPECT_NEAR(m3, 0.0, 4 * std::sqrt(15 / N));
  EXPECT_NEAR(m4, 3.0, 4 * std::sqrt(96 / N));
}

TEST(NormalBlock, DistributionIsWithinTheKolmogorovSmirnovBoundAndTailsMatch) {
  const std::size_t n = std::size_t{1} << 20;
  auto z = draw(12, n);
  std::sort(z.begin(), z.end());
  double d = 0;
  const double N = static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-static_cast<double>(z[i]) / std::sqrt(2.0));
    d = std::max({d, std::abs(cdf - static_cast<double>(i) / N), std::abs(cdf - static_cast<double>(i + 1) / N)});
  }
  EXPECT_LT(d, 1.63 / std::sqrt(N)) << "KS distance at the 1 % level";
  // P(|z| > 3) = 2.70e-3: count within 5 sigma of the binomial.
  const double p3 = std::erfc(3 / std::sqrt(2.0));
  const auto beyond = std::count_if(z.begin(), z.end(), [](float v) { return std::abs(v) > 3.0F; });
  EXPECT_NEAR(static_cast<double>(beyond), p3 * N, 5 * std::sqrt(p3 * N));
  EXPECT_LE(std::max(-z.front(), z.back()), std::sqrt(48 * std::log(2.0)) + 1e-5);
}

TEST(NormalBlock, PairsNeighboursAndLanesAreUncorrelated) {
  const std::size_t n = std::size_t{1} << 20;
  const auto z = draw(13, n);
  // A chunk holds the cosines of its pairs, then their sines: pair k is (k, k + half).
  const std::size_t half = kNormalChunk / 2;
  double in_pair = 0, sq = 0;
  for (std::size_t c0 = 0; c0 < n; c0 += kNormalChunk) {
    for (std::size_t k = c0; k < c0 + half; ++k) {
      const double a = z[k], b = z[k + half];
      in_pair += a * b;  // cos and sin of one angle
      sq += a * a * b * b;
    }
  }
  const double pairs = static_cast<double>(n / 2);
  EXPECT_NEAR(in_pair / pairs, 0.0, 4 / std::sqrt(pairs));
  // |cos|, |sin| of one angle are not independent: E[z1^2 z2^2] = 1 for independent normals.
  EXPECT_NEAR(sq / pairs, 1.0, 4 * std::sqrt(8 / pairs));
  // Neighbours come from neighbouring generator lanes, values 16 apart from one lane's
  // consecutive draws; the first values of a chunk follow the last of the one before.
  for (std::size_t lag : {std::size_t{1}, NormalStream::kLanes, kNormalChunk - 1, kNormalChunk}) {
    double across = 0;
    for (std::size_t i = 0; i + lag < n; ++i) across += static_cast<double>(z[i]) * z[i + lag];
    const double count = static_cast<double>(n - lag);
    EXPECT_NEAR(across / count, 0.0, 4 / std::sqrt(count)) << "lag " << lag;
  }
}

TEST(NormalBlock, EachValueDependsOnItsIndexOnly) {
  const auto many = draw(14, 3000);
  for (std::size_t n : {1, 2, 7, 1024, 1025, 2999}) {
    const auto few = draw(14, n);
    for (std::size_t k = 0; k < n; ++k) ASSERT_EQ(few[k], many[k]) << "n " << n << " k " << k;
  }
  EXPECT_NE(draw(15, 4), draw(14, 4));
  // Calls of whole chunks continue the stream: two calls of kNormalChunk equal one of twice that.
  NormalStream normals(14);
  std::vector<float> two(2 * kNormalChunk);
  normals.fill(two.data(), kNormalChunk);
  normals.fill(two.data() + kNormalChunk, kNormalChunk);
  const auto one = draw(14, 2 * kNormalChunk);
  EXPECT_EQ(two, one);
}

TEST(NormalBlock, SameBitsOnEveryBuild) {
  // An FNV-1a hash of the bits of 2^20 draws, recorded from a clang -O3 AVX-512 build and equal
  // for GCC and clang at -O0..-O3 on SSE2, AVX2 and AVX-512 (docs/validation.md, "Toolchain"):
  // CI's release (clang, -march=native) and debug (GCC, baseline x86-64) builds both check it.
  const auto z = draw(3, std::size_t{1} << 20);
  std::uint64_t h = 1469598103934665603ULL;
  for (float v : z) {
    std::uint32_t b = 0;
    std::memcpy(&b, &v, sizeof b);
    h = (h ^ b) * 1099511628211ULL;
  }
  EXPECT_EQ(h, 0x018d35542da26caaULL);
}

}  // namespace
}  // namespace xbarsim::models
