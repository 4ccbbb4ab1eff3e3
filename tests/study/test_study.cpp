// study/: the trial statistics against published Student-t quantiles, trial groups merged
// against a direct computation over the full list, and one real design evaluated whole and in
// four trial groups (each in its own process) giving the same report, bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "common/error.hpp"
#include "study/design.hpp"
#include "study/statistics.hpp"

namespace xbarsim::study {
namespace {

TEST(Statistics, MeanStdAndTheNinetyFivePercentIntervalOfTheMean) {
  // t_{0.975, n-1} from the standard tables (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2):
  // 12.706 (1 degree of freedom), 2.776 (4), 2.262 (9).
  const std::vector<double> two = {0.80, 0.84};
  EXPECT_DOUBLE_EQ(mean(two), 0.82);
  EXPECT_NEAR(stddev(two), std::sqrt(0.0008), 1e-15);
  EXPECT_NEAR(ci95_half_width(two), 12.706204736 * std::sqrt(0.0008) / std::sqrt(2.0), 1e-9);
  const std::vector<double> five = {0.1, 0.2, 0.3, 0.4, 0.5};
  EXPECT_NEAR(stddev(five), std::sqrt(0.025), 1e-15);
  EXPECT_NEAR(ci95_half_width(five), 2.776445105 * std::sqrt(0.025) / std::sqrt(5.0), 1e-9);
  std::vector<double> ten(10);
  std::iota(ten.begin(), ten.end(), 1.0);
  EXPECT_NEAR(ci95_half_width(ten), 2.262157163 * stddev(ten) / std::sqrt(10.0), 1e-9);
  EXPECT_EQ(ci95_half_width({0.5}), 0.0);
  EXPECT_EQ(stddev({}), 0.0);
}

/// A group's report as evaluate_design writes one (only the keys merging reads).
nlohmann::ordered_json group_report(int group, int groups, int trials, const std::vector<double>& all) {
  nlohmann::ordered_json r;
  r["workload"] = {{"name", "w"}};
  r["hardware"] = {{"name", "h"}};
  r["settings"] = {{"images", 100}, {"trials", trials}};
  r["trial_group"] = {{"group", group}, {"groups", groups}, {"trials", trials}};
  std::vector<double> acc;
  std::vector<int> at;
  for (int t = group; t < trials; t += groups) {
    acc.push_back(all[static_cast<std::size_t>(t)]);
    at.push_back(t);
  }
  r["accuracy"] = {{"int_reference", group == 0 ? nlohmann::ordered_json(0.9) : nlohmann::ordered_json()},
                   {"trials", acc},
                   {"trial_indices", at},
                   {"mean", mean(acc)},
                   {"std", stddev(acc)},
                   {"ci95", ci95_half_width(acc)},
                   {"wall_time_s", 1.5}};
  if (group == 0) r["cost"] = {{"area_mm2", 2.0}};
  return r;
}

TEST(TrialGroups, MergeGivesTheStatisticsOfTheWholeListInTrialOrder) {
  const std::vector<double> all = {0.81, 0.79, 0.835, 0.8, 0.812, 0.777, 0.8301};
  std::vector<nlohmann::ordered_json> groups;
  for (int g : {2, 0, 1}) groups.push_back(group_report(g, 3, 7, all));  // any order
  const auto m = merge_trial_groups(groups);
  EXPECT_FALSE(m.contains("trial_group"));
  EXPECT_EQ(m["accuracy"]["trials"].get<std::vector<double>>(), all);
  EXPECT_FALSE(m["accuracy"].contains("trial_indices"));
  // Direct computation over the seven values.
  double s = 0;
  for (double x : all) s += x;
  const double mu = s / 7;
  double ss = 0;
  for (double x : all) ss += (x - mu) * (x - mu);
  EXPECT_NEAR(m["accuracy"]["mean"].get<double>(), mu, 1e-15);
  EXPECT_NEAR(m["accuracy"]["std"].get<double>(), std::sqrt(ss / 6), 1e-15);
  // t_{0.975, 6} = 2.447 (tables).
  EXPECT_NEAR(m["accuracy"]["ci95"].get<double>(), 2.446911851 * std::sqrt(ss / 6) / std::sqrt(7.0), 1e-9);
  EXPECT_EQ(m["accuracy"]["int_reference"], 0.9);
  EXPECT_EQ(m["accuracy"]["wall_time_s"], 4.5);
  EXPECT_EQ(m["cost"]["area_mm2"], 2.0);  // group 0's

  // Missing, repeated or foreign groups are refused.
  EXPECT_THROW(merge_trial_groups({groups[0], groups[1]}), Error);
  EXPECT_THROW(merge_trial_groups({groups[0], groups[1], groups[1]}), Error);
  auto other = groups[2];
  other["settings"]["images"] = 50;
  EXPECT_THROW(merge_trial_groups({groups[0], groups[1], other}), Error);
  EXPECT_THROW(merge_trial_groups({}), Error);
}

TEST(TrialGroups, FourGroupsOfARealDesignGiveTheWholeRunsReport) {
  DesignSettings s;
  s.workload = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/lenet5_int8.json";
  s.sets = {"device.write_sigma=0.15", "rows=64", "cols=64", "columns_per_adc=64"};
  s.images = 64;
  s.trials = 6;
  s.threads = 1;
  const auto whole = evaluate_design_isolated(s);
  std::vector<nlohmann::ordered_json> parts;
  for (int g = 0; g < 4; ++g) {
    auto p = s;
    p.trial_group = g;
    p.trial_groups = 4;
    p.threads = 2;  // results do not depend on it
    parts.push_back(evaluate_design_isolated(p));
  }
  EXPECT_FALSE(parts[1].contains("cost"));  // only group 0 times and costs the design
  const auto merged = merge_trial_groups(parts);
  auto a = whole, b = merged;
  for (auto* r : {&a, &b}) r->at("accuracy").erase("wall_time_s");
  EXPECT_EQ(a, b);  // every number, bit for bit
  const auto acc = whole["accuracy"]["trials"].get<std::vector<double>>();
  ASSERT_EQ(acc.size(), 6U);
  EXPECT_GT(stddev(acc), 0.0);  // the seeds differ, so the test could fail
}

/// The project includes ("folder/file.hpp") of every source file of `folder`, and whether the
/// file calls fork().
struct Includes {
  std::vector<std::pair<std::string, std::string>> edges;  ///< file, included path
  std::vector<std::string> forking;
};
Includes includes_of(const std::string& folder) {
  Includes out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(XBARSIM_SOURCE_DIR) + "/" + folder)) {
    if (e.path().extension() != ".hpp" && e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("#include \"", 0) == 0) out.edges.emplace_back(e.path().filename().string(), line.substr(10));
      if (line.find("::fork()") != std::string::npos) out.forking.push_back(e.path().filename().string());
    }
  }
  return out;
}

TEST(Folders, DesignEvaluationLivesInStudyAndDependenciesPointOneWay) {
  const auto starts = [](const std::string& s, const char* p) { return s.rfind(p, 0) == 0; };
  // apps/ parses, calls and prints: no engine, device programming or cycle-level chip of its own.
  const auto apps = includes_of("apps");
  ASSERT_GE(apps.edges.size(), 20U);
  for (const auto& [file, inc] : apps.edges) {
    EXPECT_FALSE(starts(inc, "sim/cycle/") || starts(inc, "sim/functional") || starts(inc, "sim/datapath") ||
                 starts(inc, "mapping/programming") || starts(inc, "models/"))
        << "apps/" << file << " includes " << inc;
  }
  // study/ is below sweep/ and apps/; sweep/'s machinery needs no study or simulator (the fuzz
  // build has none): only design_points plugs study/ in.
  for (const auto& [file, inc] : includes_of("study").edges) {
    EXPECT_FALSE(starts(inc, "apps/") || starts(inc, "sweep/")) << "study/" << file << " includes " << inc;
  }
  for (const auto& [file, inc] : includes_of("sweep").edges) {
    const bool plug = file.rfind("design_points.", 0) == 0;
    EXPECT_FALSE(starts(inc, "apps/") || (!plug && (starts(inc, "study/") || starts(inc, "sim/"))))
        << "sweep/" << file << " includes " << inc;
  }
  // One process-isolation helper: nothing but common/child_process.cpp forks.
  for (const char* folder : {"apps", "study", "sweep", "sim", "mapping", "cost", "workloads", "bench"}) {
    EXPECT_TRUE(includes_of(folder).forking.empty()) << folder << "/" << includes_of(folder).forking.front();
  }
}

}  // namespace
}  // namespace xbarsim::study
