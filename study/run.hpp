// `xbarsim run` as a study: a workload's accuracy on programmed, non-ideal crossbars (the
// functional engine) as mean +- std over device seeds, beside the float and integer references,
// optionally on a ladder of devices (ideal, ADC only, + write variation, + stuck-at faults, the
// configured one), with the per-layer output error against the integer reference, the
// programming cost, timing and energy; or a few images through the cycle-level SystemC chip
// (outputs checked against the functional engine, timing and per-module statistics).
//
// The cycle-level parts elaborate SystemC: one run_* call per process.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cost/estimate.hpp"
#include "study/workload.hpp"

namespace xbarsim::study {

/// Progress of a long step: a label, images done and their total (may be empty).
using Progress = std::function<void(const std::string& label, std::int64_t done, std::int64_t total)>;

struct RunSettings {
  std::string workload;
  std::string hardware = "isaac_like";
  std::vector<std::string> sets;  ///< "key=value" hardware overrides
  int trials = 3;                 ///< device seeds per non-ideal row
  int seeds_per_pass = 0;         ///< device seeds evaluated together, sharing the inputs (0 = as many as fit)
  std::int64_t limit = 0;         ///< first N test images (0 = all)
  unsigned threads = 0;           ///< 0 = all cores; results do not depend on it
  bool ladder = false;            ///< also ideal, ADC only, + variation 0.1, + faults 1e-3
  /// Also run the float and integer references over the test images (their accuracies, and
  /// whether a row's outputs equal the integer reference's); false skips both passes.
  bool references = true;
  std::int64_t error_images = 256;
  PtqArgs ptq;             ///< a float workload's quantization; ptq.seed seeds every draw
  std::string cost_table;  ///< "" = the hardware's
  std::string dump;        ///< safetensors file of per-layer codes and logits ("" = none)
  std::string dump_layers = "all";
  std::string dump_inputs;    ///< safetensors "images" instead of the first test images
  double max_memory_mib = 0;  ///< refuse a run estimated to need more (sim/memory_estimate.hpp); 0 = no limit
  // Cycle level:
  bool cycle_level = false;
  std::int64_t images = 8;
  std::string schedule = "layer-by-layer";  ///< or "pipelined"
  std::string vcd;                          ///< module busy signals ("" = none)
  std::string stats;                        ///< every module statistic as text ("" = none)
};

/// Refuses settings no run can have (trials < 1, --dump with --cycle-level, a schedule other
/// than layer-by-layer or pipelined, ...). Throws xbarsim::Error.
void check_run(const RunSettings& s);

struct RunResult {
  nlohmann::ordered_json report;  ///< docs/formats.md, "Run report" / "Cycle-level report"
  cost::CostReport cost;          ///< the same cost, for cost::to_text
};

/// The run (functional, or cycle-level with s.cycle_level); checks every input it reads
/// (workload, hardware, cost table, dump layers and inputs) before the long part, and writes the
/// dump, VCD and statistics files it was asked for. Throws xbarsim::Error on bad input. A cycle-level run whose outputs
/// differ from the functional engine's says so in report.check.all_identical (the caller
/// decides what that means).
RunResult evaluate_run(const RunSettings& s, const Progress& progress = {});

}  // namespace xbarsim::study
