// The two timing primitives of the cycle-level chip (docs/models.md, "Timing: shared
// resources"). EventQueue: callbacks at future clock cycles, driven by the SystemC kernel
// (one sc_event notified at the next due cycle; nothing wakes on a clock edge). Resource: a
// shared hardware resource with `servers` identical servers and a request queue. Arbitration:
// every request made in cycle t is queued at the end of cycle t; a free server takes the
// oldest request (earliest arrival cycle), ties going to the lower requester index (upstream
// layers first), then to the earlier request; service is not pre-empted. A request waits while
// every server is busy; its callback runs when its service completes.
#pragma once

#include <systemc>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "sim/cycle/stats.hpp"
#include "sim/cycle/vcd.hpp"

namespace xbarsim::sim::cycle {

using Callback = std::function<void()>;

/// A module that reports statistics and traced signals; the chip walks the module tree for them.
class Component : public sc_core::sc_module {
 public:
  using sc_core::sc_module::sc_module;
  virtual std::string kind_name() const = 0;
  /// Adds this module's values to `node`; `total` is the simulated time in cycles.
  virtual void collect(StatsNode& node, Cycle total) const = 0;
  /// Appends this module's traced signals.
  virtual void traces(std::vector<TraceSignal>& out) const { (void)out; }
  /// Starts recording intervals and levels (for the VCD).
  virtual void enable_trace() {}
};

class EventQueue final : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(EventQueue);
  EventQueue(const sc_core::sc_module_name& name, std::uint64_t period_fs);
  /// Runs `cb` at cycle `t` (>= now). Late callbacks (`late`) at a cycle run after every
  /// ordinary one at that cycle (arbitration sees every request of the cycle).
  void at(Cycle t, Callback cb, bool late = false);
  Cycle now() const { return static_cast<Cycle>(sc_core::sc_time_stamp().value() / period_fs_); }
  std::uint64_t period_fs() const { return period_fs_; }

 private:
  struct Item {
    Cycle t;
    bool late;
    std::uint64_t seq;
    Callback cb;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      if (a.t != b.t) return a.t > b.t;
      if (a.late != b.late) return a.late;
      return a.seq > b.seq;
    }
  };
  void run();
  void arm();
  std::uint64_t period_fs_;
  std::priority_queue<Item, std::vector<Item>, Later> items_;
  std::uint64_t seq_ = 0;
  sc_core::sc_event wake_;
  Cycle armed_ = ~Cycle{0};
};

/// A piecewise-constant integer level over time (queue depth, buffer occupancy): its maximum,
/// its time average and, when traced, its changes.
class Level {
 public:
  void set(Cycle t, std::int64_t v);
  std::int64_t value() const { return value_; }
  std::int64_t max() const { return max_; }
  /// Time average over [0, total).
  double mean(Cycle total) const;
  void enable_trace() { trace_ = true; }
  bool traced() const { return trace_; }
  const std::vector<LevelChange>& changes() const { return changes_; }

 private:
  std::int64_t value_ = 0, max_ = 0;
  Cycle since_ = 0;
  double area_ = 0.0;
  bool trace_ = false;
  std::vector<LevelChange> changes_;
};

class Resource final : public Component {
 public:
  struct Config {
    int servers = 1;
    std::string kind = "Resource";  ///< reported kind (Adc, ShiftAddPool, BufferPort, Bus, Link, ...)
    std::string unit = "requests";  ///< what one request is, for the statistics
  };
  Resource(const sc_core::sc_module_name& name, const Config& config, EventQueue& events);
  /// Asks for one server for `service` cycles; `done` runs when the service completes and
  /// `started` (if any) when it begins. `requester` is the arbitration priority (lower first on
  /// ties) and names whose wait it is; `amount` is what the request moves (bytes, operations).
  void request(int requester, Cycle service, Callback done, std::int64_t amount = 1, Callback started = nullptr);
  const Config& config() const { return config_; }
  std::string kind_name() const override { return config_.kind; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override;
  /// Cycles requests of `requester` waited here (queued, not served).
  Cycle waited_by(int requester) const;
  /// Cycles requests of `requester` were served here.
  Cycle served_by(int requester) const;
  Cycle busy() const { return busy_.busy(); }
  std::int64_t requests() const { return requests_; }

 private:
  struct Pending {
    Cycle arrival;
    int requester;
    std::uint64_t seq;
    Cycle service;
    Callback done, started;
  };
  void arbitrate();
  Config config_;
  EventQueue& events_;
  std::vector<Pending> arrived_;  ///< this cycle's requests, not yet queued
  std::deque<Pending> queue_;     ///< waiting, in arbitration order
  std::vector<Cycle> server_free_;
  bool arbitration_due_ = false;
  std::uint64_t seq_ = 0;
  std::int64_t requests_ = 0, amount_ = 0;
  Cycle wait_total_ = 0;
  std::vector<Cycle> wait_by_;    ///< per requester
  std::vector<Cycle> served_by_;  ///< per requester
  Activity busy_;                 ///< server-cycles (summed over servers); traced: any server busy
  Level depth_;                   ///< requests waiting
};

}  // namespace xbarsim::sim::cycle
