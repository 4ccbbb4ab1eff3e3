// xbarsim sweep on bad input: one line naming the file, key or point, exit status 2, and no
// table; failing points are reported with their id and message. Fast: no point gets evaluated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"
#include "workloads/io.hpp"

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

TEST(CliSweep, MonteCarloTrialsSplitOverFourShardsMergeToTheSingleRunsNumbers) {
  TempDir tmp;
  // One design (no axes), 8 device seeds: once whole, once in 4 trial groups, one shard each.
  const auto one = [&](const std::string& name, int groups) {
    nlohmann::json doc = {{"version", 1},
                          {"name", name},
                          {"workload", std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json"},
                          {"set", {"device.write_sigma=0.15"}},
                          {"images", 48},
                          {"trials", 8},
                          {"trial_groups", groups}};
    const std::string path = tmp.file(name + ".json");
    std::ofstream(path) << doc.dump(2);
    return path;
  };
  const std::string whole = one("whole", 1), split = one("split", 4);
  const auto r = run_cli("sweep " + whole + " -o " + tmp.file("w") + " --threads 2");
  ASSERT_EQ(r.status, 0) << r.output;
  std::string dirs;
  for (int i = 0; i < 4; ++i) {
    const std::string d = tmp.file("s" + std::to_string(i));
    const auto s = run_cli("sweep " + split + " -o " + d + " --shard " + std::to_string(i) + "/4 --threads 1");
    ASSERT_EQ(s.status, 0) << s.output;
    EXPECT_NE(s.output.find("0 of 1 units of shard " + std::to_string(i) + "/4 already done"), std::string::npos)
        << s.output;
    dirs += " " + d;
  }
  const auto m = run_cli("sweep merge" + dirs + " -o " + tmp.file("m") + " --no-plot");
  ASSERT_EQ(m.status, 0) << m.output;
  // The table byte for byte, and the point's row and accuracy (every trial, mean, std, ci95) as
  // exact doubles.
  EXPECT_EQ(workloads::read_file(tmp.file("m") + "/results.csv"), workloads::read_file(tmp.file("w") + "/results.csv"));
  const auto pw = nlohmann::json::parse(workloads::read_file(tmp.file("w") + "/points/p000.json"));
  const auto pm = nlohmann::json::parse(workloads::read_file(tmp.file("m") + "/points/p000.json"));
  EXPECT_EQ(pw["row"], pm["row"]);
  auto aw = pw["report"]["accuracy"], am = pm["report"]["accuracy"];
  aw.erase("wall_time_s");
  am.erase("wall_time_s");
  EXPECT_EQ(aw, am);
  EXPECT_EQ(aw["trials"].size(), 8U);
  EXPECT_GT(aw["std"].get<double>(), 0.0);
  EXPECT_EQ(pm["run"].size(), 4U);  // one run record per group
}

TEST(CliSweep, SlurmPlanWritesAnArrayJobAndAMergeJobAfterIt) {
  TempDir tmp;
  const std::string spec = write_spec(tmp, nlohmann::json::object());
  const std::string out = tmp.file("cluster");
  EXPECT_EQ(run_cli("sweep plan " + spec + " -o " + out + " --shards 4").status, 2);  // --slurm missing
  EXPECT_FALSE(fs::exists(out));
  const auto r = run_cli("sweep plan " + spec + " --slurm -o " + out +
                         " --shards 4 --cpus-per-task 2 --partition short --time 01:00:00 --sbatch=--account=lab");
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string array = workloads::read_file(out + "/slurm/array.sh");
  for (const char* want :
       {"#SBATCH --array=0-3\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --requeue\n", "#SBATCH --partition=short\n",
        "#SBATCH --time=01:00:00\n", "#SBATCH --account=lab\n", "#SBATCH --open-mode=append\n",
        "--shard \"${SLURM_ARRAY_TASK_ID}/4\" --jobs 1 --threads 2"}) {
    EXPECT_NE(array.find(want), std::string::npos) << want << "\n" << array;
  }
  EXPECT_NE(array.find(" sweep '" + spec + "' -o '" + out + "'"), std::string::npos) << array;
  const std::string merge = workloads::read_file(out + "/slurm/merge.sh");
  EXPECT_NE(merge.find(" sweep merge '" + out + "' -o '" + out + "'"), std::string::npos) << merge;
  EXPECT_TRUE(fs::exists(out + "/sweep.json"));

  // --submit with a stand-in sbatch on PATH: the array first, then the merge afterok on it.
  const std::string bin = tmp.file("bin");
  fs::create_directories(bin);
  {
    std::ofstream f(bin + "/sbatch");
    f << "#!/bin/sh\necho \"$*\" >> " << tmp.file("sbatch.log") << "\n"
      << "n=$(wc -l < " << tmp.file("sbatch.log") << ")\necho $((100 + n))\n";
  }
  fs::permissions(bin + "/sbatch", fs::perms::owner_all);
  const auto s = testing_support::run_cli("env PATH=" + bin + ":$PATH " + std::string(XBARSIM_CLI),
                                          "sweep plan " + spec + " --slurm -o " + out + " --shards 4 --submit");
  ASSERT_EQ(s.status, 0) << s.output;
  const auto calls = workloads::read_file(tmp.file("sbatch.log"));
  EXPECT_EQ(calls, "--parsable " + out +
                       "/slurm/array.sh\n--parsable --dependency=afterok:101 --kill-on-invalid-dep=yes " + out +
                       "/slurm/merge.sh\n");
  const auto jobs = nlohmann::json::parse(workloads::read_file(out + "/slurm/jobs.json"));
  EXPECT_EQ(jobs["array"], "101");
  EXPECT_EQ(jobs["merge"], "102");
  EXPECT_NE(s.output.find("submitted array job 101 (4 tasks) and merge job 102"), std::string::npos) << s.output;

  // sbatch refusing: its message, exit 2.
  {
    std::ofstream f(bin + "/sbatch");
    f << "#!/bin/sh\necho 'sbatch: error: invalid partition specified: short' >&2\nexit 1\n";
  }
  const auto e = testing_support::run_cli("env PATH=" + bin + ":$PATH " + std::string(XBARSIM_CLI),
                                          "sweep plan " + spec + " --slurm -o " + out + " --shards 4 --submit");
  EXPECT_EQ(e.status, 2) << e.output;
  EXPECT_NE(e.output.find("invalid partition specified"), std::string::npos) << e.output;
}

}  // namespace
}  // namespace xbarsim::apps
