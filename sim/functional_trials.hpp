// Monte Carlo that shares the inputs (docs/architecture.md, "Functional engine"): several device
// seeds' functional engines of one mapping evaluated in one pass over the data. Every trial sees
// the same images, so what comes before the first weighted layer (input quantization, pre-
// processing) and that layer's unrolled input and bit planes are made once and read by every
// trial's programmed arrays; from the first layer's outputs on the trials differ and each runs
// on its own. Each trial's outputs are bit for bit those of its own engine's forward pass.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "sim/functional.hpp"
#include "sim/reference.hpp"

namespace xbarsim::sim {

class FunctionalTrials final : public TrialsAccumulator {
 public:
  /// Engines of one network and mapping on different device seeds (not owned; they must outlive
  /// this). Engines whose layers block their positions differently (other hardware) are refused.
  explicit FunctionalTrials(std::vector<const FunctionalEngine*> engines);

  /// Output codes (features x n) of n normalised images, one matrix per trial: trial t's is
  /// engine t's forward_codes(images, stream).
  std::vector<Eigen::MatrixXd> forward_codes(const Eigen::MatrixXf& images, std::uint64_t stream) const;
  /// The same scaled back by the outputs' power-of-two scale (engine t's forward).
  std::vector<Eigen::MatrixXd> forward(const Eigen::MatrixXf& images, std::uint64_t stream) const;

  std::size_t trials() const override { return engines_.size(); }
  const Accumulator& trial(std::size_t t) const override { return *engines_.at(t); }
  void accumulate_shared(std::size_t weighted_layer, const Eigen::MatrixXd& x, std::vector<Eigen::MatrixXd>& parts,
                         std::uint64_t stream, const mapping::ColumnSpan& span) const override;

 private:
  std::vector<const FunctionalEngine*> engines_;
  std::vector<DirectStages> stages_;
};

}  // namespace xbarsim::sim
