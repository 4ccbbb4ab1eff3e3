// One design point evaluated end to end: a workload on a hardware configuration gives its
// accuracy on programmed non-ideal crossbars (functional engine, over device seeds), its
// mapping (crossbars, tiles, ADCs), its timing (the cycle-level chip, pipelined, two images:
// latency of the first, steady-state period from the second) and its cost (cost/:
// energy per inference, power, area, with breakdowns). `xbarsim compare` and `xbarsim sweep`
// are both built on it.
//
// Monte-Carlo trials (device seeds) can be split into groups evaluated apart (other processes,
// other machines): group g of G holds the trials t with t % G == g, group 0 also times and
// costs the design (with trial 0's engine), and merge_trial_groups gathers the groups' reports
// into the report one run gives (the same trials in the same order, so the same mean, standard
// deviation and confidence interval, bit for bit; only wall times differ).
//
// The cycle-level part elaborates SystemC, which happens once per process: call
// evaluate_design at most once per process (sweeps and compare run each point in a child).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cost/estimate.hpp"
#include "mapping/hardware.hpp"
#include "mapping/mapped_network.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::study {

/// Programs `m` with `device` and `seed` and builds its functional engine; with a calibrated ADC
/// range (and not `exact_adc`), sets the range on the first training images of `train`.
std::unique_ptr<sim::FunctionalEngine> build_engine(const workloads::Network& net, const mapping::HardwareConfig& hw,
                                                    const mapping::MappedNetwork& m, const models::DeviceConfig& device,
                                                    std::uint64_t seed, bool exact_adc, unsigned threads,
                                                    const workloads::Dataset& train);
/// The training split when the ADC range is calibrated on it, else empty.
workloads::Dataset calibration_data(const workloads::Network& net, const mapping::HardwareConfig& hw,
                                    const std::string& data_dir);

struct DesignSettings {
  std::string workload;                 ///< network JSON (integer; a float one is quantized first)
  std::string hardware = "isaac_like";  ///< preset name or hardware JSON
  std::vector<std::string> sets;        ///< "key=value" hardware overrides, applied in order
  std::string cost_table;               ///< cost table preset or file ("" = the hardware's cost_table key)
  std::int64_t images = 0;              ///< test images for accuracy (0 = the whole test split)
  int trials = 3;                       ///< device seeds (1 when the device is ideal)
  std::uint64_t seed = 1;
  unsigned threads = 0;                   ///< 0 = all cores; results do not depend on it
  std::string data_dir;                   ///< "" = the default Fashion-MNIST folder
  std::int64_t calibration_images = 512;  ///< post-training quantization of a float workload
  int trial_group = 0;                    ///< this evaluation's group of trials (t % trial_groups)
  int trial_groups = 1;                   ///< 1 = every trial here
};

/// Throws xbarsim::Error for settings no design can have (trials < 1, images < 0, a trial group
/// outside 0..trial_groups-1, ...).
void check_design_settings(const DesignSettings& s);

/// The full report of one design (JSON; the keys are documented in docs/formats.md, "Design report").
/// With trial_groups > 1 the report of one group: its trials' accuracies (accuracy.trials, at
/// accuracy.trial_indices) and, in group 0 only, the integer reference, timing and cost; the
/// "trial_group" object says which. Throws xbarsim::Error on bad input.
nlohmann::ordered_json evaluate_design(const DesignSettings& s);

/// The report of the whole design from the reports of its trial groups (any order, each once):
/// group 0's report with every trial's accuracy in trial order and their mean, std and ci95
/// computed over all of them, wall times summed. Throws xbarsim::Error when a group is missing,
/// repeated or of another design.
nlohmann::ordered_json merge_trial_groups(const std::vector<nlohmann::ordered_json>& groups);

/// The cost of a mapping from a cycle-level run of `images` images (statistics, steady-state
/// period and first-image latency); the table is `table_spec` or, when empty, hw.cost_table.
cost::CostReport cost_of_run(const sim::cycle::CycleResult& run, const mapping::MappedNetwork& m,
                             const std::string& table_spec);
/// Times `engine` on the first two images of `test` through the pipelined chip (one SystemC run:
/// once per process) and returns its cost.
cost::CostReport timing_and_cost(const workloads::Network& net, const mapping::MappedNetwork& m,
                                 const sim::FunctionalEngine& engine, const workloads::Dataset& test,
                                 const std::string& table_spec, unsigned threads);

/// evaluate_design in a child process (fork; the caller must not have started threads):
/// the way to evaluate more than one design per process. Errors of the child are rethrown.
nlohmann::ordered_json evaluate_design_isolated(const DesignSettings& s);

/// The flat row of a sweep table from a design report: scalar metrics only
/// (accuracy_mean, accuracy_std, accuracy_ci95, crossbars, tiles, adcs, area_mm2, computing_area_mm2,
/// energy_per_inference_uj, power_mw, latency_us, throughput_per_s, tops_per_w, ...).
nlohmann::ordered_json design_row(const nlohmann::ordered_json& report);

}  // namespace xbarsim::study
