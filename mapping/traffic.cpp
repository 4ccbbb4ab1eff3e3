#include "mapping/traffic.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "common/error.hpp"
#include "mapping/mapped_network.hpp"

namespace xbarsim::mapping {

namespace {

std::int64_t bytes_of(std::int64_t values, int bits) { return (values * bits + 7) / 8; }

/// A tensor as it moves: rows per image, bytes per row, the node whose output it is (-1: the
/// host's input; weighted layers 0..L-1, adds L..).
struct Rows {
  std::int64_t rows = 1, row_bytes = 0;
  int base = -1, bits = 8;
};

Rows rows_of(const workloads::Shape& shape, int bits, int base) {
  Rows r;
  r.bits = bits;
  r.base = base;
  if (shape.size() == 3) {
    r.rows = shape[1];
    r.row_bytes = bytes_of(shape[0] * shape[2], bits);
  } else {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    r.row_bytes = bytes_of(n, bits);
  }
  return r;
}

/// One copy's IMAs in order of their first crossbar: tile, input bytes and partial-sum bytes per position.
struct CopyImas {
  std::vector<int> tile;
  std::vector<std::int64_t> in_bytes, partial_bytes;
  std::set<int> tiles;
  int home = 0;
};

/// A weighted layer's work: its groups (positions, input rows needed) and their copies.
struct Work {
  std::vector<CopyImas> copies;
  std::vector<std::int64_t> size;                           ///< positions per group
  std::vector<std::pair<std::int64_t, std::int64_t>> need;  ///< input rows [lo, hi) per group
  std::int64_t out_bytes = 0;                               ///< per position
  int location = 0;
};

}  // namespace

std::vector<LayerTraffic> closed_form_traffic(const workloads::Network& net, const MappedNetwork& m) {
  if (!net.input_quantization) throw Error("traffic: network '" + net.name + "' is not quantized");
  const auto& hw = m.hardware;
  const auto L = static_cast<int>(m.layers.size());
  const double width = hw.timing.buffer_width_bytes;
  std::map<std::string, int> weighted;
  for (int l = 0; l < L; ++l) weighted[m.layers[static_cast<std::size_t>(l)].name] = l;

  // Tensors, nodes and where each node sits (the tile of its outputs).
  std::map<std::string, Rows> tensor;
  tensor[net.input_name] = rows_of(net.input_shape, net.input_quantization->input_bits, -1);
  std::map<std::string, int> add_node;
  std::vector<int> location(static_cast<std::size_t>(L), 0), requester(static_cast<std::size_t>(L), 0);
  const auto node_location = [&](int base) { return base < 0 ? 0 : location[static_cast<std::size_t>(base)]; };
  const auto node_requester = [&](int base) { return base < 0 ? 0 : requester[static_cast<std::size_t>(base)]; };
  // Readers of every tensor: weighted layers, add nodes, the host.
  std::map<std::string, std::vector<int>> layer_readers, add_readers;
  std::vector<Work> work(static_cast<std::size_t>(L));
  for (int l = 0; l < L; ++l) requester[static_cast<std::size_t>(l)] = l;

  for (const auto& layer : net.layers) {
    const Rows& in = tensor.at(layer.inputs[0]);
    using K = workloads::LayerKind;
    if (layer.kind == K::Add) {
      const int node = static_cast<int>(location.size());
      add_node[layer.name] = node;
      location.push_back(node_location(in.base));
      requester.push_back(node_requester(in.base));
      for (const auto& i : layer.inputs) add_readers[i].push_back(node);
      tensor[layer.name] = rows_of(
          layer.output_shape,
          layer.quantization && layer.quantization->output_bits ? *layer.quantization->output_bits : in.bits, node);
      continue;
    }
    if (layer.kind == K::MaxPool2d || layer.kind == K::AvgPool2d || layer.kind == K::Slice || layer.kind == K::Pad) {
      tensor[layer.name] = rows_of(layer.output_shape, in.bits, in.base);
      continue;
    }
    if (!layer.has_weights()) {
      tensor[layer.name] = in;
      continue;
    }
    const int l = weighted.at(layer.name);
    const auto& ml = m.layers[static_cast<std::size_t>(l)];
    const auto& ll = m.layout.layers[static_cast<std::size_t>(l)];
    layer_readers[layer.inputs[0]].push_back(l);
    Work& w = work[static_cast<std::size_t>(l)];
    w.out_bytes = bytes_of(ml.shape.cout, ml.output_code_bits());
    std::map<int, std::int64_t> ima_bytes;
    for (const auto& copy : ll.copies) {
      CopyImas c;
      c.home = copy.home_tile;
      std::map<int, std::size_t> slot;
      std::vector<std::set<std::int64_t>> rows, channels;
      for (const auto& px : copy.xbars) {
        auto it = slot.find(px.ima);
        if (it == slot.end()) {
          it = slot.emplace(px.ima, c.tile.size()).first;
          c.tile.push_back(px.tile);
          rows.emplace_back();
          channels.emplace_back();
        }
        const auto& mc = m.crossbars[px.crossbar];
        rows[it->second].insert(mc.rows.begin(), mc.rows.end());
        for (auto ch = mc.channel_begin; ch < mc.channel_end; ++ch) channels[it->second].insert(ch);
        c.tiles.insert(px.tile);
      }
      for (std::size_t i = 0; i < c.tile.size(); ++i) {
        c.in_bytes.push_back(bytes_of(static_cast<std::int64_t>(rows[i].size()), ml.input_bits));
        c.partial_bytes.push_back(static_cast<std::int64_t>(channels[i].size()) * 4);
      }
      for (const auto& [ima, i] : slot) ima_bytes[ima] += c.in_bytes[i];
      w.copies.push_back(std::move(c));
    }
    // Groups: one output row (or positions_per_request), within half an input register, at
    // most ceil(positions / copies).
    const bool conv = layer.kind == K::Conv2d;
    const std::int64_t out_w = conv ? layer.output_shape[2] : 1, positions = ml.positions;
    std::int64_t group = hw.positions_per_request > 0 ? hw.positions_per_request : out_w;
    std::int64_t widest = 0;
    for (const auto& [ima, b] : ima_bytes) widest = std::max(widest, b);
    if (widest > 0) group = std::max<std::int64_t>(1, std::min(group, (hw.input_register_bytes / 2) / widest));
    const auto copies = static_cast<std::int64_t>(std::max<std::size_t>(1, w.copies.size()));
    group = std::min({group, positions, (positions + copies - 1) / copies});
    for (std::int64_t p0 = 0; p0 < positions; p0 += group) {
      const std::int64_t p1 = std::min(positions, p0 + group);
      w.size.push_back(p1 - p0);
      if (!conv) {
        w.need.emplace_back(0, in.rows);
        continue;
      }
      const std::int64_t oy0 = p0 / out_w, oy1 = (p1 - 1) / out_w;
      const std::int64_t lo = std::max<std::int64_t>(0, oy0 * layer.stride[0] - layer.padding[0]);
      const std::int64_t hi = std::min(in.rows, oy1 * layer.stride[0] - layer.padding[0] + layer.kernel_size[0]);
      w.need.emplace_back(lo, std::max(lo + 1, hi));
    }
    w.location = ll.copies.empty() ? node_location(in.base) : ll.copies.front().home_tile;
    location[static_cast<std::size_t>(l)] = w.location;
    tensor[layer.name] = rows_of(layer.output_shape, ml.output_code_bits(), l);
  }

  std::vector<LayerTraffic> out(static_cast<std::size_t>(L));
  // Each layer's groups: fetches, partial sums to the copy's home, outputs gathered at the layer's home.
  for (int l = 0; l < L; ++l) {
    const Work& w = work[static_cast<std::size_t>(l)];
    auto& t = out[static_cast<std::size_t>(l)];
    if (w.copies.empty()) continue;
    for (std::size_t g = 0; g < w.size.size(); ++g) {
      const CopyImas& c = w.copies[g % w.copies.size()];
      const auto n = static_cast<double>(w.size[g]);
      for (std::size_t i = 0; i < c.tile.size(); ++i) {
        const double in = n * static_cast<double>(c.in_bytes[i]);
        t.fetch_bytes += in;
        t.fetch_accesses += std::ceil(in / width);
        t.bus_bytes += in;
        if (i == 0) continue;
        const double partial = n * static_cast<double>(c.partial_bytes[i]);
        (c.tile[i] == c.home ? t.bus_bytes : t.link_bytes) += partial;
      }
      if (c.home != w.location) t.link_bytes += n * static_cast<double>(w.out_bytes);
    }
  }
  // Every tensor a layer, an add or the host reads, row by row, to each tile that reads it.
  std::set<std::string> streams;
  for (const auto& [name, r] : layer_readers) streams.insert(name);
  for (const auto& [name, r] : add_readers) streams.insert(name);
  streams.insert(net.output);
  for (const auto& name : streams) {
    const Rows& r = tensor.at(name);
    auto& t = out[static_cast<std::size_t>(node_requester(r.base))];
    const int src = r.base < 0 ? -1 : node_location(r.base);
    const auto bytes = static_cast<double>(r.row_bytes);
    for (std::int64_t j = 0; j < r.rows; ++j) {
      std::set<int> tiles;
      if (const auto it = layer_readers.find(name); it != layer_readers.end()) {
        for (int l : it->second) {
          const Work& w = work[static_cast<std::size_t>(l)];
          for (std::size_t g = 0; g < w.need.size(); ++g) {
            if (j < w.need[g].first || j >= w.need[g].second) continue;
            if (w.copies.empty()) {
              tiles.insert(w.location);
            } else {
              const auto& c = w.copies[g % w.copies.size()];
              tiles.insert(c.tiles.begin(), c.tiles.end());
            }
          }
        }
      }
      if (const auto it = add_readers.find(name); it != add_readers.end()) {
        for (int node : it->second) tiles.insert(location[static_cast<std::size_t>(node)]);
      }
      for (int tile : tiles) {
        t.deliver_bytes += bytes;
        t.deliver_accesses += std::ceil(bytes / width);
        (src == tile ? t.bus_bytes : t.link_bytes) += bytes;
        if (src < 0) t.host_bytes += bytes;  // from the host
      }
      if (name == net.output) {  // to the host
        t.link_bytes += bytes;
        t.host_bytes += bytes;
      }
    }
  }
  return out;
}

}  // namespace xbarsim::mapping
