// Fuzz target: an IDX file, through the streaming reader (plain or gzip-compressed) and the
// in-memory parser, which must agree on what they accept.
#include "fuzz/fuzz_support.hpp"
#include "workloads/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bool streamed = false;
  bool parsed = false;
  xbarsim::fuzz::run([&] {
    (void)xbarsim::workloads::read_idx(xbarsim::fuzz::as_file(data, size, "fuzz.idx"));
    streamed = true;
  });
  xbarsim::fuzz::run([&] {
    (void)xbarsim::workloads::parse_idx(std::string(reinterpret_cast<const char*>(data), size), "fuzz.idx");
    parsed = true;
  });
  // A gzip stream is only for the streaming reader; plain bytes must get the same verdict.
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!gzip && streamed != parsed) __builtin_trap();
  return 0;
}
