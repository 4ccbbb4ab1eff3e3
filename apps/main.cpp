// xbarsim: the command line. Thin: parse, call the library, print.
// Exit status: 0 success, 2 bad input or usage (one line naming file/key/expected), 1 internal error.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "common/error.hpp"

namespace {

const std::vector<xbarsim::apps::Command>& commands() {
  static const std::vector<xbarsim::apps::Command> list = {
      {"eval", "top-1 accuracy of a workload in float or integer arithmetic (reference engine)",
       xbarsim::apps::cmd_eval},
      {"quantize", "post-training power-of-two quantization of a float workload", xbarsim::apps::cmd_quantize},
      {"info", "layers, shapes, parameters and quantization of a workload", xbarsim::apps::cmd_info},
      {"map", "map an integer workload onto crossbars: counts, tiles, utilisation, pruning savings",
       xbarsim::apps::cmd_map},
      {"cost", "energy, power, area and throughput from the closed form, in seconds (no data set)",
       xbarsim::apps::cmd_cost},
      {"peak", "a full chip's peak throughput, area and power: GOPS/s/mm2 and GOPS/W (published-chip comparisons)",
       xbarsim::apps::cmd_peak},
      {"run", "accuracy on programmed non-ideal crossbars (functional engine), over device seeds",
       xbarsim::apps::cmd_run},
      {"compare", "two designs side by side: accuracy, crossbars, ADCs, power, area, energy, latency and the ratios",
       xbarsim::apps::cmd_compare},
      {"sweep", "run a parameter sweep (crossbar size, ADC bits, ...): CSV/JSON table and plots; resumable, shardable",
       xbarsim::apps::cmd_sweep},
      {"convert", "validate a workload, fold batch norm, write it in canonical form", xbarsim::apps::cmd_convert},
      {"import", "an ONNX model as a workload (JSON + safetensors)", xbarsim::apps::cmd_import},
      {"keys", "every hardware and device key (--hw files, --set, sweep axes): type, range, default, unit, meaning",
       xbarsim::apps::cmd_keys},
  };
  return list;
}

/// A message on one line: line breaks (a child's log, a multi-line library message) become "; ".
std::string one_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (const char c : text) {
    if (c == '\n') {
      out += "; ";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

void usage(std::FILE* out) {
  std::fprintf(out, "usage: xbarsim <command> [options]   (xbarsim <command> --help for its options)\n\ncommands:\n");
  for (const auto& c : commands()) std::fprintf(out, "  %-10s %s\n", c.name.c_str(), c.summary.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "xbarsim: error: expected a command (xbarsim --help lists them)\n");
    return 2;
  }
  const std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    usage(stdout);
    return 0;
  }
  if (name == "--version") {
    std::printf("xbarsim %s\n", XBARSIM_VERSION);
    return 0;
  }
  const std::vector<std::string> args(argv + 2, argv + argc);
  for (const auto& c : commands()) {
    if (c.name != name) continue;
    try {
      return c.run(args);
    } catch (const boost::program_options::error& e) {
      std::fprintf(stderr, "xbarsim %s: error: %s (see xbarsim %s --help)\n", name.c_str(), one_line(e.what()).c_str(),
                   name.c_str());
      return 2;
    } catch (const xbarsim::Error& e) {
      xbarsim::apps::end_progress();
      std::fprintf(stderr, "xbarsim %s: error: %s\n", name.c_str(), one_line(e.what()).c_str());
      return 2;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "xbarsim %s: error: out of memory\n", name.c_str());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "xbarsim %s: internal error: %s\n", name.c_str(), one_line(e.what()).c_str());
      return 1;
    }
  }
  std::fprintf(stderr, "xbarsim: error: unknown command '%s' (xbarsim --help lists the commands)\n", name.c_str());
  return 2;
}
