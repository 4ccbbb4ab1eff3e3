#include "models/normal_block.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>

namespace xbarsim::models {

void fill_normals(Rng& rng, float* out, std::size_t n) {
  // Pairs per chunk: a multiple of every packet size, so each value goes through the same
  // (vectorised) code path wherever it falls in the block.
  constexpr auto kPairs = static_cast<Eigen::Index>(kNormalChunk / 2);
  constexpr float kTwoPi = 6.283185307179586F;
  constexpr float kScale = 0x1.0p-24F;
  Eigen::Array<float, kPairs, 1> u1, u2;
  std::size_t done = 0;
  while (done < n) {
    for (Eigen::Index i = 0; i < kPairs; ++i) {
      const std::uint64_t bits = rng.next();
      u1(i) = static_cast<float>((bits >> 40) + 1) * kScale;          // (0, 1]
      u2(i) = static_cast<float>((bits >> 16) & 0xFFFFFFU) * kScale;  // [0, 1)
    }
    const Eigen::Array<float, kPairs, 1> r = (u1.log() * -2.0F).sqrt();
    const Eigen::Array<float, kPairs, 1> a = u2 * kTwoPi;
    const Eigen::Array<float, kPairs, 1> c = r * a.cos();
    const Eigen::Array<float, kPairs, 1> s = r * a.sin();
    const std::size_t take = std::min<std::size_t>(2 * kPairs, n - done);
    for (std::size_t k = 0; k < take; ++k) {
      const auto i = static_cast<Eigen::Index>(k / 2);
      out[done + k] = (k % 2 == 0) ? c(i) : s(i);
    }
    done += take;
  }
}

}  // namespace xbarsim::models
