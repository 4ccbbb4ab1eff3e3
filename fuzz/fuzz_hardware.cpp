// Fuzz target: a hardware file (with its device block or preset chain) as `--hw` reads it, then
// the same bytes as a device file as `--set device=` reads it.
#include "fuzz/fuzz_support.hpp"
#include "mapping/hardware.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xbarsim::fuzz::as_file(data, size, "fuzz_hw.json");
  xbarsim::fuzz::run([&] { (void)xbarsim::mapping::load_hardware(path); });
  return xbarsim::fuzz::run([&] { (void)xbarsim::mapping::load_device(path); });
}
