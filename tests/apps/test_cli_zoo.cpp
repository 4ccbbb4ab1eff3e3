// Acceptance of the cycle-level simulator on the shipped zoo: for 100 test images of each
// model, the SystemC chip's outputs equal the functional engine's (every output code), in
// both schedules; and the run's memory estimate against its measured peak. Slow: runs the CLI on
// the full models.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"
#include "workloads/io.hpp"

namespace xbarsim::apps {
namespace {

class CycleLevelZoo : public ::testing::TestWithParam<const char*> {};

TEST_P(CycleLevelZoo, HundredImagesIdenticalToTheFunctionalEngine) {
  testing_support::TempDir dir;
  const std::string report = dir.file("report.json");
  const std::string model = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + GetParam() + ".json";
  for (const char* schedule : {"layer-by-layer", "pipelined"}) {
    const auto r = testing_support::run_cli(
        XBARSIM_CLI, "run " + model + " --cycle-level --images 100 --schedule " + schedule + " --output " + report);
    ASSERT_EQ(r.status, 0) << r.output;
    const auto rep = nlohmann::json::parse(workloads::read_file(report));
    EXPECT_EQ(rep["check"]["images"], 100);
    EXPECT_EQ(rep["check"]["identical_to_functional"], 100) << schedule;
    const auto& c = rep["cycle_level"];
    EXPECT_EQ(c["schedule"], schedule);
    // Pipelined, the period is no shorter than the slowest layer's stage (shared resources can
    // make it longer); layer by layer it is one latency.
    double slowest = 0;
    for (const auto& l : c["layers"]) slowest = std::max(slowest, l["stage_cycles"].get<double>());
    if (std::string(schedule) == "pipelined") {
      EXPECT_GE(c["period_cycles"].get<double>(), slowest);
      EXPECT_LT(c["period_cycles"].get<double>(), c["latency_cycles"].get<double>());
    } else {
      EXPECT_EQ(c["period_cycles"].get<double>(), c["latency_cycles"].get<double>());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, CycleLevelZoo,
                         ::testing::Values("lenet5_int8", "lenet5_crimp", "vgg8_int8", "vgg8_crimp"));

// Issue 15's acceptance on isaac_like: automatic replication within the 168 tiles gives at
// least 5x the unreplicated pipelined throughput; afterwards no stage is more than 2x the
// median unless its replication stopped at the budget; the period is the slowest stage's or,
// where a shared resource binds, that resource's busy time per image.
class ReplicationZoo : public ::testing::TestWithParam<const char*> {};

TEST_P(ReplicationZoo, AutomaticReplicationBalancesThePipeline) {
  testing_support::TempDir dir;
  const std::string model = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/" + GetParam() + ".json";
  const auto cycle_level = [&](const std::string& replication) {
    const std::string report = dir.file("report_" + replication + ".json");
    const auto r = testing_support::run_cli(XBARSIM_CLI, "run " + model +
                                                             " --cycle-level --images 6 --schedule pipelined --set "
                                                             "replication=" +
                                                             replication + " --output " + report);
    EXPECT_EQ(r.status, 0) << r.output;
    const auto rep = nlohmann::json::parse(workloads::read_file(report));
    EXPECT_TRUE(rep["check"]["all_identical"].get<bool>());
    return rep["cycle_level"];
  };
  const auto none = cycle_level("none");
  const auto autorep = cycle_level("auto");
  const double gain =
      autorep["throughput_inferences_per_s"].get<double>() / none["throughput_inferences_per_s"].get<double>();
  EXPECT_GE(gain, 5.0);
  std::vector<double> stages;
  for (const auto& l : autorep["layers"]) stages.push_back(l["stage_cycles"].get<double>());
  std::vector<double> sorted = stages;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  double slowest = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const auto& l = autorep["layers"][i];
    slowest = std::max(slowest, stages[i]);
    if (!l["replication_budget_bound"].get<bool>()) {
      EXPECT_LE(stages[i], 2 * median) << l["name"];
    }
  }
  const double period = autorep["period_cycles"].get<double>();
  const double busiest = autorep["busiest_resource"]["busy_cycles_per_image"].get<double>();
  EXPECT_GE(period, slowest);
  EXPECT_NEAR(period, std::max(slowest, busiest), 0.02 * period) << autorep["busiest_resource"].dump();
}

INSTANTIATE_TEST_SUITE_P(Zoo, ReplicationZoo, ::testing::Values("lenet5_int8", "vgg8_int8"));

// A calibrated ADC range covers every reading of the calibration pass: on an ideal device an
// 8-bit ADC on ISAAC's columns (a level step of 1 once the range is below 256) reads exactly.
// VGG-8's conv1 (9 rows, a row length that a naive sampling stride aliased onto) once lost
// 14 pp here: the range came from a few columns only and clipped the rest.
TEST(CalibratedAdcZoo, IdealDeviceReadsExactlyOnVgg8) {
  testing_support::TempDir dir;
  const std::string report = dir.file("report.json");
  const auto r = testing_support::run_cli(XBARSIM_CLI, "run " + std::string(XBARSIM_SOURCE_DIR) +
                                                           "/workloads/zoo/vgg8_int8.json --set adc_range=calibrated "
                                                           "--set device.write_sigma=0 --limit 100 --trials 1 "
                                                           "--error-images 16 --output " +
                                                           report);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(workloads::read_file(report));
  ASSERT_FALSE(rep["scenarios"].empty());
  const auto& s = rep["scenarios"].back();
  EXPECT_EQ(s["key"], "configured");
  EXPECT_TRUE(s["matches_integer_reference"].get<bool>()) << s.dump();
}

// The memory estimate a run makes before programming (sim/memory_estimate.hpp) against the peak
// the kernel measured for the whole process, on VGG-8 with read noise (plans twice the levels),
// and --max-memory below the estimate refusing the run before it writes anything.
TEST(MemoryEstimateZoo, EstimateIsNearTheMeasuredPeakAndMaxMemoryRefusesBelowIt) {
  testing_support::TempDir dir;
  const std::string report = dir.file("report.json");
  const std::string common = "run " + std::string(XBARSIM_SOURCE_DIR) +
                             "/workloads/zoo/vgg8_int8.json --set device.write_sigma=0.1 --set "
                             "device.read_noise_sigma=0.02 --limit 128 --trials 1 --error-images 16 --threads 2";
  const auto r = testing_support::run_cli(XBARSIM_CLI, common + " --output " + report);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(workloads::read_file(report));
  const double estimated = rep["memory"]["estimated_peak_mib"].get<double>();
  const double measured = rep["process"]["peak_rss_mib"].get<double>();
  EXPECT_GT(rep["memory"]["plans_mib"].get<double>(), 0.0);
  EXPECT_NEAR(estimated, measured, 0.25 * measured) << rep["memory"].dump();
  const std::string refused = dir.file("refused.json");
  const auto small = testing_support::run_cli(
      XBARSIM_CLI, common + " --max-memory " + std::to_string(0.5 * estimated) + " --output " + refused);
  EXPECT_EQ(small.status, 2) << small.output;
  EXPECT_NE(small.output.find("--max-memory: expected at least the"), std::string::npos) << small.output;
  EXPECT_FALSE(std::filesystem::exists(refused));
}

}  // namespace
}  // namespace xbarsim::apps
