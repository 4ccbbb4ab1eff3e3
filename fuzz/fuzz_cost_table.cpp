// Fuzz target: a cost table file as `--cost-table` reads it.
#include "cost/table.hpp"
#include "fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xbarsim::fuzz::as_file(data, size, "fuzz_cost.json");
  return xbarsim::fuzz::run([&] { (void)xbarsim::cost::load_cost_table(path); });
}
