// kill -9 of a running sweep (its whole process group, or the parent alone) loses no finished
// point and leaves no half-written point file; the rerun recomputes only the unfinished points
// and gives the same results as an uninterrupted run.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "sweep/results.hpp"
#include "sweep/runner.hpp"
#include "tests/support/toy.hpp"
#include "tests/sweep/sweep_test_util.hpp"
#include "workloads/io.hpp"

namespace xbarsim::sweep {
namespace {

namespace fs = std::filesystem;
using testing_support::Captured;
using testing_support::fake_evaluator;
using testing_support::FakeOptions;
using testing_support::TempDir;

/// Finished point files (<id>.json) in dir/points.
std::size_t finished(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& [name, stamp] : testing_support::point_files(dir)) {
    (void)stamp;
    n += testing_support::ends_with(name, ".json") ? 1 : 0;
  }
  return n;
}

/// Starts the sweep in a child process that leads its own process group; returns its pid.
pid_t start_sweep(const SweepSpec& spec, const std::string& dir, const FakeOptions& fo, unsigned jobs) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    RunOptions o;
    o.dir = dir;
    o.jobs = jobs;
    o.threads = 1;
    o.output.plot = false;
    std::FILE* null = std::fopen("/dev/null", "w");
    o.output.out = null;
    o.output.err = null;
    try {
      run_sweep(spec, fake_evaluator(fo), o);
    } catch (...) {
      ::_exit(1);
    }
    ::_exit(0);
  }
  ::setpgid(pid, pid);
  return pid;
}

/// Waits until `n` points are finished (or 30 s pass).
bool wait_for_points(const std::string& dir, std::size_t n) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < end) {
    if (finished(dir) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct Reference {
  std::string csv;
  std::string json;
};

Reference uninterrupted(const SweepSpec& spec, const std::string& dir) {
  Captured c;
  run_sweep(spec, fake_evaluator({}), testing_support::run_options(dir, c, 2));
  return {workloads::read_file(dir + "/results.csv"), workloads::read_file(dir + "/results.json")};
}

/// Every finished point file is a whole point file.
void expect_whole_point_files(const SweepSpec& spec, const std::string& dir) {
  for (const auto& p : enumerate_points(spec)) {
    const std::string path = dir + "/points/" + p.id + ".json";
    if (fs::exists(path)) {
      EXPECT_NO_THROW(read_point_file(path, p)) << path;
    }
  }
}

/// Reruns the sweep (recording calls) and checks: only unfinished points were evaluated, finished
/// files untouched, no temporary file left, and the results equal the uninterrupted run's.
void rerun_and_check(const SweepSpec& spec, const std::string& dir, const std::string& calls, const Reference& ref) {
  const auto before = testing_support::point_files(dir);
  std::size_t done_before = 0;
  for (const auto& [name, stamp] : before) done_before += testing_support::ends_with(name, ".json") ? 1 : 0;
  ASSERT_LT(done_before, 8U) << "the sweep finished before it was killed";
  const std::size_t calls_before = testing_support::lines_of(calls).size();
  FakeOptions fo;
  fo.calls_file = calls;
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator(fo), testing_support::run_options(dir, c, 2));
  EXPECT_TRUE(sum.complete);
  EXPECT_EQ(sum.already_done, done_before);
  EXPECT_EQ(sum.computed, 8U - done_before);
  EXPECT_NE(c.out().find(std::to_string(done_before) + " of 8 points already done"), std::string::npos) << c.out();
  const auto lines = testing_support::lines_of(calls);
  ASSERT_EQ(lines.size(), calls_before + 8U - done_before);
  for (std::size_t i = calls_before; i < lines.size(); ++i) {
    EXPECT_EQ(before.count(lines[i] + ".json"), 0U) << lines[i] << " was finished and computed again";
  }
  const auto after = testing_support::point_files(dir);
  for (const auto& [name, stamp] : before) {
    if (testing_support::ends_with(name, ".json")) {
      EXPECT_EQ(after.at(name), stamp) << name;
    }
  }
  for (const auto& [name, stamp] : after) EXPECT_TRUE(testing_support::ends_with(name, ".json")) << name;
  EXPECT_EQ(workloads::read_file(dir + "/results.csv"), ref.csv);
  EXPECT_EQ(workloads::read_file(dir + "/results.json"), ref.json);
}

TEST(SweepKill, KillNineOfTheProcessGroupLosesNoFinishedPoint) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const Reference ref = uninterrupted(spec, tmp.file("ref"));
  const std::string dir = tmp.file("out");
  const std::string calls = tmp.file("calls.txt");
  FakeOptions fo;
  fo.calls_file = calls;
  fo.sleep_ms = 400;
  const pid_t pid = start_sweep(spec, dir, fo, 2);
  ASSERT_TRUE(wait_for_points(dir, 3));
  ASSERT_EQ(::kill(-pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFSIGNALED(status));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  expect_whole_point_files(spec, dir);
  EXPECT_FALSE(fs::exists(dir + "/results.csv"));
  rerun_and_check(spec, dir, calls, ref);
}

TEST(SweepKill, KillNineOfTheParentStopsItsChildren) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const Reference ref = uninterrupted(spec, tmp.file("ref"));
  const std::string dir = tmp.file("out");
  const std::string calls = tmp.file("calls.txt");
  FakeOptions fo;
  fo.calls_file = calls;
  fo.sleep_ms = 400;
  const pid_t pid = start_sweep(spec, dir, fo, 2);
  ASSERT_TRUE(wait_for_points(dir, 1));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);  // the parent only
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  // Its children die with it: no point finishes after it.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto stamps = testing_support::point_files(dir);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(testing_support::point_files(dir).size(), stamps.size());
  expect_whole_point_files(spec, dir);
  rerun_and_check(spec, dir, calls, ref);
}

}  // namespace
}  // namespace xbarsim::sweep
