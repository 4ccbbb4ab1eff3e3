// Two designs side by side (CRIMP's claim in its own form): both evaluated in child processes,
// their headline metrics, the ratios baseline / candidate and the per-component breakdown. The
// baseline may also pay for what CRIMP removes: floating-point scaling units after the
// shift-and-add and data-aligning units of unaligned fine-grained pruning (docs/models.md,
// "Baseline units").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "study/design.hpp"

namespace xbarsim::study {

/// --baseline-units ("fp-scaling", "data-aligning", both comma-separated, or "none") as hardware
/// overrides of the baseline. Throws xbarsim::Error for another word.
std::vector<std::string> baseline_sets(const std::string& units);

struct CompareSettings {
  DesignSettings a;  ///< the baseline (its sets should include baseline_sets(baseline_units))
  DesignSettings b;  ///< the candidate
  std::string baseline_units = "fp-scaling";
};

/// Checks both designs' inputs (workloads, hardware, cost tables, settings) without evaluating
/// them: one clear xbarsim::Error before any child runs.
void check_compare(const CompareSettings& s);

/// The headline metrics of a design report (accuracy, crossbars, adcs, tiles, computing and
/// total power and area, energy per inference, latency, throughput, TOPS/W).
nlohmann::ordered_json compare_metrics(const nlohmann::ordered_json& report);

/// Both designs evaluated (each in a child process) and compared: {"version", "command",
/// "baseline_units", "metrics": {"a", "b", "ratio_a_over_b"}, "components", "a", "b"}.
/// `progress` (may be empty) hears "baseline" and "candidate" before each evaluation.
nlohmann::ordered_json compare_designs(const CompareSettings& s,
                                       const std::function<void(const std::string&)>& progress = {});

}  // namespace xbarsim::study
