#include "mapping/mapped_network.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/error.hpp"

#include "mapping/quantize.hpp"

namespace xbarsim::mapping {

MappedNetwork compile(const workloads::Network& net, const HardwareConfig& hw) {
  if (!net.is_quantized()) {
    throw Error("network '" + net.name +
                "' is not quantized: map an integer workload (xbarsim quantize, or the zoo's *_int8 / *_crimp)");
  }
  MappedNetwork m;
  m.hardware = hw;
  std::map<std::string, int> exp{{net.input_name, net.input_quantization->input_scale_exp}};
  std::map<std::string, models::IntRange> range{
      {net.input_name, models::IntRange{net.input_quantization->lo(), net.input_quantization->hi()}}};
  for (const auto& L : net.layers) {
    const int in_exp = exp.count(L.inputs[0]) != 0 ? exp.at(L.inputs[0]) : 0;
    const models::IntRange in_range = range.count(L.inputs[0]) != 0 ? range.at(L.inputs[0]) : models::IntRange{};
    if (L.kind == workloads::LayerKind::Add) {
      exp[L.name] = *L.quantization->output_scale_exp;
      range[L.name] = output_code_range(net, L.name, *L.quantization->output_bits);
    }
    if (!L.has_weights()) {
      if (L.kind != workloads::LayerKind::Add) {
        exp[L.name] = in_exp;
        range[L.name] = L.kind == workloads::LayerKind::Relu ? models::IntRange{std::max<std::int64_t>(0, in_range.lo),
                                                                                std::max<std::int64_t>(0, in_range.hi)}
                                                             : in_range;
      }
      continue;
    }
    const auto& q = *L.quantization;
    MappedLayer ml;
    ml.name = L.name;
    ml.shape = unrolled_shape(L);
    ml.geometry = hw.geometry(q.weight_bits);
    ml.geometry.validate("hardware '" + hw.name + "' for layer '" + L.name + "'");
    const auto codes = net.tensor(q.weight).to_double();
    std::vector<std::int32_t> w(codes.size());
    std::vector<std::uint8_t> keep(codes.size());
    for (std::size_t i = 0; i < codes.size(); ++i) {
      w[i] = static_cast<std::int32_t>(codes[i]);
      keep[i] = w[i] != 0 ? 1 : 0;
    }
    ml.footprint = footprint(ml.shape, keep, ml.geometry);
    const std::int64_t cout = ml.shape.cout;
    ml.bias.assign(static_cast<std::size_t>(cout), 0);
    if (!q.bias.empty()) {
      const auto b = net.tensor(q.bias).to_double();
      for (std::int64_t c = 0; c < cout; ++c) ml.bias[c] = static_cast<std::int32_t>(b[c]);
    }
    ml.raw = !q.output_bits.has_value();
    ml.shift.assign(static_cast<std::size_t>(cout), 0);
    for (std::int64_t c = 0; c < cout; ++c) ml.shift[c] = ml.raw ? 0 : *q.output_scale_exp - in_exp - q.weight_exp(c);
    if (!ml.raw) ml.range = output_code_range(net, L.name, *q.output_bits);
    exp[L.name] = q.output_scale_exp.value_or(0);
    range[L.name] = ml.range;
    ml.input_range = in_range;
    ml.input_bits = 1;
    while (in_range.lo < 0 ? (models::signed_range(ml.input_bits).lo > in_range.lo ||
                              models::signed_range(ml.input_bits).hi < in_range.hi)
                           : models::unsigned_range(ml.input_bits).hi < in_range.hi) {
      ++ml.input_bits;
    }
    // The engines accumulate in double: exact while |acc| < 2^53 (docs/models.md).
    {
      const double in_max = static_cast<double>(std::max(std::abs(in_range.lo), std::abs(in_range.hi)));
      double bias_max = 0;
      for (auto b : ml.bias) bias_max = std::max(bias_max, std::abs(static_cast<double>(b)));
      const double bound = std::ldexp(1.0, q.weight_bits - 1) * in_max * static_cast<double>(ml.shape.rows) + bias_max;
      if (bound >= std::ldexp(1.0, 53)) {
        throw Error("layer '" + L.name + "': " + std::to_string(q.weight_bits) + "-bit weights x " +
                    std::to_string(ml.input_bits) + "-bit inputs over " + std::to_string(ml.shape.rows) +
                    " rows can reach " + std::to_string(bound) + ", past 2^53, the largest exact accumulator");
      }
    }

    // Allocation (the rule of footprint()): compact kept kernel groups per channel group, cut into R rows.
    const auto encoder = make_sign_encoder(hw.sign);
    const std::int64_t G = ml.geometry.channels_per_crossbar();
    const std::size_t layer_index = m.layers.size();
    for (std::int64_t c0 = 0; c0 < cout; c0 += G) {
      const std::int64_t c1 = std::min(c0 + G, cout);
      std::vector<std::int64_t> kept;
      for (std::int64_t r0 = 0; r0 < ml.shape.rows; r0 += ml.shape.kernel_area) {
        const std::int64_t r1 = std::min(r0 + ml.shape.kernel_area, ml.shape.rows);
        bool any = false;
        for (std::int64_t c = c0; c < c1 && !any; ++c) {
          for (std::int64_t r = r0; r < r1 && !any; ++r) any = w[static_cast<std::size_t>(c * ml.shape.rows + r)] != 0;
        }
        for (std::int64_t r = r0; any && r < r1; ++r) kept.push_back(r);
      }
      for (std::size_t b0 = 0; b0 < kept.size(); b0 += static_cast<std::size_t>(hw.rows)) {
        const std::size_t b1 = std::min(kept.size(), b0 + static_cast<std::size_t>(hw.rows));
        MappedCrossbar xb;
        xb.layer = layer_index;
        xb.channel_begin = c0;
        xb.channel_end = c1;
        xb.rows.assign(kept.begin() + static_cast<std::ptrdiff_t>(b0), kept.begin() + static_cast<std::ptrdiff_t>(b1));
        const auto nrows = static_cast<std::int64_t>(xb.rows.size());
        std::vector<std::int32_t> block(static_cast<std::size_t>(nrows * (c1 - c0)));
        bool nonzero = false;
        for (std::int64_t c = c0; c < c1; ++c) {
          for (std::int64_t i = 0; i < nrows; ++i) {
            const auto v = w[static_cast<std::size_t>(c * ml.shape.rows + xb.rows[static_cast<std::size_t>(i)])];
            block[static_cast<std::size_t>((c - c0) * nrows + i)] = v;
            nonzero = nonzero || v != 0;
          }
        }
        if (!nonzero) continue;  // an all-zero block is never allocated
        xb.cells = encoder->encode(block, nrows, c1 - c0, ml.geometry);
        if (hw.weight_flip) apply_weight_flip(xb.cells, hw.cell_bits);
        ml.crossbars.push_back(m.crossbars.size());
        m.crossbars.push_back(std::move(xb));
      }
    }
    const auto& oshape = L.output_shape;
    ml.positions = oshape.size() == 3 ? oshape[1] * oshape[2] : 1;
    m.layers.push_back(std::move(ml));
  }
  m.layout = place(m, hw);
  m.tiles = m.layout.tiles;
  for (std::size_t l = 0; l < m.layers.size(); ++l) {
    auto& ml = m.layers[l];
    const auto& ll = m.layout.layers[l];
    ml.tiles = static_cast<int>(ll.tiles.size());
    if (ll.copies.empty()) {
      ml.first_tile = 0;
      continue;
    }
    ml.first_tile = ll.copies.front().home_tile;
    std::set<int> first_copy_tiles;
    for (const auto& x : ll.copies.front().xbars) {
      m.crossbars[x.crossbar].tile = x.tile;
      first_copy_tiles.insert(x.tile);
    }
    if (!hw.layers_span_tiles && first_copy_tiles.size() > 1) {
      throw Error("hardware '" + hw.name + "': layer '" + ml.name + "' needs " + std::to_string(ml.crossbars.size()) +
                  " crossbars but a tile holds " + std::to_string(hw.crossbars_per_tile) +
                  " and layers_span_tiles is false (raise crossbars_per_tile or allow layers to span tiles)");
    }
  }
  return m;
}

std::vector<std::int32_t> MappedNetwork::reconstruct(std::size_t layer) const {
  const MappedLayer& ml = layers.at(layer);
  std::vector<std::int32_t> w(static_cast<std::size_t>(ml.shape.rows * ml.shape.cout), 0);
  const auto encoder = make_sign_encoder(hardware.sign);
  for (auto xi : ml.crossbars) {
    const MappedCrossbar& xb = crossbars[xi];
    const std::int64_t channels = xb.channel_end - xb.channel_begin;
    const auto block = encoder->decode(xb.cells, channels, ml.geometry);
    const auto nrows = static_cast<std::int64_t>(xb.rows.size());
    for (std::int64_t c = 0; c < channels; ++c) {
      for (std::int64_t i = 0; i < nrows; ++i) {
        w[static_cast<std::size_t>((xb.channel_begin + c) * ml.shape.rows + xb.rows[static_cast<std::size_t>(i)])] =
            block[static_cast<std::size_t>(c * nrows + i)];
      }
    }
  }
  return w;
}

}  // namespace xbarsim::mapping
