// A sweep's points as designs: each point (or trial group of a point) evaluated by
// evaluate_design, the groups merged by merge_trial_groups, and every point's settings checked
// before the first child starts. What `xbarsim sweep` runs (sweep/ is the machinery; this is
// what it computes).
#pragma once

#include <string>
#include <vector>

#include "sweep/runner.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::study {

/// Every point's overrides must give a valid hardware configuration and name an existing
/// workload: checked before any child starts (the hardware file read once, each point's
/// overrides applied to a copy, so 100,000 points take about a second). Throws xbarsim::Error
/// naming the point.
void check_sweep_points(const sweep::SweepSpec& spec);

/// The overrides a point is evaluated with: its own, and where crossbar_size makes the crossbar
/// narrower than the hardware's columns_per_adc (ISAAC-like: 128 columns per ADC at size 32 or
/// 64), columns_per_adc = the size, i.e. one ADC per crossbar. Not when columns_per_adc is swept
/// or set explicitly. `base_columns_per_adc` is the spec's hardware's (with its base overrides).
std::vector<std::string> design_sets(const sweep::SweepSpec& spec, const sweep::Point& p, int base_columns_per_adc);

/// Evaluates points as designs (data sets from `data_dir`, "" = the default folder) and merges
/// their trial groups. Reads the spec's hardware once, now.
sweep::PointEvaluation design_evaluation(const sweep::SweepSpec& spec, const std::string& data_dir);

}  // namespace xbarsim::study
