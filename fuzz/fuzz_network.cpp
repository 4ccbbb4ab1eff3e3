// Fuzz target: a network JSON, parsed, validated and shape-inferred against the shipped
// LeNet-5 weights (XBARSIM_FUZZ_WEIGHTS_DIR), as `xbarsim info` reads it.
#include "fuzz/fuzz_support.hpp"
#include "workloads/json_reader.hpp"
#include "workloads/network.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xbarsim::fuzz::run([&] {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto doc = xbarsim::workloads::parse_json_text(text, "fuzz.json");
    (void)xbarsim::workloads::load_network_json(doc, "fuzz.json", XBARSIM_FUZZ_WEIGHTS_DIR);
  });
}
