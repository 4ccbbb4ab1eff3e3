#include "sim/cycle/modules.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "common/error.hpp"

namespace xbarsim::sim::cycle {

namespace {

double utilisation(Cycle busy, Cycle total) {
  return total == 0 ? 0.0 : static_cast<double>(busy) / static_cast<double>(total);
}

void busy_stats(StatsNode& node, const Activity& a, Cycle total) {
  node.add("busy_cycles", static_cast<double>(a.busy()), "cycles");
  node.add("utilisation", utilisation(a.busy(), total), "fraction");
}

void trace_of(const sc_core::sc_object& m, const std::string& signal, const Activity& a,
              std::vector<TraceSignal>& out) {
  if (a.traced()) out.push_back({std::string(m.name()) + "." + signal, &a.intervals()});
}

}  // namespace

// DacArray ------------------------------------------------------------------------------

DacArray::DacArray(const sc_core::sc_module_name& name, const Config& config) : Component(name), config_(config) {}

void DacArray::drive(Cycle begin) {
  drives_ += config_.rows;
  activity_.add(begin, begin + config_.drive_cycles);
}

void DacArray::collect(StatsNode& node, Cycle total) const {
  node.add("rows", static_cast<double>(config_.rows), "dacs");
  node.add("drives", static_cast<double>(drives_), "actions");
  busy_stats(node, activity_, total);
}

void DacArray::traces(std::vector<TraceSignal>& out) const { trace_of(*this, "busy", activity_, out); }

// Adc -----------------------------------------------------------------------------------

Adc::Adc(const sc_core::sc_module_name& name, const Config& config) : Component(name), config_(config) {}

void Adc::convert_phase(Cycle begin, Cycle end) {
  conversions_ += config_.readouts;
  activity_.add(begin, end);
}

void Adc::collect(StatsNode& node, Cycle total) const {
  node.add("adcs", config_.adcs, "adcs");
  node.add("conversions", static_cast<double>(conversions_), "actions");
  busy_stats(node, activity_, total);
}

void Adc::traces(std::vector<TraceSignal>& out) const { trace_of(*this, "busy", activity_, out); }

// ShiftAdd ------------------------------------------------------------------------------

ShiftAdd::ShiftAdd(const sc_core::sc_module_name& name, const Config& config) : Component(name), config_(config) {}

void ShiftAdd::operate_phase(Cycle begin, Cycle end) {
  operations_ += config_.readouts;
  activity_.add(begin, end);
}

void ShiftAdd::collect(StatsNode& node, Cycle total) const {
  node.add("operations", static_cast<double>(operations_), "actions");
  busy_stats(node, activity_, total);
}

void ShiftAdd::traces(std::vector<TraceSignal>& out) const { trace_of(*this, "busy", activity_, out); }

// Crossbar ------------------------------------------------------------------------------

Crossbar::Crossbar(const sc_core::sc_module_name& name, const Config& config)
    : Component(name),
      config_(config),
      dac_(std::make_unique<DacArray>("dac", config.dac)),
      adc_(std::make_unique<Adc>("adc", config.adc)),
      shift_add_(std::make_unique<ShiftAdd>("shift_add", config.shift_add)) {}

Crossbar::Span Crossbar::run_position(Cycle input_ready, int phases) {
  Span span;
  const Cycle sa = config_.shift_add.phase_cycles, tail = config_.tail_cycles;
  for (int p = 0; p < phases; ++p) {
    const Cycle start = std::max(input_ready, read_free_);
    if (p == 0) span.first_start = start;
    dac_->drive(start);
    // The read's result latches into the sample-and-hold once the previous phase is converted.
    const Cycle read_end = std::max(start + config_.read_cycles, conv_free_);
    activity_.add(start, read_end);
    ++reads_;
    const Cycle conv_end = read_end + config_.adc.phase_cycles;
    adc_->convert_phase(read_end, conv_end);
    const Cycle sa_end = conv_end + tail;
    shift_add_->operate_phase(sa_end - std::min(sa, sa_end - read_end), sa_end);
    read_free_ = read_end;
    conv_free_ = conv_end;
    span.done = sa_end;
  }
  return span;
}

void Crossbar::collect(StatsNode& node, Cycle total) const {
  node.add("rows", config_.rows, "cells");
  node.add("columns", config_.cols, "cells");
  node.add("rows_used", static_cast<double>(config_.dac.rows), "cells");
  node.add("readouts", static_cast<double>(config_.adc.readouts), "columns");
  node.add("reads", static_cast<double>(reads_), "actions");
  busy_stats(node, activity_, total);
}

void Crossbar::traces(std::vector<TraceSignal>& out) const { trace_of(*this, "busy", activity_, out); }

// Buffer --------------------------------------------------------------------------------

Buffer::Buffer(const sc_core::sc_module_name& name, const Config& config) : Component(name), config_(config) {}

Cycle Buffer::access(Cycle t, std::int64_t bytes, Cycle& port_free, Activity& activity, std::int64_t& count,
                     std::int64_t& total_bytes) {
  if (bytes <= 0) return t;
  const std::int64_t accesses = (bytes + config_.width_bytes - 1) / config_.width_bytes;
  const Cycle start = std::max(t, port_free);
  const Cycle end = start + config_.clock.cycles(static_cast<double>(accesses) * config_.access_ns);
  activity.add(start, end);
  port_free = end;
  count += accesses;
  total_bytes += bytes;
  return end;
}

Cycle Buffer::read(Cycle t, std::int64_t bytes) {
  return access(t, bytes, read_free_, read_activity_, reads_, bytes_read_);
}

Cycle Buffer::write(Cycle t, std::int64_t bytes) {
  return access(t, bytes, write_free_, write_activity_, writes_, bytes_written_);
}

void Buffer::collect(StatsNode& node, Cycle total) const {
  node.add("width", config_.width_bytes, "bytes");
  node.add("reads", static_cast<double>(reads_), "actions");
  node.add("writes", static_cast<double>(writes_), "actions");
  node.add("bytes_read", static_cast<double>(bytes_read_), "bytes");
  node.add("bytes_written", static_cast<double>(bytes_written_), "bytes");
  node.add("read_busy_cycles", static_cast<double>(read_activity_.busy()), "cycles");
  node.add("write_busy_cycles", static_cast<double>(write_activity_.busy()), "cycles");
  node.add("utilisation", utilisation(std::max(read_activity_.busy(), write_activity_.busy()), total), "fraction");
}

void Buffer::traces(std::vector<TraceSignal>& out) const {
  trace_of(*this, "read_busy", read_activity_, out);
  trace_of(*this, "write_busy", write_activity_, out);
}

// Tile ----------------------------------------------------------------------------------

Tile::Tile(const sc_core::sc_module_name& name, const Config& config)
    : Component(name),
      config_(config),
      input_buffer_(std::make_unique<Buffer>("input_buffer", config.buffer)),
      output_buffer_(std::make_unique<Buffer>("output_buffer", config.buffer)) {
  for (const auto& c : config.crossbars) {
    crossbars_.push_back(std::make_unique<Crossbar>(("xbar" + std::to_string(c.index)).c_str(), c));
  }
}

Crossbar& Tile::crossbar(std::size_t index) {
  for (auto& x : crossbars_) {
    if (x->config().index == index) return *x;
  }
  throw Error("cycle-level simulator: crossbar " + std::to_string(index) + " is not on tile " +
              std::to_string(config_.index));
}

void Tile::collect(StatsNode& node, Cycle total) const {
  node.add("crossbars", static_cast<double>(crossbars_.size()), "crossbars");
  busy_stats(node, activity_, total);
}

void Tile::traces(std::vector<TraceSignal>& out) const { trace_of(*this, "busy", activity_, out); }

// Interconnect --------------------------------------------------------------------------

Interconnect::Interconnect(const sc_core::sc_module_name& name, const Config& config)
    : Component(name),
      config_(config),
      port_free_(static_cast<std::size_t>(config.tiles) + 1, 0),
      port_activity_(static_cast<std::size_t>(config.tiles) + 1),
      port_bytes_(static_cast<std::size_t>(config.tiles) + 1, 0) {
  while (width_ * width_ < config.tiles) ++width_;
}

int Interconnect::hops(int a, int b) const {
  if (a == b) return 0;
  if (a == kHost) return 1 + hops(0, b);
  if (b == kHost) return 1 + hops(a, 0);
  return std::abs(a % width_ - b % width_) + std::abs(a / width_ - b / width_);
}

Cycle Interconnect::send(Cycle t, int src, std::int64_t bytes) {
  if (bytes <= 0) return t;
  const auto port = static_cast<std::size_t>(src == kHost ? config_.tiles : src);
  const Cycle start = std::max(t, port_free_[port]);
  port_free_[port] = start + config_.clock.cycles(static_cast<double>(bytes) / config_.link_bytes_per_ns);
  port_activity_[port].add(start, port_free_[port]);
  ++transfers_;
  bytes_ += bytes;
  port_bytes_[port] += bytes;
  return start;
}

Cycle Interconnect::arrival(Cycle start, int src, const std::vector<int>& dst, std::int64_t bytes) const {
  if (bytes <= 0) return start;
  int far = 0;
  for (int d : dst) far = std::max(far, hops(src, d));
  return start +
         config_.clock.cycles(static_cast<double>(bytes) / config_.link_bytes_per_ns + far * config_.link_latency_ns);
}

Cycle Interconnect::transfer(Cycle t, int src, const std::vector<int>& dst, std::int64_t bytes) {
  return arrival(send(t, src, bytes), src, dst, bytes);
}

void Interconnect::collect(StatsNode& node, Cycle total) const {
  Cycle busy = 0;
  for (const auto& a : port_activity_) busy += a.busy();
  node.add("mesh_width", width_, "tiles");
  node.add("transfers", static_cast<double>(transfers_), "actions");
  node.add("bytes", static_cast<double>(bytes_), "bytes");
  node.add("port_busy_cycles", static_cast<double>(busy), "cycles");
  node.add("utilisation", utilisation(busy, total * port_activity_.size()), "fraction");
  for (std::size_t p = 0; p < port_bytes_.size(); ++p) {
    const std::string port = p + 1 == port_bytes_.size() ? "host" : "tile" + std::to_string(p);
    node.add("bytes_from_" + port, static_cast<double>(port_bytes_[p]), "bytes");
  }
}

void Interconnect::traces(std::vector<TraceSignal>& out) const {
  for (std::size_t p = 0; p < port_activity_.size(); ++p) {
    const std::string port = p + 1 == port_activity_.size() ? "host" : "tile" + std::to_string(p);
    trace_of(*this, "port_" + port + "_busy", port_activity_[p], out);
  }
}

void Interconnect::enable_trace() {
  for (auto& a : port_activity_) a.enable_trace();
}

// Controller ----------------------------------------------------------------------------

std::string schedule_name(Schedule s) { return s == Schedule::LayerByLayer ? "layer-by-layer" : "pipelined"; }

Controller::Controller(const sc_core::sc_module_name& name, const Config& config, std::vector<Tile*> tiles,
                       Interconnect& noc)
    : Component(name), config_(config), tiles_(std::move(tiles)), noc_(noc) {
  const auto n = static_cast<std::size_t>(config_.images);
  jobs_.assign(config_.layers.size(), std::vector<Job>(n));
  image_start_.assign(n, std::numeric_limits<Cycle>::max());
  image_end_.assign(n, 0);
  done_.assign(config_.layers.size(), 0);
  host_sent_.assign(n, kNever);

  for (std::size_t l = 0; l < config_.layers.size(); ++l) done_event_.push_back(std::make_unique<sc_core::sc_event>());
  if (config_.schedule == Schedule::LayerByLayer) {
    sc_core::sc_spawn([this] { layer_by_layer(); }, "sequencer");
  } else {
    for (std::size_t l = 0; l < config_.layers.size(); ++l) {
      sc_core::sc_spawn([this, l] { layer_stage(l); }, ("stage_" + config_.layers[l].name).c_str());
    }
  }
}

Cycle Controller::now() const {
  return static_cast<Cycle>(sc_core::sc_time_stamp().value() / config_.clock.period_fs());
}

void Controller::wait_until(Cycle t) {
  const Cycle n = now();
  if (t > n) sc_core::wait(sc_core::sc_time::from_value((t - n) * config_.clock.period_fs()));
}

void Controller::finish(std::size_t layer, std::int64_t image, Cycle end) {
  const auto i = static_cast<std::size_t>(image);
  if (config_.layers[layer].host_bytes > 0) image_end_[i] = std::max(image_end_[i], end);
  ++done_[layer];
  done_event_[layer]->notify(sc_core::SC_ZERO_TIME);
}

void Controller::layer_by_layer() {
  for (std::int64_t i = 0; i < config_.images; ++i) {
    image_start_[static_cast<std::size_t>(i)] = now();
    for (std::size_t l = 0; l < config_.layers.size(); ++l) {
      const Cycle end = run_job(l, i, now());
      wait_until(end);
      finish(l, i, end);
    }
  }
}

void Controller::layer_stage(std::size_t l) {
  const Layer& L = config_.layers[l];
  for (std::int64_t i = 0; i < config_.images; ++i) {
    for (int p : L.producers) {
      if (p < 0) continue;
      while (done_[static_cast<std::size_t>(p)] <= i) sc_core::wait(*done_event_[static_cast<std::size_t>(p)]);
    }
    const Cycle start = now();
    auto& s = image_start_[static_cast<std::size_t>(i)];
    s = std::min(s, start);
    const Cycle end = run_job(l, i, start);
    wait_until(end);
    finish(l, i, end);
  }
}

Cycle Controller::run_job(std::size_t l, std::int64_t image, Cycle now) {
  const Layer& L = config_.layers[l];
  Job job;
  job.start = now;
  const int home = L.tiles.front();
  // 1. Inputs: each producer's output tensor, read from its home tile's output buffer and
  //    multicast to this layer's tiles, written into their input buffers.
  Cycle ready = now;
  for (std::size_t k = 0; k < L.producers.size(); ++k) {
    const int p = L.producers[k];
    const std::int64_t bytes = L.producer_bytes[k];
    Cycle arrive = now;
    if (p >= 0) {
      const int src = config_.layers[static_cast<std::size_t>(p)].tiles.front();
      const Cycle t = tiles_[static_cast<std::size_t>(src)]->output_buffer().read(now, bytes);
      arrive = noc_.transfer(t, src, L.tiles, bytes);
    } else {
      // The host sends an image once, multicast to every layer that reads it (skip connections
      // from the input), when the first of them starts.
      auto& sent = host_sent_[static_cast<std::size_t>(image)];
      if (sent == kNever) sent = noc_.send(now, Interconnect::kHost, bytes);
      arrive = std::max(now, noc_.arrival(sent, Interconnect::kHost, L.tiles, bytes));
    }
    for (int tile : L.tiles)
      ready = std::max(ready, tiles_[static_cast<std::size_t>(tile)]->input_buffer().write(arrive, bytes));
  }
  job.inputs_ready = ready;
  // 2. Positions: each tile reads its rows' inputs (one position ahead of its crossbars), the
  //    crossbars run every phase, other tiles send partial sums home, home writes the outputs.
  std::vector<Cycle> register_free(L.tiles.size(), ready);
  job.compute_begin = std::numeric_limits<Cycle>::max();
  Cycle last = ready;
  for (std::int64_t m = 0; m < L.positions; ++m) {
    Cycle merged = 0;
    for (std::size_t ti = 0; ti < L.tiles.size(); ++ti) {
      Tile& tile = *tiles_[static_cast<std::size_t>(L.tiles[ti])];
      const Cycle in = tile.input_buffer().read(register_free[ti], L.tile_input_bytes[ti]);
      Cycle first = std::numeric_limits<Cycle>::max(), done = in;
      for (std::size_t x : L.tile_crossbars[ti]) {
        const auto span = tile.crossbar(x).run_position(in, L.phases);
        first = std::min(first, span.first_start);
        done = std::max(done, span.done);
      }
      register_free[ti] = first == std::numeric_limits<Cycle>::max() ? in : first;
      job.compute_begin = std::min(job.compute_begin, register_free[ti]);
      job.compute_end = std::max(job.compute_end, done);
      merged = std::max(merged, ti == 0 ? done : noc_.transfer(done, L.tiles[ti], {home}, L.tile_partial_bytes[ti]));
    }
    last = tiles_[static_cast<std::size_t>(home)]->output_buffer().write(merged, L.output_bytes);
  }
  // 3. Network outputs go back to the host.
  Cycle end = last;
  if (L.host_bytes > 0) {
    const Cycle t = tiles_[static_cast<std::size_t>(home)]->output_buffer().read(end, L.host_bytes);
    end = noc_.transfer(t, home, {Interconnect::kHost}, L.host_bytes);
  }
  job.end = end;
  for (int tile : L.tiles) tiles_[static_cast<std::size_t>(tile)]->job(now, end);
  jobs_[l][static_cast<std::size_t>(image)] = job;
  return end;
}

void Controller::collect(StatsNode& node, Cycle total) const {
  node.add("images", static_cast<double>(config_.images), "images");
  node.add("layers", static_cast<double>(config_.layers.size()), "layers");
  node.add("cycles", static_cast<double>(total), "cycles");
}

// Chip ----------------------------------------------------------------------------------

Chip::Chip(const sc_core::sc_module_name& name, const Config& config) : Component(name), config_(config) {
  std::size_t n = 0;
  for (const auto& t : config.tiles) n += t.crossbars.size();
  crossbars_.assign(n, nullptr);
  std::vector<Tile*> tiles;
  for (const auto& t : config.tiles) {
    tiles_.push_back(std::make_unique<Tile>(("tile" + std::to_string(t.index)).c_str(), t));
    tiles.push_back(tiles_.back().get());
    for (const auto& x : tiles_.back()->crossbars()) {
      if (x->config().index >= n) throw Error("cycle-level simulator: crossbar index out of range");
      crossbars_[x->config().index] = x.get();
    }
  }
  noc_ = std::make_unique<Interconnect>("noc", config.noc);
  controller_ = std::make_unique<Controller>("controller", config.controller, tiles, *noc_);
  if (config.trace) {
    std::vector<sc_core::sc_object*> stack(get_child_objects().begin(), get_child_objects().end());
    while (!stack.empty()) {
      auto* o = stack.back();
      stack.pop_back();
      if (auto* c = dynamic_cast<Component*>(o)) c->enable_trace();
      for (auto* child : o->get_child_objects()) stack.push_back(child);
    }
  }
}

namespace {

StatsNode node_of(const sc_core::sc_object& obj, Cycle total) {
  StatsNode node;
  node.name = obj.basename();
  if (const auto* c = dynamic_cast<const Component*>(&obj)) {
    node.kind = c->kind_name();
    c->collect(node, total);
  }
  for (const auto* child : obj.get_child_objects()) {
    if (dynamic_cast<const Component*>(child) != nullptr) node.children.push_back(node_of(*child, total));
  }
  return node;
}

void traces_of(const sc_core::sc_object& obj, std::vector<TraceSignal>& out) {
  if (const auto* c = dynamic_cast<const Component*>(&obj)) c->traces(out);
  for (const auto* child : obj.get_child_objects()) traces_of(*child, out);
}

}  // namespace

StatsNode Chip::statistics(Cycle total) const { return node_of(*this, total); }

std::vector<TraceSignal> Chip::trace_signals() const {
  std::vector<TraceSignal> out;
  traces_of(*this, out);
  return out;
}

void Chip::collect(StatsNode& node, Cycle total) const {
  node.add("cycles", static_cast<double>(total), "cycles");
  node.add("clock", config_.clock.ghz, "GHz");
  node.add("tiles", static_cast<double>(tiles_.size()), "tiles");
  node.add("crossbars", static_cast<double>(crossbars_.size()), "crossbars");
}

}  // namespace xbarsim::sim::cycle

// libsystemc's own main() calls sc_main(); every xbarsim program has its own main() and
// drives the kernel through CycleSimulator, so this is only here to satisfy the linker.
int sc_main(int /*argc*/, char* /*argv*/[]) {
  std::fprintf(stderr, "xbarsim: sc_main is not an entry point; use CycleSimulator\n");
  return 1;
}
