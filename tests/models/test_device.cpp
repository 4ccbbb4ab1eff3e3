#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/error.hpp"
#include "models/adc.hpp"
#include "models/device.hpp"
#include "models/random.hpp"

namespace xbarsim::models {
namespace {

TEST(Random, StreamsAreReproducibleAndNormalIsStandard) {
  Rng a(derive_seed(7, {1, 2})), b(derive_seed(7, {1, 2})), c(derive_seed(7, {2, 1}));
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
  }
  Rng r(3);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    s += z;
    s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.01);
}

TEST(Device, LevelsOnOffRatioAndLevelUnits) {
  DeviceConfig d;
  d.g_max_us = 170.0;
  d.g_min_us = 10.0;
  const ConductanceModel m(d, 2);
  EXPECT_EQ(m.levels(), 4);
  EXPECT_DOUBLE_EQ(d.on_off_ratio(), 17.0);
  EXPECT_DOUBLE_EQ(m.target_us(0), 10.0);
  EXPECT_DOUBLE_EQ(m.target_us(3), 170.0);
  EXPECT_DOUBLE_EQ(m.g0(), 10.0 / (160.0 / 3.0));
  Rng rng(1);
  for (int k = 0; k < 4; ++k) EXPECT_DOUBLE_EQ(m.read_level_units(m.write(k, rng), CellFault::None), k);
  EXPECT_DOUBLE_EQ(m.read_level_units(0.0, CellFault::StuckOn), 3.0);
  EXPECT_DOUBLE_EQ(m.read_level_units(0.0, CellFault::StuckOff), 0.0);
  EXPECT_TRUE(d.ideal());
}

TEST(Device, WriteVariationStatistics) {
  DeviceConfig d;
  d.g_max_us = 100.0;
  d.write_sigma = 0.2;
  const ConductanceModel logn(d, 1);
  Rng rng(5);
  double s = 0, s2 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double t = std::log(logn.write(1, rng) / 100.0);
    s += t;
    s2 += t * t;
  }
  EXPECT_NEAR(s / n, 0.0, 0.005);
  EXPECT_NEAR(std::sqrt(s2 / n), 0.2, 0.005);
  d.write_model = WriteVariation::Gaussian;
  d.write_sigma_per_level = {0.0, 0.05};
  const ConductanceModel gauss(d, 1);
  EXPECT_DOUBLE_EQ(gauss.write(0, rng), 0.0) << "level 0 has sigma 0 here";
  double g2 = 0;
  for (int i = 0; i < n; ++i) g2 += std::pow(gauss.write(1, rng) / 100.0 - 1.0, 2);
  EXPECT_NEAR(std::sqrt(g2 / n), 0.05, 0.002);
  EXPECT_FALSE(d.ideal());
}

TEST(Device, MeanPreservingWritesFloorsAndBoundsFollowTheirClosedForms) {
  // Lognormal G exp(sigma n) has mean G exp(sigma^2 / 2) (+2.0 % at sigma 0.2); the
  // mean-preserving form G exp(sigma n - sigma^2 / 2) has mean G. Standard errors: about
  // 0.2 / sqrt(n) = 0.06 % here, so 0.3 % tolerances are 5 sigma.
  DeviceConfig d;
  d.g_max_us = 100.0;
  d.write_sigma = 0.2;
  const int n = 100000;
  const auto mean_of = [&](const DeviceConfig& dev, int level, std::uint64_t seed) {
    const ConductanceModel m(dev, 1);
    Rng rng(seed);
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += m.write(level, rng);
    return sum / n;
  };
  EXPECT_NEAR(mean_of(d, 1, 3) / 100.0, std::exp(0.02), 0.003);
  d.write_mean_preserving = true;
  EXPECT_NEAR(mean_of(d, 1, 3) / 100.0, 1.0, 0.003);
  // A floor is additive and state-independent: a level-0 cell (Gmin 10 uS) gets sigma 1.5 uS.
  DeviceConfig f;
  f.g_max_us = 100.0;
  f.g_min_us = 10.0;
  f.write_floor_us = 1.5;
  EXPECT_FALSE(f.ideal());
  {
    const ConductanceModel m(f, 1);
    Rng rng(4);
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double g = m.write(0, rng) - 10.0;
      s += g;
      s2 += g * g;
    }
    EXPECT_NEAR(s / n, 0.0, 0.03);
    EXPECT_NEAR(std::sqrt(s2 / n), 1.5, 0.02);
  }
  // Bounded: nothing leaves [Gmin, Gmax], so the top level's mean falls below Gmax.
  f.write_sigma = 0.2;
  f.write_bounded = true;
  const ConductanceModel m(f, 1);
  Rng rng(6);
  double top = 0;
  for (int i = 0; i < n; ++i) {
    const double g = m.write(1, rng);
    ASSERT_GE(g, 10.0);
    ASSERT_LE(g, 100.0);
    top += g;
  }
  EXPECT_LT(top / n, 95.0);
}

TEST(Device, ConductanceDependentSigmaFollowsItsPolynomial) {
  // aihwkit's PCM programming noise (Nandakumar et al. 2019): sigma(G_T) = c0 + c1 x + c2 x^2 uS, x = G_T / Gmax.
  DeviceConfig d;
  d.g_max_us = 25.0;
  d.write_sigma_poly_us = {0.26348, 1.9650, -1.1731};
  const ConductanceModel m(d, 2);
  Rng rng(4);
  for (int k = 1; k < 4; ++k) {
    const double x = (25.0 * k / 3.0) / 25.0;
    const double want = 0.26348 + 1.9650 * x - 1.1731 * x * x;
    double s = 0, s2 = 0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
      const double g = m.write(k, rng) - m.target_us(k);
      s += g;
      s2 += g * g;
    }
    EXPECT_NEAR(s / n, 0.0, 0.01);
    EXPECT_NEAR(std::sqrt(s2 / n), want, 0.01 * want) << "level " << k;
  }
  d.write_sigma_poly_us = {-1.0};  // a negative polynomial means no noise
  EXPECT_TRUE(d.ideal() == false);
  const ConductanceModel zero(d, 2);
  EXPECT_EQ(zero.write(2, rng), zero.target_us(2));
}

TEST(Device, FaultRateAndOnOffSplit) {
  DeviceConfig d;
  d.fault_rate = 0.1;
  const ConductanceModel m(d, 2);
  Rng rng(9);
  int on = 0, off = 0;
  const int n = 500000;
  for (int i = 0; i < n; ++i) {
    const auto f = m.draw_fault(rng);
    on += f == CellFault::StuckOn ? 1 : 0;
    off += f == CellFault::StuckOff ? 1 : 0;
  }
  EXPECT_NEAR(static_cast<double>(on + off) / n, 0.1, 0.002);
  EXPECT_NEAR(static_cast<double>(on) / off, 5.2, 0.2);
}

TEST(Device, DriftIsAPowerLawOfTime) {
  DeviceConfig d;
  d.g_min_us = 1.0;
  d.drift_nu = 0.1;
  d.drift_t0_s = 1.0;
  d.drift_time_s = 1000.0;
  const ConductanceModel m(d, 2);
  EXPECT_NEAR(m.drift_factor(), std::pow(1000.0, -0.1), 1e-12);
  Rng rng(1);
  // (G(t) - Gmin(t)) / dG = f * k for every level: drift is a pure gain in level units.
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(m.read_level_units(m.write(k, rng), CellFault::None), m.drift_factor() * k, 1e-12);
  d.drift_time_s = 0.5;
  EXPECT_THROW(d.validate("dev", 2), Error);
}

TEST(Adc, PowerOfTwoStepClippingAndExactness) {
  const AdcTransfer a = make_adc(8, false, 384.0);  // ISAAC: 128 rows x level 3
  EXPECT_EQ(a.step_log2, 1);
  EXPECT_FALSE(a.exact());
  EXPECT_FLOAT_EQ(a.convert(3.0F), 4.0F);  // 1.5 steps: a tie, to the even code 2
  EXPECT_FLOAT_EQ(a.convert(5.0F), 4.0F);  // 2.5 steps: to the even code 2
  EXPECT_FLOAT_EQ(a.convert(1.0F), 0.0F);
  EXPECT_FLOAT_EQ(a.convert(2.9F), 2.0F);
  EXPECT_FLOAT_EQ(a.convert(1000.0F), 510.0F);
  EXPECT_FLOAT_EQ(a.convert(-5.0F), 0.0F);
  EXPECT_EQ(exact_adc_bits(384.0, false), 9);
  EXPECT_TRUE(make_adc(9, false, 384.0).exact());
  const AdcTransfer fine = make_adc(12, false, 384.0);
  EXPECT_EQ(fine.step_log2, -3);
  EXPECT_FLOAT_EQ(fine.convert(2.3F), 2.25F);
  const AdcTransfer bi = make_adc(4, true, 384.0);
  EXPECT_EQ(bi.code_min(), -8);
  EXPECT_EQ(bi.code_max(), 7);
  EXPECT_EQ(bi.step_log2, 6);  // 7 x 64 >= 384
  EXPECT_FLOAT_EQ(bi.convert(-1000.0F), -512.0F);
  EXPECT_EQ(exact_adc_bits(384.0, true), 10);
}

}  // namespace
}  // namespace xbarsim::models
