// Seeded random numbers for every stochastic draw (write variation, faults, read noise):
// xoshiro256** seeded through splitmix64, and a seed-derivation function so that each
// (trial, crossbar, purpose) or (trial, image chunk, layer) gets its own independent
// stream. Results then depend only on the seed, never on the thread count or the order in
// which threads run. Own implementation rather than <random>'s distributions, whose output
// differs between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace xbarsim::models {

/// splitmix64 (Steele, Lea, Flood 2014): one 64-bit mixing step.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// A seed for one stream, derived from a base seed and any number of indices.
constexpr std::uint64_t derive_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> indices) {
  std::uint64_t state = seed;
  std::uint64_t h = splitmix64(state);
  for (auto i : indices) {
    state = h ^ (i + 0x632BE59BD9B4E019ULL);
    h = splitmix64(state);
  }
  return h;
}

/// xoshiro256** 1.0 (Blackman, Vigna 2018).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Standard normal (Box-Muller; the second value of each pair is kept for the next call).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 6.283185307179586476925 * u2;
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4]{};
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace xbarsim::models
