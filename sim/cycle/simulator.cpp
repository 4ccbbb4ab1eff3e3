#include "sim/cycle/simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "mapping/cost_inputs.hpp"
#include "sim/cycle/controller.hpp"
#include "sim/cycle/sanitizer_stack.hpp"

namespace xbarsim::sim::cycle {

namespace {

std::int64_t bytes_of(std::int64_t values, int bits) { return (values * bits + 7) / 8; }

/// How a tensor moves: its rows (per image), bytes per row, the node producing the rows it is
/// made of, and per row how many of that node's rows it needs.
struct TensorRows {
  std::int64_t rows = 1, row_bytes = 0;
  int base = -1;  ///< -1: the network input (from the host)
  int bits = 8;
  std::vector<std::int64_t> need;
};

TensorRows rows_of_shape(const workloads::Shape& shape, int bits, int base) {
  TensorRows t;
  t.bits = bits;
  t.base = base;
  if (shape.size() == 3) {
    t.rows = shape[1];
    t.row_bytes = bytes_of(shape[0] * shape[2], bits);
  } else {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    t.rows = 1;
    t.row_bytes = bytes_of(n, bits);
  }
  for (std::int64_t j = 0; j < t.rows; ++j) t.need.push_back(j + 1);
  return t;
}

}  // namespace

struct CycleSimulator::Impl final : public CrossbarStages, public Accumulator {
  const FunctionalEngine& engine;
  std::int64_t images = 0;
  CycleOptions options;
  Clock clock;
  std::unique_ptr<Chip> chip;
  std::vector<std::vector<Crossbar*>> by_layer;  ///< [layer][xbar in plan]: the first copy (data)
  std::vector<LayerTiming> layer_info;
  const mapping::MappedNetwork* mapped = nullptr;
  bool ran = false;

  explicit Impl(const FunctionalEngine& e) : engine(e) {}

  void read(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y,
            std::uint64_t noise_seed) const override {
    by_layer[layer][xbar]->read(in, y, noise_seed);
  }
  void convert(std::size_t layer, std::size_t xbar, RowMajorF& y, std::uint64_t noise_seed) const override {
    by_layer[layer][xbar]->convert(y, noise_seed);
  }
  void shift_add(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
                 AccumulatorRows acc, Eigen::Index m0) const override {
    by_layer[layer][xbar]->accumulate(in, y, mt, acc, m0);
  }
  void accumulate(std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y, std::uint64_t stream,
                  const mapping::ColumnSpan& span) const override {
    ArrayActivity a;
    accumulate_layer(engine.plan(layer), layer, x, y, engine.seed(), stream, *this, nullptr, &a, span);
    const std::lock_guard<std::mutex> lock(activity_mutex);
    activity.at(layer) += a;  // integer sums: the same in any chunk order
  }
  std::int64_t columns_per_call(std::size_t layer, std::int64_t rows, std::int64_t total,
                                std::int64_t wanted) const override {
    return engine.columns_per_call(layer, rows, total, wanted);
  }
  mutable std::mutex activity_mutex;
  mutable std::vector<ArrayActivity> activity;  ///< per weighted layer, the data pass of every image
};

CycleSimulator::CycleSimulator(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                               const FunctionalEngine& engine, std::int64_t images, const CycleOptions& options)
    : impl_(std::make_unique<Impl>(engine)) {
  if (images < 1) throw Error("cycle-level simulator: expected at least 1 image, found " + std::to_string(images));
  if (engine.layer_count() != mapped.layers.size()) {
    throw Error("cycle-level simulator: the functional engine does not belong to this mapping");
  }
  if (!net.input_quantization) throw Error("cycle-level simulator: network '" + net.name + "' is not quantized");
  // The kernel's banner would land in the middle of reports.
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  if (sc_core::sc_get_status() != sc_core::SC_ELABORATION || sc_core::sc_find_object("chip") != nullptr) {
    throw Error(
        "cycle-level simulator: SystemC elaborates once per process; a chip was already built in this one (run one "
        "cycle-level simulation per process)");
  }
  auto& I = *impl_;
  I.images = images;
  I.options = options;
  I.activity.assign(mapped.layers.size(), ArrayActivity{});
  I.mapped = &mapped;
  const auto& hw = mapped.hardware;
  const auto& t = hw.timing;
  const auto& layout = mapped.layout;
  I.clock = Clock{hw.clock_ghz};
  try {
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
  } catch (const sc_core::sc_report& r) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + r.what());
  }
  const auto L = static_cast<int>(mapped.layers.size());

  // 1. Nodes (weighted layers, then adds) and how every tensor moves.
  std::map<std::string, int> weighted, adds;
  for (int l = 0; l < L; ++l) weighted[mapped.layers[static_cast<std::size_t>(l)].name] = l;
  Controller::Config ctl;
  ctl.schedule = options.pipelined ? Schedule::Pipelined : Schedule::LayerByLayer;
  ctl.images = images;
  std::map<std::string, TensorRows> tensor;
  tensor[net.input_name] = rows_of_shape(net.input_shape, net.input_quantization->input_bits, -1);
  for (const auto& layer : net.layers) {
    const TensorRows& in = tensor.at(layer.inputs[0]);
    TensorRows out;
    switch (layer.kind) {
      case workloads::LayerKind::Conv2d:
      case workloads::LayerKind::Linear: {
        const int l = weighted.at(layer.name);
        out = rows_of_shape(layer.output_shape, mapped.layers[static_cast<std::size_t>(l)].output_code_bits(), l);
        break;
      }
      case workloads::LayerKind::Add: {
        const int node = L + static_cast<int>(ctl.adds.size());
        adds[layer.name] = node;
        out = rows_of_shape(
            layer.output_shape,
            layer.quantization && layer.quantization->output_bits ? *layer.quantization->output_bits : in.bits, node);
        AddDesc a;
        a.name = layer.name;
        a.rows = out.rows;
        ctl.adds.push_back(a);
        break;
      }
      case workloads::LayerKind::MaxPool2d:
      case workloads::LayerKind::AvgPool2d: {
        const auto& in_shape = net.shape_of(layer.inputs[0]);
        out = rows_of_shape(layer.output_shape, in.bits, in.base);
        const std::int64_t h_in = in_shape.size() == 3 ? in_shape[1] : 1;
        for (std::int64_t j = 0; j < out.rows; ++j) {
          const std::int64_t last = std::min(h_in, j * layer.stride[0] - layer.padding[0] + layer.kernel_size[0]) - 1;
          out.need[static_cast<std::size_t>(j)] = in.need[static_cast<std::size_t>(std::max<std::int64_t>(0, last))];
        }
        break;
      }
      case workloads::LayerKind::Slice:
      case workloads::LayerKind::Pad: {
        // Row j of a slice copies input row begin + j * step; of a pad, input row j - before
        // (a padded row waits for the nearest real one: the tensor leaves its producer in order).
        const std::int64_t h_in = net.shape_of(layer.inputs[0])[1];
        out = rows_of_shape(layer.output_shape, in.bits, in.base);
        for (std::int64_t j = 0; j < out.rows; ++j) {
          const std::int64_t src =
              layer.kind == workloads::LayerKind::Slice ? layer.begin[1] + j * layer.step[1] : j - layer.pad_before[1];
          out.need[static_cast<std::size_t>(j)] =
              in.need[static_cast<std::size_t>(std::clamp<std::int64_t>(src, 0, h_in - 1))];
        }
        break;
      }
      default:  // relu, flatten, batchnorm (folded): the same rows as their input
        out = in;
        break;
    }
    tensor[layer.name] = out;
  }

  // 2. Streams: one per tensor read by a layer, an add or the host.
  std::map<std::string, int> stream_of;
  const auto stream = [&](const std::string& name) {
    auto it = stream_of.find(name);
    if (it != stream_of.end()) return it->second;
    const TensorRows& tr = tensor.at(name);
    StreamDesc s;
    s.tensor = name;
    s.base = tr.base;
    s.rows = tr.rows;
    s.row_bytes = tr.row_bytes;
    s.base_need = tr.need;
    ctl.streams.push_back(s);
    stream_of[name] = static_cast<int>(ctl.streams.size()) - 1;
    return static_cast<int>(ctl.streams.size()) - 1;
  };
  std::vector<int> location(static_cast<std::size_t>(L) + ctl.adds.size(), 0);
  const auto location_of_stream = [&](int s) {
    const int base = ctl.streams[static_cast<std::size_t>(s)].base;
    return base < 0 ? 0 : location[static_cast<std::size_t>(base)];
  };
  const auto requester_of_stream = [&](int s) {
    int base = ctl.streams[static_cast<std::size_t>(s)].base;
    if (base < 0) return 0;
    return base < L ? base : ctl.adds[static_cast<std::size_t>(base - L)].requester;
  };

  // 3. Layers: groups, their input rows, copies, IMAs.
  for (const auto& layer : net.layers) {
    if (layer.kind == workloads::LayerKind::Add) {
      auto& a = ctl.adds[static_cast<std::size_t>(adds.at(layer.name) - L)];
      for (const auto& in : layer.inputs) {
        const int s = stream(in);
        ctl.streams[static_cast<std::size_t>(s)].adds.push_back(adds.at(layer.name));
        a.inputs.push_back(s);
      }
      a.location = location_of_stream(a.inputs.front());
      a.requester = requester_of_stream(a.inputs.front());
      location[static_cast<std::size_t>(adds.at(layer.name))] = a.location;
      continue;
    }
    if (!layer.has_weights()) continue;
    const int l = weighted.at(layer.name);
    const auto& ml = mapped.layers[static_cast<std::size_t>(l)];
    const auto& ll = layout.layers[static_cast<std::size_t>(l)];
    const LayerPlan& plan = engine.plan(static_cast<std::size_t>(l));
    LayerDesc D;
    D.name = ml.name;
    D.positions = plan.positions;
    D.phases = plan.phases;
    D.input = stream(layer.inputs[0]);
    ctl.streams[static_cast<std::size_t>(D.input)].layers.push_back(l);
    const auto& oshape = layer.output_shape;
    const bool conv = layer.kind == workloads::LayerKind::Conv2d;
    D.width = conv ? oshape[2] : 1;
    D.rows = conv ? oshape[1] : 1;
    D.output_bytes_per_position = bytes_of(ml.shape.cout, ml.output_code_bits());
    // Copies: crossbars grouped by IMA, the first crossbar's IMA first.
    std::map<int, std::int64_t> ima_bytes;  // per IMA: input bytes per position over this layer's copies
    for (std::size_t k = 0; k < ll.copies.size(); ++k) {
      const auto& copy = ll.copies[k];
      CopyWork cw;
      cw.home_tile = copy.home_tile;
      std::map<int, std::size_t> slot;
      std::vector<std::set<std::int64_t>> rows, channels;
      std::set<int> tiles;
      for (std::size_t i = 0; i < copy.xbars.size(); ++i) {
        const auto& px = copy.xbars[i];
        auto it = slot.find(px.ima);
        if (it == slot.end()) {
          it = slot.emplace(px.ima, cw.imas.size()).first;
          ImaWork w;
          w.tile = px.tile;
          cw.imas.push_back(w);
          rows.emplace_back();
          channels.emplace_back();
        }
        const auto& mc = mapped.crossbars[px.crossbar];
        rows[it->second].insert(mc.rows.begin(), mc.rows.end());
        for (auto c = mc.channel_begin; c < mc.channel_end; ++c) channels[it->second].insert(c);
        tiles.insert(px.tile);
      }
      for (std::size_t w = 0; w < cw.imas.size(); ++w) {
        cw.imas[w].input_bytes_per_position = bytes_of(static_cast<std::int64_t>(rows[w].size()), ml.input_bits);
        cw.imas[w].partial_bytes_per_position = static_cast<std::int64_t>(channels[w].size()) * 4;
      }
      for (const auto& [ima, w] : slot) ima_bytes[ima] += cw.imas[w].input_bytes_per_position;
      cw.tiles.assign(tiles.begin(), tiles.end());
      D.copies.push_back(std::move(cw));
    }
    // Positions per group: one output row (or positions_per_request), as many as half the
    // input register holds.
    D.group = hw.positions_per_request > 0 ? hw.positions_per_request : D.width;
    std::int64_t widest = 0;
    for (const auto& [ima, b] : ima_bytes) widest = std::max(widest, b);
    if (widest > 0) D.group = std::max<std::int64_t>(1, std::min(D.group, (hw.input_register_bytes / 2) / widest));
    // Every copy gets work: at most ceil(positions / copies) positions per group.
    const auto copies = static_cast<std::int64_t>(std::max<std::size_t>(1, D.copies.size()));
    D.group = std::min({D.group, D.positions, (D.positions + copies - 1) / copies});
    const auto& in_stream = ctl.streams[static_cast<std::size_t>(D.input)];
    const std::int64_t groups = (D.positions + D.group - 1) / D.group;
    for (std::int64_t g = 0; g < groups; ++g) {
      const std::int64_t p0 = g * D.group, p1 = std::min(D.positions, p0 + D.group);
      if (!conv) {
        D.need.emplace_back(0, in_stream.rows);
        continue;
      }
      const std::int64_t oy0 = p0 / D.width, oy1 = (p1 - 1) / D.width;
      const std::int64_t lo = std::max<std::int64_t>(0, oy0 * layer.stride[0] - layer.padding[0]);
      const std::int64_t hi = std::min(in_stream.rows, oy1 * layer.stride[0] - layer.padding[0] + layer.kernel_size[0]);
      D.need.emplace_back(lo, std::max(lo + 1, hi));
    }
    D.location = ll.copies.empty() ? location_of_stream(D.input) : ll.copies.front().home_tile;
    location[static_cast<std::size_t>(l)] = D.location;
    LayerTiming info;
    info.name = ml.name;
    info.tiles = static_cast<int>(ll.tiles.size());
    info.crossbars = plan.xbars.size();
    info.copies = static_cast<int>(std::max<std::size_t>(1, ll.copies.size()));
    info.budget_bound = ll.budget_bound;
    info.positions = plan.positions;
    info.positions_per_group = D.group;
    info.phases = plan.phases;
    I.layer_info.push_back(info);
    ctl.layers.push_back(std::move(D));
  }
  const int out_stream = stream(net.output);
  ctl.streams[static_cast<std::size_t>(out_stream)].to_host = true;

  // 4. Tiles, IMAs, crossbars from the layout.
  Chip::Config cc;
  cc.clock = I.clock;
  cc.trace = options.trace;
  const int tiles = std::max(1, layout.tiles);
  for (int k = 0; k < tiles; ++k) {
    Tile::Config tc;
    tc.index = k;
    tc.buffer = {hw.buffer_bytes, hw.buffer_read_ports, hw.buffer_write_ports, t.buffer_width_bytes,
                 std::max<Cycle>(1, I.clock.cycles(t.buffer_access_ns))};
    tc.bus_width_bytes = t.bus_width_bytes;
    cc.tiles.push_back(tc);
  }
  std::vector<int> ima_slot(static_cast<std::size_t>(layout.imas), -1);
  for (int i = 0; i < layout.imas; ++i) {
    auto& tc = cc.tiles[static_cast<std::size_t>(layout.ima_tile[static_cast<std::size_t>(i)])];
    Ima::Config ic;
    ic.index = i;
    ic.shift_adds = hw.shift_adds_per_ima;
    ic.adc_bank = hw.adcs_per_ima;
    ic.input_register_bytes = hw.input_register_bytes;
    ic.output_register_bytes = hw.output_register_bytes;
    ima_slot[static_cast<std::size_t>(i)] = static_cast<int>(tc.imas.size());
    tc.imas.push_back(ic);
  }
  const bool analog = hw.subtraction == mapping::Subtraction::Analog;
  const int capacity = analog ? std::max(1, hw.cols / 2) : hw.cols;
  const int per_adc_columns = hw.columns_per_adc == 0 ? capacity : hw.columns_per_adc;
  const int own_adcs = hw.adcs_per_ima > 0 ? 0 : (capacity + per_adc_columns - 1) / per_adc_columns;
  const double conv_ns = t.conversion_ns(hw.adc_bits);
  const Cycle read_cycles = I.clock.cycles(t.dac_ns + t.read_ns(hw.rows, hw.cols, hw.adc_bits));
  for (int l = 0; l < L; ++l) {
    const auto& ll = layout.layers[static_cast<std::size_t>(l)];
    const LayerPlan& plan = engine.plan(static_cast<std::size_t>(l));
    for (std::size_t k = 0; k < ll.copies.size(); ++k) {
      for (std::size_t i = 0; i < ll.copies[k].xbars.size(); ++i) {
        const auto& px = ll.copies[k].xbars[i];
        const XbarPlan& xp = plan.xbars.at(i);
        const auto& mc = mapped.crossbars[px.crossbar];
        Crossbar::Config c;
        c.index = px.crossbar;
        c.layer = static_cast<std::size_t>(l);
        c.copy = static_cast<int>(k);
        c.rows = hw.rows;
        c.cols = hw.cols;
        c.rows_used = static_cast<std::int64_t>(mc.rows.size());
        c.readouts = static_cast<std::int64_t>(xp.readouts.size());
        c.adcs = own_adcs;
        c.read_cycles = read_cycles;
        const std::int64_t per_adc = hw.adcs_per_ima > 0 ? (c.readouts + hw.adcs_per_ima - 1) / hw.adcs_per_ima
                                                         : std::min<std::int64_t>(per_adc_columns, c.readouts);
        c.convert_cycles = I.clock.cycles(static_cast<double>(per_adc) * conv_ns);
        c.shift_add_cycles = I.clock.cycles(static_cast<double>(c.readouts) * t.shift_add_ns);
        c.layer_plan = &plan;
        c.plan = &xp;
        auto& tc = cc.tiles[static_cast<std::size_t>(px.tile)];
        tc.imas[static_cast<std::size_t>(ima_slot[static_cast<std::size_t>(px.ima)])].crossbars.push_back(c);
      }
    }
  }
  cc.noc.tiles = tiles;
  cc.noc.tiles_per_router = hw.tiles_per_router;
  cc.noc.routers = layout.routers;
  cc.noc.hop_cycles = I.clock.cycles(t.link_latency_ns);
  cc.noc.link_bytes_per_cycle = t.link_bytes_per_ns / hw.clock_ghz;
  cc.noc.host_bytes_per_cycle = t.host_link_bytes_per_ns / hw.clock_ghz;

  // 5. The working set: every consumer on a tile holds at least one group's input rows.
  if (hw.buffer_bytes > 0) {
    std::map<int, std::pair<std::int64_t, std::string>> need;  // tile -> bytes, who
    for (const auto& D : ctl.layers) {
      const auto& st = ctl.streams[static_cast<std::size_t>(D.input)];
      std::int64_t window = 0;
      for (const auto& nd : D.need) window = std::max(window, nd.second - nd.first);
      const std::int64_t bytes = window * st.row_bytes;
      std::set<int> ts;
      if (D.copies.empty()) ts.insert(D.location);
      for (const auto& c : D.copies) ts.insert(c.tiles.begin(), c.tiles.end());
      for (int tile : ts) {
        auto& n = need[tile];
        n.first += bytes;
        n.second += (n.second.empty() ? "" : ", ") + D.name + " " + std::to_string(bytes) + " bytes (" +
                    std::to_string(window) + " input rows of " + std::to_string(st.row_bytes) + ")";
      }
    }
    for (const auto& A : ctl.adds) {
      for (int s : A.inputs) {
        auto& n = need[A.location];
        n.first += ctl.streams[static_cast<std::size_t>(s)].row_bytes;
        n.second += (n.second.empty() ? "" : ", ") + A.name + " " +
                    std::to_string(ctl.streams[static_cast<std::size_t>(s)].row_bytes) + " bytes";
      }
    }
    for (const auto& [tile, n] : need) {
      if (n.first > hw.buffer_bytes) {
        throw Error("hardware '" + hw.name + "': buffer_bytes: tile " + std::to_string(tile) + " buffer of " +
                    std::to_string(hw.buffer_bytes) + " bytes cannot hold the working set of " + n.second + ", " +
                    std::to_string(n.first) + " bytes in all; expected buffer_bytes >= " + std::to_string(n.first));
      }
    }
  }

  cc.controller = std::move(ctl);
  const auto link = [&I](Chip& chip, Controller::Config& c) {
    std::map<int, Ima*> imas;
    for (auto& tile : chip.tiles()) {
      for (auto& ima : tile->imas()) imas[ima->config().index] = ima.get();
    }
    I.by_layer.assign(I.mapped->layers.size(), {});
    for (std::size_t l = 0; l < c.layers.size(); ++l) {
      const auto& ll = I.mapped->layout.layers[l];
      for (std::size_t k = 0; k < c.layers[l].copies.size(); ++k) {
        auto& cw = c.layers[l].copies[k];
        std::map<int, std::size_t> slot;
        for (std::size_t i = 0; i < ll.copies[k].xbars.size(); ++i) {
          const auto& px = ll.copies[k].xbars[i];
          Ima* ima = imas.at(px.ima);
          Crossbar* x = nullptr;
          for (auto& cand : ima->crossbars()) {
            if (cand->config().index == px.crossbar && cand->config().copy == static_cast<int>(k)) x = cand.get();
          }
          auto it = slot.find(px.ima);
          if (it == slot.end()) {
            it = slot.emplace(px.ima, slot.size()).first;
            cw.imas[it->second].ima = ima;
          }
          cw.imas[it->second].crossbars.push_back(x);
          if (k == 0) I.by_layer[l].push_back(x);
        }
      }
    }
  };
  try {
    I.chip = std::make_unique<Chip>("chip", std::move(cc), link);
  } catch (const sc_core::sc_report& r) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + r.what());
  }
}

CycleSimulator::~CycleSimulator() = default;

CycleResult CycleSimulator::run(const Eigen::MatrixXf& images, std::int64_t batch, unsigned threads) {
  auto& I = *impl_;
  if (I.ran) throw Error("cycle-level simulator: run() may be called once (SystemC elaborates once per process)");
  if (images.cols() != I.images) {
    throw Error("cycle-level simulator: built for " + std::to_string(I.images) + " images, given " +
                std::to_string(images.cols()));
  }
  if (batch < 1) throw Error("cycle-level simulator: batch must be at least 1");
  I.ran = true;
  const auto t0 = std::chrono::steady_clock::now();
  CycleResult r;
  r.images = I.images;
  r.clock_ghz = I.clock.ghz;
  r.schedule = I.options.pipelined ? "pipelined" : "layer-by-layer";
  // Data: the modules' arithmetic, chunked and seeded as sim::evaluate_forward chunks the functional engine.
  // Chunks are independent (the modules' data calls are const), so they run in parallel.
  const auto& ref = I.engine.integer_reference();
  r.codes.resize(ref.output_size(), I.images);
  const auto chunks = static_cast<std::size_t>((I.images + batch - 1) / batch);
  parallel_for_chunks(chunks, resolve_threads(threads), [&](std::size_t c) {
    const std::int64_t first = static_cast<std::int64_t>(c) * batch;
    const std::int64_t n = std::min(batch, I.images - first);
    r.codes.middleCols(first, n) = ref.forward_int_codes(images.middleCols(first, n), &I, c, nullptr);
  });
  // Timing: the SystemC simulation.
  const auto t1 = std::chrono::steady_clock::now();
  try {
    const SanitizerStackGuard stack_guard;  // ASan's view of this stack, right again afterwards
    sc_core::sc_start();
  } catch (const sc_core::sc_report& rep) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + rep.what());
  }
  const auto t2 = std::chrono::steady_clock::now();
  r.total_cycles = static_cast<Cycle>(sc_core::sc_time_stamp().value() / I.clock.period_fs());
  const auto& ctl = I.chip->controller();
  if (!ctl.finished()) {
    throw Error("hardware '" + I.mapped->hardware.name + "': buffer_bytes: the chip stalled with every buffer full (" +
                ctl.stall_report() + "); expected a larger buffer_bytes or fewer copies");
  }
  r.image_start = ctl.image_start();
  r.image_end = ctl.image_end();
  r.layers = I.layer_info;
  r.stats = I.chip->statistics(r.total_cycles);
  r.instances = I.chip->instances();
  r.actions = I.chip->actions();
  r.activity = I.activity;
  std::tie(r.busiest_resource, r.busiest_busy_cycles) = I.chip->busiest_resource();
  for (std::size_t l = 0; l < r.layers.size(); ++l) {
    const auto& times = ctl.layer_times()[l];
    auto& info = r.layers[l];
    info.first_cycles = times.first_end > times.first_start ? times.first_end - times.first_start : 0;
    info.compute_cycles = times.compute_cycles;
    Cycle busiest = 0;
    for (auto& tile : I.chip->tiles()) {
      for (auto& ima : tile->imas()) {
        for (auto& x : ima->crossbars()) {
          if (x->config().layer == l) busiest = std::max(busiest, x->requested_cycles());
        }
      }
    }
    info.stage_cycles = busiest / static_cast<Cycle>(I.images);
    const auto& node = r.stats;
    const std::string p = "controller.layer" + std::to_string(l);
    info.input_wait_cycles = static_cast<Cycle>(node.at(p + ".input_wait_cycles"));
    info.register_wait_cycles = static_cast<Cycle>(node.at(p + ".register_wait_cycles"));
    info.waits = I.chip->waits_of(static_cast<int>(l));
    info.request_cycles = I.chip->request_cycles_of(static_cast<int>(l));
  }
  r.timing_time_s = std::chrono::duration<double>(t2 - t1).count();
  r.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::vector<cost::Counts> measured_actions(const CycleResult& run, const mapping::MappedNetwork& mapped) {
  if (run.images < 1) throw Error("cycle-level simulator: measured actions need at least one image");
  auto out = cost::actions_by_group(run.actions, mapped.layers.size());
  const auto n = static_cast<double>(run.images);
  for (std::size_t l = 0; l < out.size(); ++l) {
    for (auto& [component, count] : out[l]) count /= n;
    mapping::add_closed_only_actions(mapped, l, out[l]);
    // The data pass's array activity: DAC drives of nonzero digits and the cells' read current.
    if (l < run.activity.size()) {
      const auto& ml = mapped.layers[l];
      const int dac = std::min(mapped.hardware.dac_bits, ml.input_bits);
      out[l]["dac"] = static_cast<double>(run.activity[l].nonzero_digits) / n;
      out[l]["cells"] = run.activity[l].conductance_drive(dac) / n;
    }
  }
  return out;
}

void CycleSimulator::write_vcd(const std::string& path) const {
  const auto& I = *impl_;
  if (!I.options.trace || !I.ran) throw Error("cycle-level simulator: write_vcd needs a traced run");
  cycle::write_vcd(path, I.chip->trace_signals(), I.clock.period_fs(),
                   "busy signals of " + std::to_string(I.images) + " images, " +
                       (I.options.pipelined ? "pipelined" : "layer by layer"));
}

Cycle CycleResult::latency_cycles() const { return image_end.empty() ? 0 : image_end[0] - image_start[0]; }

Cycle CycleResult::period_cycles() const {
  if (image_end.size() < 2) return latency_cycles();
  return image_end[image_end.size() - 1] - image_end[image_end.size() - 2];
}

double CycleResult::throughput_images_per_s() const {
  const Cycle p = period_cycles();
  return p == 0 ? 0.0 : clock_ghz * 1e9 / static_cast<double>(p);
}

}  // namespace xbarsim::sim::cycle
