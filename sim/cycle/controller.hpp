// The controller and the chip of the cycle-level simulator (docs/models.md, "Timing").
// Work is issued per group of output positions (one output row by default, bounded by the IMA
// input register): each layer copy has one SystemC process that waits until the input rows
// of its next group are in its tiles' buffers and its double-buffered input register has a
// free half, then issues the group: buffer read and bus transfer per IMA, the read/convert
// pipeline on every crossbar's converter, the shift-and-add pool, partial sums to the copy's
// home, outputs to the layer's home. Tensors move row by row as streams: a row leaves its
// producer's tile as soon as it is complete, once per consuming tile, after the consumer's
// buffer granted the space (credit-based back-pressure). Residual adds run once, on the tile
// of their first operand; every other operand is sent there.
#pragma once

#include <systemc>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cost/components.hpp"
#include "sim/cycle/modules.hpp"

namespace xbarsim::sim::cycle {

enum class Schedule { LayerByLayer, Pipelined };
std::string schedule_name(Schedule s);

/// A tensor moved between tiles row by row.
struct StreamDesc {
  std::string tensor;
  int base = -1;          ///< producing node (weighted layer l, or an add at layers + a); -1 = the host
  std::int64_t rows = 1;  ///< per image
  std::int64_t row_bytes = 0;
  std::vector<std::int64_t> base_need;  ///< per row: rows of the base it needs (exclusive end)
  std::vector<int> layers;              ///< weighted layers reading it
  std::vector<int> adds;                ///< add nodes reading it (node index)
  bool to_host = false;                 ///< the network output
};

/// Work of one IMA of one layer copy.
struct ImaWork {
  int tile = 0;
  Ima* ima = nullptr;
  std::vector<Crossbar*> crossbars;
  std::int64_t input_bytes_per_position = 0;    ///< the union of its crossbars' rows
  std::int64_t partial_bytes_per_position = 0;  ///< its channels' partial sums (32 bits each)
};

struct CopyWork {
  int home_tile = 0;
  std::vector<ImaWork> imas;  ///< the first is the home IMA
  std::vector<int> tiles;     ///< tiles holding its crossbars (each receives the input rows)
};

struct LayerDesc {
  std::string name;
  std::int64_t positions = 1;  ///< per image
  std::int64_t width = 1;      ///< output positions per output row
  std::int64_t group = 1;      ///< positions per group
  std::int64_t rows = 1;       ///< output rows per image
  int phases = 8;
  int input = 0;                                            ///< input stream
  int location = 0;                                         ///< home tile (where its outputs are gathered)
  std::vector<std::pair<std::int64_t, std::int64_t>> need;  ///< per group: input rows [lo, hi)
  std::int64_t output_bytes_per_position = 0;
  std::vector<CopyWork> copies;  ///< empty: bias only (no crossbars)
  std::int64_t groups() const { return static_cast<std::int64_t>(need.size()); }
};

struct AddDesc {
  std::string name;
  std::int64_t rows = 1;
  int location = 0;
  std::vector<int> inputs;  ///< streams
  int requester = 0;        ///< the weighted layer whose traffic it is counted with
};

class Controller final : public Component {
 public:
  struct Config {
    Schedule schedule = Schedule::Pipelined;
    std::int64_t images = 1;
    std::vector<LayerDesc> layers;
    std::vector<AddDesc> adds;
    std::vector<StreamDesc> streams;
  };
  Controller(const sc_core::sc_module_name& name, Config config, std::vector<Tile*> tiles, Interconnect& noc,
             EventQueue& events);
  struct LayerTimes {
    Cycle first_start = ~Cycle{0}, first_end = 0;  ///< first image: first group issued, last row out
    Cycle compute_cycles = 0;                      ///< first image: first conversion to last shift-and-add
  };
  const std::vector<LayerTimes>& layer_times() const { return times_; }
  const std::vector<Cycle>& image_start() const { return image_start_; }
  const std::vector<Cycle>& image_end() const { return image_end_; }
  /// True when every image reached the host (false: the run stalled, e.g. buffers too small).
  bool finished() const;
  /// A description of what is still waiting, for the error when the run stalls.
  std::string stall_report() const;
  /// Bytes a layer caused to move, all images: its input rows fetched from buffers into its
  /// IMAs' input registers, rows delivered into buffers for it, bytes it put on links and buses.
  struct Traffic {
    double fetch_bytes = 0, deliver_bytes = 0, link_bytes = 0, bus_bytes = 0;
    double host_bytes = 0;                            ///< over the host link (a part of link_bytes)
    double fetch_accesses = 0, deliver_accesses = 0;  ///< buffer accesses, per transfer rounded up
  };
  const Traffic& traffic(std::size_t layer) const { return traffic_.at(layer); }
  std::size_t layer_count() const { return traffic_.size(); }
  std::string kind_name() const override { return "Controller"; }
  void collect(StatsNode& node, Cycle total) const override;

 private:
  struct Holding {                   // the rows of one stream kept in one tile's buffer
    std::vector<std::int32_t> refs;  ///< per global row: consumers still to read it (-1: not arrived)
    std::unique_ptr<sc_core::sc_event> arrived;
  };
  Holding& holding(int stream, int tile);
  const Holding* find_holding(int stream, int tile) const;
  void sequencer(int layer, int copy);
  bool inputs_present(int layer, int copy, std::int64_t group) const;
  void issue(int layer, int copy, std::int64_t q);
  void release_inputs(int layer, int copy, std::int64_t q, int tile);
  void outputs_done(int layer, std::int64_t q);
  void node_rows(int node, std::int64_t rows_done);
  void emit(int stream, std::int64_t row);
  void deliver(int stream, std::int64_t row, int tile, int refs, int requester);
  void arrived(int stream, std::int64_t row, int tile, int refs);
  void try_adds(int tile);
  void host_row(std::int64_t row);
  void start_image(std::int64_t image);
  int copy_of(int layer, std::int64_t q) const;
  int requester_of_stream(int stream) const;

  Config config_;
  std::vector<Tile*> tiles_;
  Interconnect& noc_;
  EventQueue& events_;
  std::vector<LayerTimes> times_;
  std::vector<Cycle> image_start_, image_end_;
  std::vector<std::vector<Holding>> holdings_;            ///< [stream][tile]
  std::vector<std::int64_t> node_done_;                   ///< per node: global rows done (contiguous)
  std::vector<std::vector<std::int64_t>> row_positions_;  ///< per layer, per global row: positions done
  std::vector<std::int64_t> stream_next_;                 ///< per stream: next global row to emit
  std::vector<std::int64_t> add_next_;                    ///< per add: next global row to compute
  std::vector<std::vector<int>> inflight_;                ///< per layer, per copy: groups in the input register
  std::vector<std::vector<std::unique_ptr<sc_core::sc_event>>> freed_;  ///< per layer, per copy
  std::vector<std::unique_ptr<sc_core::sc_event>> layer_done_event_;
  std::vector<std::int64_t> host_rows_;                           ///< per image: output rows at the host
  std::vector<Traffic> traffic_;                                  ///< per layer
  std::vector<Cycle> fetch_wait_, stall_input_, stall_register_;  ///< per layer
  std::int64_t images_started_ = 0;
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
  /// `link` fills the controller's work descriptions with the module pointers once the
  /// modules exist (ImaWork::ima, ImaWork::crossbars).
  using Link = std::function<void(Chip&, Controller::Config&)>;
  Chip(const sc_core::sc_module_name& name, Config config, const Link& link);
  std::vector<std::unique_ptr<Tile>>& tiles() { return tiles_; }
  const Controller& controller() const { return *controller_; }
  EventQueue& events() { return *events_; }
  /// The statistics tree, walking the module hierarchy; `total` = simulated cycles.
  StatsNode statistics(Cycle total) const;
  std::vector<TraceSignal> trace_signals() const;
  std::string kind_name() const override { return "Chip"; }
  void collect(StatsNode& node, Cycle total) const override;
  /// The instantiated hardware, walking the module hierarchy: per component class of the cost
  /// inventory (mapping/cost_inputs.hpp) that the chip times, how many instances it holds
  /// (crossbar, dac, sample_hold, adc, shift_add, input_register, output_register,
  /// edram_buffer, bus, router).
  std::map<std::string, double> instances() const;
  /// The actions measured in this run, all images, as cost records per weighted layer: every
  /// crossbar copy's reads (crossbar), DAC drives (dac), conversions (sample_hold, adc) and
  /// shift-and-adds (shift_add); per layer its buffer accesses (edram_buffer: each transfer's
  /// bytes over the buffer width, rounded up), buffer bytes over the bus (bus), bytes into input
  /// registers (input_register), bytes written into buffers (output_register) and link bytes (router).
  std::vector<cost::ActionRecord> actions() const;
  /// Cycles requests of `requester` waited on every resource, by resource name, largest first.
  std::vector<std::pair<std::string, Cycle>> waits_of(int requester) const;
  /// Cycles requests of `requester` spent at resources, queued or served, and waiting for
  /// buffer credits: the whole of its request time, against which its waits are shares.
  Cycle request_cycles_of(int requester) const;
  /// The resource with the most busy cycles per server, and those cycles.
  std::pair<std::string, Cycle> busiest_resource() const;

 private:
  Config config_;
  std::unique_ptr<EventQueue> events_;
  std::vector<std::unique_ptr<Tile>> tiles_;
  std::unique_ptr<Interconnect> noc_;
  std::unique_ptr<Controller> controller_;
};

}  // namespace xbarsim::sim::cycle
