// The fast functional engine (docs/architecture.md, "Functional engine"): integer inference
// in which every conv2d/linear layer runs on its programmed crossbars. Inputs are driven
// bit-serially (dac_bits per phase), each crossbar's column readings for all phases and
// all positions of a batch come out of one dense product (Eigen SGEMM), then go through
// read noise, the ADC, optional self-compensation and the shift-and-add stage. Everything
// after the accumulators is the reference engine's own code (sim::Accumulator).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "models/adc.hpp"
#include "sim/datapath.hpp"
#include "sim/reference.hpp"

namespace xbarsim::sim {

struct FunctionalOptions {
  bool exact_adc = false;  ///< true: an ADC wide enough to convert every reading exactly (the "ideal" ADC)
};

class FunctionalEngine final : public Accumulator {
 public:
  /// `net` is the quantized network `mapped` was compiled from. The engine copies what it needs.
  FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                   const mapping::ProgrammedNetwork& programmed, const FunctionalOptions& options = {});
  /// The same engine from arrays it may consume: each crossbar's cells are freed once its plan is
  /// made, so that the programmed arrays and the plans are not both held whole.
  FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                   mapping::ProgrammedNetwork&& programmed, const FunctionalOptions& options = {});
  ~FunctionalEngine() override;

  /// Output codes (features x n) of n normalised images; `stream` seeds this batch's read noise.
  Eigen::MatrixXd forward_codes(const Eigen::MatrixXf& images, std::uint64_t stream,
                                const CodeObserver* observer = nullptr) const;
  /// Outputs scaled back by their power-of-two scale (logits).
  Eigen::MatrixXd forward(const Eigen::MatrixXf& images, std::uint64_t stream) const;

  void accumulate(std::size_t weighted_layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y, std::uint64_t stream,
                  const mapping::ColumnSpan& span) const override;
  std::int64_t columns_per_call(std::size_t weighted_layer, std::int64_t rows, std::int64_t total,
                                std::int64_t wanted) const override;

  /// adc_range "calibrated": sets every layer's ADC range to the hardware's adc_percentile of the
  /// readings these images produce on the programmed arrays. Not to be called during a run.
  void calibrate_adc(const Eigen::MatrixXf& images);

  const ReferenceEngine& integer_reference() const { return reference_; }
  const models::AdcTransfer& adc(std::size_t weighted_layer) const;
  std::size_t layer_count() const;
  std::int64_t input_size() const { return reference_.input_size(); }

  /// Analog multiply-accumulates (cells x input phases) per image, for benchmarks.
  double analog_macs_per_image() const;

  /// The shared datapath plan of a weighted layer (sim/datapath.hpp), and the device seed.
  const LayerPlan& plan(std::size_t weighted_layer) const { return layers_.at(weighted_layer); }
  const std::vector<LayerPlan>& plans() const { return layers_; }
  std::uint64_t seed() const { return seed_; }
  /// What programming the arrays cost (pulses, verify reads, energy, time).
  const mapping::ProgrammingCost& programming() const { return programming_; }

 private:
  /// `consumed` (may be null) is `programmed`, whose crossbars' cells may be freed as they are used.
  FunctionalEngine(const workloads::Network& net, const mapping::MappedNetwork& mapped,
                   const mapping::ProgrammedNetwork& programmed, mapping::ProgrammedNetwork* consumed,
                   const FunctionalOptions& options);
  /// Sizes layer L's ADC (bits, polarity) for readings up to `range`.
  void set_adc_range(LayerPlan& L, int bits, bool bipolar, double range) const;
  /// Self-compensation of every readout, measured through its ADC with read noise on.
  void fit_compensation();

  ReferenceEngine reference_;
  std::vector<LayerPlan> layers_;
  std::vector<std::vector<Eigen::MatrixXf>> ideal_a_;  ///< self-compensation: each crossbar's intended levels
  bool self_compensation_ = false;
  mapping::ProgrammingCost programming_;
  int compensation_bits_ = 8;
  double read_noise_sigma_ = 0.0;
  double adc_percentile_ = 100.0;
  std::uint64_t seed_ = 0;
  mutable std::vector<std::vector<float>>* recorder_ = nullptr;  ///< calibrate_adc only
};

}  // namespace xbarsim::sim
