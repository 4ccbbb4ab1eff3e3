// The reference engine: plain C++/Eigen inference of a Network, in float or in
// the integer arithmetic contract (ARCHITECTURE.md). It is the ground truth the
// crossbar engines are checked against: with ideal devices they must agree with
// Precision::Int bit for bit.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mapping/unroll.hpp"
#include "models/arithmetic.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::sim {

enum class Precision { Float, Int };
std::string precision_name(Precision p);
/// "float" or "int"; throws xbarsim::Error otherwise.
Precision parse_precision(const std::string& s);

/// Called with every tensor a float forward pass produces (features x images, one image per column).
using TensorObserver = std::function<void(const std::string& name, const Eigen::MatrixXf& values)>;
/// Called with every tensor an integer forward pass produces, as integer codes.
using CodeObserver = std::function<void(const std::string& name, const Eigen::MatrixXd& codes)>;

/// Computes the accumulators of the weighted (conv2d/linear) layers in integer inference.
/// The reference engine's own is the exact product W x; the functional engine's runs the
/// programmed crossbars. Everything after the accumulators (bias, shift, clip, pooling,
/// residual adds) stays in the reference engine, so both engines share one arithmetic.
class Accumulator {
 public:
  virtual ~Accumulator() = default;
  /// `weighted_layer`: index among the network's conv2d/linear layers, in order (= MappedNetwork layer).
  /// `x`: the columns `span` of the layer's unrolled input codes, K x span.count (of span.total =
  /// positions x images); `y` (out): their accumulators, cout x span.count.
  /// `stream`: seed of this call's random draws (read noise), fixed per work chunk.
  virtual void accumulate(std::size_t weighted_layer, const Eigen::MatrixXd& x, Eigen::MatrixXd& y,
                          std::uint64_t stream, const mapping::ColumnSpan& span) const = 0;
  /// How many of a layer's `total` unrolled columns (of `rows` codes each) one call may hold so
  /// that the calls, one after another, give exactly what a single call over all of them gives:
  /// about `wanted`, rounded to the accumulator's own blocks (its random draws are seeded per block).
  virtual std::int64_t columns_per_call(std::size_t weighted_layer, std::int64_t rows, std::int64_t total,
                                        std::int64_t wanted) const = 0;
};

/// Several trials (device seeds) of one accumulator's kind, evaluated together (Monte Carlo that
/// shares the inputs): the first weighted layer, whose input every trial shares, is accumulated
/// once for all of them; from there on each trial runs on its own (its tensors differ).
class TrialsAccumulator {
 public:
  virtual ~TrialsAccumulator() = default;
  virtual std::size_t trials() const = 0;
  /// Trial t's own accumulator; its columns_per_call is every trial's.
  virtual const Accumulator& trial(std::size_t t) const = 0;
  /// parts[t] (resized to trials()) = what trial(t).accumulate(weighted_layer, x, ., stream, span) gives, bit for bit.
  virtual void accumulate_shared(std::size_t weighted_layer, const Eigen::MatrixXd& x,
                                 std::vector<Eigen::MatrixXd>& parts, std::uint64_t stream,
                                 const mapping::ColumnSpan& span) const = 0;
};

/// Unrolled input codes one accumulate call holds at most, about 16 MiB of doubles: the bound on
/// the unrolled input's memory whatever the layer and batch (docs/architecture.md, "Memory").
constexpr std::int64_t kUnrolledValuesPerCall = std::int64_t{1} << 21;
/// The reference's own calls take a multiple of this many columns (a narrow last span joins the
/// one before), so that in float every column falls where it falls in a single call.
constexpr std::int64_t kMinColumnsPerCall = 64;

class ReferenceEngine {
 public:
  /// Precision::Int needs a quantized network (see mapping::quantize_post_training).
  ReferenceEngine(const workloads::Network& net, Precision precision);
  ~ReferenceEngine();
  ReferenceEngine(ReferenceEngine&&) noexcept;
  ReferenceEngine& operator=(ReferenceEngine&&) noexcept;

  /// `inputs`: input_size() x n normalised images. Returns the output tensor, features x n;
  /// in Int precision the integer outputs scaled back by their power-of-two scale.
  Eigen::MatrixXd forward(const Eigen::MatrixXf& inputs, const TensorObserver* observer = nullptr) const;
  /// Int precision only: the raw integer output codes (accumulators for a final layer without output_bits).
  /// `accumulator` (may be null: exact W x) computes the weighted layers; `observer` sees every tensor's codes.
  Eigen::MatrixXd forward_int_codes(const Eigen::MatrixXf& inputs, const Accumulator* accumulator = nullptr,
                                    std::uint64_t stream = 0, const CodeObserver* observer = nullptr) const;
  /// Int precision: forward_int_codes(inputs, &trials.trial(t), stream) for every trial t, bit for
  /// bit, with the work before and in the first weighted layer's input done once.
  std::vector<Eigen::MatrixXd> forward_int_codes_trials(const Eigen::MatrixXf& inputs, const TrialsAccumulator& trials,
                                                        std::uint64_t stream) const;
  /// Int precision: forward_int_codes scaled back by the output's power-of-two scale.
  Eigen::MatrixXd forward_int(const Eigen::MatrixXf& inputs, const Accumulator* accumulator,
                              std::uint64_t stream) const;
  /// Int precision: output codes (features x n) times the output's power-of-two scale.
  Eigen::MatrixXd scale_output(Eigen::MatrixXd codes) const;
  /// Names of the conv2d/linear layers, in the order Accumulator::accumulate numbers them.
  std::vector<std::string> weighted_layers() const;

  Precision precision() const { return precision_; }
  std::int64_t input_size() const { return input_size_; }
  std::int64_t output_size() const { return output_size_; }

  struct Step;  // one compiled layer (reference.cpp)

 private:
  template <typename T>
  std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> input_slots(const Eigen::MatrixXf& inputs,
                                                                            const TensorObserver* observer) const;
  /// Steps [begin, end) on `slots` (every tensor of the pass, slot 0 the input).
  template <typename T>
  void run_steps(std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>>& slots, std::size_t begin,
                 std::size_t end, const TensorObserver* observer, const Accumulator* accumulator, std::uint64_t stream,
                 const CodeObserver* code_observer) const;
  template <typename T>
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> run(const Eigen::MatrixXf& inputs, const TensorObserver* observer,
                                                       const Accumulator* accumulator, std::uint64_t stream,
                                                       const CodeObserver* code_observer) const;

  Precision precision_;
  std::int64_t input_size_ = 0;
  std::int64_t output_size_ = 0;
  workloads::InputQuantization input_quant_;
  std::vector<Step> steps_;
  std::size_t output_slot_ = 0;
  std::vector<double> output_scale_;  ///< per output feature, Int precision
};

struct EvalOptions {
  std::int64_t limit = 0;   ///< first N test images (0 = all)
  unsigned threads = 0;     ///< 0 = all cores
  std::int64_t batch = 64;  ///< images per chunk; results do not depend on threads
  std::function<void(std::int64_t done, std::int64_t total)> progress;  ///< may be empty
};

struct EvalResult {
  std::int64_t images = 0;
  std::int64_t correct = 0;
  std::vector<int> predictions;
  /// Per image, a 64-bit FNV-1a digest of its output vector's bits: two engines computed the
  /// same outputs (not only the same classes) when the digests are equal.
  std::vector<std::uint64_t> output_digests;
  double wall_time_s = 0.0;
  double accuracy() const { return images == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(images); }
};

/// Top-1 classification over a data set, parallel over chunks, deterministic.
EvalResult evaluate(const ReferenceEngine& engine, const workloads::Dataset& data, const workloads::Normalization& norm,
                    const EvalOptions& options);

/// Outputs (features x n) of a batch of n normalised images; `chunk` numbers the batch
/// (fixed by options.batch, independent of the thread count) for seeding.
using BatchForward = std::function<Eigen::MatrixXd(const Eigen::MatrixXf& images, std::uint64_t chunk)>;
/// evaluate() for any engine.
EvalResult evaluate_forward(const BatchForward& forward, std::int64_t input_size, const workloads::Dataset& data,
                            const workloads::Normalization& norm, const EvalOptions& options);

/// Outputs of several trials (one matrix each, features x n) of the same batch.
using BatchForwardTrials =
    std::function<std::vector<Eigen::MatrixXd>(const Eigen::MatrixXf& images, std::uint64_t chunk)>;
/// evaluate_forward for `trials` trials evaluated together, one pass over the data: result t is
/// what evaluate_forward of trial t alone gives, except wall_time_s, the shared pass's.
std::vector<EvalResult> evaluate_forward_trials(const BatchForwardTrials& forward, std::size_t trials,
                                                std::int64_t input_size, const workloads::Dataset& data,
                                                const workloads::Normalization& norm, const EvalOptions& options);

/// Images [first, first + n) of `data`, normalised, one image per column.
Eigen::MatrixXf image_batch(const workloads::Dataset& data, const workloads::Normalization& norm, std::int64_t first,
                            std::int64_t n);

}  // namespace xbarsim::sim
