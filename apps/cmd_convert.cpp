// xbarsim convert: reads a workload (JSON or ONNX), validates it, folds batch norm, and writes
// it back in the canonical form (ordered keys, weights renamed beside the output), or as an
// ONNX model (float; integer as QDQ) when the output ends in .onnx.
#include <cstdio>
#include <filesystem>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "workloads/network.hpp"
#ifdef XBARSIM_HAVE_ONNX
#include "onnx/exporter.hpp"
#endif

namespace xbarsim::apps {

int cmd_convert(const std::vector<std::string>& args) {
  std::string workload;
  std::string output;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&workload)->required(),
                                                 "network JSON or ONNX model (positional)")(
      "output,o", po::value(&output)->required(),
      "network JSON to write (weights beside it as <stem>.safetensors), or an ONNX model (.onnx)");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim convert <workload.json|.onnx> -o <out.json|out.onnx>", "workload", vm)) return 0;
  const auto ext = std::filesystem::path(output).extension();
  if (ext != ".json" && ext != ".onnx")
    throw Error("--output: expected a path ending in .json or .onnx, found '" + output + "'");
  workloads::Network net = study::load_workload(workload);
  if (ext == ".onnx") {
#ifdef XBARSIM_HAVE_ONNX
    onnx_import::export_onnx(net, output);
    std::printf("%s: %s, %zu layers, %s ONNX (opset 13)\n", output.c_str(), net.name.c_str(), net.layers.size(),
                net.is_quantized() ? "integer as QDQ" : "float");
    return 0;
#else
    throw Error("convert: this build has no ONNX support (install Debian's libonnx-dev and rebuild)");
#endif
  }
  net.weights_file = std::filesystem::path(output).stem().string() + ".safetensors";
  workloads::save_network(net, output);
  std::printf("%s: %s, %zu layers, %zu tensors\n", output.c_str(), net.name.c_str(), net.layers.size(),
              net.tensors.size());
  return 0;
}

}  // namespace xbarsim::apps
