// Fuzz target: a sweep spec, parsed (axes typed and range-checked by their keys) and its points
// enumerated, as `xbarsim sweep` does before it runs anything.
#include "fuzz/fuzz_support.hpp"
#include "sweep/spec.hpp"
#include "workloads/json_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return xbarsim::fuzz::run([&] {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const auto spec = xbarsim::sweep::parse_spec(xbarsim::workloads::parse_json_text(text, "fuzz_sweep.json"),
                                                 "/fuzz/fuzz_sweep.json");
    (void)xbarsim::sweep::enumerate_points(spec);
  });
}
