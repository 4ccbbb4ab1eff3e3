// The SystemC modules of the cycle-level chip (docs/architecture.md, "Cycle-level simulator"),
// built from the chip layout (mapping/layout.hpp): Chip > Tile > {Buffer > {read_port,
// write_port}, bus, Ima > {shift_add, adc_bank?, Crossbar > adc?}}, Chip > Interconnect >
// {tile ports, router links, host link}, Chip > Controller. Every shared resource is a
// Resource (sim/cycle/resource.hpp: request queue, arbitration, completion callbacks). The
// arithmetic is the shared datapath (sim/datapath.hpp): the Crossbar module calls
// crossbar_read, adc_convert and shift_add on its plan, so both engines compute the same outputs.
#pragma once

#include <systemc>

#include <cmath>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sim/cycle/resource.hpp"
#include "sim/cycle/stats.hpp"
#include "sim/datapath.hpp"

namespace xbarsim::sim::cycle {

/// Whole clock cycles of the digital clock.
struct Clock {
  double ghz = 1.0;
  /// Cycles an activity of `ns` occupies: ceil(ns x f), 0 for ns <= 0.
  Cycle cycles(double ns) const { return ns <= 0.0 ? 0 : static_cast<Cycle>(std::ceil(ns * ghz - 1e-9)); }
  /// One cycle in femtoseconds (the kernel's time resolution).
  std::uint64_t period_fs() const { return static_cast<std::uint64_t>(std::llround(1e6 / ghz)); }
};

/// One crossbar copy with its DACs, sample-and-holds and (unless its IMA has a shared bank)
/// its own ADCs. A request for n phases holds its converter for the read/convert pipeline:
/// read R cycles, convert C; the sample-and-hold lets phase p+1 read while phase p converts:
/// R + (n - 1) max(R, C) + C.
class Crossbar final : public Component {
 public:
  struct Config {
    std::size_t index = 0;  ///< in MappedNetwork::crossbars
    std::size_t layer = 0;
    int copy = 0;
    int rows = 0, cols = 0;
    std::int64_t rows_used = 0;  ///< rows driven each phase
    std::int64_t readouts = 0;   ///< conversions (and shift-and-adds) per phase
    int adcs = 1;                ///< own ADCs (0: the IMA's bank)
    Cycle read_cycles = 0;       ///< R: DAC drive + array read of one phase
    Cycle convert_cycles = 0;    ///< C: one phase's conversions on the busiest converter
    Cycle shift_add_cycles = 0;  ///< one phase's shift-and-adds on one unit
    const LayerPlan* layer_plan = nullptr;
    const XbarPlan* plan = nullptr;
  };
  Crossbar(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  /// Cycles of the read/convert pipeline for `phases` phases.
  Cycle pipeline_cycles(std::int64_t phases) const;
  /// Counts the actions of `phases` phases (reads, DAC drives, conversions, shift-and-adds).
  void count(std::int64_t phases);
  Resource* own_adc() { return adc_.get(); }
  /// Cycles of read/convert pipeline this crossbar asked for (its stage's busy time).
  Cycle requested_cycles() const { return requested_; }
  std::int64_t reads() const { return reads_; }
  std::int64_t dac_drives() const { return drives_; }
  std::int64_t conversions() const { return conversions_; }
  std::int64_t shift_adds() const { return shift_adds_; }

  /// Data: the shared datapath's three stages on this crossbar's plan.
  void read(const InputBlock& in, RowMajorF& y, std::uint64_t noise_seed) const {
    crossbar_read(*config_.plan, in, y, noise_seed);
  }
  void convert(RowMajorF& y, std::uint64_t noise_seed) const {
    adc_convert(*config_.layer_plan, *config_.plan, y, noise_seed);
  }
  void accumulate(const InputBlock& in, RowMajorF& y, Eigen::Index mt, AccumulatorRows acc, Eigen::Index m0) const {
    shift_add(*config_.layer_plan, *config_.plan, in, y, mt, acc, m0);
  }
  const Config& config() const { return config_; }
  std::string kind_name() const override { return "Crossbar"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  Config config_;
  std::unique_ptr<Resource> adc_;
  std::int64_t reads_ = 0, drives_ = 0, conversions_ = 0, shift_adds_ = 0;
  Cycle requested_ = 0;
};

/// An IMA: crossbars sharing an input and an output register, a pool of shift-and-add units
/// and, when configured, a bank of ADCs.
class Ima final : public Component {
 public:
  struct Config {
    int index = 0;
    int shift_adds = 4;
    int adc_bank = 0;  ///< 0: crossbars own their ADCs
    int input_register_bytes = 2048;
    int output_register_bytes = 256;
    std::vector<Crossbar::Config> crossbars;
  };
  Ima(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  Resource& shift_add() { return *shift_add_; }
  Resource* adc_bank() { return bank_.get(); }
  std::vector<std::unique_ptr<Crossbar>>& crossbars() { return crossbars_; }
  const Config& config() const { return config_; }
  std::string kind_name() const override { return "Ima"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  Config config_;
  std::unique_ptr<Resource> shift_add_, bank_;
  std::vector<std::unique_ptr<Crossbar>> crossbars_;
};

/// The tile buffer (eDRAM): read and write ports (Resources), and a capacity in bytes given
/// out as credits: a sender reserves space before it sends a row, waiting in FIFO order while
/// the buffer is full; the space is returned when every consumer on the tile is done with the row.
class Buffer final : public Component {
 public:
  struct Config {
    std::int64_t capacity_bytes = 0;  ///< 0 = unbounded
    int read_ports = 1, write_ports = 1;
    int width_bytes = 32;
    Cycle access_cycles = 1;  ///< per access of width_bytes (per port)
  };
  Buffer(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  /// Cycles to move `bytes` through one port.
  Cycle port_cycles(std::int64_t bytes) const;
  void read(int requester, std::int64_t bytes, Callback done);
  void write(int requester, std::int64_t bytes, Callback done);
  /// Reserves `bytes`; `granted` runs once they are available (at once if they are).
  void reserve(int requester, std::int64_t bytes, Callback granted);
  void release(std::int64_t bytes);
  std::int64_t occupancy() const { return used_; }
  double width() const { return config_.width_bytes; }
  Cycle credit_wait_by(int requester) const;
  std::string kind_name() const override { return "Buffer"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { occupancy_.enable_trace(); }
  Resource& read_port() { return *read_port_; }
  Resource& write_port() { return *write_port_; }

 private:
  struct Waiter {
    int requester;
    std::int64_t bytes;
    Cycle since;
    Callback granted;
  };
  void grant_waiters();
  Config config_;
  EventQueue& events_;
  std::unique_ptr<Resource> read_port_, write_port_;
  std::int64_t used_ = 0;
  std::deque<Waiter> waiters_;
  Level occupancy_;
  Cycle credit_wait_ = 0;
  std::vector<Cycle> credit_wait_by_;
  std::int64_t reserved_bytes_ = 0;
};

class Tile final : public Component {
 public:
  struct Config {
    int index = 0;
    Buffer::Config buffer;
    int bus_width_bytes = 48;
    std::vector<Ima::Config> imas;
  };
  Tile(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  Buffer& buffer() { return *buffer_; }
  /// The tile bus: one transfer at a time, bus_width_bytes per cycle.
  void bus(int requester, std::int64_t bytes, Callback done);
  Resource& bus_resource() { return *bus_; }
  std::vector<std::unique_ptr<Ima>>& imas() { return imas_; }
  std::string kind_name() const override { return "Tile"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  Config config_;
  std::unique_ptr<Buffer> buffer_;
  std::unique_ptr<Resource> bus_;
  std::vector<std::unique_ptr<Ima>> imas_;
};

/// A concentrated mesh: tiles_per_router tiles share a router; the R routers sit on a mesh w
/// wide, w = ceil(sqrt(R)) (router r at (r mod w, r div w); the top row may be partial), XY
/// routing, Y first where the X leg would leave a partial top row; the host attaches to router
/// 0 through the host link. A transfer serialises on its tile's port (bytes / link bandwidth), then on every link
/// of its route, each requested one hop latency after the previous one started (cut-through),
/// and arrives when the last link has delivered its last byte.
class Interconnect final : public Component {
 public:
  static constexpr int kHost = -1;
  struct Config {
    int tiles = 1;
    int tiles_per_router = 4;
    int routers = 1;  ///< the layout's: ceil(tiles / tiles_per_router)
    Cycle hop_cycles = 0;
    double link_bytes_per_cycle = 4.0;
    double host_bytes_per_cycle = 6.4;
  };
  Interconnect(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  /// Sends `bytes` from `src` to `dst` (tiles or kHost); `arrived` runs on delivery.
  void transfer(int requester, int src, int dst, std::int64_t bytes, Callback arrived);
  int router_of(int tile) const { return tile == kHost ? 0 : tile / config_.tiles_per_router; }
  int routers() const { return routers_; }
  /// Router-to-router hops from `src` to `dst`.
  int hops(int src, int dst) const;
  std::int64_t bytes_from(int src) const;
  std::string kind_name() const override { return "Interconnect"; }
  void collect(StatsNode& node, Cycle total) const override;
  /// Cycles all requests of `requester` waited on the interconnect's resources.
  Cycle waited_by(int requester) const;
  std::vector<Resource*> resources() const;

 private:
  Cycle serial(std::int64_t bytes, double per_cycle) const {
    return static_cast<Cycle>(std::ceil(static_cast<double>(bytes) / per_cycle - 1e-9));
  }
  Resource& link(int from, int to);
  void forward(int requester, const std::shared_ptr<std::vector<Resource*>>& path, std::size_t k, std::int64_t bytes,
               const std::shared_ptr<Callback>& arrived);
  Config config_;
  EventQueue& events_;
  int width_ = 1, routers_ = 1;
  std::vector<std::unique_ptr<Resource>> ports_;  ///< per tile, then the host link
  std::vector<std::unique_ptr<Resource>> links_;  ///< per router, 4 directions (E, W, N, S); null at the mesh edge
  std::vector<std::int64_t> bytes_from_;          ///< per tile, then the host
  std::int64_t transfers_ = 0, bytes_ = 0;
};

}  // namespace xbarsim::sim::cycle
