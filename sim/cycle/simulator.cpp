#include "sim/cycle/simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>

#include "common/error.hpp"
#include "common/parallel.hpp"
#include "sim/cycle/modules.hpp"

namespace xbarsim::sim::cycle {

namespace {

std::int64_t numel(const workloads::Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::int64_t bytes_of(std::int64_t values, int bits) { return (values * bits + 7) / 8; }

/// Bits of an output code: the accumulator width (32) for raw layers, else the range's.
int output_bits(const mapping::MappedLayer& ml) {
  if (ml.raw) return 32;
  int bits = 0;
  while ((std::int64_t{1} << bits) < ml.range.hi - ml.range.lo + 1) ++bits;
  return std::max(bits, 1);
}

/// The weighted layers (indices) and/or the network input (-1) whose outputs reach `tensor`
/// through non-weighted layers only.
void producers_of(const workloads::Network& net, const std::string& tensor, const std::map<std::string, int>& weighted,
                  std::set<int>& out) {
  if (tensor == net.input_name) {
    out.insert(-1);
    return;
  }
  if (auto it = weighted.find(tensor); it != weighted.end()) {
    out.insert(it->second);
    return;
  }
  const auto* layer = net.find_layer(tensor);
  if (layer == nullptr) throw Error("cycle-level simulator: unknown tensor '" + tensor + "'");
  for (const auto& in : layer->inputs) producers_of(net, in, weighted, out);
}

}  // namespace

struct CycleSimulator::Impl final : public CrossbarStages, public Accumulator {
  const FunctionalEngine& engine;
  std::int64_t images = 0;
  CycleOptions options;
  Clock clock;
  std::unique_ptr<Chip> chip;
  std::vector<std::vector<Crossbar*>> by_layer;  ///< [layer][xbar in plan]
  std::vector<LayerTiming> layer_info;
  bool ran = false;

  explicit Impl(const FunctionalEngine& e) : engine(e) {}

  void read(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y,
            std::uint64_t noise_seed) const override {
    by_layer[layer][xbar]->read(in, y, noise_seed);
  }
  void convert(std::size_t layer, std::size_t xbar, RowMajorF& y) const override {
    by_layer[layer][xbar]->adc().convert(y);
  }
  void shift_add(std::size_t layer, std::size_t xbar, const InputBlock& in, RowMajorF& y, Eigen::Index mt,
                 RowMajorD& acc, Eigen::Index m0) const override {
    by_layer[layer][xbar]->shift_adder().accumulate(in, y, mt, acc, m0);
  }
  void accumulate(std::size_t layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y,
                  std::uint64_t stream) const override {
    accumulate_layer(engine.plan(layer), layer, x, y, engine.seed(), stream, *this);
  }
};

CycleSimulator::CycleSimulator(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                               const FunctionalEngine& engine, std::int64_t images, const CycleOptions& options)
    : impl_(std::make_unique<Impl>(engine)) {
  if (images < 1) throw Error("cycle-level simulator: expected at least 1 image, found " + std::to_string(images));
  if (engine.layer_count() != mapped.layers.size()) {
    throw Error("cycle-level simulator: the functional engine does not belong to this mapping");
  }
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
  const auto& hw = mapped.hardware;
  const auto& t = hw.timing;
  I.clock = Clock{hw.clock_ghz};
  try {
    sc_core::sc_set_time_resolution(1, sc_core::SC_FS);
  } catch (const sc_core::sc_report& r) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + r.what());
  }

  Chip::Config cc;
  cc.clock = I.clock;
  cc.trace = options.trace;
  for (int k = 0; k < mapped.tiles; ++k) {
    Tile::Config tc;
    tc.index = k;
    tc.buffer = {t.buffer_width_bytes, t.buffer_access_ns, I.clock};
    cc.tiles.push_back(tc);
  }
  const bool analog = hw.subtraction == mapping::Subtraction::Analog;
  const int capacity = analog ? std::max(1, hw.cols / 2) : hw.cols;
  const int adcs = (capacity + hw.columns_per_adc - 1) / hw.columns_per_adc;
  const double per_value = std::max(t.conversion_ns(hw.adc_bits), t.shift_add_ns);
  std::map<std::string, int> weighted;
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) weighted[mapped.layers[l].name] = static_cast<int>(l);
  std::set<int> outputs;
  producers_of(net, net.output, weighted, outputs);
  if (!net.input_quantization) throw Error("cycle-level simulator: network '" + net.name + "' is not quantized");

  Controller::Config ctl;
  ctl.schedule = options.pipelined ? Schedule::Pipelined : Schedule::LayerByLayer;
  ctl.images = images;
  ctl.clock = I.clock;
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    const auto& ml = mapped.layers[l];
    const LayerPlan& plan = engine.plan(l);
    Controller::Layer L;
    L.name = ml.name;
    L.positions = plan.positions;
    L.phases = plan.phases;
    std::map<int, std::size_t> tile_slot;
    const auto slot = [&](int tile) {
      auto it = tile_slot.find(tile);
      if (it != tile_slot.end()) return it->second;
      tile_slot[tile] = L.tiles.size();
      L.tiles.push_back(tile);
      L.tile_crossbars.emplace_back();
      return L.tiles.size() - 1;
    };
    slot(ml.first_tile);  // home
    std::vector<std::set<std::int64_t>> rows, channels;
    for (const auto& xb : plan.xbars) {
      const auto& mc = mapped.crossbars[xb.crossbar];
      const std::size_t s = slot(mc.tile);
      L.tile_crossbars[s].push_back(xb.crossbar);
      rows.resize(L.tiles.size());
      channels.resize(L.tiles.size());
      rows[s].insert(mc.rows.begin(), mc.rows.end());
      for (auto c = mc.channel_begin; c < mc.channel_end; ++c) channels[s].insert(c);

      Crossbar::Config c;
      c.index = xb.crossbar;
      c.layer = l;
      c.rows = hw.rows;
      c.cols = hw.cols;
      c.read_cycles = I.clock.cycles(t.dac_ns + t.read_ns(hw.rows, hw.cols, hw.adc_bits));
      c.tail_cycles = I.clock.cycles(std::min(t.conversion_ns(hw.adc_bits), t.shift_add_ns));
      const auto readouts = static_cast<std::int64_t>(xb.readouts.size());
      const std::int64_t per_adc = std::min<std::int64_t>(hw.columns_per_adc, readouts);
      c.dac = {static_cast<std::int64_t>(mc.rows.size()), I.clock.cycles(t.dac_ns)};
      c.adc = {adcs, readouts, per_adc, I.clock.cycles(static_cast<double>(per_adc) * per_value), &plan};
      c.shift_add = {readouts, I.clock.cycles(static_cast<double>(per_adc) * t.shift_add_ns), &plan, &xb};
      c.plan = &xb;
      cc.tiles.at(static_cast<std::size_t>(mc.tile)).crossbars.push_back(c);
    }
    rows.resize(L.tiles.size());
    channels.resize(L.tiles.size());
    for (std::size_t s = 0; s < L.tiles.size(); ++s) {
      L.tile_input_bytes.push_back(bytes_of(static_cast<std::int64_t>(rows[s].size()), ml.input_bits));
      L.tile_partial_bytes.push_back(s == 0 ? 0 : static_cast<std::int64_t>(channels[s].size()) * 4);
    }
    const int obits = output_bits(ml);
    L.output_bytes = bytes_of(ml.shape.cout, obits);
    const auto* layer = net.find_layer(ml.name);
    std::set<int> from;
    for (const auto& in : layer->inputs) producers_of(net, in, weighted, from);
    for (int p : from) {
      L.producers.push_back(p);
      if (p < 0) {
        L.producer_bytes.push_back(bytes_of(numel(net.input_shape), net.input_quantization->input_bits));
      } else {
        const auto& pl = mapped.layers[static_cast<std::size_t>(p)];
        L.producer_bytes.push_back(bytes_of(numel(net.shape_of(pl.name)), output_bits(pl)));
      }
    }
    if (outputs.count(static_cast<int>(l)) != 0) L.host_bytes = bytes_of(numel(net.shape_of(ml.name)), obits);
    LayerTiming info;
    info.name = ml.name;
    info.tiles = static_cast<int>(L.tiles.size());
    info.crossbars = plan.xbars.size();
    info.positions = plan.positions;
    info.phases = plan.phases;
    I.layer_info.push_back(info);
    ctl.layers.push_back(std::move(L));
  }
  cc.controller = std::move(ctl);
  cc.noc = {mapped.tiles, t.link_latency_ns, t.link_bytes_per_ns, I.clock};
  try {
    I.chip = std::make_unique<Chip>("chip", cc);
  } catch (const sc_core::sc_report& r) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + r.what());
  }
  I.by_layer.resize(mapped.layers.size());
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    for (const auto& xb : engine.plan(l).xbars) I.by_layer[l].push_back(&I.chip->crossbar(xb.crossbar));
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
    sc_core::sc_start();
  } catch (const sc_core::sc_report& rep) {
    throw Error(std::string("cycle-level simulator: SystemC: ") + rep.what());
  }
  const auto t2 = std::chrono::steady_clock::now();
  r.total_cycles = static_cast<Cycle>(sc_core::sc_time_stamp().value() / I.clock.period_fs());
  const auto& ctl = I.chip->controller();
  r.image_start = ctl.image_start();
  r.image_end = ctl.image_end();
  r.layers = I.layer_info;
  for (std::size_t l = 0; l < r.layers.size(); ++l) {
    const auto& job = ctl.jobs()[l][0];
    r.layers[l].stage_cycles = job.end - job.start;
    r.layers[l].input_cycles = job.inputs_ready - job.start;
    r.layers[l].compute_cycles = job.compute_end > job.compute_begin ? job.compute_end - job.compute_begin : 0;
  }
  r.stats = I.chip->statistics(r.total_cycles);
  r.timing_time_s = std::chrono::duration<double>(t2 - t1).count();
  r.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
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
