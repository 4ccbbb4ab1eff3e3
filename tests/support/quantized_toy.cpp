#include "tests/support/quantized_toy.hpp"

#include "mapping/quantize.hpp"
#include "sim/reference.hpp"

namespace xbarsim::testing_support {

workloads::Network quantized_toy(const workloads::Network& net, int bits, bool signed_inputs) {
  sim::ReferenceEngine fe(net, sim::Precision::Float);
  mapping::ActivationSamples samples;
  sim::TensorObserver obs = [&](const std::string& name, const Eigen::MatrixXf& v) {
    samples[name].insert(samples[name].end(), v.data(), v.data() + v.size());
  };
  Eigen::MatrixXf x = Eigen::MatrixXf::Random(fe.input_size(), 64);
  if (!signed_inputs) x = (x.array() + 1.0F) * 0.5F;
  fe.forward(x, &obs);
  mapping::PtqOptions opt;
  opt.weight_bits = bits;
  opt.activation_bits = bits;
  return mapping::quantize_post_training(net, samples, opt);
}

}  // namespace xbarsim::testing_support
