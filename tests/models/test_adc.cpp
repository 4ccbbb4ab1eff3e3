// The ADC's rounding and non-idealities against closed forms computed here, not by the model.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "models/adc.hpp"
#include "models/random.hpp"

namespace xbarsim::models {
namespace {

TEST(Adc, IntegerReadingsRoundWithoutBiasAtCoarseSteps) {
  // Ideal cells read integers; at a step of 2 (or 4) every other (every fourth) integer sits exactly on
  // a threshold. Over every integer of the range the mean error is 0 and zero converts to zero.
  for (int step_log2 : {1, 2}) {
    AdcTransfer a = make_adc(8, false, 255.0 * std::ldexp(1.0, step_log2));
    ASSERT_EQ(a.step_log2, step_log2);
    double sum = 0, n = 0;
    for (int r = 0; r <= 200; ++r) {
      const double e = a.convert(static_cast<float>(r)) - r;
      EXPECT_LE(std::abs(e), a.step() / 2) << r;
      sum += e;
      ++n;
    }
    EXPECT_NEAR(sum / n, 0.0, 0.02) << "step " << a.step();
    EXPECT_EQ(a.convert(0.0F), 0.0F);
    std::vector<float> v{0, 1, 2, 3, 5, 6, 7, 1000};  // the vectorised path rounds the same way
    auto w = v;
    a.convert_all(w.data(), static_cast<std::ptrdiff_t>(w.size()));
    for (std::size_t i = 0; i < v.size(); ++i) EXPECT_EQ(w[i], a.convert(v[i])) << v[i];
  }
}

TEST(Adc, NonidealConverterMatchesItsClosedForms) {
  const AdcTransfer a = make_adc(8, false, 255.0);  // step 1: LSB = 1 level
  ASSERT_EQ(a.step_log2, 0);
  // No errors drawn: the ideal transfer.
  AdcNonideality none;
  const AdcErrors ideal;
  for (double r : {0.0, 0.4, 0.6, 17.5, 254.6, 300.0})
    EXPECT_EQ(convert_nonideal(a, none, ideal, r, 0.0), a.convert(r));

  // Offset and gain: the code of r is round(g r + o).
  AdcErrors e;
  e.gain = 1.02;
  e.offset_lsb = 0.7;
  EXPECT_EQ(convert_nonideal(a, none, e, 100.0, 0.0), std::round(1.02 * 100 + 0.7));
  // Drawn per ADC: the spread of offsets and gains over many ADCs is the configured sigma.
  AdcNonideality spread;
  spread.offset_sigma_lsb = 1.5;
  spread.gain_sigma = 0.01;
  Rng rng(7);
  double so = 0, so2 = 0, sg = 0, sg2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const AdcErrors d = draw_adc_errors(spread, 8, rng);
    so += d.offset_lsb;
    so2 += d.offset_lsb * d.offset_lsb;
    sg += d.gain - 1;
    sg2 += (d.gain - 1) * (d.gain - 1);
  }
  EXPECT_NEAR(std::sqrt(so2 / n - so * so / n / n), 1.5, 0.03);
  EXPECT_NEAR(std::sqrt(sg2 / n - sg * sg / n / n), 0.01, 0.0002);

  // INL: a parabola over the codes, inl at mid-range, 0 at both ends: 2 LSB moves mid-scale by 2 codes.
  AdcNonideality inl;
  inl.inl_lsb = 2.0;
  EXPECT_EQ(convert_nonideal(a, inl, ideal, 127.5, 0.0), 130.0);  // 127.5 + 2 * (1 - 0^2) = 129.5 -> even
  EXPECT_EQ(convert_nonideal(a, inl, ideal, 0.0, 0.0), 0.0);
  EXPECT_EQ(convert_nonideal(a, inl, ideal, 255.0, 0.0), 255.0);
  // A quarter of the way: t = -0.5, bow 2 * 0.75 = 1.5 LSB.
  EXPECT_EQ(convert_nonideal(a, inl, ideal, 63.75 - 0.25, 0.0), std::round(63.5 + 1.5));

  // DNL: thresholds displaced, still ordered, so the transfer stays monotonic; the code widths
  // w_k = 1 + d_(k+1) - d_k have mean 1 and variance 2 sigma^2 (sigma small enough not to clip).
  AdcNonideality dnl;
  dnl.dnl_sigma_lsb = 0.1;
  Rng r2(11);
  const AdcErrors d = draw_adc_errors(dnl, 8, r2);
  ASSERT_EQ(d.threshold_lsb.size(), 255U);
  double last = -1, sw = 0, sw2 = 0;
  int widths = 0;
  double prev_threshold = 0.5 + d.threshold_lsb[0];
  for (int k = 2; k <= 254; ++k) {
    const double t = k - 0.5 + d.threshold_lsb[static_cast<std::size_t>(k - 1)];
    // Just below and above the threshold between codes k-1 and k.
    EXPECT_EQ(convert_nonideal(a, dnl, d, t - 1e-6, 0.0), k - 1);
    EXPECT_EQ(convert_nonideal(a, dnl, d, t + 1e-6, 0.0), k);
    sw += t - prev_threshold;
    sw2 += (t - prev_threshold) * (t - prev_threshold);
    prev_threshold = t;
    ++widths;
  }
  for (double r = 0; r < 256; r += 0.05) {
    const double c = convert_nonideal(a, dnl, d, r, 0.0);
    EXPECT_GE(c, last);
    last = c;
  }
  const double mean_w = sw / widths;
  EXPECT_NEAR(mean_w, 1.0, 0.01);
  EXPECT_NEAR(std::sqrt(sw2 / widths - mean_w * mean_w), std::sqrt(2.0) * 0.1, 0.025);

  // Input-referred noise: a reading delta below a threshold converts to the upper code with
  // probability 1 - Phi(delta / sigma).
  AdcNonideality noisy;
  noisy.noise_lsb = 0.5;
  Rng r3(3);
  int up = 0;
  const int trials = 40000;
  for (int i = 0; i < trials; ++i) up += convert_nonideal(a, noisy, ideal, 10.5 - 0.25, r3.normal()) >= 11.0 ? 1 : 0;
  const double want = 0.5 * std::erfc(0.25 / 0.5 / std::sqrt(2.0));  // 1 - Phi(0.5) = 0.3085
  EXPECT_NEAR(static_cast<double>(up) / trials, want, 0.01);
}

}  // namespace
}  // namespace xbarsim::models
