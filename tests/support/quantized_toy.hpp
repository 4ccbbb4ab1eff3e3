// Post-training quantization of the toy networks for tests (calibrated on the float engine's
// own activations for random non-negative inputs).
#pragma once

#include "workloads/network.hpp"

namespace xbarsim::testing_support {

workloads::Network quantized_toy(const workloads::Network& net, int bits);

}  // namespace xbarsim::testing_support
