// A sweep's points as designs: each point (or trial group of a point) evaluated by
// evaluate_design, the groups merged by merge_trial_groups, and every point's settings checked
// before the first child starts. What `xbarsim sweep` runs: the runner (runner.hpp) is the
// machinery, this file plugs study/'s design evaluation into it (its own library,
// xbarsim_sweep_designs, so the machinery stays free of the simulators).
#pragma once

#include <string>
#include <vector>

#include "sweep/runner.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::sweep {

/// Every point's overrides must give a valid hardware configuration and name an existing
/// workload: checked before any child starts (the hardware file read once, each point's
/// overrides applied to a copy, so 100,000 points take about a second). Throws xbarsim::Error
/// naming the point.
void check_design_points(const SweepSpec& spec);

/// The overrides a point is evaluated with: its own, and where crossbar_size makes the crossbar
/// narrower than the hardware's columns_per_adc (ISAAC-like: 128 columns per ADC at size 32 or
/// 64), columns_per_adc = the size, i.e. one ADC per crossbar. Not when columns_per_adc is swept
/// or set explicitly. `base_columns_per_adc` is the spec's hardware's (with its base overrides).
std::vector<std::string> design_sets(const SweepSpec& spec, const Point& p, int base_columns_per_adc);

/// Evaluates points as designs (data sets from `data_dir`, "" = the default folder) and merges
/// their trial groups. Reads the spec's hardware once, now.
PointEvaluation design_evaluation(const SweepSpec& spec, const std::string& data_dir);

}  // namespace xbarsim::sweep
