#include "train/device_noise.hpp"

#include <cmath>
#include <vector>

#include "common/error.hpp"

namespace xbarsim::train {

DeviceNoise::DeviceNoise(const models::DeviceConfig& device, const mapping::CrossbarGeometry& geometry,
                         const std::string& where)
    : device_(device), geometry_(geometry) {
  device.validate(where, geometry.cell_bits);
  geometry.validate(where);
  dg_ = (device.g_max_us - device.g_min_us) / static_cast<double>((1 << geometry.cell_bits) - 1);
}

std::string DeviceNoise::ignored() const {
  std::vector<std::string> out;
  if (device_.fault_rate > 0 || device_.correlated_faults()) out.emplace_back("stuck-at faults");
  if (device_.drifts()) out.emplace_back("drift");
  if (device_.read_noise_sigma > 0 || device_.read_noise_floor_us > 0) out.emplace_back("read noise");
  std::string s;
  for (std::size_t i = 0; i < out.size(); ++i) s += (i == 0 ? "" : ", ") + out[i];
  return s;
}

torch::Tensor DeviceNoise::write(const torch::Tensor& levels) const {
  const auto& d = device_;
  const int n = 1 << geometry_.cell_bits;
  const torch::Tensor target = d.g_min_us + levels * dg_;
  // Per-level sigma: a lookup of the level's sigma (or the one sigma).
  std::vector<double> sig(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) sig[static_cast<std::size_t>(k)] = d.sigma(k);
  const torch::Tensor sigma =
      torch::tensor(sig, torch::kFloat64).index({levels.to(torch::kLong).flatten()}).view(levels.sizes());
  torch::Tensor g = target;
  const torch::Tensor z = torch::randn_like(target);
  if (d.write_model == models::WriteVariation::Lognormal) {
    g = target * torch::exp(sigma * z - (d.write_mean_preserving ? 0.5 : 0.0) * sigma * sigma);
  } else {
    g = target * (1.0 + sigma * z);
  }
  if (!d.write_sigma_poly_us.empty()) {  // sigma(G) = max(0, sum_i c_i (G_T / Gmax)^i)
    const torch::Tensor x = target / d.g_max_us;
    torch::Tensor s = torch::zeros_like(x), power = torch::ones_like(x);
    for (double c : d.write_sigma_poly_us) {
      s = s + c * power;
      power = power * x;
    }
    g = g + s.clamp_min(0.0) * torch::randn_like(target);
  }
  if (d.write_floor_us > 0) g = g + d.write_floor_us * torch::randn_like(target);
  g = d.write_bounded ? g.clamp(d.g_min_us, d.g_max_us) : g.clamp_min(0.0);
  return (g - d.g_min_us) / dg_;
}

torch::Tensor DeviceNoise::sample(const torch::Tensor& codes) const {
  const auto dtype = codes.scalar_type();
  const torch::Tensor w = codes.detach().to(torch::kFloat64).round();
  const int c = geometry_.cell_bits, S = geometry_.slices();
  const double top = (1 << c) - 1;
  torch::Tensor out = torch::zeros_like(w);
  if (geometry_.sign == mapping::SignScheme::Offset) {
    const torch::Tensor u = w + std::ldexp(1.0, geometry_.weight_bits - 1);  // b-bit unsigned
    for (int s = 0; s < S; ++s) {
      const torch::Tensor level = torch::fmod(torch::floor(u / std::ldexp(1.0, s * c)), top + 1);
      out = out + std::ldexp(1.0, s * c) * write(level);
    }
    // The reference (its own cells, shared by every channel of a crossbar) is taken as exact.
    out = out - std::ldexp(1.0, geometry_.weight_bits - 1);
    return out.to(dtype);
  }
  const torch::Tensor m = w.abs();
  const torch::Tensor positive = w > 0, negative = w < 0;
  for (int s = 0; s < S; ++s) {
    const torch::Tensor slice = torch::fmod(torch::floor(m / std::ldexp(1.0, s * c)), top + 1);
    torch::Tensor plus, minus;
    if (geometry_.sign == mapping::SignScheme::TwoColumn) {  // (m_s, 0) or (0, m_s)
      plus = torch::where(positive, slice, torch::zeros_like(slice));
      minus = torch::where(negative, slice, torch::zeros_like(slice));
    } else {  // differential: (L, L - m_s) for w >= 0, (L - m_s, L) for w < 0
      plus = torch::where(negative, top - slice, torch::full_like(slice, top));
      minus = torch::where(negative, torch::full_like(slice, top), top - slice);
    }
    out = out + std::ldexp(1.0, s * c) * (write(plus) - write(minus));
  }
  return out.to(dtype);
}

}  // namespace xbarsim::train
