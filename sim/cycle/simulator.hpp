// The cycle-level simulator's entry point: elaborates the SystemC chip for a mapped,
// programmed network, runs N images through it, and returns their outputs (computed by the
// modules through the shared datapath), the timing and the statistics tree.
//
// SystemC elaborates once per process: construct at most one CycleSimulator per process
// (a second one is an xbarsim::Error). The header does not include SystemC.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cost/components.hpp"
#include "mapping/mapped_network.hpp"
#include "sim/cycle/stats.hpp"
#include "sim/functional.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim::cycle {

struct CycleOptions {
  bool pipelined = false;  ///< false: layer by layer, one image at a time; true: ISAAC-style inter-layer pipeline
  bool trace = false;      ///< record busy intervals for write_vcd
};

/// Timing of one weighted layer, in cycles.
struct LayerTiming {
  std::string name;
  int tiles = 0;
  std::size_t crossbars = 0;  ///< per copy
  int copies = 1;
  bool budget_bound = false;  ///< automatic replication stopped at this layer (the next copy did not fit)
  std::int64_t positions = 0;
  std::int64_t positions_per_group = 1;
  int phases = 0;
  Cycle stage_cycles = 0;          ///< steady state: busy cycles per image of the layer's busiest crossbar copy
  Cycle first_cycles = 0;          ///< first image: first group issued to last output row done
  Cycle compute_cycles = 0;        ///< first image: first conversion request to last shift-and-add
  Cycle input_wait_cycles = 0;     ///< all images: its groups waited for input rows
  Cycle register_wait_cycles = 0;  ///< all images: its groups waited for a free input-register half
  std::vector<std::pair<std::string, Cycle>> waits;  ///< cycles its requests queued, per resource, largest first
  Cycle request_cycles = 0;  ///< all images: cycles its requests spent queued or served, and waiting for credits
};

struct CycleResult {
  Eigen::MatrixXd codes;  ///< integer output codes, features x images
  std::int64_t images = 0;
  std::string schedule;
  double clock_ghz = 1.0;
  Cycle total_cycles = 0;
  std::vector<Cycle> image_start, image_end;
  std::vector<LayerTiming> layers;
  StatsNode stats;
  std::string busiest_resource;   ///< the resource with the most busy cycles per server (bounds the period)
  Cycle busiest_busy_cycles = 0;  ///< its busy cycles per server, all images
  std::map<std::string, double> instances;
  std::vector<cost::ActionRecord> actions;  ///< measured, all images (Chip::actions)  ///< the chip's modules per cost
                                            ///< component class (Chip::instances)
  std::vector<ArrayActivity> activity;      ///< per weighted layer, all images: the data pass's DAC and cell activity
  double wall_time_s = 0.0;                 ///< whole run (data and timing)
  double timing_time_s = 0.0;               ///< the SystemC simulation alone

  Cycle latency_cycles() const;  ///< first image: end - start
  /// Cycles between consecutive image completions in steady state (the last two; latency if one image).
  Cycle period_cycles() const;
  double ns(Cycle c) const { return static_cast<double>(c) / clock_ghz; }
  double throughput_images_per_s() const;
};

/// The run's measured actions per weighted layer and inference (the records over the images),
/// with the actions only a closed form counts (mapping::add_closed_only_actions).
std::vector<cost::Counts> measured_actions(const CycleResult& run, const mapping::MappedNetwork& mapped);

class CycleSimulator {
 public:
  /// `engine` is the functional engine on the same mapping and programmed arrays (its plans and
  /// ADC ranges are the modules' data); `images`: how many images run() will take.
  CycleSimulator(const workloads::Network& net, const mapping::MappedNetwork& mapped, const FunctionalEngine& engine,
                 std::int64_t images, const CycleOptions& options = {});
  ~CycleSimulator();
  CycleSimulator(const CycleSimulator&) = delete;
  CycleSimulator& operator=(const CycleSimulator&) = delete;

  /// Runs `images` (input_size x N normalised, N as constructed) once. Outputs are computed in
  /// chunks of `batch` images with read-noise stream = chunk index, as sim::evaluate_forward does,
  /// over `threads` threads (0 = all cores; results do not depend on it).
  CycleResult run(const Eigen::MatrixXf& images, std::int64_t batch = 64, unsigned threads = 0);
  /// After run(), with options.trace: the busy signals as a VCD file.
  void write_vcd(const std::string& path) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace xbarsim::sim::cycle
