// The sweep runner's units of work and its bookkeeping, with the fake evaluator: trial groups
// sharded and combined, one writer per output folder (a lock a killed run does not leave
// behind), folders and point files of another xbarsim version refused, and how each unit ran
// (runs.csv: wall time, peak memory, host, the error of a failed one) with progress lines.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/version.hpp"
#include "sweep/results.hpp"
#include "sweep/runner.hpp"
#include "tests/support/toy.hpp"
#include "tests/sweep/sweep_test_util.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::sweep {
namespace {

namespace fs = std::filesystem;
using testing_support::Captured;
using testing_support::fake_evaluator;
using testing_support::FakeOptions;
using testing_support::lines_of;
using testing_support::run_options;
using testing_support::TempDir;

/// The test spec with 4 trials in `groups` trial groups.
SweepSpec grouped_spec(const TempDir& tmp, int groups) {
  const std::string path = testing_support::write_test_spec(tmp.path().string(), "g" + std::to_string(groups));
  auto doc = nlohmann::json::parse(workloads::read_file(path));
  doc["trials"] = 4;
  doc["trial_groups"] = groups;
  std::ofstream(path) << doc.dump(2);
  return load_spec(path);
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepUnits, TrialGroupsAreUnitsOfTheirOwnAndCombineIntoThePointFile) {
  TempDir tmp;
  const auto spec = grouped_spec(tmp, 2);
  const auto pts = enumerate_points(spec);
  const std::string dir = tmp.file("all");
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator({}), run_options(dir, c, 3));
  EXPECT_EQ(sum.points, 8U);
  EXPECT_EQ(sum.selected, 16U);  // 8 points x 2 groups
  EXPECT_EQ(sum.computed, 16U);
  EXPECT_TRUE(sum.complete);
  EXPECT_NE(c.out().find("8 points x 2 trial groups"), std::string::npos) << c.out();
  for (const auto& p : pts) {
    for (int g = 0; g < 2; ++g) {
      const auto doc = read_group_file(dir + "/points/" + p.id + ".group-" + std::to_string(g) + ".json", p, g);
      EXPECT_EQ(doc["report"]["group"], g);
    }
    // The combiner saw both groups, in group order (0 + 1).
    const auto doc = read_point_file(dir + "/points/" + p.id + ".json", p);
    EXPECT_EQ(doc["row"]["groups_seen"], 2);
    EXPECT_EQ(doc["row"]["group_sum"], 1);
    ASSERT_EQ(doc["run"].size(), 2U);
    EXPECT_EQ(doc["run"][1]["group"], 1);
  }

  // Three shards of the 16 units (unit index = point * 2 + group: point 0's groups fall in
  // shards 0 and 1), merged: the same table as the single run.
  for (std::size_t i = 0; i < 3; ++i) {
    auto o = run_options(tmp.file("s" + std::to_string(i)), c, 2);
    o.shard = i;
    o.shards = 3;
    const auto s = run_sweep(spec, fake_evaluator({}), o);
    EXPECT_EQ(s.selected, i < 1 ? 6U : 5U);
    EXPECT_FALSE(fs::exists(tmp.file("s" + std::to_string(i)) + "/results.csv"));
  }
  // A shard alone has no complete point 0 (its groups are in two shards).
  EXPECT_FALSE(fs::exists(tmp.file("s0") + "/points/" + pts[0].id + ".json"));
  const auto ev = fake_evaluator({});
  merge_sweeps({tmp.file("s0"), tmp.file("s1"), tmp.file("s2")}, tmp.file("m"), ev.combine, c.plot_options(false));
  EXPECT_EQ(workloads::read_file(tmp.file("m") + "/results.csv"), workloads::read_file(dir + "/results.csv"));

  // A missing group is a missing point.
  fs::remove_all(tmp.file("m2"));
  const std::string msg = message_of([&] {
    merge_sweeps({tmp.file("s0"), tmp.file("s1")}, tmp.file("m2"), ev.combine, c.plot_options(false));
  });
  EXPECT_NE(msg.find("points missing"), std::string::npos) << msg;
}

TEST(SweepUnits, OneWriterPerFolderAndNoStaleLock) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const std::string dir = tmp.file("out");
  prepare_output_dir(spec, dir);
  Captured c;
  {
    const FolderLock held(dir, 0, 1);  // a whole sweep writing here
    const std::string msg = message_of([&] { run_sweep(spec, fake_evaluator({}), run_options(dir, c)); });
    EXPECT_NE(msg.find(dir + ": another xbarsim sweep or merge is writing into this folder (xbarsim sweep, pid " +
                       std::to_string(::getpid())),
              std::string::npos)
        << msg;
    auto o = run_options(dir, c);
    o.shards = 2;
    EXPECT_NE(message_of([&] { run_sweep(spec, fake_evaluator({}), o); }).find("is writing into this folder"),
              std::string::npos);
  }
  {
    // Shards of one sweep share the folder; the same shard twice does not.
    const FolderLock shard0(dir, 0, 2);
    auto o = run_options(dir, c);
    o.shard = 1;
    o.shards = 2;
    EXPECT_EQ(run_sweep(spec, fake_evaluator({}), o).computed, 4U);
    o.shard = 0;
    EXPECT_NE(message_of([&] { run_sweep(spec, fake_evaluator({}), o); }).find("another run of shard 0/2"),
              std::string::npos);
    EXPECT_NE(message_of([&] { run_sweep(spec, fake_evaluator({}), run_options(dir, c)); }).find("writing into"),
              std::string::npos);
    EXPECT_NE(message_of([&] { merge_sweeps({dir}, dir, {}, c.plot_options(false)); }).find("writing into"),
              std::string::npos);
  }
  // A run killed while holding the lock leaves none: the kernel drops it with the process.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    for (;;) {  // the parent's probes may hold it for a moment
      try {
        const FolderLock lock(dir, 0, 1);
        ::pause();
      } catch (...) {
        ::usleep(1000);
      }
    }
  }
  for (int i = 0; i < 200; ++i) {  // until the child holds it
    if (message_of([&] { const FolderLock probe(dir, 0, 1); }) != "(no error)") break;
    ::usleep(10000);
  }
  EXPECT_NE(message_of([&] { const FolderLock probe(dir, 0, 1); }), "(no error)");
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto sum = run_sweep(spec, fake_evaluator({}), run_options(dir, c));
  EXPECT_TRUE(sum.complete);
  EXPECT_EQ(sum.already_done, 4U) << c.out() << c.err();
}

TEST(SweepUnits, FoldersAndPointFilesOfAnotherVersionAreRefused) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  Captured c;
  const std::string a = tmp.file("a"), b = tmp.file("b");
  for (const auto& [dir, shard] : {std::pair{a, 0}, std::pair{b, 1}}) {
    auto o = run_options(dir, c);
    o.shard = static_cast<std::size_t>(shard);
    o.shards = 2;
    run_sweep(spec, fake_evaluator({}), o);
  }
  EXPECT_EQ(load_output_spec(a).made_by, kVersion);
  // Shard b as an older xbarsim would have written it.
  auto old = workloads::read_ordered_json_file(b + "/sweep.json");
  old["xbarsim"] = "0.0.1";
  workloads::write_file_atomic(b + "/sweep.json", workloads::format_json(old));
  std::string msg = message_of([&] { merge_sweeps({a, b}, tmp.file("m"), {}, c.plot_options(false)); });
  EXPECT_NE(msg.find("written by xbarsim 0.0.1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected shards of one version"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(tmp.file("m")));
  msg = message_of([&] { run_sweep(spec, fake_evaluator({}), run_options(b, c)); });
  EXPECT_NE(msg.find(b + "/sweep.json: xbarsim: written by xbarsim 0.0.1, this is " + std::string(kVersion)),
            std::string::npos)
      << msg;

  // A point file of another version, in a folder of this one.
  const auto pts = enumerate_points(spec);
  const std::string point = a + "/points/" + pts[0].id + ".json";
  auto doc = workloads::read_ordered_json_file(point);
  doc["xbarsim"] = "9.9.9";
  workloads::write_file_atomic(point, workloads::format_json(doc));
  msg = message_of([&] { read_point_file(point, pts[0]); });
  EXPECT_NE(msg.find(point + ": xbarsim: expected \"" + std::string(kVersion) + "\", found \"9.9.9\""),
            std::string::npos)
      << msg;
}

TEST(SweepUnits, RunsCsvRecordsHowEachUnitRanAndWhyOneFailed) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const auto pts = enumerate_points(spec);
  const std::string dir = tmp.file("out");
  FakeOptions fo;
  fo.fail_id = pts[3].id;
  fo.sleep_ms = 20;
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator(fo), run_options(dir, c, 2));
  ASSERT_EQ(sum.failures.size(), 1U);
  // Plain progress lines (not a terminal): counts and an estimate after each finished point.
  EXPECT_NE(c.out().find("running, 1 failed"), std::string::npos) << c.out();
  EXPECT_NE(c.out().find("ETA ~"), std::string::npos) << c.out();
  const auto f = workloads::read_ordered_json_file(dir + "/failures/" + pts[3].id + ".json");
  EXPECT_NE(f["error"].get<std::string>().find("exit status 2: fake: cannot evaluate " + pts[3].id), std::string::npos);

  const auto runs = lines_of(dir + "/runs.csv");
  ASSERT_EQ(runs.size(), 9U);  // header, 7 done, 1 failed
  EXPECT_EQ(runs[0], "index,id,group,status,wall_time_s,peak_rss_mib,host,error");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  for (std::size_t i = 1; i < 8; ++i) {
    EXPECT_NE(runs[i].find(",done,"), std::string::npos) << runs[i];
    EXPECT_NE(runs[i].find(std::string(",") + host + ","), std::string::npos) << runs[i];
  }
  EXPECT_NE(runs[8].find("3," + pts[3].id + ",0,failed,"), std::string::npos) << runs[8];
  EXPECT_NE(runs[8].find("fake: cannot evaluate"), std::string::npos) << runs[8];
  // Wall time and peak memory are measured: at least the fake's 20 ms sleep, and some memory.
  const auto doc = read_point_file(dir + "/points/" + pts[0].id + ".json", pts[0]);
  EXPECT_GE(doc["run"][0]["wall_time_s"].get<double>(), 0.02);
  EXPECT_GT(doc["run"][0]["peak_rss_mib"].get<double>(), 1.0);

  // Fixed and rerun: the failure record goes, runs.csv lists every point done.
  run_sweep(spec, fake_evaluator({}), run_options(dir, c, 2));
  EXPECT_FALSE(fs::exists(dir + "/failures/" + pts[3].id + ".json"));
  const auto runs2 = lines_of(dir + "/runs.csv");
  ASSERT_EQ(runs2.size(), 9U);
  for (std::size_t i = 1; i < runs2.size(); ++i) EXPECT_NE(runs2[i].find(",done,"), std::string::npos);
}

}  // namespace
}  // namespace xbarsim::sweep
