// The SystemC modules of the cycle-level simulator (docs/architecture.md, "Cycle-level
// simulator"): Chip > Tile > Crossbar > {DacArray, Adc, ShiftAdd}, Tile > Buffer (input and
// output), Chip > Interconnect, Chip > Controller. Each is an sc_core::sc_module built from
// (name, const Config&). Timing is event-driven: a module computes when its work completes
// (in whole clock cycles) and the controller's processes wait for that time; nothing wakes
// on a clock edge. The arithmetic is the shared datapath (sim/datapath.hpp): the Crossbar,
// Adc and ShiftAdd modules call crossbar_read, adc_convert and shift_add on their own plan.
#pragma once

#include <systemc>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/cycle/stats.hpp"
#include "sim/cycle/vcd.hpp"
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

/// A module that reports statistics and busy signals; the chip walks the module tree for them.
class Component : public sc_core::sc_module {
 public:
  using sc_core::sc_module::sc_module;
  virtual std::string kind_name() const = 0;
  /// Adds this module's values to `node`; `total` is the simulated time in cycles.
  virtual void collect(StatsNode& node, Cycle total) const = 0;
  /// Appends this module's traced busy signals.
  virtual void traces(std::vector<TraceSignal>& out) const { (void)out; }
  /// Starts recording busy intervals (for the VCD).
  virtual void enable_trace() {}
};

class DacArray final : public Component {
 public:
  struct Config {
    std::int64_t rows = 0;   ///< rows driven each phase
    Cycle drive_cycles = 0;  ///< one phase's drive (0 = hidden under the read)
  };
  DacArray(const sc_core::sc_module_name& name, const Config& config);
  void drive(Cycle begin);
  std::string kind_name() const override { return "DacArray"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { activity_.enable_trace(); }

 private:
  Config config_;
  std::int64_t drives_ = 0;
  Activity activity_;
};

class Adc final : public Component {
 public:
  struct Config {
    int adcs = 1;               ///< converters of this crossbar (inventory)
    std::int64_t readouts = 0;  ///< conversions per phase
    std::int64_t per_adc = 0;   ///< conversions of the busiest converter per phase (column multiplexing)
    Cycle phase_cycles = 0;     ///< one phase's conversions: ceil(per_adc x max(t_adc, t_sa) x f)
    const LayerPlan* layer = nullptr;
  };
  Adc(const sc_core::sc_module_name& name, const Config& config);
  /// Timing: one phase's readings converted over [begin, end).
  void convert_phase(Cycle begin, Cycle end);
  /// Data: the shared ADC transfer on a block of readings.
  void convert(RowMajorF& y) const { adc_convert(*config_.layer, y); }
  const Config& config() const { return config_; }
  std::string kind_name() const override { return "Adc"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { activity_.enable_trace(); }

 private:
  Config config_;
  std::int64_t conversions_ = 0;
  Activity activity_;
};

class ShiftAdd final : public Component {
 public:
  struct Config {
    std::int64_t readouts = 0;  ///< operations per phase
    Cycle phase_cycles = 0;     ///< one phase's operations on the busiest lane
    const LayerPlan* layer = nullptr;
    const XbarPlan* plan = nullptr;
  };
  ShiftAdd(const sc_core::sc_module_name& name, const Config& config);
  void operate_phase(Cycle begin, Cycle end);
  /// Data: compensation and shift-and-add of a converted block into the accumulators.
  void accumulate(const InputBlock& in, RowMajorF& y, Eigen::Index mt, RowMajorD& acc, Eigen::Index m0) const {
    shift_add(*config_.layer, *config_.plan, in, y, mt, acc, m0);
  }
  std::string kind_name() const override { return "ShiftAdd"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { activity_.enable_trace(); }

 private:
  Config config_;
  std::int64_t operations_ = 0;
  Activity activity_;
};

class Crossbar final : public Component {
 public:
  struct Config {
    std::size_t index = 0;  ///< in MappedNetwork::crossbars
    std::size_t layer = 0;  ///< weighted layer
    int rows = 0, cols = 0;
    Cycle read_cycles = 0;  ///< DAC drive + array read of one phase
    Cycle tail_cycles = 0;  ///< after the last conversion, its shift-and-add
    DacArray::Config dac;
    Adc::Config adc;
    ShiftAdd::Config shift_add;
    const XbarPlan* plan = nullptr;
  };
  struct Span {
    Cycle first_start = 0;  ///< the first phase's read began
    Cycle done = 0;         ///< the last value is shift-added
  };
  Crossbar(const sc_core::sc_module_name& name, const Config& config);
  /// Timing of one MVM (all `phases` input phases of one position) whose input is ready at
  /// `input_ready`. Reads and conversions overlap through the sample-and-hold: a phase's read
  /// latches only when the previous phase's conversions are done.
  Span run_position(Cycle input_ready, int phases);
  /// Data: the analog read of a block of bit planes.
  void read(const InputBlock& in, RowMajorF& y, std::uint64_t noise_seed) const {
    crossbar_read(*config_.plan, in, y, noise_seed);
  }
  const Adc& adc() const { return *adc_; }
  const ShiftAdd& shift_adder() const { return *shift_add_; }
  const Config& config() const { return config_; }
  std::string kind_name() const override { return "Crossbar"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { activity_.enable_trace(); }

 private:
  Config config_;
  std::unique_ptr<DacArray> dac_;
  std::unique_ptr<Adc> adc_;
  std::unique_ptr<ShiftAdd> shift_add_;
  Cycle read_free_ = 0;  ///< the array can start the next read
  Cycle conv_free_ = 0;  ///< the sample-and-hold is free (previous phase converted)
  std::int64_t reads_ = 0;
  Activity activity_;
};

/// eDRAM-like buffer with one read and one write port; an access moves width_bytes in access_ns.
class Buffer final : public Component {
 public:
  struct Config {
    int width_bytes = 32;
    double access_ns = 1.0;  ///< one access
    Clock clock;
  };
  Buffer(const sc_core::sc_module_name& name, const Config& config);
  /// Reads (writes) `bytes` requested at `t`; returns when the last access completes.
  Cycle read(Cycle t, std::int64_t bytes);
  Cycle write(Cycle t, std::int64_t bytes);
  std::string kind_name() const override { return "Buffer"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override {
    read_activity_.enable_trace();
    write_activity_.enable_trace();
  }

 private:
  Cycle access(Cycle t, std::int64_t bytes, Cycle& port_free, Activity& activity, std::int64_t& count,
               std::int64_t& total_bytes);
  Config config_;
  Cycle read_free_ = 0, write_free_ = 0;
  std::int64_t reads_ = 0, writes_ = 0, bytes_read_ = 0, bytes_written_ = 0;
  Activity read_activity_, write_activity_;
};

class Tile final : public Component {
 public:
  struct Config {
    int index = 0;
    Buffer::Config buffer;
    std::vector<Crossbar::Config> crossbars;
  };
  Tile(const sc_core::sc_module_name& name, const Config& config);
  Buffer& input_buffer() { return *input_buffer_; }
  Buffer& output_buffer() { return *output_buffer_; }
  /// By index in MappedNetwork::crossbars.
  Crossbar& crossbar(std::size_t index);
  const std::vector<std::unique_ptr<Crossbar>>& crossbars() const { return crossbars_; }
  void job(Cycle begin, Cycle end) { activity_.add(begin, end); }
  std::string kind_name() const override { return "Tile"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override { activity_.enable_trace(); }

 private:
  Config config_;
  std::unique_ptr<Buffer> input_buffer_, output_buffer_;
  std::vector<std::unique_ptr<Crossbar>> crossbars_;
  Activity activity_;
};

/// Links between tiles on a 2-D mesh (tile t at (t mod w, t div w)), XY routing; the host
/// attaches next to tile 0. A transfer serialises on its source port (bytes / bandwidth) and
/// arrives hops x link latency later; multicasts pay the farthest destination's hops.
class Interconnect final : public Component {
 public:
  static constexpr int kHost = -1;
  struct Config {
    int tiles = 1;
    double link_latency_ns = 10.0;
    double link_bytes_per_ns = 4.0;
    Clock clock;
  };
  Interconnect(const sc_core::sc_module_name& name, const Config& config);
  /// Sends `bytes` from `src` (a tile or kHost) to every tile of `dst` (or kHost), requested at `t`;
  /// returns the arrival time.
  Cycle transfer(Cycle t, int src, const std::vector<int>& dst, std::int64_t bytes);
  /// The same in two steps: send() occupies the source port and returns when the data left;
  /// arrival() is when it reaches the farthest of `dst` (any subset of the multicast's tiles).
  Cycle send(Cycle t, int src, std::int64_t bytes);
  Cycle arrival(Cycle start, int src, const std::vector<int>& dst, std::int64_t bytes) const;
  int hops(int a, int b) const;
  std::string kind_name() const override { return "Interconnect"; }
  void collect(StatsNode& node, Cycle total) const override;
  void traces(std::vector<TraceSignal>& out) const override;
  void enable_trace() override;

 private:
  Config config_;
  int width_ = 1;
  std::vector<Cycle> port_free_;  ///< per tile, then the host's
  std::vector<Activity> port_activity_;
  std::vector<std::int64_t> port_bytes_;  ///< bytes sent from each port
  std::int64_t transfers_ = 0, bytes_ = 0;
};

enum class Schedule { LayerByLayer, Pipelined };
std::string schedule_name(Schedule s);

/// Sequences the work: per image and weighted layer, one job that fetches the layer's inputs,
/// streams every output position through the layer's crossbars (all bit-serial phases, all
/// slices and row blocks in parallel), merges partial sums across tiles and writes the outputs.
class Controller final : public Component {
 public:
  struct Layer {
    std::string name;
    std::vector<int> tiles;  ///< the first is the home tile (merges and holds the outputs)
    std::int64_t positions = 1;
    int phases = 8;
    std::vector<std::vector<std::size_t>> tile_crossbars;  ///< per tile: MappedNetwork crossbar indices
    std::vector<std::int64_t> tile_input_bytes;            ///< per tile, per position: its rows' input codes
    std::vector<std::int64_t> tile_partial_bytes;          ///< per tile, per position: partial sums to merge
    std::int64_t output_bytes = 0;                         ///< per position, written to the home tile
    std::vector<int> producers;                            ///< weighted layers feeding it (-1 = the host)
    std::vector<std::int64_t> producer_bytes;              ///< per image, from each producer
    std::int64_t host_bytes = 0;                           ///< per image to the host (0: not an output)
  };
  struct Config {
    Schedule schedule = Schedule::LayerByLayer;
    std::int64_t images = 1;
    Clock clock;
    std::vector<Layer> layers;
  };
  /// Timing of one job (one layer, one image), in cycles.
  struct Job {
    Cycle start = 0, inputs_ready = 0, compute_begin = 0, compute_end = 0, end = 0;
  };
  Controller(const sc_core::sc_module_name& name, const Config& config, std::vector<Tile*> tiles, Interconnect& noc);
  const std::vector<std::vector<Job>>& jobs() const { return jobs_; }  ///< [layer][image]
  const std::vector<Cycle>& image_start() const { return image_start_; }
  const std::vector<Cycle>& image_end() const { return image_end_; }
  std::string kind_name() const override { return "Controller"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  void layer_by_layer();
  void layer_stage(std::size_t layer);
  Cycle run_job(std::size_t layer, std::int64_t image, Cycle now);
  Cycle now() const;
  void wait_until(Cycle t);
  void finish(std::size_t layer, std::int64_t image, Cycle end);

  Config config_;
  std::vector<Tile*> tiles_;
  Interconnect& noc_;
  std::vector<std::vector<Job>> jobs_;
  std::vector<Cycle> image_start_, image_end_;
  static constexpr Cycle kNever = ~Cycle{0};
  std::vector<std::int64_t> done_;  ///< images each layer has finished
  std::vector<Cycle> host_sent_;    ///< per image: its input multicast left the host (kNever: not yet)
  std::vector<std::unique_ptr<sc_core::sc_event>> done_event_;
};

class Chip final : public Component {
 public:
  struct Config {
    Clock clock;
    std::vector<Tile::Config> tiles;
    Interconnect::Config noc;
    Controller::Config controller;
    bool trace = false;
  };
  Chip(const sc_core::sc_module_name& name, const Config& config);
  Crossbar& crossbar(std::size_t index) { return *crossbars_.at(index); }
  const Controller& controller() const { return *controller_; }
  /// The statistics tree, walking the module hierarchy; `total` = simulated cycles.
  StatsNode statistics(Cycle total) const;
  std::vector<TraceSignal> trace_signals() const;
  std::string kind_name() const override { return "Chip"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  Config config_;
  std::vector<std::unique_ptr<Tile>> tiles_;
  std::unique_ptr<Interconnect> noc_;
  std::unique_ptr<Controller> controller_;
  std::vector<Crossbar*> crossbars_;  ///< by MappedNetwork index
};

}  // namespace xbarsim::sim::cycle
