// The papers' training side: power-of-two quantization-aware training (CRIMP),
// crossbar-aligned or unstructured pruning with zerorize-recover or one-shot schedules,
// and write-variation-aware training, starting from a trained float workload.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mapping/crossbar_geometry.hpp"
#include "mapping/pruning.hpp"
#include "mapping/quantize.hpp"
#include "models/device.hpp"
#include "train/graph_net.hpp"
#include "train/trainer.hpp"

namespace xbarsim::train {

enum class Schedule { ZerorizeRecover, OneShot };
std::string schedule_name(Schedule s);
Schedule parse_schedule(const std::string& s, const std::string& where);

struct PruneSettings {
  mapping::PruneOptions options;     ///< method, target sparsity, global or per layer
  std::vector<std::string> exclude;  ///< layers never pruned
  Schedule schedule = Schedule::ZerorizeRecover;
  int start_epoch = 0;    ///< first epoch that prunes
  int interval = 1;       ///< epochs per zerorize / recover phase
  int freeze_epochs = 1;  ///< final epochs with the mask frozen
};

struct CompressOptions {
  bool quantize = true;
  mapping::PtqOptions ptq;                ///< bit widths; per-channel weight scales
  std::int64_t calibration_images = 512;  ///< exponents are calibrated once, then fixed
  std::optional<PruneSettings> prune;
  mapping::CrossbarGeometry geometry;  ///< what pruning aligns to and the report counts
  double variation_sigma = 0.0;        ///< lognormal write variation sampled in training
  /// The chip's device, sampled cell by cell on the quantized codes (geometry's cells and sign
  /// scheme); excludes variation_sigma.
  std::optional<models::DeviceConfig> device;
};

/// Zerorize-recover / one-shot pruning driven from the training loop's hooks.
class PruneSchedule {
 public:
  enum class Mode { Free, Zerorize, Recover, Frozen };
  PruneSchedule(GraphNet& net, const PruneSettings& settings, const mapping::CrossbarGeometry& geometry, int epochs);

  /// The mode of an epoch: Free before start_epoch; then alternating Zerorize / Recover phases of
  /// `interval` epochs (zerorize-recover) or Frozen (one-shot); the last freeze_epochs are Frozen.
  Mode mode(int epoch) const;
  void epoch_begin(int epoch);
  void after_step();
  /// Masks from the current weights (what a zerorize step applies).
  std::map<std::string, std::vector<std::uint8_t>> current_masks() const;
  const std::map<std::string, std::vector<std::uint8_t>>& frozen_masks() const { return frozen_; }

 private:
  GraphNet& net_;
  PruneSettings settings_;
  mapping::CrossbarGeometry geometry_;
  int epochs_;
  Mode mode_ = Mode::Free;
  std::map<std::string, std::vector<std::uint8_t>> frozen_;
};

struct CompressResult {
  workloads::Network workload;
  TrainResult training;
  nlohmann::json report;  ///< per-layer compression report (also stored in the metadata)
};

/// Fine-tunes `float_net` as `options` say and returns the exported workload (integer
/// codes when quantizing), with metadata.accuracy {"float", "int"} measured by the trainer.
CompressResult compress(const workloads::Network& float_net, const workloads::Dataset& train_set,
                        const workloads::Dataset& test_set, const TrainOptions& train_options,
                        const CompressOptions& options);

/// Per-layer report of a workload at a crossbar geometry: shape, sparsity, crossbar blocks
/// and kernel groups kept, crossbars after pruning-aware allocation; plus totals at the
/// given geometry with 64, 128 and 256 square crossbars.
nlohmann::json compression_report(const workloads::Network& net, const mapping::CrossbarGeometry& geometry);

}  // namespace xbarsim::train
