#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <random>

#include "common/error.hpp"
#include "models/arithmetic.hpp"
#include "sim/calibrate.hpp"
#include "sim/reference.hpp"
#include "tests/support/quantized_toy.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim {
namespace {

using workloads::LayerKind;
using workloads::Network;
using workloads::Tensor;

Network single_layer(workloads::Shape in_shape) {
  Network net;
  net.name = "one";
  net.input_shape = std::move(in_shape);
  net.weights_file = "one.safetensors";
  return net;
}

TEST(ReferenceFloat, ConvolutionByHand) {
  Network net = single_layer({1, 3, 3});
  workloads::Layer L;
  L.name = "c";
  L.kind = LayerKind::Conv2d;
  L.inputs = {"input"};
  L.in_channels = 1;
  L.out_channels = 2;
  L.kernel_size = {2, 2};
  L.weight = "w";
  L.bias = "b";
  net.tensors["w"] = Tensor::from<float>({2, 1, 2, 2}, {1, 1, 1, 1, 1, 0, 0, -1});
  net.tensors["b"] = Tensor::from<float>({2}, {0.5F, 0});
  net.layers.push_back(L);
  workloads::validate_and_infer(net, "t");
  Eigen::MatrixXf x(9, 1);
  x << 1, 2, 3, 4, 5, 6, 7, 8, 9;
  const Eigen::MatrixXd y = ReferenceEngine(net, Precision::Float).forward(x);
  // Channel 0 sums each 2x2 window (+0.5), channel 1 is x[y][x] - x[y+1][x+1] = -4.
  const double want[] = {12.5, 16.5, 24.5, 28.5, -4, -4, -4, -4};
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(y(i, 0), want[i]) << i;
}

TEST(ReferenceFloat, PoolingLinearAddByHand) {
  Network net = single_layer({1, 4, 4});
  testing_support::add_simple(net, "max", LayerKind::MaxPool2d, "input");
  testing_support::add_simple(net, "avg", LayerKind::AvgPool2d, "input");
  workloads::Layer add;
  add.name = "sum";
  add.kind = LayerKind::Add;
  add.inputs = {"max", "avg"};
  net.layers.push_back(add);
  testing_support::add_simple(net, "flat", LayerKind::Flatten, "sum");
  workloads::Layer fc;
  fc.name = "fc";
  fc.kind = LayerKind::Linear;
  fc.inputs = {"flat"};
  fc.in_features = 4;
  fc.out_features = 1;
  fc.weight = "fw";
  net.tensors["fw"] = Tensor::from<float>({1, 4}, {1, -1, 2, 0.5F});
  net.layers.push_back(fc);
  workloads::validate_and_infer(net, "t");
  Eigen::MatrixXf x(16, 1);
  for (int i = 0; i < 16; ++i) x(i, 0) = static_cast<float>(i);
  // 2x2 windows: max {5, 7, 13, 15}, mean {2.5, 4.5, 10.5, 12.5}; sum {7.5, 11.5, 23.5, 27.5}
  const double y = ReferenceEngine(net, Precision::Float).forward(x)(0, 0);
  EXPECT_DOUBLE_EQ(y, 7.5 - 11.5 + 2 * 23.5 + 0.5 * 27.5);
}

// ---- An independent integer implementation: direct loops over the Network, int64 everywhere.
struct IntTensor {
  std::vector<std::int64_t> v;
  int exp = 0;
};

bool only_relu_reads(const Network& net, const std::string& name) {
  bool any = false, only = true;
  for (const auto& L : net.layers) {
    for (const auto& in : L.inputs) {
      if (in == name) {
        any = true;
        only = only && L.kind == LayerKind::Relu;
      }
    }
  }
  return any && only;
}

std::vector<std::int64_t> naive_integer_forward(const Network& net, const std::vector<float>& x) {
  std::map<std::string, IntTensor> t;
  const auto& iq = *net.input_quantization;
  IntTensor in;
  in.exp = iq.input_scale_exp;
  // Rescales round ties up (floor(v + 1/2)) or to even (std::nearbyint), in double: exact here.
  const auto rescale = [&](std::int64_t v, int shift) {
    const double x = std::ldexp(static_cast<double>(v), -shift);
    return static_cast<std::int64_t>(iq.ties_to_even ? std::nearbyint(x) : std::floor(x + 0.5));
  };
  const auto average = [&](std::int64_t sum, std::int64_t n) {
    const double x = static_cast<double>(sum) / static_cast<double>(n);
    return static_cast<std::int64_t>(iq.ties_to_even ? std::nearbyint(x) : std::floor(x + 0.5));
  };
  for (float v : x) {
    const double scaled = std::ldexp(static_cast<double>(v), -iq.input_scale_exp);
    in.v.push_back(std::clamp<std::int64_t>(
        static_cast<std::int64_t>(iq.ties_to_even ? std::nearbyint(scaled) : std::floor(scaled + 0.5)), iq.lo(),
        iq.hi()));
  }
  t[net.input_name] = in;
  for (const auto& L : net.layers) {
    const IntTensor& a = t.at(L.inputs[0]);
    const auto& ish = net.shape_of(L.inputs[0]);
    IntTensor out;
    out.exp = a.exp;
    if (L.has_weights()) {
      const auto& q = *L.quantization;
      const auto w = net.tensor(q.weight).to_double();
      const auto b = q.bias.empty() ? std::vector<double>() : net.tensor(q.bias).to_double();
      const bool conv = L.kind == LayerKind::Conv2d;
      const std::int64_t co = conv ? L.out_channels : L.out_features;
      const std::int64_t oh = conv ? L.output_shape[1] : 1, ow = conv ? L.output_shape[2] : 1;
      const auto range = only_relu_reads(net, L.name) ? models::unsigned_range(q.output_bits.value_or(8))
                                                      : models::signed_range(q.output_bits.value_or(8));
      for (std::int64_t c = 0; c < co; ++c) {
        for (std::int64_t oy = 0; oy < oh; ++oy) {
          for (std::int64_t ox = 0; ox < ow; ++ox) {
            std::int64_t acc = b.empty() ? 0 : static_cast<std::int64_t>(b[c]);
            if (conv) {
              for (std::int64_t ci = 0; ci < L.in_channels; ++ci) {
                for (int ky = 0; ky < L.kernel_size[0]; ++ky) {
                  for (int kx = 0; kx < L.kernel_size[1]; ++kx) {
                    const auto yy = oy * L.stride[0] - L.padding[0] + ky, xx = ox * L.stride[1] - L.padding[1] + kx;
                    if (yy < 0 || xx < 0 || yy >= ish[1] || xx >= ish[2]) continue;
                    acc += static_cast<std::int64_t>(
                               w[((c * L.in_channels + ci) * L.kernel_size[0] + ky) * L.kernel_size[1] + kx]) *
                           a.v[(ci * ish[1] + yy) * ish[2] + xx];
                  }
                }
              }
            } else {
              for (std::int64_t i = 0; i < L.in_features; ++i)
                acc += static_cast<std::int64_t>(w[c * L.in_features + i]) * a.v[i];
            }
            if (q.output_bits) acc = range.clip(rescale(acc, *q.output_scale_exp - a.exp - q.weight_exp(c)));
            out.v.push_back(acc);
          }
        }
      }
      out.exp = q.output_scale_exp.value_or(0);
    } else if (L.kind == LayerKind::Relu) {
      for (auto v : a.v) out.v.push_back(std::max<std::int64_t>(0, v));
    } else if (L.kind == LayerKind::Flatten) {
      out.v = a.v;
    } else if (L.kind == LayerKind::Slice || L.kind == LayerKind::Pad) {
      const auto& os = L.output_shape;
      for (std::int64_t c = 0; c < os[0]; ++c) {
        for (std::int64_t y = 0; y < os[1]; ++y) {
          for (std::int64_t xx = 0; xx < os[2]; ++xx) {
            const bool slice = L.kind == LayerKind::Slice;
            const std::int64_t ic = slice ? L.begin[0] + c * L.step[0] : c - L.pad_before[0];
            const std::int64_t iy = slice ? L.begin[1] + y * L.step[1] : y - L.pad_before[1];
            const std::int64_t ix = slice ? L.begin[2] + xx * L.step[2] : xx - L.pad_before[2];
            const bool inside = ic >= 0 && ic < ish[0] && iy >= 0 && iy < ish[1] && ix >= 0 && ix < ish[2];
            out.v.push_back(inside ? a.v[(ic * ish[1] + iy) * ish[2] + ix] : 0);
          }
        }
      }
    } else if (L.kind == LayerKind::Add) {
      const IntTensor& b = t.at(L.inputs[1]);
      const int e = std::min(a.exp, b.exp);
      const auto& q = *L.quantization;
      const auto range =
          only_relu_reads(net, L.name) ? models::unsigned_range(*q.output_bits) : models::signed_range(*q.output_bits);
      for (std::size_t i = 0; i < a.v.size(); ++i) {
        const std::int64_t s = a.v[i] * (std::int64_t{1} << (a.exp - e)) + b.v[i] * (std::int64_t{1} << (b.exp - e));
        out.v.push_back(range.clip(rescale(s, *q.output_scale_exp - e)));
      }
      out.exp = *q.output_scale_exp;
    } else {  // 2x2 pools, stride 2, no padding in the toy networks
      const bool is_max = L.kind == LayerKind::MaxPool2d;
      for (std::int64_t c = 0; c < ish[0]; ++c) {
        for (std::int64_t oy = 0; oy < L.output_shape[1]; ++oy) {
          for (std::int64_t ox = 0; ox < L.output_shape[2]; ++ox) {
            std::int64_t m = std::numeric_limits<std::int64_t>::min(), s = 0;
            for (int d = 0; d < 4; ++d) {
              const std::int64_t v = a.v[(c * ish[1] + 2 * oy + d / 2) * ish[2] + 2 * ox + d % 2];
              m = std::max(m, v);
              s += v;
            }
            out.v.push_back(is_max ? m : average(s, 4));
          }
        }
      }
    }
    t[L.name] = out;
  }
  return t.at(net.output).v;
}

using testing_support::quantized_toy;

TEST(ReferenceInt, MatchesAnIndependentIntegerImplementationBitForBit) {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    for (const Network& fnet :
         {testing_support::toy_cnn(seed), testing_support::toy_residual(seed), testing_support::toy_option_a(seed)}) {
      for (int bits : {4, 8}) {
        Network q = quantized_toy(fnet, bits);
        q.input_quantization->ties_to_even = seed % 2 == 0;  // both tie rules
        const ReferenceEngine engine(q, Precision::Int);
        Eigen::MatrixXf x = (Eigen::MatrixXf::Random(engine.input_size(), 5).array() + 1.0F) * 0.5F;
        const Eigen::MatrixXd codes = engine.forward_int_codes(x);
        for (int img = 0; img < 5; ++img) {
          const std::vector<float> xi(x.col(img).data(), x.col(img).data() + x.rows());
          const auto ref = naive_integer_forward(q, xi);
          ASSERT_EQ(static_cast<std::size_t>(codes.rows()), ref.size());
          for (std::size_t i = 0; i < ref.size(); ++i) {
            ASSERT_EQ(static_cast<std::int64_t>(codes(static_cast<Eigen::Index>(i), img)), ref[i])
                << q.name << " seed " << seed << " bits " << bits << " image " << img << " output " << i;
          }
        }
      }
    }
  }
}

TEST(ReferenceInt, ApproachesFloatAsBitsGrow) {
  std::srand(9);  // Eigen's Random draws from std::rand: the inputs must not depend on earlier tests
  const Network fnet = testing_support::toy_cnn(9);
  const ReferenceEngine fe(fnet, Precision::Float);
  Eigen::MatrixXf x = (Eigen::MatrixXf::Random(fe.input_size(), 32).array() + 1.0F) * 0.5F;
  const Eigen::MatrixXd ref = fe.forward(x);
  double prev = 1e9;
  for (int bits : {4, 8, 12}) {
    const Eigen::MatrixXd y = ReferenceEngine(quantized_toy(fnet, bits), Precision::Int).forward(x);
    const double err = (y - ref).norm() / ref.norm();
    EXPECT_LT(err, prev) << bits << " bits";
    prev = err;
  }
  EXPECT_LT(prev, 2e-3) << "12-bit power-of-two quantization is close to float";
}

TEST(Evaluate, DigestsTellOutputsApartWhereClassesAgree) {
  // "Exact" in run --ladder compares these digests: same classes with other outputs must differ.
  workloads::Dataset d;
  d.name = "random";
  d.count = 20;
  d.channels = 2;
  d.height = d.width = 8;
  d.classes = 4;
  std::mt19937_64 rng(2);
  for (std::int64_t i = 0; i < d.count * d.image_size(); ++i) d.pixels.push_back(static_cast<std::uint8_t>(rng()));
  d.labels.assign(static_cast<std::size_t>(d.count), 0);
  const ReferenceEngine e(testing_support::toy_cnn(4), Precision::Float);
  EvalOptions o;
  o.batch = 7;
  const auto a = evaluate(e, d, workloads::Normalization{}, o);
  const auto b = evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t) { return e.forward(x); }, e.input_size(),
                                  d, workloads::Normalization{}, o);
  const auto c = evaluate_forward(
      [&](const Eigen::MatrixXf& x, std::uint64_t) { return Eigen::MatrixXd(e.forward(x).array() * (1.0 + 1e-12)); },
      e.input_size(), d, workloads::Normalization{}, o);
  EXPECT_EQ(a.output_digests, b.output_digests);
  EXPECT_EQ(a.predictions, c.predictions);
  for (std::size_t i = 0; i < a.output_digests.size(); ++i) EXPECT_NE(a.output_digests[i], c.output_digests[i]) << i;
}

TEST(Calibration, SamplesPickedAsBatchesPassAreTheStridedSamplesOfEveryValue) {
  // 100 images (a batch of 64 and one of 36), 97 samples per tensor: against keeping every value
  // and taking positions floor(i size / 97) of them.
  const auto net = testing_support::toy_cnn(4);
  const auto data = testing_support::synthetic_dataset(150, 2, 8, 8, 53, 247);
  workloads::Normalization norm;
  norm.mean = {0.1, 0.2};
  norm.std = {0.5, 0.7};
  CalibrationOptions every;
  every.images = 100;
  every.seed = 3;
  every.max_values = std::int64_t{1} << 40;
  CalibrationOptions strided = every;
  strided.max_values = 97;
  const auto all = collect_activation_samples(net, data, norm, every);
  const auto got = collect_activation_samples(net, data, norm, strided);
  ASSERT_EQ(all.size(), got.size());
  for (const auto& [name, values] : all) {
    const auto size = static_cast<std::int64_t>(values.size());
    ASSERT_GT(size, 97) << name;
    std::vector<float> want;
    for (std::int64_t i = 0; i < 97; ++i) want.push_back(values[static_cast<std::size_t>(i * size / 97)]);
    EXPECT_EQ(got.at(name), want) << name;
  }
}

TEST(ReferenceInt, RefusesAFloatNetwork) {
  EXPECT_THROW(ReferenceEngine(testing_support::toy_cnn(1), Precision::Int), Error);
  EXPECT_THROW(parse_precision("double"), Error);
}

}  // namespace
}  // namespace xbarsim::sim
