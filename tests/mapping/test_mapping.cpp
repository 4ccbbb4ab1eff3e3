#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "common/error.hpp"
#include "mapping/quantize.hpp"
#include "mapping/unroll.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::mapping {
namespace {

TEST(Unroll, Im2colTimesWeightsEqualsDirectConvolution) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    ConvGeometry g;
    g.in_channels = 1 + trial % 3;
    g.in_h = 3 + trial % 5;
    g.in_w = 4 + trial % 4;
    g.kh = 1 + trial % 3;
    g.kw = 1 + (trial / 2) % 3;
    g.stride_h = 1 + trial % 2;
    g.stride_w = 1 + (trial / 3) % 2;
    g.pad_h = trial % 2;
    g.pad_w = (trial / 4) % 2;
    const std::int64_t cout = 2, n = 2;
    Eigen::MatrixXd in(g.in_size(), n), w(cout, g.rows());
    for (auto i = 0; i < in.size(); ++i) in.data()[i] = u(rng);
    for (auto i = 0; i < w.size(); ++i) w.data()[i] = u(rng);
    Eigen::MatrixXd cols, out;
    im2col(g, in, cols);
    col2chw<double>(w * cols, g.positions(), out);
    ASSERT_EQ(out.rows(), cout * g.positions());
    for (std::int64_t img = 0; img < n; ++img) {
      for (std::int64_t co = 0; co < cout; ++co) {
        for (std::int64_t oy = 0; oy < g.out_h(); ++oy) {
          for (std::int64_t ox = 0; ox < g.out_w(); ++ox) {
            double ref = 0;
            for (std::int64_t ci = 0; ci < g.in_channels; ++ci) {
              for (int ky = 0; ky < g.kh; ++ky) {
                for (int kx = 0; kx < g.kw; ++kx) {
                  const auto y = oy * g.stride_h - g.pad_h + ky, x = ox * g.stride_w - g.pad_w + kx;
                  if (y < 0 || x < 0 || y >= g.in_h || x >= g.in_w) continue;
                  ref += w(co, (ci * g.kh + ky) * g.kw + kx) * in(ci * g.in_h * g.in_w + y * g.in_w + x, img);
                }
              }
            }
            ASSERT_NEAR(out(co * g.positions() + oy * g.out_w() + ox, img), ref, 1e-12) << "trial " << trial;
          }
        }
      }
    }
  }
}

TEST(Unroll, AnySpanOfColumnsIsThoseColumnsOfTheWholeUnrolling) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> u(-1, 1);
  ConvGeometry g;
  g.in_channels = 3;
  g.in_h = 7;
  g.in_w = 5;
  g.kh = 3;
  g.kw = 2;
  g.stride_h = 2;
  g.pad_h = 1;
  g.pad_w = 1;
  const std::int64_t n = 3, total = n * g.positions();
  Eigen::MatrixXd in(g.in_size(), n);
  for (auto i = 0; i < in.size(); ++i) in.data()[i] = u(rng);
  Eigen::MatrixXd whole, part;
  im2col(g, in, whole);
  ASSERT_EQ(whole.cols(), total);
  for (std::int64_t first = 0; first < total; first += 7) {
    for (const std::int64_t count : {std::int64_t{1}, std::int64_t{7}, total - first}) {
      if (first + count > total) continue;
      im2col(g, in, ColumnSpan{first, count, total}, part);
      ASSERT_EQ(part.cols(), count);
      ASSERT_TRUE((part.array() == whole.middleCols(first, count).array()).all()) << first << " " << count;
    }
  }
}

double quant_error(const std::vector<float>& v, int k, models::IntRange r) {
  double e = 0;
  for (float x : v) {
    const double t = r.lo == 0 ? std::max(0.0, double{x}) : x;
    const double q = std::ldexp(static_cast<double>(models::quantize_value(x, k, r)), k);
    e += (q - t) * (q - t);
  }
  return e;
}

TEST(Quantize, ChosenExponentIsTheBestPowerOfTwo) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> g(0.0F, 0.7F);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<float> v(500);
    for (auto& x : v) x = g(rng) * static_cast<float>(trial + 1);
    const auto range = trial % 2 ? models::weight_range(8) : models::unsigned_range(8);
    const int k = choose_exponent(v, range);
    // No candidate within +-4 of it does better, so the search window holds the optimum.
    for (int d = -4; d <= 4; ++d) EXPECT_LE(quant_error(v, k, range), quant_error(v, k + d, range) + 1e-12) << trial;
  }
  // Values exactly on a grid are represented exactly.
  EXPECT_EQ(
      quant_error({0.25F, -0.5F, 0.75F, 31.75F},
                  choose_exponent({0.25F, -0.5F, 0.75F, 31.75F}, models::weight_range(8)), models::weight_range(8)),
      0.0);
}

TEST(Quantize, PostTrainingQuantizationProducesAConsistentIntegerNetwork) {
  const auto net = testing_support::toy_residual(2);
  ActivationSamples samples;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(0.0F, 1.0F), s(-3.0F, 3.0F);
  for (const char* name : {"input", "conv1", "conv2", "add", "fc"}) {
    auto& v = samples[name];
    for (int i = 0; i < 1000; ++i) v.push_back(std::string(name) == "input" ? u(rng) : s(rng));
  }
  PtqOptions opt;
  opt.weight_bits = 6;
  opt.per_channel = true;
  const auto q = quantize_post_training(net, samples, opt);
  ASSERT_TRUE(q.is_quantized());
  EXPECT_EQ(q.input_quantization->input_scale_exp, -8);  // [0, 1) on 8 bits
  const auto& conv1 = *q.find_layer("conv1")->quantization;
  EXPECT_EQ(conv1.weight_bits, 6);
  EXPECT_EQ(conv1.weight_scale_exp.size(), 2U);  // per channel
  for (double c : q.tensor(conv1.weight).to_double()) EXPECT_LE(std::fabs(c), 31.0);
  EXPECT_TRUE(conv1.output_bits.has_value());
  EXPECT_FALSE(q.find_layer("fc")->quantization->output_bits.has_value()) << "the output layer keeps accumulators";
  EXPECT_TRUE(q.find_layer("add")->quantization->output_scale_exp.has_value());
  EXPECT_FALSE(q.input_quantization->input_signed);
  // Negative network inputs get two's complement codes: [-1, 1) on 8 bits is 2^-7 per code.
  samples["input"][0] = -1.0F;
  const auto sq = quantize_post_training(net, samples, opt);
  EXPECT_TRUE(sq.input_quantization->input_signed);
  EXPECT_EQ(sq.input_quantization->lo(), -128);
  EXPECT_EQ(sq.input_quantization->hi(), 127);
  EXPECT_EQ(sq.input_quantization->input_scale_exp, -7);
  // One bit cannot hold a sign.
  opt.activation_bits = 1;
  EXPECT_THROW(quantize_post_training(net, samples, opt), Error);
}

}  // namespace
}  // namespace xbarsim::mapping
