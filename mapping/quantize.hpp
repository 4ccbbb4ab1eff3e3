// Power-of-two quantization (CRIMP's integer-only form): every scale is 2^k, so
// rescaling between layers is one arithmetic shift in the shift-and-add stage.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/arithmetic.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {

/// The code range of a quantized layer's output (the arithmetic contract): unsigned
/// [0, 2^bits - 1] when every reader of `layer` is a ReLU (the ReLU is fused into the
/// clip), signed [-2^(bits-1), 2^(bits-1) - 1] otherwise.
models::IntRange output_code_range(const workloads::Network& net, const std::string& layer, int bits);

/// The exponent k for which quantize(x, k, range) * 2^k has the least squared error
/// against x (against max(x, 0) when the range is unsigned). Candidates: the smallest
/// exponent that clips nothing and the `span` exponents below it (they trade clipping
/// for resolution). Ties go to the larger exponent.
int choose_exponent(const std::vector<float>& values, models::IntRange range, int span = 3);

struct PtqOptions {
  int weight_bits = 8;
  int activation_bits = 8;
  bool per_channel = false;  ///< one weight exponent per output channel instead of per layer
};

/// Integer codes (I8 up to 8 bits, else I16) of a float weight tensor [Cout, ...] at q's
/// weight_bits and exponents: clip(floor(w / 2^e + 1/2)) in the symmetric weight range.
workloads::Tensor quantize_weights(const workloads::Tensor& w, const workloads::LayerQuantization& q);
/// I32 bias codes at the accumulator scale 2^(input_exp + e_w[c]).
workloads::Tensor quantize_bias(const workloads::Tensor& b, int input_exp, const workloads::LayerQuantization& q);

/// Sampled float values of every tensor a forward pass produced ("input" and layer names).
using ActivationSamples = std::map<std::string, std::vector<float>>;

/// Post-training quantization: adds the integer weights ("<layer>.weight_q", I8/I16),
/// biases ("<layer>.bias_q", I32) and every power-of-two exponent to a float network.
/// Activation exponents are chosen on `samples` (from a few calibration batches).
/// The output layer keeps raw int32 accumulators. Throws xbarsim::Error when the
/// network cannot be run in integers (negative inputs, batch norm left, ...).
workloads::Network quantize_post_training(const workloads::Network& net, const ActivationSamples& samples,
                                          const PtqOptions& options);

}  // namespace xbarsim::mapping
