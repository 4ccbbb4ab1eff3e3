// Blocks of standard normal numbers for the per-read noise (sim/datapath.cpp), drawn in
// integer and float arithmetic the compiler vectorises: the scalar Box-Muller of Rng::normal
// spends ~13 ns per draw in one serial generator and glibc's log, sin and cos; this takes ~0.9 ns.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "models/random.hpp"

namespace xbarsim::models {

/// Values the generator makes at a time; a fill of n values uses ceil(n / kNormalChunk) chunks
/// of the stream, so fills of whole chunks continue one stream as a single fill would.
inline constexpr std::size_t kNormalChunk = 1024;

/// A stream of standard normal numbers in float, fast enough for one draw per crossbar reading:
/// 16 xoshiro256** generators side by side (lane l seeded through splitmix64 from
/// derive_seed(seed, {l})), stepped together so the compiler vectorises them; each 64-bit draw
/// gives a pair of 24-bit uniforms (u1 in (0, 1], u2 in [0, 1)) and Box-Muller turns it into
/// r cos(2 pi u2) and r sin(2 pi u2), r = sqrt(-2 ln u1), with Cephes' float log, sin and cos
/// polynomials in basic IEEE operations (no FMA contraction). A chunk holds the cosines of its
/// 512 pairs, then their sines. Value k depends on the seed and k only, and its bits are the
/// same for every compiler and instruction set. |z| is at most sqrt(48 ln 2) = 5.77 (the
/// smallest u1 is 2^-24): tails past it (probability 8e-9) are cut.
class NormalStream {
 public:
  static constexpr std::size_t kLanes = 16;
  explicit NormalStream(std::uint64_t seed);
  /// out[0..n): the stream's next values.
  void fill(float* out, std::size_t n);

 private:
  std::array<std::array<std::uint64_t, kLanes>, 4> s_{};  ///< state word w of lane l: s_[w][l]
};

}  // namespace xbarsim::models
