// xbarsim import: an ONNX model as an xbarsim workload (JSON + safetensors; docs/formats.md,
// "ONNX import").
#include <cstdio>
#include <filesystem>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "workloads/network.hpp"
#ifdef XBARSIM_HAVE_ONNX
#include "onnx/importer.hpp"
#endif

namespace xbarsim::apps {

int cmd_import(const std::vector<std::string>& args) {
  std::string model, output, name;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("model", po::value(&model)->required(), "ONNX file (positional)")(
      "output,o", po::value(&output)->required(), "workload JSON to write (its weights next to it, .safetensors)")(
      "name", po::value(&name)->default_value(""), "the workload's name (default: the output file's stem)");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim import <model.onnx> -o <workload.json> [--name N]", "model", vm)) return 0;
  const std::filesystem::path out(output);
  if (out.extension() != ".json") throw Error("--output: expected a path ending in .json, found '" + output + "'");
#ifdef XBARSIM_HAVE_ONNX
  const std::string stem = out.stem().string();
  auto net = onnx_import::import_onnx(model, name.empty() ? stem : name, stem + ".safetensors");
  workloads::save_network(net, output);
  std::printf("xbarsim import: %s -> %s (%zu layers, %lld parameters, input %s, %s)\n", model.c_str(), output.c_str(),
              net.layers.size(), static_cast<long long>(net.parameter_count()),
              workloads::shape_string(net.input_shape).c_str(), net.is_quantized() ? "integer (QDQ)" : "float");
  return 0;
#else
  (void)model;
  throw Error("import: this build has no ONNX support (install Debian's libonnx-dev and rebuild)");
#endif
}

}  // namespace xbarsim::apps
