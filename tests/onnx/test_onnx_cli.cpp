// ONNX files are workloads: every command takes a torch-exported ResNet-20 (option A and B,
// tests/onnx/fixtures) directly, importing it in memory.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/cli.hpp"

namespace {

std::string fixture(const std::string& file) {
  return std::string(XBARSIM_SOURCE_DIR) + "/tests/onnx/fixtures/" + file;
}

TEST(TorchExport, ResNet20RunsThroughEveryCommandFromTheOnnxFile) {
  for (const char* m : {"resnet20a", "resnet20b"}) {
    const std::string onnx = fixture(std::string(m) + ".onnx");
    const auto e = xbarsim::testing_support::run_cli(XBARSIM_CLI, "eval " + onnx + " --limit 40");
    EXPECT_EQ(e.status, 0) << e.output;
    const auto r = xbarsim::testing_support::run_cli(
        XBARSIM_CLI, "run " + onnx + " --limit 20 --error-images 8 --calibration-images 16");
    EXPECT_EQ(r.status, 0) << r.output;
    const auto c = xbarsim::testing_support::run_cli(
        XBARSIM_CLI, "run " + onnx + " --limit 8 --error-images 8 --images 1 --cycle-level --calibration-images 16");
    EXPECT_EQ(c.status, 0) << c.output;
  }
  const auto cmp = xbarsim::testing_support::run_cli(XBARSIM_CLI, "compare " + fixture("resnet20b.onnx") + " " +
                                                                      fixture("resnet20a.onnx") +
                                                                      " --images 20 --calibration-images 16");
  EXPECT_EQ(cmp.status, 0) << cmp.output;
}

}  // namespace
