// Training from the chip's device: the trainer's LibTorch sampler against the mapping's own
// encoders and models::ConductanceModel, two separate implementations of the same cells.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mapping/sign_scheme.hpp"
#include "models/device.hpp"
#include "models/random.hpp"
#include "train/device_noise.hpp"

namespace xbarsim::train {
namespace {

TEST(DeviceNoise, SamplesTheWeightsTheProgrammedCellsCompute) {
  models::DeviceConfig d;
  d.g_min_us = 10.0;
  d.g_max_us = 100.0;
  d.write_sigma_per_level = {0.05, 0.1, 0.15, 0.2};
  d.write_mean_preserving = true;
  d.write_floor_us = 0.5;
  d.write_sigma_poly_us = {0.2, 1.0, -0.5};
  d.write_bounded = true;
  const std::vector<int> codes = {-127, -64, -45, -1, 0, 1, 45, 64, 127};
  const int n = 20000;
  torch::manual_seed(3);
  for (auto sign : {mapping::SignScheme::TwoColumn, mapping::SignScheme::Differential, mapping::SignScheme::Offset}) {
    mapping::CrossbarGeometry g;
    g.cell_bits = 2;
    g.weight_bits = 8;
    g.sign = sign;
    const DeviceNoise noise(d, g, "test");
    // Torch: every code n times.
    std::vector<double> flat;
    for (int c : codes)
      for (int i = 0; i < n; ++i) flat.push_back(c);
    const auto sampled = noise.sample(torch::tensor(flat, torch::kFloat64)).view({static_cast<long>(codes.size()), n});
    // C++: the mapping's encoding of each code, each cell written by the chip's device model.
    const models::ConductanceModel model(d, g.cell_bits);
    const double dg = (d.g_max_us - d.g_min_us) / 3.0;
    const auto encoder = mapping::make_sign_encoder(sign);
    models::Rng rng(11);
    for (std::size_t k = 0; k < codes.size(); ++k) {
      const auto block = encoder->encode({codes[k]}, 1, 1, g);
      double s = 0, s2 = 0;
      for (int i = 0; i < n; ++i) {
        double v = 0;
        for (std::size_t col = 0; col < block.columns.size(); ++col) {
          const auto& role = block.columns[col];
          if (role.kind == mapping::ColumnRole::Kind::Reference) {
            v -= std::ldexp(1.0, g.weight_bits - 1);  // the reference, exact in both
            continue;
          }
          const double u = (model.write(block.level(0, col), rng) - d.g_min_us) / dg;
          const double w = std::ldexp(1.0, role.slice * g.cell_bits);
          v += role.kind == mapping::ColumnRole::Kind::Negative ? -w * u : w * u;
        }
        s += v;
        s2 += v * v;
      }
      const double mean = s / n, sd = std::sqrt(s2 / n - mean * mean);
      const auto row = sampled[static_cast<long>(k)];
      const double tmean = row.mean().item<double>(), tsd = row.std().item<double>();
      EXPECT_NEAR(tmean, mean, 5 * sd / std::sqrt(n)) << mapping::sign_scheme_name(sign) << " code " << codes[k];
      EXPECT_NEAR(tsd, sd, 0.04 * sd) << mapping::sign_scheme_name(sign) << " code " << codes[k];
      EXPECT_GT(sd, 0.1) << "every code is noisy, a zero too";
    }
  }
  // What training cannot sample is said, not silently dropped.
  models::DeviceConfig faulty;
  faulty.fault_rate = 1e-3;
  faulty.drift_nu = 0.05;
  EXPECT_EQ(DeviceNoise(faulty, mapping::CrossbarGeometry{}, "t").ignored(), "stuck-at faults, drift");
}

}  // namespace
}  // namespace xbarsim::train
