// Fuzz target: an ONNX model imported as `xbarsim import` does (protobuf, checker, importer).
#include "fuzz/fuzz_support.hpp"
#include "onnx/importer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = xbarsim::fuzz::as_file(data, size, "fuzz.onnx");
  return xbarsim::fuzz::run([&] { (void)xbarsim::onnx_import::import_onnx(path, "fuzz", "fuzz.safetensors"); });
}
