// The sweep JSON: parsing, defaults, every validation error, point order and ids, sharding,
// CSV cells and the gnuplot script.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/error.hpp"
#include "sweep/plot.hpp"
#include "sweep/results.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::sweep {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json minimal() {
  return json::parse(R"({"version": 1, "name": "t", "workload": "wl.json",
                         "axes": [{"key": "crossbar_size", "values": [32, 64, 128]},
                                  {"key": "adc_bits", "values": [6, 8]}]})");
}

std::string error_of(const json& doc) {
  try {
    parse_spec(doc, "/d/s.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SweepSpec, ShippedExampleParsesAndResolvesPathsAgainstItsFolder) {
  const std::string path = std::string(XBARSIM_SOURCE_DIR) + "/workloads/experiments/sweep_lenet5_xbar.json";
  const auto s = load_spec(path);
  EXPECT_EQ(s.name, "lenet5_xbar");
  EXPECT_TRUE(fs::path(s.workload).is_absolute());
  EXPECT_EQ(fs::path(s.workload).filename(), "lenet5_int8.json");
  EXPECT_TRUE(fs::exists(s.workload)) << s.workload;
  EXPECT_EQ(s.hardware, "isaac_like");
  EXPECT_EQ(s.sets, std::vector<std::string>{"device.write_sigma=0.05"});
  EXPECT_EQ(s.images, 1000);
  EXPECT_EQ(s.trials, 2);
  ASSERT_EQ(s.axes.size(), 2U);
  EXPECT_EQ(point_count(s), 10U);
  ASSERT_EQ(s.plots.size(), 1U);
  EXPECT_EQ(s.plots[0].x, "crossbar_size");
}

TEST(SweepSpec, EveryShippedSweepPassesTheTypedAxisChecks) {
  int sweeps = 0;
  for (const auto& e : fs::directory_iterator(std::string(XBARSIM_SOURCE_DIR) + "/workloads/experiments")) {
    if (e.path().extension() != ".json") continue;
    if (!json::parse(std::ifstream(e.path())).contains("axes")) continue;
    EXPECT_NO_THROW(load_spec(e.path().string())) << e.path();
    ++sweeps;
  }
  EXPECT_GT(sweeps, 1);
}

TEST(SweepSpec, DefaultsAndRoundTrip) {
  const auto s = parse_spec(minimal(), "/d/s.json");
  EXPECT_EQ(s.workload, "/d/wl.json");
  EXPECT_EQ(s.hardware, "isaac_like");
  EXPECT_TRUE(s.sets.empty());
  EXPECT_EQ(s.cost_table, "");
  EXPECT_EQ(s.images, 0);
  EXPECT_EQ(s.trials, 3);
  EXPECT_EQ(s.seed, 1U);
  EXPECT_TRUE(s.plots.empty());
  // The resolved form reads back unchanged, wherever it is stored.
  const auto j = to_json(s);
  const auto back = parse_spec(json::parse(j.dump()), "/elsewhere/sweep.json");
  EXPECT_EQ(to_json(back), j);
  EXPECT_EQ(identity_json(back), identity_json(s));
  EXPECT_FALSE(identity_json(s).contains("plots"));
}

TEST(SweepSpec, HardwareAndCostTablePathsResolveButPresetNamesStay) {
  auto doc = minimal();
  doc["hardware"] = "hw/mine.json";
  doc["cost_table"] = "my_table";
  auto s = parse_spec(doc, "/d/s.json");
  EXPECT_EQ(s.hardware, "/d/hw/mine.json");
  EXPECT_EQ(s.cost_table, "my_table");
  doc["hardware"] = "neurosim_like";
  doc["cost_table"] = "../t.json";
  doc["workload"] = "/abs/w.json";
  s = parse_spec(doc, "/d/s.json");
  EXPECT_EQ(s.hardware, "neurosim_like");
  EXPECT_EQ(s.cost_table, "/t.json");
  EXPECT_EQ(s.workload, "/abs/w.json");
}

struct BadCase {
  const char* what;
  const char* patch;  // JSON merge patch applied to minimal()
  const char* expect;
};

TEST(SweepSpec, EveryValidationErrorNamesTheFileAndKey) {
  const BadCase cases[] = {
      {"unknown top-level key", R"({"imgaes": 10})", "imgaes"},
      {"missing version", R"({"version": null})", "version"},
      {"version 2", R"({"version": 2})", "version"},
      {"missing name", R"({"name": null})", "name"},
      {"name with a space", R"({"name": "a b"})", "name"},
      {"name with a slash", R"({"name": "a/b"})", "name"},
      {"missing workload", R"({"workload": null})", "workload"},
      {"workload not a string", R"({"workload": 3})", "workload"},
      {"empty hardware", R"({"hardware": ""})", "hardware"},
      {"set not an array", R"({"set": "adc_bits=6"})", "set"},
      {"set element without =", R"({"set": ["adc_bits"]})", "set[0]"},
      {"set element not a string", R"({"set": [6]})", "set[0]"},
      {"negative images", R"({"images": -1})", "images"},
      {"zero trials", R"({"trials": 0})", "trials"},
      {"seed not an integer", R"({"seed": "one"})", "seed"},
      {"cost_table not a string", R"({"cost_table": 1})", "cost_table"},
      {"trial_groups above trials", R"({"trials": 2, "trial_groups": 3})", "trial_groups"},
      {"trial_groups zero", R"({"trial_groups": 0})", "trial_groups"},
      {"xbarsim not a string", R"({"xbarsim": 1})", "xbarsim"},
      {"axes empty", R"({"axes": []})", "axes"},
      {"axes not an array", R"({"axes": {"key": "adc_bits"}})", "axes"},
      {"axis not an object", R"({"axes": [3]})", "axes[0]"},
      {"axis without key", R"({"axes": [{"values": [1]}]})", "axes[0].key"},
      {"axis key not a string", R"({"axes": [{"key": 1, "values": [1]}]})", "axes[0].key"},
      {"axis key with =", R"({"axes": [{"key": "a=b", "values": [1]}]})", "axes[0].key"},
      {"axis without values", R"({"axes": [{"key": "adc_bits"}]})", "axes[0].values"},
      {"axis with empty values", R"({"axes": [{"key": "adc_bits", "values": []}]})", "axes[0].values"},
      {"axis value an object", R"({"axes": [{"key": "adc_bits", "values": [6, {}]}]})", "axes[0].values[1]"},
      {"axis value an array", R"({"axes": [{"key": "adc_bits", "values": [[6]]}]})", "axes[0].values[0]"},
      {"axis value empty string", R"({"axes": [{"key": "sign_scheme", "values": [""]}]})", "axes[0].values[0]"},
      {"repeated axis value", R"({"axes": [{"key": "adc_bits", "values": [6, 8, 6]}]})", "axes[0].values[2]"},
      {"unknown axis field", R"({"axes": [{"key": "adc_bits", "values": [6], "vals": 1}]})", "axes[0].vals"},
      {"duplicate axis keys", R"({"axes": [{"key": "adc_bits", "values": [6]}, {"key": "adc_bits", "values": [8]}]})",
       "axes[1].key"},
      {"crossbar_size and rows",
       R"({"axes": [{"key": "crossbar_size", "values": [64]}, {"key": "rows", "values": [8]}]})", "axes[1].key"},
      {"crossbar_size not an integer", R"({"axes": [{"key": "crossbar_size", "values": ["big"]}]})",
       "axes[0].values[0]"},
      {"crossbar_size zero", R"({"axes": [{"key": "crossbar_size", "values": [0]}]})", "axes[0].values[0]"},
      {"plots not an array", R"({"plots": {}})", "plots"},
      {"plot x not an axis", R"({"plots": [{"x": "cell_bits", "y": ["area_mm2"]}]})", "plots[0].x"},
      {"plot without y", R"({"plots": [{"x": "adc_bits"}]})", "plots[0].y"},
      {"plot y empty", R"({"plots": [{"x": "adc_bits", "y": []}]})", "plots[0].y"},
      {"plot y not strings", R"({"plots": [{"x": "adc_bits", "y": [1]}]})", "plots[0].y[0]"},
      {"plot y repeated", R"({"plots": [{"x": "adc_bits", "y": ["a", "a"]}]})", "plots[0].y[1]"},
      {"unknown plot key", R"({"plots": [{"x": "adc_bits", "y": ["a"], "z": 1}]})", "plots[0].z"},
      {"workload axis value not a string", R"({"workload": null, "axes": [{"key": "workload", "values": [3]}]})",
       "axes[0].values[0]"},
      {"workload axis and a top-level workload", R"({"axes": [{"key": "workload", "values": ["a.json"]}]})",
       "workload"},
      {"workload axis repeating a file", R"({"workload": null,
          "axes": [{"key": "workload", "values": ["a.json", "../d/a.json"]}]})",
       "axes[0].values[1]"},
      {"log_x on a non-positive axis", R"({"axes": [{"key": "device.fault_rate", "values": [0]}],
          "plots": [{"x": "device.fault_rate", "y": ["a"], "log_x": true}]})",
       "plots[0].log_x"},
      // Hardware axes and base overrides are typed by the key's declaration (mapping/hardware_params.hpp).
      {"unknown axis key", R"({"axes": [{"key": "adc_bitz", "values": [6]}]})", "axes[0].key: adc_bitz: unknown key"},
      {"unknown device key on an axis", R"({"axes": [{"key": "device.colour", "values": [1]}]})",
       "axes[0].key: device.colour: unknown key"},
      {"axis value out of range", R"({"axes": [{"key": "adc_bits", "values": [6, 99]}]})",
       "axes[0].values[1]: adc_bits: expected an integer in [1, 32], found integer 99"},
      {"axis value not an integer", R"({"axes": [{"key": "adc_bits", "values": [6.5]}]})",
       "axes[0].values[0]: adc_bits: expected an integer in [1, 32], found number 6.5"},
      {"axis value not an enum name", R"({"axes": [{"key": "sign_scheme", "values": ["two-column", "ternary"]}]})",
       "axes[0].values[1]: sign_scheme: expected \"two-column\", \"differential\" or \"offset\""},
      {"axis value not a boolean", R"({"axes": [{"key": "self_compensation", "values": [1]}]})",
       "axes[0].values[0]: self_compensation: expected true or false, found integer 1"},
      {"device axis value out of range", R"({"axes": [{"key": "device.fault_rate", "values": [0.5, 2]}]})",
       "axes[0].values[1]: device.fault_rate: expected a number in [0.0, 1.0], found integer 2"},
      {"replicas axis value out of range", R"({"axes": [{"key": "replicas.conv1", "values": [0]}]})",
       "axes[0].values[0]: replicas.conv1: expected an integer in [1, 65536]"},
      {"set with an unknown key", R"({"set": ["adc_bitz=6"]})", "set[0]: adc_bitz: unknown key"},
      {"set with a value of the wrong type", R"({"set": ["adc_bits=abc"]})",
       "set[0]: adc_bits: expected an integer 1..32, found 'abc'"},
      {"set with a value out of range", R"({"set": ["device.fault_rate=2"]})",
       "set[0]: device.fault_rate: expected a number in [0.0, 1.0]"},
  };
  for (const auto& c : cases) {
    json doc = minimal();
    doc.merge_patch(json::parse(c.patch));
    const std::string msg = error_of(doc);
    EXPECT_NE(msg.find("/d/s.json"), std::string::npos) << c.what << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.what << ": " << msg;
    EXPECT_NE(msg, "(no error)") << c.what;
  }
  // Not an object at all.
  EXPECT_NE(error_of(json::array()).find("/d/s.json"), std::string::npos);
  // Too many points.
  json big = minimal();
  json values = json::array();
  for (int i = 0; i < 1001; ++i) values.push_back(i);
  big["axes"] = {{{"key", "positions_per_request"}, {"values", values}}, {{"key", "max_tiles"}, {"values", values}}};
  EXPECT_NE(error_of(big).find("axes: more than 100000 points"), std::string::npos) << error_of(big);
}

TEST(SweepSpec, PointsAreTheProductFirstAxisSlowestWithStableIds) {
  json doc = minimal();
  doc["set"] = {"device.write_sigma=0.05"};
  const auto s = parse_spec(doc, "/d/s.json");
  const auto pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 6U);
  const char* ids[] = {"p000_crossbar_size-32_adc_bits-6",  "p001_crossbar_size-32_adc_bits-8",
                       "p002_crossbar_size-64_adc_bits-6",  "p003_crossbar_size-64_adc_bits-8",
                       "p004_crossbar_size-128_adc_bits-6", "p005_crossbar_size-128_adc_bits-8"};
  for (std::size_t i = 0; i < pts.size(); ++i) {
    EXPECT_EQ(pts[i].index, i);
    EXPECT_EQ(pts[i].id, ids[i]);
  }
  EXPECT_EQ(pts[3].sets, (std::vector<std::string>{"device.write_sigma=0.05", "rows=64", "cols=64", "adc_bits=8"}));
  EXPECT_EQ(pts[3].values[0], 64);
  EXPECT_EQ(pts[3].values[1], 8);
  // The same spec gives the same ids.
  EXPECT_EQ(enumerate_points(parse_spec(doc, "/other/s.json"))[5].id, pts[5].id);
}

TEST(SweepSpec, StringAndNumberValuesAndFileSafeIds) {
  json doc = minimal();
  doc["axes"] = json::parse(R"([{"key": "device.write_sigma", "values": [0.05, 1e-3]},
                                {"key": "cost_table", "values": ["isaac_32nm", "a b/c"]},
                                {"key": "self_compensation", "values": [true]}])");
  const auto pts = enumerate_points(parse_spec(doc, "/d/s.json"));
  ASSERT_EQ(pts.size(), 4U);
  EXPECT_EQ(pts[0].id, "p000_device.write_sigma-0.05_cost_table-isaac_32nm_self_compensation-true");
  EXPECT_EQ(pts[1].id, "p001_device.write_sigma-0.05_cost_table-a_b_c_self_compensation-true");
  EXPECT_EQ(pts[2].sets,
            (std::vector<std::string>{"device.write_sigma=0.001", "cost_table=isaac_32nm", "self_compensation=true"}));
  EXPECT_EQ(pts[3].sets[1], "cost_table=a b/c");
  // Index width grows with the number of points.
  json many = minimal();
  json values = json::array();
  for (int i = 0; i < 1001; ++i) values.push_back(i);
  many["axes"] = {{{"key", "max_tiles"}, {"values", values}}};
  const auto mp = enumerate_points(parse_spec(many, "/d/s.json"));
  EXPECT_EQ(mp[7].id, "p0007_max_tiles-7");
  EXPECT_EQ(mp[1000].id, "p1000_max_tiles-1000");
}

TEST(SweepSpec, ShardsPartitionThePoints) {
  for (std::size_t points : {1U, 7U, 10U, 64U}) {
    for (std::size_t n = 1; n <= 6; ++n) {
      std::multiset<std::size_t> seen;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t p = 0; p < points; ++p) {
          if (in_shard(p, i, n)) seen.insert(p);
        }
      }
      ASSERT_EQ(seen.size(), points) << points << " points, " << n << " shards";  // disjoint
      for (std::size_t p = 0; p < points; ++p) EXPECT_EQ(seen.count(p), 1U);      // union = all
    }
  }
  std::size_t i = 9, n = 9;
  parse_shard("2/5", "--shard", i, n);
  EXPECT_EQ(i, 2U);
  EXPECT_EQ(n, 5U);
  for (const char* bad : {"5/5", "1", "a/2", "-1/2", "0/0", "1/", "/2", "1/2/3"}) {
    EXPECT_THROW(parse_shard(bad, "--shard", i, n), Error) << bad;
  }
}

TEST(SweepResults, CsvCellsUseFixedFormatting) {
  using oj = nlohmann::ordered_json;
  EXPECT_EQ(csv_cell(oj(0.1)), "0.1");
  EXPECT_EQ(csv_cell(oj(1.0 / 3.0)), "0.333333333");
  EXPECT_EQ(csv_cell(oj(2.0)), "2");
  EXPECT_EQ(csv_cell(oj(1.5e-12)), "1.5e-12");
  EXPECT_EQ(csv_cell(oj(42)), "42");
  EXPECT_EQ(csv_cell(oj(-7)), "-7");
  EXPECT_EQ(csv_cell(oj(true)), "true");
  EXPECT_EQ(csv_cell(oj()), "");
  EXPECT_EQ(csv_cell(oj("two-column")), "two-column");
  EXPECT_EQ(csv_cell(oj("a,b")), "\"a,b\"");
  EXPECT_EQ(csv_cell(oj("say \"hi\"")), "\"say \"\"hi\"\"\"");
}

TEST(SweepPlot, ScriptDrawsOneLinePerCombinationOfTheOtherAxes) {
  json doc = minimal();
  doc["plots"] = json::parse(R"([{"x": "crossbar_size", "y": ["area_mm2", "crossbars"]},
                                 {"x": "adc_bits", "y": ["area_mm2"]}])");
  const auto s = parse_spec(doc, "/d/s.json");
  const auto pts = enumerate_points(s);
  std::vector<nlohmann::ordered_json> docs;
  for (const auto& p : pts) {
    nlohmann::ordered_json d;
    d["row"] = {{"area_mm2", 0.5 * static_cast<double>(p.index)}, {"crossbars", 10}};
    docs.push_back(d);
  }
  const Table t = build_table(s, pts, docs);
  ASSERT_EQ(t.columns, (std::vector<std::string>{"index", "id", "crossbar_size", "adc_bits", "area_mm2", "crossbars"}));
  const auto figs = figures(s);
  ASSERT_EQ(figs.size(), 3U);
  EXPECT_EQ(figs[0].file, "plot_area_mm2_vs_crossbar_size.svg");
  EXPECT_EQ(figs[1].file, "plot_crossbars.svg");
  EXPECT_EQ(figs[2].file, "plot_area_mm2_vs_adc_bits.svg");
  const std::string g = gnuplot_script(s, t);
  EXPECT_NE(g.find("set logscale x 2"), std::string::npos);
  // One other axis: its name and unit title the legend, its values the lines.
  EXPECT_NE(g.find("title 'ADC resolution (bits)'"), std::string::npos) << g;
  EXPECT_NE(g.find("pointtype 7 title '6'"), std::string::npos) << g;
  EXPECT_NE(g.find("pointtype 5 title '8'"), std::string::npos) << g;
  EXPECT_NE(g.find("title 'Crossbar size (rows = columns)'"), std::string::npos) << g;
  EXPECT_NE(g.find("set ylabel 'Chip area (mm²)'"), std::string::npos) << g;
  EXPECT_NE(g.find("set title \"Chip area vs crossbar size\\n"), std::string::npos) << g;
  EXPECT_NE(g.find("set output 'plot_crossbars.svg'"), std::string::npos);
  // adc_bits = 6 line of the first figure: x = 32, 64, 128 with area = 0, 1, 2.
  EXPECT_NE(g.find("$d0 << EOD\n32 0\n64 1\n128 2\nEOD\n"), std::string::npos) << g;

  // A y that is no column names the plot key.
  doc["plots"][0]["y"][1] = "crossbarz";
  try {
    gnuplot_script(parse_spec(doc, "/d/s.json"), t);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/d/s.json: plots[0].y[1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("crossbarz"), std::string::npos) << e.what();
  }
}

TEST(SweepSpec, WorkloadAxisGivesEachPointItsNetworkAndLabelsItByStem) {
  json doc = minimal();
  doc.erase("workload");
  doc["axes"] = json::parse(R"([{"key": "workload", "values": ["zoo/lenet5_int8.json", "/abs/lenet5_crimp.json"]},
                                {"key": "device.write_sigma", "values": [0, 0.1]}])");
  doc["plots"] = json::parse(R"([{"x": "device.write_sigma", "y": ["accuracy_mean"]}])");
  const auto s = parse_spec(doc, "/d/s.json");
  EXPECT_EQ(s.workload, "");
  EXPECT_EQ(s.axes[0].values[0], "/d/zoo/lenet5_int8.json");
  const auto pts = enumerate_points(s);
  ASSERT_EQ(pts.size(), 4U);
  EXPECT_EQ(pts[0].id, "p000_workload-lenet5_int8_device.write_sigma-0");
  EXPECT_EQ(pts[3].id, "p003_workload-lenet5_crimp_device.write_sigma-0.1");
  EXPECT_EQ(pts[1].workload, "/d/zoo/lenet5_int8.json");
  EXPECT_EQ(pts[2].workload, "/abs/lenet5_crimp.json");
  // The workload is not a hardware override.
  EXPECT_EQ(pts[3].sets, std::vector<std::string>{"device.write_sigma=0.1"});
  // The resolved spec reads back unchanged (absolute paths, no top-level workload).
  const auto back = parse_spec(json::parse(to_json(s).dump()), "/elsewhere/sweep.json");
  EXPECT_EQ(to_json(back), to_json(s));
  // Lines are titled with the workload's stem.
  std::vector<nlohmann::ordered_json> docs(4);
  for (std::size_t i = 0; i < 4; ++i) docs[i]["row"] = {{"accuracy_mean", 0.5 + 0.1 * static_cast<double>(i)}};
  const std::string g = gnuplot_script(s, build_table(s, pts, docs));
  EXPECT_NE(g.find("title 'lenet5_crimp'"), std::string::npos) << g;
  EXPECT_NE(g.find("title 'Network'"), std::string::npos) << g;
  EXPECT_EQ(g.find("/abs/"), std::string::npos) << g;
  // Without either a top-level workload or a workload axis the spec is rejected.
  json none = minimal();
  none.erase("workload");
  EXPECT_NE(error_of(none).find("workload"), std::string::npos);
}

TEST(SweepPlot, StringAxesBecomeTickLabels) {
  json doc = minimal();
  doc["axes"] = json::parse(R"([{"key": "sign_scheme", "values": ["two-column", "offset"]}])");
  doc["plots"] = json::parse(R"([{"x": "sign_scheme", "y": ["area_mm2"]}])");
  const auto s = parse_spec(doc, "/d/s.json");
  const auto pts = enumerate_points(s);
  std::vector<nlohmann::ordered_json> docs(2);
  docs[0]["row"] = {{"area_mm2", 2.0}};
  docs[1]["row"] = {{"area_mm2", 1.0}};
  const std::string g = gnuplot_script(s, build_table(s, pts, docs));
  EXPECT_NE(g.find("0 2 \"two-column\"\n1 1 \"offset\"\n"), std::string::npos) << g;
  EXPECT_NE(g.find("xticlabels(3)"), std::string::npos);
  EXPECT_NE(g.find("notitle"), std::string::npos);
  EXPECT_EQ(g.find("set logscale x 2"), std::string::npos);
}

TEST(SweepPlot, LogXDrawsALogarithmicAxis) {
  json doc = minimal();
  doc["axes"] = json::parse(R"([{"key": "device.fault_rate", "values": [0, 1e-3, 1e-2]}])");
  doc["plots"] = json::parse(R"([{"x": "device.fault_rate", "y": ["accuracy_mean"], "log_x": true}])");
  const auto s = parse_spec(doc, "/d/s.json");
  ASSERT_TRUE(s.plots[0].log_x);
  const auto pts = enumerate_points(s);
  std::vector<nlohmann::ordered_json> docs(3);
  for (int i = 0; i < 3; ++i) docs[static_cast<std::size_t>(i)]["row"] = {{"accuracy_mean", 0.9 - 0.1 * i}};
  const std::string g = gnuplot_script(s, build_table(s, pts, docs));
  EXPECT_NE(g.find("set logscale x 10"), std::string::npos) << g;
  // Accuracies are drawn in percent; 0 is left out of the log axis.
  EXPECT_NE(g.find("$d0 << EOD\n0.001 80\n0.01 70\nEOD"), std::string::npos) << "0 is left out: " << g;
  EXPECT_NE(g.find("set xlabel 'Stuck-at fault rate (fraction of cells)'"), std::string::npos) << g;
  EXPECT_NE(g.find("set ylabel 'Top-1 accuracy (%)'"), std::string::npos) << g;
}

TEST(SweepPlot, MeansGetErrorBarsFromTheirIntervalColumn) {
  json doc = minimal();
  doc["trials"] = 10;
  doc["axes"] = json::parse(R"([{"key": "sign_scheme", "values": ["two-column", "differential"]},
                                {"key": "device.fault_rate", "values": [1e-3, 1e-2]}])");
  doc["plots"] = json::parse(R"([{"x": "device.fault_rate", "y": ["accuracy_mean"], "log_x": true,
                                  "legend": "bottom-left"}])");
  auto s = parse_spec(doc, "/d/s.json");
  const auto pts = enumerate_points(s);
  std::vector<nlohmann::ordered_json> docs(4);
  for (std::size_t i = 0; i < 4; ++i) {
    const double m = 0.9 - 0.1 * static_cast<double>(i);
    docs[i]["row"] = {{"accuracy_mean", m}, {"accuracy_std", 0.02}, {"accuracy_ci95", 0.015}};
  }
  const Table t = build_table(s, pts, docs);
  std::string g = gnuplot_script(s, t);
  // x, mean (%), half-width (pp): the stored fractions times 100.
  EXPECT_NE(g.find("$d0 << EOD\n0.001 90 1.5\n0.01 80 1.5\nEOD"), std::string::npos) << g;
  EXPECT_NE(g.find("using 1:2:3 with yerrorlines pointtype 7 title 'two-column'"), std::string::npos) << g;
  EXPECT_NE(g.find("title 'differential'"), std::string::npos) << g;
  EXPECT_NE(g.find("set key inside left bottom box opaque title 'Sign scheme'"), std::string::npos) << g;
  EXPECT_NE(g.find("10 trials per point, bars 95 % CI of the mean"), std::string::npos) << g;

  doc["plots"][0]["error"] = "std";
  g = gnuplot_script(parse_spec(doc, "/d/s.json"), t);
  EXPECT_NE(g.find("0.001 90 2\n"), std::string::npos) << g;
  EXPECT_NE(g.find("bars ± 1 std"), std::string::npos) << g;

  doc["plots"][0]["error"] = "none";
  g = gnuplot_script(parse_spec(doc, "/d/s.json"), t);
  EXPECT_EQ(g.find("yerrorlines"), std::string::npos) << g;

  // One trial: no interval to draw.
  doc["plots"][0].erase("error");
  doc["trials"] = 1;
  g = gnuplot_script(parse_spec(doc, "/d/s.json"), t);
  EXPECT_EQ(g.find("yerrorlines"), std::string::npos) << g;

  // Bars asked for on a metric that is no mean, or a legend place that does not exist: the key.
  doc["plots"][0]["y"] = json::array({"area_mm2"});
  doc["plots"][0]["error"] = "ci95";
  EXPECT_NE(error_of(doc).find("/d/s.json: plots[0].error: expected metrics named <stem>_mean"), std::string::npos)
      << error_of(doc);
  doc["plots"][0].erase("error");
  doc["plots"][0]["legend"] = "middle";
  EXPECT_NE(error_of(doc).find("plots[0].legend: expected one of outside"), std::string::npos) << error_of(doc);
  // Titles and labels given in the spec replace the derived ones.
  doc["plots"][0]["legend"] = "none";
  doc["plots"][0]["title"] = "Fig. 7";
  doc["plots"][0]["ylabel"] = "area";
  g = gnuplot_script(parse_spec(doc, "/d/s.json"), build_table(parse_spec(doc, "/d/s.json"), pts, [&] {
                       auto d = docs;
                       for (auto& x : d) x["row"]["area_mm2"] = 1.0;
                       return d;
                     }()));
  EXPECT_NE(g.find("set title \"Fig. 7\\n"), std::string::npos) << g;
  EXPECT_NE(g.find("set ylabel 'area'"), std::string::npos) << g;
  EXPECT_NE(g.find("unset key"), std::string::npos) << g;
}

}  // namespace
}  // namespace xbarsim::sweep
