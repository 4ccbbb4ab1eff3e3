#include <filesystem>

#include "apps/cli.hpp"
#include "common/error.hpp"
#include "workloads/network.hpp"
#ifdef XBARSIM_HAVE_ONNX
#include "onnx/importer.hpp"
#endif

namespace xbarsim::apps {

workloads::Network load_workload(const std::string& path) {
  const std::filesystem::path p(path);
  if (p.extension() != ".onnx") return workloads::load_network(path);
#ifdef XBARSIM_HAVE_ONNX
  const std::string stem = p.stem().string();
  return onnx_import::import_onnx(path, stem, stem + ".safetensors");
#else
  throw make_error(path, "this build has no ONNX support (install Debian's libonnx-dev and rebuild)");
#endif
}

}  // namespace xbarsim::apps
