// The shipped LeNet-5 sweep (workloads/experiments/sweep_lenet5_xbar.json), reduced to five
// crossbar sizes 32..512 on 300 images and one device seed, through the CLI end to end: it
// completes, crossbars fall with the size, the figures exist, and a kill -9 part-way followed
// by a rerun gives the same table. Slow: evaluates real design points.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"
#include "workloads/io.hpp"

namespace xbarsim::apps {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(workloads::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

/// Runs `xbarsim sweep <spec> -o <out> <options>` and returns its results.csv (nothing when it failed).
std::vector<std::vector<std::string>> run_sweep(const std::string& spec, const std::string& out,
                                                const std::string& options) {
  const auto r = testing_support::run_cli(XBARSIM_CLI, "sweep " + spec + " -o " + out + " " + options);
  EXPECT_EQ(r.status, 0) << r.output;
  if (r.status != 0) return {};
  return read_csv(out + "/results.csv");
}

/// Index of the column `name` in a CSV header (head.size() when absent).
std::size_t column(const std::vector<std::string>& head, const std::string& name) {
  return static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin());
}

std::size_t point_files(const std::string& dir) {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir + "/points", ec)) {
    const std::string name = e.path().filename().string();
    n += name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 ? 1 : 0;
  }
  return n;
}

TEST(CliSweepZoo, LeNet5CrossbarSizesCompleteAndSurviveKillNine) {
  TempDir tmp;
  const std::string src = std::string(XBARSIM_SOURCE_DIR) + "/workloads/experiments/sweep_lenet5_xbar.json";
  auto doc = nlohmann::json::parse(workloads::read_file(src));
  doc["workload"] = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json";
  doc["images"] = 300;
  doc["trials"] = 1;
  doc["axes"] = nlohmann::json::parse(R"([{"key": "crossbar_size", "values": [32, 64, 128, 256, 512]}])");
  doc["plots"] = nlohmann::json::parse(R"([{"x": "crossbar_size", "y": ["crossbars", "area_mm2", "accuracy_mean"]}])");
  const std::string spec = tmp.file("lenet5_xbar_test.json");
  std::ofstream(spec) << doc.dump(2);

  // Uninterrupted, two points at a time.
  const std::string a = tmp.file("a");
  const auto csv = run_sweep(spec, a, "--jobs 2");
  ASSERT_EQ(csv.size(), 6U) << workloads::read_file(a + "/results.csv");
  const auto& head = csv[0];
  const auto col = [&](const std::string& name) { return column(head, name); };
  ASSERT_LT(col("crossbars"), head.size());
  ASSERT_LT(col("area_mm2"), head.size());
  ASSERT_LT(col("accuracy_mean"), head.size());
  for (std::size_t i = 2; i < csv.size(); ++i) {
    EXPECT_LT(std::stol(csv[i][col("crossbars")]), std::stol(csv[i - 1][col("crossbars")])) << "row " << i;
  }
  for (std::size_t i = 1; i < csv.size(); ++i) {
    EXPECT_GT(std::stod(csv[i][col("accuracy_mean")]), 0.5) << "row " << i;
    EXPECT_GT(std::stod(csv[i][col("area_mm2")]), 0.0) << "row " << i;
  }
  EXPECT_TRUE(fs::exists(a + "/results.json"));
  EXPECT_TRUE(fs::exists(a + "/plot.gp"));
  EXPECT_TRUE(fs::exists(a + "/plot_crossbars.svg"));
  EXPECT_TRUE(fs::exists(a + "/plot_area_mm2.svg"));

  // One point at a time, killed (kill -9 of the process group) after the first point file.
  const std::string b = tmp.file("b");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(XBARSIM_CLI, XBARSIM_CLI, "sweep", spec.c_str(), "-o", b.c_str(), "--jobs", "1", "--no-plot",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (point_files(b) < 1 && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::size_t done = point_files(b);
  ASSERT_GE(done, 1U);
  EXPECT_LT(done, 5U) << "the sweep finished before it was killed";
  EXPECT_FALSE(fs::exists(b + "/results.csv"));

  const auto r2 = testing_support::run_cli(XBARSIM_CLI, "sweep " + spec + " -o " + b + " --jobs 2");
  ASSERT_EQ(r2.status, 0) << r2.output;
  EXPECT_NE(r2.output.find(std::to_string(done) + " of 5 points already done"), std::string::npos) << r2.output;
  EXPECT_EQ(workloads::read_file(b + "/results.csv"), workloads::read_file(a + "/results.csv"));
  EXPECT_EQ(workloads::read_file(b + "/results.json"), workloads::read_file(a + "/results.json"));
}

// A workload axis: one sweep over the int8 and the CRIMP-compressed LeNet-5 (the compression
// ladder's shape), each point mapped from its own network file.
TEST(CliSweepZoo, WorkloadAxisMapsEachPointsOwnNetwork) {
  TempDir tmp;
  const std::string zoo = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/";
  const nlohmann::json doc = {
      {"version", 1},
      {"name", "ladder_test"},
      {"hardware", "isaac_like"},
      {"images", 50},
      {"trials", 1},
      {"axes",
       {{{"key", "workload"}, {"values", {zoo + "lenet5_int8.json", zoo + "lenet5_crimp.json"}}},
        {{"key", "device.write_sigma"}, {"values", {0}}}}}};
  const std::string spec = tmp.file("ladder_test.json");
  std::ofstream(spec) << doc.dump(2);
  const std::string out = tmp.file("out");
  const auto csv = run_sweep(spec, out, "--jobs 2 --no-plot");
  ASSERT_EQ(csv.size(), 3U) << workloads::read_file(out + "/results.csv");
  const auto& head = csv[0];
  const auto col = [&](const std::string& name) { return column(head, name); };
  ASSERT_LT(col("crossbars"), head.size());
  // The dense and the pruned LeNet-5 at 128x128 (docs/compression.md: 42 and 23 crossbars).
  EXPECT_EQ(csv[1][col("crossbars")], "42");
  EXPECT_EQ(csv[2][col("crossbars")], "23");
  EXPECT_EQ(csv[1][1], "p000_workload-lenet5_int8_device.write_sigma-0");
  const auto point = nlohmann::json::parse(workloads::read_file(out + "/points/" + csv[2][1] + ".json"));
  EXPECT_EQ(point["settings"]["workload"], fs::weakly_canonical(zoo + "lenet5_crimp.json").string());
}

}  // namespace
}  // namespace xbarsim::apps
