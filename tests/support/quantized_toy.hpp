// Post-training quantization of the toy networks for tests (calibrated on the float engine's
// own activations for random non-negative inputs).
#pragma once

#include "workloads/network.hpp"

namespace xbarsim::testing_support {

/// Calibrated on uniform inputs in [0, 1), or in [-1, 1) with `signed_inputs` (two's complement input codes).
workloads::Network quantized_toy(const workloads::Network& net, int bits, bool signed_inputs = false);

}  // namespace xbarsim::testing_support
