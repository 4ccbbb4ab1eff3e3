// xbarsim quantize: post-training power-of-two quantization of a float workload.
#include <cstdio>
#include <filesystem>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "sim/calibrate.hpp"
#include "workloads/dataset.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

int cmd_quantize(const std::vector<std::string>& args) {
  std::string workload;
  std::string output;
  std::string data_dir;
  mapping::PtqOptions ptq;
  sim::CalibrationOptions cal;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&workload)->required(),
                                                 "float network JSON (positional)")(
      "output,o", po::value(&output)->required(),
      "quantized network JSON to write; weights go beside it as <stem>.safetensors")(
      "weight-bits", po::value(&ptq.weight_bits)->default_value(8), "signed weight bits (2..16)")(
      "activation-bits", po::value(&ptq.activation_bits)->default_value(8), "unsigned activation bits (1..16)")(
      "per-channel", po::bool_switch(&ptq.per_channel), "one weight scale per output channel")(
      "calibration-images", po::value(&cal.images)->default_value(cal.images),
      "training images used to choose activation scales")("seed", po::value(&cal.seed)->default_value(cal.seed),
                                                          "which calibration images")(
      "data-dir", po::value(&data_dir)->default_value(""), "data set folder (default: the Debian package's)");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim quantize <workload.json> -o <quantized.json> [options]", "workload", vm))
    return 0;
  if (std::filesystem::path(output).extension() != ".json")
    throw Error("--output: expected a path ending in .json, found '" + output + "'");

  const workloads::Network net = study::load_workload(workload);
  const auto train = workloads::load_dataset(net.dataset, data_dir, workloads::Split::Train);
  workloads::Network q = sim::calibrate_and_quantize(net, train, net.dataset.normalization, ptq, cal);
  q.weights_file = std::filesystem::path(output).stem().string() + ".safetensors";
  q.metadata.produced_by = "xbarsim quantize " + workload + " --weight-bits " + std::to_string(ptq.weight_bits) +
                           " --activation-bits " + std::to_string(ptq.activation_bits) +
                           (ptq.per_channel ? " --per-channel" : "") + " --calibration-images " +
                           std::to_string(cal.images) + " --seed " + std::to_string(cal.seed);
  q.metadata.accuracy.erase("int");  // not measured yet: `xbarsim eval --precision int` measures it
  workloads::save_network(q, output);
  std::printf("%s: %s quantized to %d-bit weights / %d-bit activations (input scale 2^%d)\n", output.c_str(),
              net.name.c_str(), ptq.weight_bits, ptq.activation_bits, q.input_quantization->input_scale_exp);
  for (const auto& L : q.layers) {
    if (!L.quantization) continue;
    const auto& lq = *L.quantization;
    std::printf("  %-10s %-8s", L.name.c_str(), workloads::kind_name(L.kind).c_str());
    if (!lq.weight_scale_exp.empty()) {
      std::printf(" weight scale 2^%d%s", lq.weight_scale_exp[0], lq.weight_scale_exp.size() > 1 ? " (channel 0)" : "");
    }
    if (lq.output_scale_exp) {
      std::printf("  output scale 2^%d\n", *lq.output_scale_exp);
    } else {
      std::printf("  output: int32 accumulators\n");
    }
  }
  return 0;
}

}  // namespace xbarsim::apps
