// The xbarsim command line end to end: good runs, and bad input that must give one
// clear line naming the file/key/expected value, exit status 2, and no report file.
#include <gtest/gtest.h>

#include <zlib.h>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "sim/reference.hpp"
#include "tests/support/cli.hpp"
#include "tests/support/toy.hpp"
#include "workloads/dataset.hpp"
#include "workloads/io.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::apps {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

using testing_support::CliRun;
CliRun run_cli(const std::string& args) { return testing_support::run_cli(XBARSIM_CLI, args); }

std::string slurp(const std::string& path) { return workloads::read_file(path); }
void spit(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

/// flatten -> linear(784 -> 10): a valid Fashion-MNIST workload small enough for many runs.
void write_tiny_workload(const std::string& json_path) {
  std::mt19937_64 rng(4);
  workloads::Network net;
  net.name = "tiny";
  net.input_shape = {1, 28, 28};
  net.weights_file = "tiny.safetensors";
  testing_support::add_simple(net, "flatten", workloads::LayerKind::Flatten, "input");
  testing_support::add_linear(net, "fc", "flatten", 784, 10, rng);
  workloads::validate_and_infer(net, "tiny");
  workloads::save_network(net, json_path);
}

std::string idx_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return path;
}

std::string idx_header(std::vector<std::uint32_t> dims) {
  std::string s{'\0', '\0', '\x08', static_cast<char>(dims.size())};
  for (auto d : dims) {
    for (int sh = 24; sh >= 0; sh -= 8) s.push_back(static_cast<char>(d >> sh));
  }
  return s;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    json_ = dir_.file("tiny.json");
    write_tiny_workload(json_);
    report_ = dir_.file("report.json");
  }
  /// Edits the tiny workload's JSON and returns the path of the edited copy.
  std::string edited(const std::function<void(nlohmann::json&)>& edit) {
    auto doc = nlohmann::json::parse(slurp(json_));
    edit(doc);
    const std::string p = dir_.file("edited.json");
    spit(p, doc.dump());
    return p;
  }
  /// Runs eval with --output and checks exit 2, the message, and that no report was written.
  void expect_bad(const std::string& args, const std::vector<std::string>& fragments) {
    const CliRun r = run_cli(args + " --output " + report_);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    for (const auto& f : fragments)
      EXPECT_NE(r.output.find(f), std::string::npos) << "missing '" << f << "' in: " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line: " << r.output;
    EXPECT_FALSE(fs::exists(report_)) << "a failed run must leave no report behind";
  }
  TempDir dir_;
  std::string json_;
  std::string report_;
};

TEST_F(Cli, HelpAndVersion) {
  EXPECT_EQ(run_cli("--help").status, 0);
  const CliRun h = run_cli("eval --help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.output.find("--precision"), std::string::npos);
  EXPECT_EQ(run_cli("--version").status, 0);
  EXPECT_EQ(run_cli("").status, 2);
  // The hardware keys: every declared key by level, and run/map point to them.
  const CliRun k = run_cli("keys");
  EXPECT_EQ(k.status, 0) << k.output;
  for (const char* s : {"\ncrossbar\n", "\ntiming\n", "\ndevice\n", "  rows ", "integer 1..4096; default 128",
                        "xbar_read_ns", "optional number 0..1e9; default unset; ns", "adc_type",
                        "one of sar, flash; default sar", "replicas", "device.write_sigma ", "device.read_voltage_v"}) {
    EXPECT_NE(k.output.find(s), std::string::npos) << "missing '" << s << "' in: " << k.output;
  }
  const CliRun md = run_cli("keys --markdown");
  EXPECT_EQ(md.status, 0);
  EXPECT_NE(md.output.find("| `rows` | integer 1..4096 | `128` | - |"), std::string::npos) << md.output;
  EXPECT_EQ(run_cli("keys extra").status, 2);
  for (const char* c : {"run --help", "map --help"}) {
    const CliRun h2 = run_cli(c);
    EXPECT_EQ(h2.status, 0);
    EXPECT_NE(h2.output.find("xbarsim keys"), std::string::npos) << c << ": " << h2.output;
  }
}

TEST_F(Cli, EvalWritesAReportThatStatesWorkloadSettingsAndResults) {
  const CliRun r = run_cli("eval " + json_ + " --limit 300 --threads 1 --output " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["version"], 1);
  EXPECT_EQ(rep["workload"]["name"], "tiny");
  EXPECT_EQ(rep["settings"]["precision"], "float");
  EXPECT_EQ(rep["settings"]["threads"], 1);
  EXPECT_EQ(rep["results"]["images"], 300);
  const double acc = rep["results"]["accuracy"];
  EXPECT_DOUBLE_EQ(acc, rep["results"]["correct"].get<double>() / 300.0);
  EXPECT_NE(r.output.find("accuracy"), std::string::npos);
}

TEST_F(Cli, AWorkloadBringsItsOwnCifarStyleDataSet) {
  // 3x32x32 -> flatten -> linear 10, reading CIFAR-10 binary batches from "cifar/" next to the
  // JSON, with per-channel normalisation. 20 test images, 30 training images in one batch file.
  std::mt19937_64 rng(5);
  workloads::Network net;
  net.name = "rgb";
  net.input_shape = {3, 32, 32};
  net.weights_file = "rgb.safetensors";
  net.dataset.name = "my-cifar";
  net.dataset.format = workloads::DatasetFormat::Cifar10;
  net.dataset.dir = "cifar";
  net.dataset.train = {"data_batch_1.bin"};
  net.dataset.normalization.mean = {0.49, 0.48, 0.45};  // CIFAR-style: inputs below zero
  net.dataset.normalization.std = {0.25, 0.24, 0.26};
  testing_support::add_simple(net, "flatten", workloads::LayerKind::Flatten, "input");
  testing_support::add_linear(net, "fc", "flatten", 3072, 10, rng);
  workloads::validate_and_infer(net, "rgb");
  const std::string path = dir_.file("rgb.json");
  workloads::save_network(net, path);
  const auto records = [&](int n) {
    std::string b;
    for (int i = 0; i < n; ++i) {
      b.push_back(static_cast<char>(i % 10));
      for (int p = 0; p < 3072; ++p) b.push_back(static_cast<char>(rng() % 256));
    }
    return b;
  };
  // Missing: one line naming what is expected where.
  fs::create_directories(dir_.file("cifar"));
  expect_bad("eval " + path, {"test_batch.bin: not found", "expects test_batch.bin in " + dir_.file("cifar")});
  spit(dir_.file("cifar/test_batch.bin"), records(20));
  spit(dir_.file("cifar/data_batch_1.bin"), records(30));
  const CliRun e = run_cli("eval " + path + " --output " + report_);
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(report_))["results"]["images"], 20);
  const std::string q = dir_.file("rgb_int8.json");
  const CliRun qr = run_cli("quantize " + path + " -o " + q + " --calibration-images 16");
  ASSERT_EQ(qr.status, 0) << qr.output;
  const CliRun ei = run_cli("eval " + q + " --precision int --output " + report_);
  ASSERT_EQ(ei.status, 0) << ei.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(report_))["results"]["images"], 20);
  // Negative inputs quantize to two's complement codes and run on the crossbars, cycle by cycle.
  EXPECT_EQ(nlohmann::json::parse(slurp(q))["quantization"]["input_signed"], true);
  const CliRun rc = run_cli("run " + q + " --cycle-level --images 4 --set device=ideal");
  ASSERT_EQ(rc.status, 0) << rc.output;
  EXPECT_NE(rc.output.find("4 of 4 images identical to the functional engine"), std::string::npos) << rc.output;
}

TEST_F(Cli, QuantizeThenEvalInIntegers) {
  const std::string q = dir_.file("tiny_int8.json");
  const CliRun r = run_cli("quantize " + json_ + " -o " + q + " --calibration-images 64");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir_.file("tiny_int8.safetensors")));
  const CliRun e = run_cli("eval " + q + " --precision int --limit 200 --output " + report_);
  ASSERT_EQ(e.status, 0) << e.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["settings"]["quantization"]["source"], "workload");
  // The same quantization done on the fly by eval gives the same accuracy.
  const CliRun f = run_cli("eval " + json_ + " --precision int --limit 200 --calibration-images 64 --output " +
                           dir_.file("r2.json"));
  ASSERT_EQ(f.status, 0) << f.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir_.file("r2.json")))["results"]["correct"], rep["results"]["correct"]);
}

TEST_F(Cli, BadWorkloadFiles) {
  expect_bad("eval " + dir_.file("missing.json"), {"missing.json: cannot open file"});
  expect_bad("eval " + dir_.path().string(), {"is a directory"});
  spit(dir_.file("broken.json"), "{\"version\": 1,\n \"name\": ");
  expect_bad("eval " + dir_.file("broken.json"), {"broken.json: malformed JSON", "line 2"});
  spit(dir_.file("array.json"), "[1, 2]");
  expect_bad("eval " + dir_.file("array.json"), {"array.json", "expected a JSON object"});
  expect_bad("eval " + edited([](auto& d) { d["version"] = 7; }), {"edited.json: version", "expected 1"});
  expect_bad("eval " + edited([](auto& d) { d["layerz"] = 1; }), {"edited.json: layerz: unknown key"});
  expect_bad("eval " + edited([](auto& d) { d["layers"][1]["type"] = "dense"; }),
             {"layers[1].type", "unknown layer type \"dense\""});
  expect_bad("eval " + edited([](auto& d) { d["layers"][1]["out_features"] = "ten"; }),
             {"layers[1].out_features: expected an integer", "string \"ten\""});
  expect_bad("eval " + edited([](auto& d) {
               d["input"]["shape"] = {1, 28, 27};
             }),
             {"layers[1] ('fc')", "in_features is 784 but input 'flatten' has shape [756]"});
  expect_bad("eval " + edited([](auto& d) {
               d["layers"].erase(0);
               d["layers"][0]["inputs"] = {"input"};
             }),
             {"add a flatten layer before linear"});
  expect_bad("eval " + edited([](auto& d) { d["layers"][1]["weight"] = "fc.bias"; }),
             {"tensor 'fc.bias' has shape [10], expected [10, 784]"});
  expect_bad("eval " + edited([](auto& d) { d["layers"][1]["weight"] = "fc.w"; }),
             {"tensor 'fc.w' not found in tiny.safetensors"});
  expect_bad("eval " + edited([](auto& d) { d["dataset"]["normalization"]["std"] = {0.0}; }),
             {"dataset.normalization.std: expected an array of numbers in [1e-12"});
  expect_bad("eval " + edited([](auto& d) { d["dataset"]["name"] = "imagenet"; }),
             {"dataset.format: required for data set \"imagenet\""});
  expect_bad("eval " + edited([](auto& d) { d["dataset"]["format"] = "jpeg"; }),
             {"dataset.format: unknown data set format \"jpeg\""});
  expect_bad("eval " + edited([](auto& d) { d["dataset"]["train"] = nlohmann::json::array(); }),
             {"dataset.train: expected a non-empty array of file names"});
}

TEST_F(Cli, BadWeightFiles) {
  const std::string w = dir_.file("tiny.safetensors");
  const std::string good = slurp(w);
  spit(w, good.substr(0, good.size() - 100));
  expect_bad("eval " + json_, {"tiny.safetensors: tensor", "outside the data section", "truncated file?"});
  spit(w, good.substr(0, 5));
  expect_bad("eval " + json_, {"tiny.safetensors", "expected at least the 8-byte header length"});
  std::string garbled = good;
  garbled[8] = '#';
  spit(w, garbled);
  expect_bad("eval " + json_, {"tiny.safetensors: header is not valid JSON"});
  spit(w, good);
  auto file = workloads::read_safetensors(w);
  file.tensors["fc.weight"] = workloads::Tensor(workloads::DType::I32, {10, 784});
  workloads::write_safetensors(w, file);
  expect_bad("eval " + json_, {"tensor 'fc.weight' has dtype I32, expected F32"});
  fs::remove(w);
  expect_bad("eval " + json_, {"tiny.safetensors: cannot open file"});
}

TEST_F(Cli, BadDataFiles) {
  const std::string data = dir_.file("data");
  fs::create_directories(data);
  const std::string src = "/usr/share/datasets/fashion-mnist/";
  fs::copy_file(src + "t10k-labels-idx1-ubyte.gz", data + "/t10k-labels-idx1-ubyte.gz");
  expect_bad(
      "eval " + json_ + " --data-dir " + data,
      {"t10k-images-idx3-ubyte.gz: not found", "expects t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in"});
  idx_gz(data + "/t10k-images-idx3-ubyte.gz", "\x01\x02\x08\x03garbage");
  expect_bad("eval " + json_ + " --data-dir " + data, {"t10k-images-idx3-ubyte.gz: bad IDX magic"});
  idx_gz(data + "/t10k-images-idx3-ubyte.gz", idx_header({10000, 28, 28}) + std::string(1000, '\0'));
  expect_bad("eval " + json_ + " --data-dir " + data,
             {"t10k-images-idx3-ubyte.gz: IDX data has 1000 bytes", "truncated file?"});
  idx_gz(data + "/t10k-images-idx3-ubyte.gz", idx_header({5, 28, 28}) + std::string(5 * 784, '\0'));
  expect_bad("eval " + json_ + " --data-dir " + data, {"t10k-labels-idx1-ubyte.gz: 10000 labels for 5 images"});
  idx_gz(data + "/t10k-images-idx3-ubyte.gz", idx_header({10000, 32, 32}) + std::string(10000 * 1024, '\0'));
  expect_bad("eval " + json_ + " --data-dir " + data, {"has images of 1024 values, the network expects 784"});
  expect_bad("eval " + json_ + " --data-dir " + dir_.file("nowhere"), {"nowhere/t10k-images-idx3-ubyte.gz: not found"});
}

TEST_F(Cli, BadOptions) {
  expect_bad("eval " + json_ + " --precision double", {"--precision: expected float or int, found 'double'"});
  expect_bad("eval " + json_ + " --limit -3", {"--limit: expected a non-negative number"});
  expect_bad("eval " + json_ + " --colour red", {"unrecognised option '--colour'"});
  expect_bad("eval " + json_ + " --threads many", {"the argument ('many') for option '--threads' is invalid"});
  expect_bad("eval", {"the option '--workload' is required"});
  expect_bad("eval " + edited([](auto& d) {
               d["quantization"] = {{"input_bits", 1}, {"input_scale_exp", 0}, {"input_signed", true}};
             }),
             {"quantization.input_bits: signed inputs need at least 2 bits, found 1"});
  const CliRun r = run_cli("simulate " + json_);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("unknown command 'simulate'"), std::string::npos);
}

TEST_F(Cli, RunLadderIdealRowEqualsTheIntegerReference) {
  // The tiny float workload is post-training quantized, mapped on the ISAAC-like preset and run.
  const CliRun r =
      run_cli("run " + json_ + " --ladder --trials 2 --limit 300 --calibration-images 64 --error-images 32 --output " +
              report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["command"], "run");
  EXPECT_EQ(rep["workload"]["quantization"]["source"], "post-training");
  ASSERT_EQ(rep["scenarios"].size(), 5U);
  const auto& ideal = rep["scenarios"][0];
  EXPECT_EQ(ideal["key"], "ideal");
  EXPECT_TRUE(ideal["matches_integer_reference"].get<bool>());
  EXPECT_DOUBLE_EQ(ideal["accuracy_mean"].get<double>(), rep["reference"]["int"].get<double>());
  EXPECT_EQ(ideal["trials"], 1) << "an ideal device is deterministic";
  const auto& faults = rep["scenarios"][3];
  EXPECT_EQ(faults["key"], "faults");
  EXPECT_EQ(faults["accuracy"].size(), 2U);
  EXPECT_DOUBLE_EQ(faults["device"]["fault_rate"].get<double>(), 1e-3);
  EXPECT_DOUBLE_EQ(faults["device"]["write_sigma"].get<double>(), 0.1);
  EXPECT_EQ(rep["layer_error"]["layers"].size(), 1U);
  EXPECT_NE(r.output.find("exact"), std::string::npos) << r.output;
}

TEST_F(Cli, RunWithoutReferencesGivesTheSameRowsAndNullReferences) {
  // --no-references skips the two reference passes; the crossbar rows are the same numbers.
  const std::string opts = " --ladder --trials 2 --limit 200 --calibration-images 64 --error-images 16 --output ";
  const std::string plain = report_ + ".plain.json";
  ASSERT_EQ(run_cli("run " + json_ + opts + plain).status, 0);
  const CliRun r = run_cli("run " + json_ + opts + report_ + " --no-references");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("reference     not run (--no-references)"), std::string::npos) << r.output;
  const auto with = nlohmann::json::parse(slurp(plain));
  const auto without = nlohmann::json::parse(slurp(report_));
  EXPECT_TRUE(without["reference"]["float"].is_null());
  EXPECT_TRUE(without["reference"]["int"].is_null());
  EXPECT_FALSE(without["settings"]["references"].get<bool>());
  EXPECT_EQ(without["images"], with["images"]);
  ASSERT_EQ(without["scenarios"].size(), with["scenarios"].size());
  for (std::size_t i = 0; i < with["scenarios"].size(); ++i) {
    EXPECT_EQ(without["scenarios"][i]["accuracy"], with["scenarios"][i]["accuracy"]) << i;
    EXPECT_TRUE(without["scenarios"][i]["matches_integer_reference"].is_null()) << i;
  }
  EXPECT_EQ(without["layer_error"], with["layer_error"]);
  const CliRun bad = run_cli("run " + json_ + " --cycle-level --no-references");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.output.find("--no-references: a cycle-level run has no references to skip"), std::string::npos)
      << bad.output;
}

TEST_F(Cli, RunSeedsInOnePassGiveTheAccuraciesOfOneSeedAtATime) {
  const auto accuracies = [&](int per_pass) {
    const CliRun r = run_cli("run " + json_ + " --trials 3 --seeds-per-pass " + std::to_string(per_pass) +
                             " --limit 200 --calibration-images 64 --error-images 8 --output " + report_);
    EXPECT_EQ(r.status, 0) << r.output;
    const auto rep = nlohmann::json::parse(slurp(report_));
    EXPECT_EQ(rep["scenarios"][0]["seeds_per_pass"], per_pass == 0 ? 3 : per_pass);
    return rep["scenarios"][0]["accuracy"].get<std::vector<double>>();
  };
  const auto one = accuracies(1), all = accuracies(0), two = accuracies(2);
  ASSERT_EQ(one.size(), 3U);
  EXPECT_EQ(all, one);
  EXPECT_EQ(two, one);
  EXPECT_FALSE(one[0] == one[1] && one[1] == one[2]) << "the seeds program different arrays";
}

TEST_F(Cli, RunRejectsBadHardwareAndOptions) {
  expect_bad("run " + json_ + " --set device=ferro", {"--set: device: unknown device preset 'ferro'"});
  expect_bad("run " + json_ + " --set device.write_sigma=-1", {"device.write_sigma: expected a number in [0.0, 10.0]"});
  expect_bad("run " + json_ + " --hw " + dir_.file("missing.json"), {"missing.json"});
  expect_bad("run " + json_ + " --trials 0", {"--trials: expected at least 1"});
  expect_bad("run " + json_ + " --set rows=0", {"--set: rows: expected an integer in [1, 4096]"});
  expect_bad("run " + json_ + " --set rows=abc", {"--set: rows: expected an integer 1..4096, found 'abc'"});
  expect_bad("run " + json_ + " --set self_compensation=yes", {"--set: self_compensation: expected true or false"});
}

TEST_F(Cli, RunCycleLevelMatchesTheFunctionalEngineAndWritesVcdAndStats) {
  const std::string vcd = dir_.file("trace.vcd"), stats = dir_.file("stats.txt");
  const CliRun r = run_cli("run " + json_ + " --cycle-level --images 5 --calibration-images 64 --vcd " + vcd +
                           " --stats " + stats + " --output " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["command"], "run --cycle-level");
  EXPECT_EQ(rep["check"]["images"], 5);
  EXPECT_TRUE(rep["check"]["all_identical"].get<bool>());
  // linear 784 -> 10 on 128 x 128 crossbars: 7 row blocks of one channel group; 8 one-bit phases.
  EXPECT_EQ(rep["mapping"]["crossbars"], 7);
  const auto& c = rep["cycle_level"];
  EXPECT_EQ(c["totals"]["crossbar_reads"].get<double>(), 5.0 * 8 * 7);
  EXPECT_EQ(c["totals"]["adc_conversions"].get<double>(), 5.0 * 8 * 7 * 80);  // 10 channels x 8 columns
  EXPECT_EQ(c["schedule"], "layer-by-layer");
  EXPECT_EQ(c["total_cycles"].get<double>(), 5.0 * c["latency_cycles"].get<double>());
  EXPECT_EQ(c["stats"]["chip"]["tile0"]["ima0"]["xbar0"]["conversions"]["unit"], "actions");
  const std::string v = slurp(vcd);
  EXPECT_EQ(v.rfind("$date", 0), 0U);
  EXPECT_NE(v.find("$scope module chip $end"), std::string::npos);
  EXPECT_NE(v.find("$enddefinitions $end"), std::string::npos);
  EXPECT_NE(slurp(stats).find("chip.tile0.ima0.xbar0.conversions  3200  actions"), std::string::npos);
  EXPECT_NE(r.output.find("5 of 5 images identical to the functional engine"), std::string::npos) << r.output;
}

TEST_F(Cli, ATileBufferTooSmallIsRejectedAndATightOneStalls) {
  // linear 784 -> 10: the layer needs its whole 784-byte input in tile 0's buffer.
  const CliRun bad = run_cli(
      "run " + json_ + " --cycle-level --images 2 --calibration-images 64 --set buffer_bytes=700" + " -o " + report_);
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_NE(bad.output.find("buffer_bytes: tile 0 buffer of 700 bytes cannot hold the working set of fc 784 bytes"),
            std::string::npos)
      << bad.output;
  EXPECT_FALSE(fs::exists(report_));
  // 1000 bytes hold one image, not two: the host waits for credits before each next image,
  // and the outputs do not change.
  const auto credit_wait = [&](const std::string& buffer) {
    const CliRun r = run_cli("run " + json_ + " --cycle-level --images 4 --calibration-images 64 --schedule pipelined" +
                             " --set buffer_bytes=" + buffer + " -o " + report_);
    EXPECT_EQ(r.status, 0) << r.output;
    const auto rep = nlohmann::json::parse(slurp(report_));
    EXPECT_TRUE(rep["check"]["all_identical"].get<bool>());
    return std::make_pair(
        rep["cycle_level"]["stats"]["chip"]["tile0"]["buffer"]["credit_wait_cycles"]["value"].get<double>(),
        rep["cycle_level"]["total_cycles"].get<double>());
  };
  const auto [tight_wait, tight_total] = credit_wait("1000");
  const auto [free_wait, free_total] = credit_wait("0");
  EXPECT_GT(tight_wait, 0.0);
  EXPECT_EQ(free_wait, 0.0);
  EXPECT_GE(tight_total, free_total);
}

TEST_F(Cli, RunCycleLevelRejectsBadOptions) {
  expect_bad("run " + json_ + " --cycle-level --images 0", {"--images: expected at least 1, found 0"});
  expect_bad("run " + json_ + " --cycle-level --schedule fast",
             {"--schedule: expected layer-by-layer or pipelined, found 'fast'"});
  expect_bad("run " + json_ + " --vcd " + dir_.file("t.vcd"), {"--vcd needs --cycle-level"});
  expect_bad(
      "run " + json_ + " --cycle-level --images 2 --calibration-images 64 --vcd " + dir_.file("no/such/dir/t.vcd"),
      {"no/such/dir/t.vcd: --vcd: cannot create file"});
}

/// docs/models.md, "Timing from the design parameters", worked in the test: the RC settling of a
/// rows x cols array to half an LSB of b bits (per cell 0.0128 + 0.1 fF and 0.69 ohm, 1 kohm
/// driver and sense resistance) and the cycles of t ns at f GHz.
double settle_ns(int rows, int cols, int bits) {
  const auto tau_ps = [](int n) {
    const double c_fF = n * 0.1128, r_ohm = n * 0.69;
    return (1000.0 * c_fF + 0.5 * r_ohm * c_fF) * 1e-3;
  };
  return (bits + 1) * std::log(2.0) * (tau_ps(rows) + tau_ps(cols)) * 1e-3;
}
double cycles_of(double ns, double ghz) { return std::ceil(ns * ghz - 1e-9); }

TEST_F(Cli, CrossbarSizeAndAdcBitsSweepsMoveLatencyAsTheTimingEquationsPredict) {
  // flatten -> linear 784 -> 64 -> relu -> linear 64 -> 10, 8-bit weights on 2-bit cells,
  // two-column: 8 columns per output channel. The chip is the ISAAC-like one with a 10 ns
  // sensing window (the ADC, not the read, bounds a phase), every crossbar on one IMA with
  // enough shift-and-add units that nothing contends, and a bus and buffer wide enough that
  // moving inputs takes one cycle at any size. For one image, what is left on the path that
  // depends on the design is, per layer, its slowest crossbar: the read/convert pipeline over the
  // 8 one-bit input phases, R + 7 max(R, C) + C, then 8 shift-and-adds of SA cycles each, with
  // R = cycles(10 ns + settling), C = cycles(readouts x b x 0.0977 ns), SA = cycles(readouts x
  // 0.390625 ns), readouts = the columns of the widest channel group a crossbar holds.
  std::mt19937_64 rng(5);
  workloads::Network net;
  net.name = "wide";
  net.input_shape = {1, 28, 28};
  net.weights_file = "wide.safetensors";
  testing_support::add_simple(net, "flatten", workloads::LayerKind::Flatten, "input");
  testing_support::add_linear(net, "fc1", "flatten", 784, 64, rng);
  testing_support::add_simple(net, "relu", workloads::LayerKind::Relu, "fc1");
  testing_support::add_linear(net, "fc2", "relu", 64, 10, rng);
  workloads::validate_and_infer(net, "wide");
  const std::string wide = dir_.file("wide.json");
  workloads::save_network(net, wide);

  const std::string base =
      " --cycle-level --images 1 --calibration-images 64 --set xbar_sense_ns=10 --set crossbars_per_ima=4096"
      " --set crossbars_per_tile=4096 --set shift_adds_per_ima=4096 --set max_tiles=0 --set bus_width_bytes=65536"
      " --set buffer_width_bytes=65536 --set device=ideal";
  const double f = 1.28;
  const auto layer_path = [&](int size, int bits, int channels) {
    const int readouts = 8 * std::min(channels, size / 8);
    const double R = cycles_of(10.0 + settle_ns(size, size, bits), f);
    const double C = cycles_of(readouts * bits * 0.09765625, f);
    const double SA = cycles_of(readouts * 0.390625, f);
    return R + 7 * std::max(R, C) + C + 8 * SA;
  };
  const auto predicted = [&](int size, int bits) { return layer_path(size, bits, 64) + layer_path(size, bits, 10); };
  const auto latency = [&](int size, int bits) {
    const std::string rep = dir_.file("sweep_" + std::to_string(size) + "_" + std::to_string(bits) + ".json");
    const CliRun r =
        run_cli("run " + wide + base + " --set rows=" + std::to_string(size) + " --set cols=" + std::to_string(size) +
                " --set adc_bits=" + std::to_string(bits) + " -o " + rep);
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(slurp(rep))["cycle_level"]["latency_cycles"].get<double>();
  };
  // Differences from the 128 x 128, 8-bit point cancel the design-independent rest (host link,
  // one-cycle moves, activation).
  const double l0 = latency(128, 8), p0 = predicted(128, 8);
  double previous = -1e9;
  for (int size : {32, 64, 256, 512}) {
    const double moved = latency(size, 8) - l0;
    EXPECT_EQ(moved, predicted(size, 8) - p0) << "crossbar size " << size;
    EXPECT_GT(moved, previous) << "wider crossbars share one ADC among more columns";
    previous = moved;
  }
  previous = -1e9;
  for (int bits : {4, 5, 6, 7, 9, 10}) {
    const double moved = latency(128, bits) - l0;
    EXPECT_EQ(moved, predicted(128, bits) - p0) << "adc_bits " << bits;
    EXPECT_GT(moved, previous) << "a SAR ADC takes one decision per bit";
    previous = moved;
  }
}

TEST_F(Cli, ALayerWhoseWeightsAreAllZeroRunsInEveryEngine) {
  // flatten -> linear 784 -> 16 -> relu -> linear 16 -> 10 with fc2's weights all zero: fc2
  // maps to no crossbar and outputs its biases; every command handles it as bias-only work.
  std::mt19937_64 rng(6);
  workloads::Network net;
  net.name = "zero";
  net.input_shape = {1, 28, 28};
  net.weights_file = "zero.safetensors";
  testing_support::add_simple(net, "flatten", workloads::LayerKind::Flatten, "input");
  testing_support::add_linear(net, "fc1", "flatten", 784, 16, rng);
  testing_support::add_simple(net, "relu", workloads::LayerKind::Relu, "fc1");
  testing_support::add_linear(net, "fc2", "relu", 16, 10, rng);
  auto& w = net.tensors.at("fc2.weight");
  std::fill(w.data<float>(), w.data<float>() + w.numel(), 0.0F);
  workloads::validate_and_infer(net, "zero");
  const std::string zero = dir_.file("zero.json");
  workloads::save_network(net, zero);

  const CliRun e = run_cli("eval " + zero + " --limit 50 -o " + report_);
  ASSERT_EQ(e.status, 0) << e.output;
  const CliRun r =
      run_cli("run " + zero + " --trials 1 --limit 50 --calibration-images 64 --error-images 8 -o " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_GT(rep["timing"]["latency_ns"].get<double>(), 0.0);
  const CliRun c =
      run_cli("run " + zero + " --cycle-level --images 3 --calibration-images 64 --schedule pipelined -o " + report_);
  ASSERT_EQ(c.status, 0) << c.output;
  const auto crep = nlohmann::json::parse(slurp(report_));
  EXPECT_TRUE(crep["check"]["all_identical"].get<bool>()) << c.output;
  const auto& layers = crep["cycle_level"]["layers"];
  ASSERT_EQ(layers.size(), 2U);
  EXPECT_EQ(layers[1]["crossbars"], 0);
  const CliRun k =
      run_cli("compare " + json_ + " " + zero + " --images 50 --trials 1 --calibration-images 64 -o " + report_);
  ASSERT_EQ(k.status, 0) << k.output;
}

TEST_F(Cli, CostReportsTheClosedFormForAnyInputShapeWithoutADataSet) {
  // conv 3 -> 8, 3x3, pad 1 over a 3x32x32 input (no shipped data set has that shape), then
  // flatten -> linear 8192 -> 10. A float workload: quantized on synthetic inputs; the data
  // folder does not exist, so nothing may read a data set.
  workloads::Network net = testing_support::toy_conv_linear(7, "rgb32", 3, 32, 32, 8, 10);
  const std::string path = dir_.file("rgb32.json");
  workloads::save_network(net, path);
  const CliRun r = run_cli("cost " + path + " --data-dir " + dir_.file("no-data") + " -o " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["workload"]["quantization"]["source"], "post-training, synthetic calibration");
  // By hand: conv has 27 rows and 8 channels x 4 two-bit slices x 2 columns = 64 columns: one
  // 128x128 crossbar, 1024 positions x 8 one-bit phases = 8192 reads, 64 conversions each. fc:
  // 8192 rows = 64 row blocks of one 80-column crossbar each, 8 phases of one position.
  std::map<std::string, double> actions;
  for (const auto& k : rep["cost"]["components"]) actions[k["name"].get<std::string>()] = k["actions"].get<double>();
  EXPECT_EQ(rep["mapping"]["crossbars"], 65);
  EXPECT_EQ(actions.at("crossbar"), 8192.0 + 64 * 8);
  EXPECT_EQ(actions.at("adc"), 8192.0 * 64 + 64 * 8 * 80);
  // DACs drive the rows whose input bit is 1: half of them at the default input_bit_density.
  EXPECT_EQ(actions.at("dac"), 0.5 * (8192.0 * 27 + 8 * 8192));
  EXPECT_GT(actions.at("cells"), 0.0);
  // Analytic period: conv's stage, 1024 positions x 8 phases x the 100.19 ns read (the
  // 0.78 ns x 64 conversions take less).
  EXPECT_NEAR(rep["timing"]["period_ns"].get<double>(), 1024 * 8 * 100.188, 1024 * 8 * 0.001);
  EXPECT_GT(rep["cost"]["energy_per_inference_pj"].get<double>(), 0.0);
  EXPECT_NE(r.output.find("analytic"), std::string::npos) << r.output;
}

TEST_F(Cli, CostAgreesWithNeuroSimsPublishedVgg8WhereTheModelsMatch) {
  // DNN+NeuroSim V1.4's release test (Data/1.4_Release_test.csv, row 1; docs/validation.md):
  // VGG-8 on 3x32x32 inputs, 22 nm RRAM, 1-bit cells, 4-bit ADC, 128x128, layer by layer. The
  // published figures the model is meant to reproduce, within 25 %: chip area 84.77 mm2,
  // latency 194.2 us, ADC energy 21.61 uJ and interconnect energy 6.09 uJ per image; the
  // operation count 1.23184e9 exactly.
  std::mt19937_64 rng(8);
  workloads::Network net;
  net.name = "vgg8_cifar";
  net.input_shape = {3, 32, 32};
  net.weights_file = "vgg8_cifar.safetensors";
  using K = workloads::LayerKind;
  std::string x = "input";
  std::int64_t cin = 3;
  int n = 0;
  for (std::int64_t c : {128, 256, 512}) {
    for (int k = 0; k < 2; ++k) {
      const std::string conv = "conv" + std::to_string(++n), relu = "relu" + std::to_string(n);
      testing_support::add_conv(net, conv, x, cin, c, 3, 1, 1, rng);
      testing_support::add_simple(net, relu, K::Relu, conv);
      x = relu;
      cin = c;
    }
    testing_support::add_simple(net, "pool" + std::to_string(n / 2), K::MaxPool2d, x);
    x = "pool" + std::to_string(n / 2);
  }
  testing_support::add_simple(net, "flatten", K::Flatten, x);
  testing_support::add_linear(net, "fc1", "flatten", 512 * 4 * 4, 1024, rng);
  testing_support::add_simple(net, "relu7", K::Relu, "fc1");
  testing_support::add_linear(net, "fc2", "relu7", 1024, 10, rng);
  workloads::validate_and_infer(net, "vgg8_cifar");
  const std::string path = dir_.file("vgg8_cifar.json");
  workloads::save_network(net, path);
  const CliRun r = run_cli("cost " + path + " --hw neurosim_like -o " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  const auto& c = rep["cost"];
  std::map<std::string, double> energy_uj;
  for (const auto& k : c["components"])
    energy_uj[k["name"].get<std::string>()] = k["dynamic_energy_pj"].get<double>() / 1e6;
  // NeuroSim prints six significant digits: 1.23184e9 (ours 1,231,835,136).
  EXPECT_NEAR(c["ops_per_inference"].get<double>(), 1.23184e9, 0.000005e9) << "same network";
  const auto within = [](double ours, double published) { return std::abs(ours / published - 1.0) <= 0.25; };
  EXPECT_TRUE(within(c["area_mm2"].get<double>(), 84.77)) << c["area_mm2"];
  EXPECT_TRUE(within(rep["timing"]["latency_ns"].get<double>(), 194225.0)) << rep["timing"]["latency_ns"];
  EXPECT_TRUE(within(energy_uj.at("adc"), 21.61)) << energy_uj.at("adc");
  EXPECT_TRUE(within(energy_uj.at("router"), 6.09)) << energy_uj.at("router");
}

TEST_F(Cli, CostRejectsBadInput) {
  expect_bad("cost " + dir_.file("missing.json"), {"missing.json: cannot open file"});
  expect_bad("cost " + json_ + " --set rows=0", {"--set: rows: expected an integer in [1, 4096]"});
  expect_bad("cost " + json_ + " --cost-table nope", {"cost_table: unknown cost table 'nope'"});
}

TEST_F(Cli, PeakReportsAFullChipAndRejectsBadPrecisions) {
  const CliRun r = run_cli(
      "peak --hw isaac_like --set sign_scheme=offset --set xbar_read_ns=100 --weight-bits 16 --input-bits 16 -o " +
      report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  // 168 tiles x 96 arrays, 15 sixteen-bit weights per array (8 slices + the reference column),
  // 16 phases of 100 ns: 16128 x 128 x 15 x 2 ops per 1.6 us.
  EXPECT_EQ(rep["chip"]["crossbars"], 16128);
  EXPECT_EQ(rep["chip"]["weights_per_crossbar"], 15);
  EXPECT_NEAR(rep["peak"]["tops"].get<double>(), 16128.0 * 128 * 15 * 2 / 1600 / 1e3, 1e-9);
  EXPECT_NE(r.output.find("upper bound"), std::string::npos) << r.output;
  fs::remove(report_);
  expect_bad("peak --weight-bits 1", {"--weight-bits: expected 2..16, found 1"});
  expect_bad("peak --input-bits 0", {"--input-bits: expected 1..16, found 0"});
  expect_bad("peak --hw neurosim_like", {"--tiles: hardware 'neurosim_like' has no max_tiles"});
}

TEST_F(Cli, RunDumpsLayerCodesAndLogitsOfBothEngines) {
  const std::string q = dir_.file("tiny_int8.json");
  ASSERT_EQ(run_cli("quantize " + json_ + " -o " + q + " --calibration-images 64").status, 0);
  const std::string dump = dir_.file("dump.safetensors");
  const CliRun r = run_cli("run " + q + " --trials 1 --limit 50 --error-images 3 --dump " + dump);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto f = workloads::read_safetensors(dump);
  for (const char* k :
       {"reference/flatten", "crossbar/flatten", "reference/fc", "crossbar/fc", "reference/logits", "crossbar/logits"})
    ASSERT_EQ(f.tensors.count(k), 1U) << k;
  EXPECT_EQ(f.tensors.at("reference/fc").shape(), (std::vector<std::int64_t>{3, 10}));
  EXPECT_EQ(f.tensors.at("reference/flatten").shape(), (std::vector<std::int64_t>{3, 784}));
  EXPECT_EQ(f.tensors.at("crossbar/logits").dtype(), workloads::DType::F32);
  // Independently: the integer reference on the same three test images.
  const auto net = workloads::load_network(q);
  const sim::ReferenceEngine ref(net, sim::Precision::Int);
  const auto test = workloads::load_fashion_mnist("", workloads::Split::Test);
  const Eigen::MatrixXf x = sim::image_batch(test, net.dataset.normalization, 0, 3);
  const Eigen::MatrixXd codes = ref.forward_int_codes(x);
  const auto dumped = f.tensors.at("reference/fc").to_double();
  for (Eigen::Index i = 0; i < codes.size(); ++i) EXPECT_EQ(dumped[static_cast<std::size_t>(i)], codes.data()[i]) << i;
  // Only the named layers, and a name that is not a layer is one line.
  ASSERT_EQ(run_cli("run " + q + " --trials 1 --limit 50 --error-images 2 --dump " + dump + " --dump-layers fc").status,
            0);
  EXPECT_EQ(workloads::read_safetensors(dump).tensors.count("reference/flatten"), 0U);
  expect_bad("run " + q + " --trials 1 --limit 50 --dump " + dump + " --dump-layers fc,conv9",
             {"--dump-layers: no layer 'conv9' in 'tiny' (layers: flatten, fc)"});
  // Inputs of the user's own: two images of uint8 pixels, normalised as the workload says; the
  // dumped reference codes are the reference engine's on them.
  workloads::TensorFile in;
  std::vector<std::uint8_t> px(2 * 784);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>((i * 37) % 256);
  in.tensors["images"] = workloads::Tensor::from<std::uint8_t>({2, 1, 28, 28}, px);
  const std::string inputs = dir_.file("inputs.safetensors");
  workloads::write_safetensors(inputs, in);
  ASSERT_EQ(run_cli("run " + q + " --trials 1 --limit 50 --dump " + dump + " --dump-inputs " + inputs).status, 0);
  Eigen::MatrixXf mine(784, 2);
  workloads::Dataset d;
  d.count = 2;
  d.channels = 1;
  d.height = d.width = 28;
  d.pixels = px;
  workloads::normalize_images(d, net.dataset.normalization, 0, 2, mine.data());
  const Eigen::MatrixXd want = ref.forward_int_codes(mine);
  const auto got = workloads::read_safetensors(dump).tensors.at("reference/fc").to_double();
  ASSERT_EQ(got.size(), 20U);
  for (Eigen::Index i = 0; i < want.size(); ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], want.data()[i]) << i;
  in.tensors["images"] = workloads::Tensor::from<std::uint8_t>({1, 1, 27, 28}, std::vector<std::uint8_t>(756));
  workloads::write_safetensors(inputs, in);
  expect_bad("run " + q + " --trials 1 --dump " + dump + " --dump-inputs " + inputs,
             {"inputs.safetensors: tensor \"images\" has shape [1, 1, 27, 28], expected [1, 1, 28, 28]"});
  expect_bad("run " + q + " --trials 1 --dump-inputs " + inputs, {"--dump-inputs needs --dump"});
}

TEST_F(Cli, RunReportsEnergyAreaAndTimingFromTheCostModel) {
  const CliRun r =
      run_cli("run " + json_ + " --trials 1 --limit 100 --calibration-images 64 --error-images 8 -o " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  const auto& c = rep["cost"];
  EXPECT_EQ(c["table"], "isaac_32nm");
  // linear 784 -> 10 on 7 crossbars, 8 one-bit phases, 80 converted columns each.
  double energy = 0, area = 0;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& k : c["components"]) {
    by_name[k["name"].get<std::string>()] = k;
    energy += k["energy_pj"].get<double>();
    area += k["area_um2"].get<double>();
  }
  EXPECT_EQ(by_name.at("crossbar")["actions"].get<double>(), 8.0 * 7);
  EXPECT_EQ(by_name.at("adc")["actions"].get<double>(), 8.0 * 7 * 80);
  EXPECT_EQ(by_name.at("adc")["instances"].get<double>(), 7.0);
  EXPECT_DOUBLE_EQ(by_name.at("adc")["dynamic_energy_pj"].get<double>(), 8.0 * 7 * 80 * 1.5625);
  EXPECT_EQ(by_name.count("fp_scaling_unit"), 0U);
  EXPECT_NEAR(c["energy_per_inference_pj"].get<double>(), energy, 1e-9 * energy);
  EXPECT_NEAR(c["area_mm2"].get<double>(), area / 1e6, 1e-12);
  EXPECT_NEAR(c["power_mw"].get<double>(), energy / c["time_per_inference_ns"].get<double>(), 1e-9);
  EXPECT_GT(rep["timing"]["latency_ns"].get<double>(), 0.0);
  EXPECT_NE(r.output.find("TOPS/W"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("edram_buffer"), std::string::npos) << r.output;
}

TEST_F(Cli, CompareChargesTheBaselineForItsFloatingPointScalingUnits) {
  // The same design twice: only the baseline's FP scaling units differ, and the difference in
  // energy per inference is exactly their energy.
  const CliRun r =
      run_cli("compare " + json_ + " " + json_ + " --images 100 --trials 1 --calibration-images 64 -o " + report_);
  ASSERT_EQ(r.status, 0) << r.output;
  const auto rep = nlohmann::json::parse(slurp(report_));
  EXPECT_EQ(rep["command"], "compare");
  const auto& m = rep["metrics"];
  EXPECT_EQ(m["ratio_a_over_b"]["crossbars"].get<double>(), 1.0);
  EXPECT_EQ(m["a"]["accuracy"], m["b"]["accuracy"]);
  double fp = -1;
  for (const auto& k : rep["components"]) {
    if (k["name"] == "fp_scaling_unit") {
      fp = k["energy_pj_a"].get<double>();
      EXPECT_EQ(k["energy_pj_b"].get<double>(), 0.0);
    }
  }
  ASSERT_GT(fp, 0.0);
  const double ea = rep["a"]["cost"]["energy_per_inference_pj"].get<double>();
  const double eb = rep["b"]["cost"]["energy_per_inference_pj"].get<double>();
  EXPECT_NEAR(ea - eb, fp, 1e-9 * ea);
  EXPECT_GT(m["ratio_a_over_b"]["computing_power_mw"].get<double>(), 1.0);
  // What each side pays for is stated: the same 8-bit weights in 4 two-bit slices; the baseline's
  // FP32 multipliers (one per shift-and-add unit) against the candidate's shifts.
  EXPECT_EQ(rep["a"]["mapping"]["weight_bits"], 8);
  EXPECT_EQ(rep["a"]["mapping"]["slices"], 4);
  EXPECT_NE(r.output.find("8-bit, 4 slices of 2-bit cells"), std::string::npos) << r.output;
  double fp_units = 0;
  for (const auto& k : rep["a"]["cost"]["components"]) {
    if (k["name"] == "fp_scaling_unit") fp_units = k["instances"].get<double>();
  }
  EXPECT_EQ(fp_units, rep["a"]["mapping"]["imas"].get<double>() * 4);  // 4 S+A units per IMA
  char fp_line[96];
  std::snprintf(fp_line, sizeof fp_line, "fp32 multiply per output, %.0f units, %.4g nJ", fp_units, fp / 1e3);
  EXPECT_NE(r.output.find(fp_line), std::string::npos) << fp_line << "\n" << r.output;
  EXPECT_NE(r.output.find("shift (power-of-two scales)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("fp_scaling_unit"), std::string::npos) << r.output;
}

TEST_F(Cli, CostInputsAreChecked) {
  expect_bad("run " + json_ + " --set cost_table=nope", {"cost_table: unknown cost table 'nope'", "isaac_32nm"});
  expect_bad("run " + json_ + " --set output_scaling=fp16", {"--set: output_scaling: expected \"shift\" or \"fp32\""});
  expect_bad("compare " + json_ + " " + json_ + " --baseline-units gold", {"--baseline-units: expected"});
  expect_bad("compare " + json_ + " " + dir_.file("none.json"), {"none.json"});
}

TEST_F(Cli, UnwritableReportLeavesNothingBehind) {
  const std::string out = dir_.file("no/such/dir/report.json");
  const CliRun r = run_cli("eval " + json_ + " --limit 10 --output " + out);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no/such/dir/report.json: --output: cannot create file"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  const CliRun q = run_cli("quantize " + json_ + " -o " + dir_.file("q.txt"));
  EXPECT_EQ(q.status, 2);
  EXPECT_NE(q.output.find("--output: expected a path ending in .json"), std::string::npos) << q.output;
}

}  // namespace
}  // namespace xbarsim::apps
