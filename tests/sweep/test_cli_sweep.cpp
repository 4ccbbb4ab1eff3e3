// xbarsim sweep on bad input: one line naming the file, key or point, exit status 2, and no
// table; failing points are reported with their id and message. Fast: no point gets evaluated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::apps {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

testing_support::CliRun run_cli(const std::string& args) { return testing_support::run_cli(XBARSIM_CLI, args); }

std::string write_spec(const TempDir& dir, const nlohmann::json& patch) {
  nlohmann::json doc = {{"version", 1},
                        {"name", "cli"},
                        {"workload", std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json"},
                        {"images", 10},
                        {"trials", 1},
                        {"axes", {{{"key", "crossbar_size"}, {"values", {64, 128}}}}}};
  doc.merge_patch(patch);
  const std::string path = dir.file("s.json");
  std::ofstream(path) << doc.dump(2);
  return path;
}

TEST(CliSweep, HelpAndUsage) {
  const auto r = run_cli("sweep --help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("--shard"), std::string::npos) << r.output;
  EXPECT_EQ(run_cli("sweep merge --help").status, 0);
  EXPECT_EQ(run_cli("sweep").status, 2);
}

TEST(CliSweep, BadSpecNamesTheFileAndKey) {
  TempDir tmp;
  const std::string spec = write_spec(tmp, {{"imgaes", 5}});
  const auto r = run_cli("sweep " + spec + " -o " + tmp.file("out"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(spec + ": imgaes: unknown key"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.file("out")));
}

TEST(CliSweep, BadHardwareKeyOnAnAxisIsCaughtBeforeAnyPointRuns) {
  TempDir tmp;
  // Keys and values are typed by the hardware parameter declarations when the sweep file is read.
  const std::string spec = write_spec(tmp, {{"axes", {{{"key", "adc_bitz"}, {"values", {6, 8}}}}}});
  const auto r = run_cli("sweep " + spec + " -o " + tmp.file("out"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(spec + ": axes[0].key: adc_bitz: unknown key"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.file("out")));

  const std::string spec2 = write_spec(tmp, {{"axes", {{{"key", "adc_bits"}, {"values", {6, 99}}}}}});
  const auto r2 = run_cli("sweep " + spec2 + " -o " + tmp.file("out"));
  EXPECT_EQ(r2.status, 2) << r2.output;
  EXPECT_NE(r2.output.find(spec2 + ": axes[0].values[1]: adc_bits: expected an integer in [1, 32], found integer 99"),
            std::string::npos)
      << r2.output;

  // Each value valid for its key, the combination not: caught per point before any runs.
  const std::string spec4 = write_spec(tmp, {{"axes", {{{"key", "columns_per_adc"}, {"values", {64, 256}}}}}});
  const auto r4 = run_cli("sweep " + spec4 + " -o " + tmp.file("out"));
  EXPECT_EQ(r4.status, 2) << r4.output;
  EXPECT_NE(r4.output.find("point p001_columns_per_adc-256"), std::string::npos) << r4.output;
  EXPECT_NE(r4.output.find("exceeds cols"), std::string::npos) << r4.output;
  EXPECT_FALSE(fs::exists(tmp.file("out")));

  const std::string spec3 = write_spec(tmp, {{"workload", "missing.json"}});
  const auto r3 = run_cli("sweep " + spec3 + " -o " + tmp.file("out"));
  EXPECT_EQ(r3.status, 2) << r3.output;
  EXPECT_NE(r3.output.find(spec3 + ": workload"), std::string::npos) << r3.output;
}

TEST(CliSweep, BadShardAndMergeOptions) {
  TempDir tmp;
  const std::string spec = write_spec(tmp, nlohmann::json::object());
  const auto r = run_cli("sweep " + spec + " -o " + tmp.file("out") + " --shard 2/2");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--shard"), std::string::npos) << r.output;
  const auto m = run_cli("sweep merge " + tmp.file("nowhere") + " -o " + tmp.file("m"));
  EXPECT_EQ(m.status, 2) << m.output;
  EXPECT_NE(m.output.find("no sweep.json"), std::string::npos) << m.output;
  EXPECT_EQ(run_cli("sweep merge " + tmp.file("nowhere")).status, 2);  // -o is required
}

TEST(CliSweep, FailingPointsAreReportedWithTheirIdAndMessage) {
  TempDir tmp;
  const std::string spec = write_spec(tmp, nlohmann::json::object());
  const std::string out = tmp.file("out");
  const auto r = run_cli("sweep " + spec + " -o " + out + " --jobs 2 --data-dir " + tmp.file("no-data"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("point p000_crossbar_size-64 failed (exit status 2: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("point p001_crossbar_size-128 failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no-data"), std::string::npos) << r.output;  // the child's message
  EXPECT_NE(r.output.find("2 of 2 points failed"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(out + "/sweep.json"));
  EXPECT_FALSE(fs::exists(out + "/results.csv"));
  EXPECT_TRUE(fs::is_empty(out + "/points"));
}

}  // namespace
}  // namespace xbarsim::apps
