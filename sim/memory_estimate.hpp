// What a functional run will hold in memory, estimated from the mapping before any array is
// programmed (docs/architecture.md, "Memory"), so that a design that cannot fit is refused with
// one line before the long part (`run --max-memory`). It is an estimate from the sizes the
// engines allocate, not a measurement; docs/benchmarks.md sets it beside the measured peak.
#pragma once

#include <cstdint>

#include "mapping/mapped_network.hpp"
#include "models/device.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim {

struct MemoryOptions {
  unsigned threads = 1;        ///< evaluation threads, each with its own working set
  std::int64_t batch = 64;     ///< images per evaluation chunk
  int float_references = 1;    ///< float reference engines alive (their weights, float)
  int integer_references = 2;  ///< integer engines alive besides the crossbars' (weights as doubles and floats)
  unsigned trials = 1;         ///< device seeds evaluated in one pass (sim/functional_trials.hpp): engines alive
};

/// Every figure in MiB.
struct MemoryEstimate {
  double arrays = 0;      ///< every programmed cell (float) and its fault code, while an engine is built
  double plans = 0;       ///< one engine's crossbar plans: levels, read-noise variances, self-compensation targets
  unsigned trials = 1;    ///< engines alive together: trials x plans (the last one built while the others are held)
  double build_peak = 0;  ///< the most arrays and plans hold together while an engine is built
  double references = 0;  ///< weights of the reference engines and of the engine's own integer datapath
  double per_thread = 0;  ///< one thread's largest layer: a batch's activations, the unrolled span, buffers
                          ///< (with trials > 1, every trial's accumulators of the first weighted layer)
  unsigned threads = 1;
  /// What the run adds to the process: the larger of building an engine and evaluating on one.
  double total() const;
};

/// Each crossbar's cells are freed once its plan is made (FunctionalEngine's consuming constructor),
/// so the build peak is the largest of "plans made so far + cells not yet used" over the crossbars.
MemoryEstimate estimate_memory(const workloads::Network& net, const mapping::MappedNetwork& m,
                               const models::DeviceConfig& device, const MemoryOptions& options);

}  // namespace xbarsim::sim
