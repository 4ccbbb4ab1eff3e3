#include "study/workload.hpp"

#include <algorithm>
#include <filesystem>
#include <random>

#include "common/error.hpp"
#include "sim/calibrate.hpp"
#include "workloads/dataset.hpp"
#ifdef XBARSIM_HAVE_ONNX
#include "onnx/importer.hpp"
#endif

namespace xbarsim::study {

workloads::Network load_workload(const std::string& path) {
  const std::filesystem::path p(path);
  if (p.extension() != ".onnx") return workloads::load_network(path);
#ifdef XBARSIM_HAVE_ONNX
  const std::string stem = p.stem().string();
  return onnx_import::import_onnx(path, stem, stem + ".safetensors");
#else
  throw make_error(path, "this build has no ONNX support (install Debian's libonnx-dev and rebuild)");
#endif
}

namespace {

/// Post-training quantization of `net` calibrated on `data`; the report's "quantization" object.
nlohmann::ordered_json quantize_on(workloads::Network& net, const PtqArgs& a, const workloads::Dataset& data,
                                   std::int64_t images, const std::string& source) {
  sim::CalibrationOptions cal;
  cal.images = images;
  cal.seed = a.seed;
  mapping::PtqOptions ptq;
  ptq.weight_bits = a.weight_bits;
  ptq.activation_bits = a.activation_bits;
  ptq.per_channel = a.per_channel;
  net = sim::calibrate_and_quantize(net, data, net.dataset.normalization, ptq, cal);
  return {{"source", source},
          {"weight_bits", a.weight_bits},
          {"activation_bits", a.activation_bits},
          {"per_channel", a.per_channel},
          {"calibration_images", std::min(images, data.count)},
          {"seed", a.seed}};
}

}  // namespace

nlohmann::ordered_json ensure_integer(workloads::Network& net, const PtqArgs& a) {
  if (net.is_quantized()) {
    int wbits = 0;
    for (const auto& L : net.layers) {
      if (L.has_weights()) wbits = std::max(wbits, L.quantization->weight_bits);
    }
    return {{"source", "workload"}, {"weight_bits", wbits}, {"activation_bits", net.input_quantization->input_bits}};
  }
  const auto train = workloads::load_dataset(net.dataset, a.data_dir, workloads::Split::Train);
  return quantize_on(net, a, train, a.calibration_images, "post-training");
}

nlohmann::ordered_json ensure_integer_without_data(workloads::Network& net, const PtqArgs& a) {
  if (net.is_quantized()) return ensure_integer(net, a);
  if (net.input_shape.size() != 3)
    throw Error("network '" + net.name +
                "': input_shape: expected [channels, height, width] for synthetic calibration");
  workloads::Dataset synthetic;
  synthetic.name = "synthetic";
  synthetic.channels = static_cast<int>(net.input_shape[0]);
  synthetic.height = static_cast<int>(net.input_shape[1]);
  synthetic.width = static_cast<int>(net.input_shape[2]);
  // Eight images: the ranges only set exponents, which costs do not depend on.
  synthetic.count = std::max<std::int64_t>(1, std::min<std::int64_t>(a.calibration_images, 8));
  synthetic.classes = 1;
  synthetic.pixels.resize(static_cast<std::size_t>(synthetic.count * synthetic.image_size()));
  std::mt19937_64 rng(a.seed);
  std::uniform_int_distribution<int> pixel(0, 255);
  for (auto& p : synthetic.pixels) p = static_cast<std::uint8_t>(pixel(rng));
  synthetic.labels.assign(static_cast<std::size_t>(synthetic.count), 0);
  return quantize_on(net, a, synthetic, synthetic.count, "post-training, synthetic calibration");
}

}  // namespace xbarsim::study
