#include "sim/cycle/modules.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"

namespace xbarsim::sim::cycle {

// Crossbar ------------------------------------------------------------------------------

Crossbar::Crossbar(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config) {
  if (config.adcs > 0) adc_ = std::make_unique<Resource>("adc", Resource::Config{1, "Adc", "phases"}, events);
}

Cycle Crossbar::pipeline_cycles(std::int64_t phases) const {
  if (phases <= 0) return 0;
  const Cycle R = config_.read_cycles, C = config_.convert_cycles;
  return R + static_cast<Cycle>(phases - 1) * std::max(R, C) + C;
}

void Crossbar::count(std::int64_t phases) {
  requested_ += pipeline_cycles(phases);
  reads_ += phases;
  drives_ += phases * config_.rows_used;
  conversions_ += phases * config_.readouts;
  shift_adds_ += phases * config_.readouts;
}

void Crossbar::collect(StatsNode& node, Cycle /*total*/) const {
  node.add("layer", static_cast<double>(config_.layer), "index");
  node.add("copy", config_.copy, "index");
  node.add("rows", config_.rows, "cells");
  node.add("columns", config_.cols, "cells");
  node.add("rows_used", static_cast<double>(config_.rows_used), "cells");
  node.add("readouts", static_cast<double>(config_.readouts), "columns");
  node.add("adcs", config_.adcs, "adcs");
  node.add("reads", static_cast<double>(reads_), "actions");
  node.add("dac_drives", static_cast<double>(drives_), "actions");
  node.add("conversions", static_cast<double>(conversions_), "actions");
  node.add("shift_adds", static_cast<double>(shift_adds_), "actions");
  node.add("busy_cycles", static_cast<double>(requested_), "cycles");
}

// Ima -----------------------------------------------------------------------------------

Ima::Ima(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config) {
  shift_add_ = std::make_unique<Resource>("shift_add",
                                          Resource::Config{config.shift_adds, "ShiftAddPool", "operations"}, events);
  if (config.adc_bank > 0)
    bank_ = std::make_unique<Resource>("adc_bank", Resource::Config{1, "AdcBank", "phases"}, events);
  for (const auto& c : config.crossbars) {
    const std::string n = "xbar" + std::to_string(c.index) + (c.copy == 0 ? "" : "_copy" + std::to_string(c.copy));
    crossbars_.push_back(std::make_unique<Crossbar>(n.c_str(), c, events));
  }
}

void Ima::collect(StatsNode& node, Cycle /*total*/) const {
  node.add("crossbars", static_cast<double>(crossbars_.size()), "crossbars");
  node.add("shift_add_units", config_.shift_adds, "units");
  node.add("adc_bank", config_.adc_bank, "adcs");
  node.add("input_register", config_.input_register_bytes, "bytes");
  node.add("output_register", config_.output_register_bytes, "bytes");
}

// Buffer --------------------------------------------------------------------------------

Buffer::Buffer(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config), events_(events) {
  read_port_ =
      std::make_unique<Resource>("read_port", Resource::Config{config.read_ports, "BufferPort", "bytes"}, events);
  write_port_ =
      std::make_unique<Resource>("write_port", Resource::Config{config.write_ports, "BufferPort", "bytes"}, events);
}

Cycle Buffer::port_cycles(std::int64_t bytes) const {
  const std::int64_t accesses = (bytes + config_.width_bytes - 1) / config_.width_bytes;
  return static_cast<Cycle>(accesses) * config_.access_cycles;
}

void Buffer::read(int requester, std::int64_t bytes, Callback done) {
  read_port_->request(requester, port_cycles(bytes), std::move(done), bytes);
}

void Buffer::write(int requester, std::int64_t bytes, Callback done) {
  write_port_->request(requester, port_cycles(bytes), std::move(done), bytes);
}

void Buffer::reserve(int requester, std::int64_t bytes, Callback granted) {
  reserved_bytes_ += bytes;
  waiters_.push_back({requester, bytes, events_.now(), std::move(granted)});
  grant_waiters();
}

void Buffer::grant_waiters() {
  // FIFO: a large request at the head is not overtaken by smaller ones (no starvation).
  while (!waiters_.empty() &&
         (config_.capacity_bytes == 0 || used_ + waiters_.front().bytes <= config_.capacity_bytes)) {
    Waiter w = std::move(waiters_.front());
    waiters_.pop_front();
    used_ += w.bytes;
    occupancy_.set(events_.now(), used_);
    const Cycle waited = events_.now() - w.since;
    credit_wait_ += waited;
    if (w.requester >= 0) {
      if (credit_wait_by_.size() <= static_cast<std::size_t>(w.requester)) credit_wait_by_.resize(w.requester + 1, 0);
      credit_wait_by_[static_cast<std::size_t>(w.requester)] += waited;
    }
    events_.at(events_.now(), std::move(w.granted));
  }
}

void Buffer::release(std::int64_t bytes) {
  used_ -= bytes;
  occupancy_.set(events_.now(), used_);
  grant_waiters();
}

Cycle Buffer::credit_wait_by(int requester) const {
  return requester >= 0 && static_cast<std::size_t>(requester) < credit_wait_by_.size()
             ? credit_wait_by_[static_cast<std::size_t>(requester)]
             : 0;
}

void Buffer::collect(StatsNode& node, Cycle total) const {
  node.add("capacity", static_cast<double>(config_.capacity_bytes), "bytes");
  node.add("width", config_.width_bytes, "bytes");
  node.add("occupancy_max", static_cast<double>(occupancy_.max()), "bytes");
  node.add("occupancy_mean", occupancy_.mean(total), "bytes");
  node.add("reserved", static_cast<double>(reserved_bytes_), "bytes");
  node.add("credit_wait_cycles", static_cast<double>(credit_wait_), "cycles");
  node.add("reads", static_cast<double>(read_port_->requests()), "actions");
}

void Buffer::traces(std::vector<TraceSignal>& out) const {
  if (occupancy_.traced()) out.push_back({std::string(name()) + ".occupancy", nullptr, &occupancy_.changes()});
}

// Tile ----------------------------------------------------------------------------------

Tile::Tile(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config) {
  buffer_ = std::make_unique<Buffer>("buffer", config.buffer, events);
  bus_ = std::make_unique<Resource>("bus", Resource::Config{1, "Bus", "bytes"}, events);
  for (const auto& ic : config.imas) {
    imas_.push_back(std::make_unique<Ima>(("ima" + std::to_string(ic.index)).c_str(), ic, events));
  }
}

void Tile::bus(int requester, std::int64_t bytes, Callback done) {
  const auto cycles = static_cast<Cycle>((bytes + config_.bus_width_bytes - 1) / config_.bus_width_bytes);
  bus_->request(requester, cycles, std::move(done), bytes);
}

void Tile::collect(StatsNode& node, Cycle /*total*/) const {
  node.add("imas", static_cast<double>(imas_.size()), "imas");
  node.add("bus_width", config_.bus_width_bytes, "bytes");
}

// Interconnect --------------------------------------------------------------------------

Interconnect::Interconnect(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config), events_(events) {
  routers_ = std::max(1, config.routers);
  if (routers_ * config.tiles_per_router < config.tiles)
    throw Error("cycle-level simulator: " + std::to_string(routers_) + " routers cannot serve " +
                std::to_string(config.tiles) + " tiles");
  while (width_ * width_ < routers_) ++width_;
  for (int t = 0; t < config.tiles; ++t) {
    ports_.push_back(std::make_unique<Resource>(("port_tile" + std::to_string(t)).c_str(),
                                                Resource::Config{1, "Port", "bytes"}, events));
  }
  ports_.push_back(std::make_unique<Resource>("host_link", Resource::Config{1, "HostLink", "bytes"}, events));
  // Every mesh link, both directions (modules exist before the simulation starts).
  links_.resize(static_cast<std::size_t>(routers_) * 4);
  for (int r = 0; r < routers_; ++r) {
    const int x = r % width_;
    const int next[4] = {x + 1 < width_ ? r + 1 : -1, x > 0 ? r - 1 : -1, r + width_, r - width_};
    for (int d = 0; d < 4; ++d) {
      if (next[d] < 0 || next[d] >= routers_) continue;
      const std::string n = "link_r" + std::to_string(r) + "_r" + std::to_string(next[d]);
      links_[static_cast<std::size_t>(r) * 4 + static_cast<std::size_t>(d)] =
          std::make_unique<Resource>(n.c_str(), Resource::Config{1, "Link", "bytes"}, events);
    }
  }
  bytes_from_.assign(static_cast<std::size_t>(config.tiles) + 1, 0);
}

int Interconnect::hops(int src, int dst) const {
  const int a = router_of(src), b = router_of(dst);
  return std::abs(a % width_ - b % width_) + std::abs(a / width_ - b / width_);
}

Resource& Interconnect::link(int from, int to) {
  const int fx = from % width_, fy = from / width_, tx = to % width_, ty = to / width_;
  const int dir = tx > fx ? 0 : tx < fx ? 1 : ty > fy ? 2 : 3;
  auto& l = links_[static_cast<std::size_t>(from) * 4 + static_cast<std::size_t>(dir)];
  if (!l)
    throw Error("cycle-level simulator: no link from router " + std::to_string(from) + " to " + std::to_string(to));
  return *l;
}

void Interconnect::transfer(int requester, int src, int dst, std::int64_t bytes, Callback arrived) {
  if (bytes <= 0 || src == dst) {
    events_.at(events_.now(), std::move(arrived));
    return;
  }
  ++transfers_;
  bytes_ += bytes;
  bytes_from_[static_cast<std::size_t>(src == kHost ? config_.tiles : src)] += bytes;
  // The route: the source's port (a tile's link to its router, or the host link), then XY.
  std::vector<Resource*> path;
  path.push_back(ports_[static_cast<std::size_t>(src == kHost ? config_.tiles : src)].get());
  int r = router_of(src);
  const int target = router_of(dst);
  while (r != target) {
    const int x = r % width_, y = r / width_, tx = target % width_, ty = target / width_;
    // X first; from the partial top row towards a column it lacks, Y first (the rows below are full).
    const bool x_step = x != tx && (tx < x || r + 1 < routers_);
    const int next = x_step ? r + (tx > x ? 1 : -1) : r + (ty > y ? width_ : -width_);
    path.push_back(&link(r, next));
    r = next;
  }
  if (dst == kHost) path.push_back(ports_.back().get());  // back over the host link
  forward(requester, std::make_shared<std::vector<Resource*>>(std::move(path)), 0, bytes,
          std::make_shared<Callback>(std::move(arrived)));
}

void Interconnect::forward(int requester, const std::shared_ptr<std::vector<Resource*>>& path, std::size_t k,
                           std::int64_t bytes, const std::shared_ptr<Callback>& arrived) {
  Resource* res = (*path)[k];
  const bool host = res == ports_.back().get();
  const Cycle ser = serial(bytes, host ? config_.host_bytes_per_cycle : config_.link_bytes_per_cycle);
  if (k + 1 == path->size()) {
    // The tail leaves the last hop, then one hop latency to the destination.
    res->request(
        requester, ser, [this, arrived] { events_.at(events_.now() + config_.hop_cycles, *arrived); }, bytes);
    return;
  }
  // Cut-through: the head requests the next hop one hop latency after this one started.
  res->request(
      requester, ser, [] {}, bytes,
      [this, requester, path, k, bytes, arrived] {
        events_.at(events_.now() + config_.hop_cycles,
                   [this, requester, path, k, bytes, arrived] { forward(requester, path, k + 1, bytes, arrived); });
      });
}

std::int64_t Interconnect::bytes_from(int src) const {
  return bytes_from_[static_cast<std::size_t>(src == kHost ? config_.tiles : src)];
}

Cycle Interconnect::waited_by(int requester) const {
  Cycle w = 0;
  for (const auto* r : resources()) w += r->waited_by(requester);
  return w;
}

std::vector<Resource*> Interconnect::resources() const {
  std::vector<Resource*> out;
  for (const auto& p : ports_) out.push_back(p.get());
  for (const auto& l : links_) {
    if (l) out.push_back(l.get());
  }
  return out;
}

void Interconnect::collect(StatsNode& node, Cycle /*total*/) const {
  node.add("routers", routers_, "routers");
  node.add("mesh_width", width_, "routers");
  node.add("transfers", static_cast<double>(transfers_), "actions");
  node.add("bytes", static_cast<double>(bytes_), "bytes");
  for (std::size_t p = 0; p < bytes_from_.size(); ++p) {
    const std::string port = p + 1 == bytes_from_.size() ? "host" : "tile" + std::to_string(p);
    node.add("bytes_from_" + port, static_cast<double>(bytes_from_[p]), "bytes");
  }
}

}  // namespace xbarsim::sim::cycle

// libsystemc's own main() calls sc_main(); every xbarsim program has its own main() and
// drives the kernel through CycleSimulator, so this is only here to satisfy the linker.
int sc_main(int /*argc*/, char* /*argv*/[]) {
  std::fprintf(stderr, "xbarsim: sc_main is not an entry point; use CycleSimulator\n");
  return 1;
}
