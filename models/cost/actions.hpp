// Where the estimator's action counts come from: the cycle-level statistics (measured, every
// counter) or closed forms of the mapping and the engine's plans (fast: no simulation). On the
// crossbar side (reads, DAC drives, conversions, shift-and-adds) the two are equal (tested);
// buffer accesses and link bytes come from the statistics only (0 in the closed form).
// Output values (FP scaling units) and aligned inputs (aligning units) are closed forms in both.
#pragma once

#include <cstdint>
#include <vector>

#include "mapping/mapped_network.hpp"
#include "models/cost/estimate.hpp"
#include "sim/cycle/stats.hpp"
#include "sim/functional.hpp"

namespace xbarsim::models::cost {

/// Per weighted layer, per inference.
std::vector<Actions> closed_form_actions(const mapping::MappedNetwork& mapped, const sim::FunctionalEngine& engine);

/// Per weighted layer, per inference, from the statistics tree (root: the chip) of a run of
/// `images` images. Tile buffers count for the layer on the tile; bytes a tile sends for its
/// layer, and the host's bytes for the first layer.
std::vector<Actions> measured_actions(const sim::cycle::StatsNode& chip, const mapping::MappedNetwork& mapped,
                                      const sim::FunctionalEngine& engine, std::int64_t images);

/// 2 x multiply-accumulates of one inference on the dense (unpruned) layers.
double ops_per_inference(const mapping::MappedNetwork& mapped, const sim::FunctionalEngine& engine);

}  // namespace xbarsim::models::cost
