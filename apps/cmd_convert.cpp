// xbarsim convert: reads a workload, validates it, folds batch norm, and writes it
// back in the canonical form (ordered keys, weights renamed beside the output).
#include <cstdio>
#include <filesystem>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "workloads/network.hpp"

namespace xbarsim::apps {

int cmd_convert(const std::vector<std::string>& args) {
  std::string workload;
  std::string output;
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("workload", po::value(&workload)->required(),
                                                 "network JSON (positional)")(
      "output,o", po::value(&output)->required(), "network JSON to write; weights go beside it as <stem>.safetensors");
  po::variables_map vm;
  if (!parse_args(args, opts, "xbarsim convert <workload.json> -o <out.json>", "workload", vm)) return 0;
  if (std::filesystem::path(output).extension() != ".json")
    throw Error("--output: expected a path ending in .json, found '" + output + "'");
  workloads::Network net = workloads::load_network(workload);
  net.weights_file = std::filesystem::path(output).stem().string() + ".safetensors";
  workloads::save_network(net, output);
  std::printf("%s: %s, %zu layers, %zu tensors\n", output.c_str(), net.name.c_str(), net.layers.size(),
              net.tensors.size());
  return 0;
}

}  // namespace xbarsim::apps
