// The sweep runner with a fake evaluator: tables, resume, jobs/threads/shard independence,
// merge, failures, a different spec in the same folder, plots.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
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
using testing_support::run_options;
using testing_support::TempDir;

std::string slurp(const std::string& p) { return workloads::read_file(p); }
bool has(const std::string& p) { return fs::exists(p); }

TEST(SweepRun, EvaluatesEveryPointAndWritesTheTables) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const std::string dir = tmp.file("out");
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator({}), run_options(dir, c, 3));
  EXPECT_EQ(sum.points, 8U);
  EXPECT_EQ(sum.selected, 8U);
  EXPECT_EQ(sum.already_done, 0U);
  EXPECT_EQ(sum.computed, 8U);
  EXPECT_TRUE(sum.failures.empty());
  EXPECT_TRUE(sum.complete);
  EXPECT_NE(c.out().find("0 of 8 points already done"), std::string::npos) << c.out();

  // sweep.json is the resolved spec.
  EXPECT_EQ(to_json(load_output_spec(dir)), to_json(spec));
  // One point file per point: settings, axes, row and the full report.
  const auto pts = enumerate_points(spec);
  for (const auto& p : pts) {
    const auto doc = read_point_file(dir + "/points/" + p.id + ".json", p);
    EXPECT_EQ(doc["settings"]["set"], p.sets);
    EXPECT_EQ(doc["settings"]["images"], 100);
    EXPECT_EQ(doc["axes"]["crossbar_size"], nlohmann::ordered_json(p.values[0]));
    EXPECT_EQ(doc["report"]["fake"], true);
    EXPECT_TRUE(doc["row"].contains("area_mm2"));
  }
  EXPECT_TRUE(fs::is_empty(dir + "/logs"));

  // results.csv: header, then one row per point in point order with %.9g doubles.
  const auto csv = testing_support::lines_of(dir + "/results.csv");
  ASSERT_EQ(csv.size(), 9U);
  EXPECT_EQ(csv[0], "index,id,crossbar_size,adc_bits,accuracy_mean,crossbars,area_mm2,energy_per_inference_uj,scheme");
  // p002: size 64, adc 6: accuracy 0.9 - 0.02 - 0.05 + 6.4e-3/7, crossbars ceil(300000/4096) = 74.
  char want[256];
  std::snprintf(want, sizeof want, "2,p002_crossbar_size-64_adc_bits-6,64,6,%.9g,74,%.9g,%.9g,two-column",
                0.9 - 0.01 * 2 - 0.05 + 1e-4 * 64 / 7.0, 1e-5 * 64 * 64 * 74 + 0.125 * 6, 1.0 / 3.0 * 6 + 64 / 1024.0);
  EXPECT_EQ(csv[3], want);
  for (std::size_t i = 1; i < csv.size(); ++i) EXPECT_EQ(csv[i].substr(0, csv[i].find(',')), std::to_string(i - 1));

  const auto rj = nlohmann::json::parse(slurp(dir + "/results.json"));
  EXPECT_EQ(rj["name"], "t");
  ASSERT_EQ(rj["rows"].size(), 8U);
  EXPECT_EQ(rj["rows"][2]["id"], "p002_crossbar_size-64_adc_bits-6");
  EXPECT_EQ(rj["rows"][2]["crossbars"], 74);
  EXPECT_EQ(rj["columns"].size(), 9U);
  EXPECT_FALSE(has(dir + "/results.partial.csv"));
}

TEST(SweepRun, FinishedPointsAreNotRecomputedAndLeftoversAreCleaned) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const std::string dir = tmp.file("out");
  const std::string calls = tmp.file("calls.txt");
  FakeOptions fo;
  fo.calls_file = calls;
  {
    Captured c;
    run_sweep(spec, fake_evaluator(fo), run_options(dir, c));
  }
  const std::string first_csv = slurp(dir + "/results.csv");
  EXPECT_EQ(testing_support::lines_of(calls).size(), 8U);
  const auto pts = enumerate_points(spec);
  // Two points lost, leftovers of killed children (a temporary point file, a log).
  fs::remove(dir + "/points/" + pts[1].id + ".json");
  fs::remove(dir + "/points/" + pts[6].id + ".json");
  std::ofstream(dir + "/points/" + pts[1].id + ".json.tmp.99999") << "{\"half";
  std::ofstream(dir + "/points/" + pts[4].id + ".json.tmp.99998") << "{\"half";
  std::ofstream(dir + "/logs/" + pts[6].id + ".log") << "old";
  const auto before = testing_support::point_files(dir);

  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator(fo), run_options(dir, c));
  EXPECT_EQ(sum.already_done, 6U);
  EXPECT_EQ(sum.computed, 2U);
  EXPECT_TRUE(sum.complete);
  EXPECT_NE(c.out().find("6 of 8 points already done"), std::string::npos) << c.out();
  const auto lines = testing_support::lines_of(calls);
  ASSERT_EQ(lines.size(), 10U);
  std::vector<std::string> again(lines.begin() + 8, lines.end());
  std::sort(again.begin(), again.end());
  EXPECT_EQ(again, (std::vector<std::string>{pts[1].id, pts[6].id}));
  // The six finished files were not touched; no temporary file or log is left.
  const auto after = testing_support::point_files(dir);
  for (const auto& [name, stamp] : before) {
    if (testing_support::ends_with(name, ".json")) {
      EXPECT_EQ(after.at(name), stamp) << name;
    }
  }
  for (const auto& [name, stamp] : after) EXPECT_TRUE(testing_support::ends_with(name, ".json")) << name;
  EXPECT_EQ(after.size(), 8U);
  EXPECT_TRUE(fs::is_empty(dir + "/logs"));
  EXPECT_EQ(slurp(dir + "/results.csv"), first_csv);

  // A third run computes nothing.
  Captured c3;
  const auto s3 = run_sweep(spec, fake_evaluator(fo), run_options(dir, c3));
  EXPECT_EQ(s3.computed, 0U);
  EXPECT_EQ(testing_support::lines_of(calls).size(), 10U);
  EXPECT_NE(c3.out().find("8 of 8 points already done"), std::string::npos);
}

TEST(SweepRun, ResultsDoNotDependOnJobsThreadsOrShards) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  Captured c;
  run_sweep(spec, fake_evaluator({}), run_options(tmp.file("a"), c, 1));
  auto o = run_options(tmp.file("b"), c, 4);
  o.threads = 3;
  run_sweep(spec, fake_evaluator({}), o);
  const std::string csv = slurp(tmp.file("a") + "/results.csv");
  const std::string json = slurp(tmp.file("a") + "/results.json");
  EXPECT_EQ(slurp(tmp.file("b") + "/results.csv"), csv);
  EXPECT_EQ(slurp(tmp.file("b") + "/results.json"), json);

  // Two shards into two folders: each holds its points only and no table; merged = unsharded.
  const auto pts = enumerate_points(spec);
  for (std::size_t i = 0; i < 2; ++i) {
    const std::string dir = tmp.file("s" + std::to_string(i));
    auto so = run_options(dir, c, 2);
    so.shard = i;
    so.shards = 2;
    const auto sum = run_sweep(spec, fake_evaluator({}), so);
    EXPECT_EQ(sum.selected, 4U);
    EXPECT_EQ(sum.computed, 4U);
    EXPECT_FALSE(sum.complete);
    EXPECT_FALSE(has(dir + "/results.csv"));
    EXPECT_FALSE(has(dir + "/results.partial.csv"));
    for (const auto& p : pts) EXPECT_EQ(has(dir + "/points/" + p.id + ".json"), p.index % 2 == i) << p.id;
  }
  merge_sweeps({tmp.file("s0"), tmp.file("s1")}, tmp.file("m"), {}, c.plot_options(false));
  EXPECT_EQ(slurp(tmp.file("m") + "/results.csv"), csv);
  EXPECT_EQ(slurp(tmp.file("m") + "/results.json"), json);

  // Three shards into one shared folder (a Slurm array on a shared file system), merged in place.
  for (std::size_t i = 0; i < 3; ++i) {
    auto so = run_options(tmp.file("shared"), c, 1);
    so.shard = i;
    so.shards = 3;
    run_sweep(spec, fake_evaluator({}), so);
  }
  EXPECT_FALSE(has(tmp.file("shared") + "/results.csv"));
  merge_sweeps({tmp.file("shared")}, tmp.file("shared"), {}, c.plot_options(false));
  EXPECT_EQ(slurp(tmp.file("shared") + "/results.csv"), csv);
}

TEST(SweepRun, MergeListsMissingPointsAndRejectsOtherSweeps) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  Captured c;
  auto so = run_options(tmp.file("s0"), c, 2);
  so.shard = 0;
  so.shards = 4;
  run_sweep(spec, fake_evaluator({}), so);
  try {
    merge_sweeps({tmp.file("s0")}, tmp.file("m"), {}, c.plot_options(false));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("6 of 8 points missing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("p001_crossbar_size-32_adc_bits-8"), std::string::npos) << msg;
    EXPECT_NE(msg.find("p007_crossbar_size-256_adc_bits-8"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("p004_"), std::string::npos) << msg;
  }
  EXPECT_FALSE(has(tmp.file("m") + "/results.csv"));
  EXPECT_FALSE(has(tmp.file("m") + "/results.json"));

  // A folder of another sweep cannot be merged in.
  const auto other = load_spec(testing_support::write_test_spec(tmp.path().string(), "u"));
  run_sweep(other, fake_evaluator({}), run_options(tmp.file("u"), c, 2));
  try {
    merge_sweeps({tmp.file("s0"), tmp.file("u")}, tmp.file("m2"), {}, c.plot_options(false));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("different sweeps"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(tmp.file("u") + "/sweep.json"), std::string::npos) << e.what();
  }
  EXPECT_THROW(merge_sweeps({tmp.file("nowhere")}, tmp.file("m3"), {}, c.plot_options(false)), Error);
}

TEST(SweepRun, ChildFailuresAreReportedAndNoFinalTableIsWritten) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const auto pts = enumerate_points(spec);
  const std::string dir = tmp.file("out");
  FakeOptions fo;
  fo.fail_id = pts[2].id;
  fo.crash_id = pts[5].id;
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator(fo), run_options(dir, c, 2));
  EXPECT_EQ(sum.computed, 6U);
  EXPECT_FALSE(sum.complete);
  ASSERT_EQ(sum.failures.size(), 2U);
  std::map<std::string, std::string> failed;
  for (const auto& f : sum.failures) failed[f.id] = f.message;
  EXPECT_NE(failed[pts[2].id].find("exit status 2: fake: cannot evaluate " + pts[2].id), std::string::npos)
      << failed[pts[2].id];
  EXPECT_NE(failed[pts[5].id].find("signal"), std::string::npos) << failed[pts[5].id];
  EXPECT_NE(c.err().find("point " + pts[2].id + " failed"), std::string::npos) << c.err();
  EXPECT_NE(c.err().find("fake: cannot evaluate"), std::string::npos) << c.err();
  EXPECT_FALSE(has(dir + "/results.csv"));
  EXPECT_FALSE(has(dir + "/results.json"));
  EXPECT_FALSE(has(dir + "/points/" + pts[2].id + ".json"));
  EXPECT_TRUE(has(dir + "/logs/" + pts[2].id + ".log"));
  const auto partial = testing_support::lines_of(dir + "/results.partial.csv");
  ASSERT_EQ(partial.size(), 7U);
  for (const auto& l : partial) EXPECT_EQ(l.find(pts[2].id), std::string::npos);

  // Fixed: the rerun computes the two failed points only and completes.
  Captured c2;
  const auto s2 = run_sweep(spec, fake_evaluator({}), run_options(dir, c2, 2));
  EXPECT_EQ(s2.computed, 2U);
  EXPECT_TRUE(s2.complete);
  EXPECT_TRUE(has(dir + "/results.csv"));
  EXPECT_FALSE(has(dir + "/results.partial.csv"));
  EXPECT_TRUE(fs::is_empty(dir + "/logs"));
}

TEST(SweepRun, AnotherSweepInTheSameFolderIsAnError) {
  TempDir tmp;
  const std::string path = testing_support::write_test_spec(tmp.path().string());
  const auto spec = load_spec(path);
  const std::string dir = tmp.file("out");
  Captured c;
  run_sweep(spec, fake_evaluator({}), run_options(dir, c));
  auto doc = nlohmann::json::parse(slurp(path));
  doc["images"] = 200;
  const std::string path2 = tmp.file("t2.json");
  std::ofstream(path2) << doc.dump();
  try {
    run_sweep(load_spec(path2), fake_evaluator({}), run_options(dir, c));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(dir + "/sweep.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find(path2), std::string::npos) << msg;
    EXPECT_NE(msg.find("/images"), std::string::npos) << msg;
  }
  // Only the plots changed: accepted, sweep.json updated, nothing recomputed.
  doc["images"] = 100;
  doc["plots"] = nlohmann::json::parse(R"([{"x": "adc_bits", "y": ["accuracy_mean"]}])");
  std::ofstream(path2) << doc.dump();
  const auto s = run_sweep(load_spec(path2), fake_evaluator({}), run_options(dir, c));
  EXPECT_EQ(s.computed, 0U);
  EXPECT_EQ(load_output_spec(dir).plots[0].x, "adc_bits");
}

TEST(SweepRun, PlotsAreRenderedWithGnuplot) {
  // gnuplot is a required dependency (scripts/install-deps.sh installs gnuplot-nox).
  ASSERT_EQ(std::system("command -v gnuplot > /dev/null 2>&1"), 0) << "gnuplot is not installed";
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const std::string dir = tmp.file("out");
  Captured c;
  const auto sum = run_sweep(spec, fake_evaluator({}), run_options(dir, c, 2, true));
  ASSERT_TRUE(sum.complete) << c.err();
  EXPECT_TRUE(has(dir + "/plot.gp"));
  for (const char* f : {"/plot_area_mm2.svg", "/plot_crossbars.svg"}) {
    ASSERT_TRUE(has(dir + f)) << f << "\n" << c.err();
    const std::string svg = slurp(dir + f);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    // The legend's title (the other axis, by name and unit) and the axis titles are drawn.
    EXPECT_NE(svg.find("ADC resolution (bits)"), std::string::npos) << svg;
    EXPECT_NE(svg.find("Crossbar size (rows = columns)"), std::string::npos) << svg;
  }
  EXPECT_FALSE(has(dir + "/plot.log"));
}

TEST(SweepRun, MissingGnuplotOnlyWarns) {
  TempDir tmp;
  const auto spec = load_spec(testing_support::write_test_spec(tmp.path().string()));
  const std::string dir = tmp.file("out");
  Captured c;
  auto o = run_options(dir, c, 2, true);
  o.output.gnuplot = "xbarsim-test-no-such-gnuplot";
  const auto sum = run_sweep(spec, fake_evaluator({}), o);
  EXPECT_TRUE(sum.complete);
  EXPECT_TRUE(has(dir + "/results.csv"));
  EXPECT_TRUE(has(dir + "/plot.gp"));
  EXPECT_NE(c.err().find("gnuplot-nox"), std::string::npos) << c.err();
}

}  // namespace
}  // namespace xbarsim::sweep
