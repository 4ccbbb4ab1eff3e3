#include "sim/functional_trials.hpp"

#include "common/error.hpp"

namespace xbarsim::sim {

FunctionalTrials::FunctionalTrials(std::vector<const FunctionalEngine*> engines) : engines_(std::move(engines)) {
  if (engines_.empty()) throw Error("functional trials: no engines");
  const FunctionalEngine& first = *engines_.front();
  for (const auto* e : engines_) {
    bool alike = e->layer_count() == first.layer_count() && e->input_size() == first.input_size();
    for (std::size_t l = 0; alike && l < first.layer_count(); ++l) {
      const LayerPlan &a = first.plan(l), &b = e->plan(l);
      alike = a.cout == b.cout && a.phases == b.phases && a.dac_bits == b.dac_bits && a.draws == b.draws &&
              a.max_readouts == b.max_readouts && a.positions == b.positions;
    }
    if (!alike) throw Error("functional trials: engines of different networks or hardware cannot share a pass");
    stages_.emplace_back(e->plans());
  }
}

std::vector<Eigen::MatrixXd> FunctionalTrials::forward_codes(const Eigen::MatrixXf& images,
                                                             std::uint64_t stream) const {
  return engines_.front()->integer_reference().forward_int_codes_trials(images, *this, stream);
}

std::vector<Eigen::MatrixXd> FunctionalTrials::forward(const Eigen::MatrixXf& images, std::uint64_t stream) const {
  auto out = forward_codes(images, stream);
  for (auto& o : out) o = engines_.front()->integer_reference().scale_output(std::move(o));
  return out;
}

void FunctionalTrials::accumulate_shared(std::size_t weighted_layer, const Eigen::MatrixXd& x,
                                         std::vector<Eigen::MatrixXd>& parts, std::uint64_t stream,
                                         const mapping::ColumnSpan& span) const {
  parts.resize(engines_.size());
  if (phases_merge_exactly(engines_.front()->plan(weighted_layer))) {  // ideal arrays: one product each
    for (std::size_t t = 0; t < engines_.size(); ++t)
      engines_[t]->accumulate(weighted_layer, x, parts[t], stream, span);
    return;
  }
  std::vector<TrialTarget> targets;
  targets.reserve(engines_.size());
  for (std::size_t t = 0; t < engines_.size(); ++t) {
    targets.push_back({&engines_[t]->plan(weighted_layer), &stages_[t], engines_[t]->seed(), &parts[t]});
  }
  accumulate_layer_trials(targets, weighted_layer, x, stream, span);
}

}  // namespace xbarsim::sim
