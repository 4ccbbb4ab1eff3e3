#include "models/normal_block.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace xbarsim::models {

namespace {

// Single-precision natural log, sine and cosine in basic IEEE operations only (+, -, *, exact
// conversions, sqrt), compiled without FMA contraction (models/CMakeLists.txt), so that every
// instruction set and compiler gives the same bits; the loops below vectorise as they are.
// Polynomials and reduction constants: Cephes' logf, sinf and cosf (S. L. Moshier), which are
// accurate to about 1 ulp on the ranges used here.

constexpr float kSqrtHalf = 0.707106781186547524F;

/// ln x for x in [2^-24, 1].
inline float log_unit(float x) {
  std::uint32_t b = 0;
  std::memcpy(&b, &x, sizeof b);
  float e = static_cast<float>(static_cast<int>((b >> 23) & 0xFFU) - 126);  // x = m 2^e, m in [0.5, 1)
  b = (b & 0x807FFFFFU) | 0x3F000000U;
  float m = 0;
  std::memcpy(&m, &b, sizeof m);
  const bool low = m < kSqrtHalf;
  e = low ? e - 1.0F : e;
  const float t = low ? m + m - 1.0F : m - 1.0F;
  const float z = t * t;
  float y = 7.0376836292E-2F;
  y = y * t - 1.1514610310E-1F;
  y = y * t + 1.1676998740E-1F;
  y = y * t - 1.2420140846E-1F;
  y = y * t + 1.4249322787E-1F;
  y = y * t - 1.6668057665E-1F;
  y = y * t + 2.0000714765E-1F;
  y = y * t - 2.4999993993E-1F;
  y = y * t + 3.3333331174E-1F;
  y = y * t * z;
  y = y + -2.12194440E-4F * e;
  y = y - 0.5F * z;
  return t + y + 0.693359375F * e;
}

/// sin a and cos a for a in [0, 2 pi).
inline void sincos_turn(float a, float& s, float& c) {
  int j = static_cast<int>(a * 1.27323954473516F);  // 4 / pi
  j += j & 1;
  const auto q = static_cast<float>(j);
  const float x = ((a - q * 0.78515625F) - q * 2.4187564849853515625E-4F) - q * 3.77489497744594108E-8F;
  const float z = x * x;
  const float sp = ((-1.9515295891E-4F * z + 8.3321608736E-3F) * z - 1.6666654611E-1F) * z * x + x;
  const float cp =
      ((2.443315711809948E-5F * z - 1.388731625493765E-3F) * z + 4.166664568298827E-2F) * z * z - 0.5F * z + 1.0F;
  const int octant = j & 7;  // 0, 2, 4 or 6: a = octant pi / 4 + x
  const bool swap = octant == 2 || octant == 6;
  const float s0 = swap ? cp : sp;
  const float c0 = swap ? sp : cp;
  s = (octant == 4 || octant == 6) ? -s0 : s0;
  c = (octant == 2 || octant == 4) ? -c0 : c0;
}

}  // namespace

NormalStream::NormalStream(std::uint64_t seed) {
  for (std::size_t l = 0; l < kLanes; ++l) {
    std::uint64_t state = derive_seed(seed, {l});
    for (auto& word : s_) word[l] = splitmix64(state);
  }
}

void NormalStream::fill(float* out, std::size_t n) {
  constexpr std::size_t kPairs = kNormalChunk / 2;
  static_assert(kPairs % kLanes == 0, "a chunk takes whole steps of every lane");
  constexpr float kTwoPi = 6.283185307179586F;
  constexpr float kScale = 0x1.0p-24F;
  const auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  alignas(64) std::array<float, kPairs> u1{}, u2{}, c{}, s{};
  std::size_t done = 0;
  while (done < n) {
    // xoshiro256** 1.0 on every lane (the step of Rng::next), lane l giving pairs l, l + 16, ...
    for (std::size_t i0 = 0; i0 < kPairs; i0 += kLanes) {
      for (std::size_t l = 0; l < kLanes; ++l) {
        std::uint64_t s0 = s_[0][l], s1 = s_[1][l], s2 = s_[2][l], s3 = s_[3][l];
        const std::uint64_t bits = rotl(s1 * 5, 7) * 9;
        const std::uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 45);
        s_[0][l] = s0;
        s_[1][l] = s1;
        s_[2][l] = s2;
        s_[3][l] = s3;
        u1[i0 + l] = static_cast<float>((bits >> 40) + 1) * kScale;          // (0, 1]
        u2[i0 + l] = static_cast<float>((bits >> 16) & 0xFFFFFFU) * kScale;  // [0, 1)
      }
    }
    for (std::size_t i = 0; i < kPairs; ++i) {
      const float r = std::sqrt(-2.0F * log_unit(u1[i]));
      float si = 0, ci = 0;
      sincos_turn(u2[i] * kTwoPi, si, ci);
      c[i] = r * ci;
      s[i] = r * si;
    }
    const std::size_t take = std::min<std::size_t>(kNormalChunk, n - done);
    const std::size_t from_c = std::min(take, kPairs);
    std::copy_n(c.begin(), from_c, out + done);
    std::copy_n(s.begin(), take - from_c, out + done + from_c);
    done += take;
  }
}

}  // namespace xbarsim::models
