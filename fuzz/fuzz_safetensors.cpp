// Fuzz target: a safetensors file (header JSON, shapes, offsets, data), parsed in memory.
#include "fuzz/fuzz_support.hpp"
#include "workloads/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xbarsim::fuzz::run([&] {
    (void)xbarsim::workloads::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size),
                                                "fuzz.safetensors");
  });
}
