#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "models/arithmetic.hpp"

namespace xbarsim::models {
namespace {

TEST(Arithmetic, RoundShiftIsFloorOfHalfUp) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> v(-(std::int64_t{1} << 40), std::int64_t{1} << 40);
  for (int i = 0; i < 20000; ++i) {
    const std::int64_t x = v(rng);
    const int s = static_cast<int>(rng() % 20);
    const double expect = std::floor(static_cast<double>(x) / std::ldexp(1.0, s) + 0.5);
    ASSERT_EQ(round_shift(x, s), static_cast<std::int64_t>(expect)) << x << " >> " << s;
  }
  EXPECT_EQ(round_shift(-3, -2), -12);
}

TEST(Arithmetic, QuantizeValueUsesTheSameRounding) {
  for (std::int64_t acc = -1000; acc <= 1000; ++acc) {
    // A real value that is exactly acc * 2^-4 quantizes at exponent -2 like round_shift(acc, 2).
    const double x = std::ldexp(static_cast<double>(acc), -4);
    ASSERT_EQ(quantize_value(x, -2, signed_range(16)), round_shift(acc, 2)) << acc;
  }
  EXPECT_EQ(quantize_value(1.0, -8, unsigned_range(8)), 255);  // 256 clips
  EXPECT_EQ(quantize_value(-0.3, -8, unsigned_range(8)), 0);
  EXPECT_EQ(quantize_value(std::nan(""), 0, signed_range(8)), -128);
}

TEST(Arithmetic, Ranges) {
  EXPECT_EQ(unsigned_range(4).hi, 15);
  EXPECT_EQ(signed_range(4).lo, -8);
  EXPECT_EQ(signed_range(4).hi, 7);
  EXPECT_EQ(weight_range(4).lo, -7);
  EXPECT_EQ(weight_range(2).hi, 1);
  EXPECT_EQ(unsigned_range(8).clip(300), 255);
  EXPECT_EQ(signed_range(8).clip(-300), -128);
}

TEST(Arithmetic, RoundDivMatchesFloorHalfUp) {
  for (std::int64_t s = -50; s <= 50; ++s) {
    for (std::int64_t c = 1; c <= 9; ++c) {
      ASSERT_EQ(round_div(s, c), static_cast<std::int64_t>(std::floor(static_cast<double>(s) / c + 0.5)))
          << s << "/" << c;
    }
  }
}

TEST(Arithmetic, TiesToEvenMatchNearbyint) {
  // std::nearbyint in the default floating-point mode rounds ties to even (ONNX QuantizeLinear).
  for (std::int64_t v = -300; v <= 300; ++v) {
    for (int s = 0; s <= 6; ++s) {
      ASSERT_EQ(round_shift_even(v, s), static_cast<std::int64_t>(std::nearbyint(std::ldexp(double(v), -s))))
          << v << " >> " << s;
      ASSERT_EQ(quantize_value(std::ldexp(double(v), -s - 3), -3, signed_range(16), Rounding::HalfEven),
                round_shift_even(v, s));
    }
    for (std::int64_t c = 1; c <= 9; ++c) {
      ASSERT_EQ(round_div_even(v, c), static_cast<std::int64_t>(std::nearbyint(static_cast<double>(v) / c)))
          << v << "/" << c;
    }
  }
}

}  // namespace
}  // namespace xbarsim::models
