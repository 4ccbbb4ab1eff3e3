// The bad-input corpus: every case is a hostile or mistaken input handed to the xbarsim
// executable, which must answer with exit status 2 and exactly one line on stderr,
// "xbarsim <command>: error: ..." holding the expected fragment, within a time limit, under a
// hard address-space cap (release builds: 4 GiB), with no sanitizer report and no file left
// behind in the case's folder. The files are made here, in a fresh folder per case.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
/// No bad input may take longer (a sanitized debug build runs several times slower).
constexpr double kTimeLimitS = kSanitized ? 30.0 : 5.0;
constexpr rlim_t kAddressSpaceCap = rlim_t{4} << 30;

const std::string kZoo = std::string(XBARSIM_SOURCE_DIR) + "/workloads/zoo/";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}
void spit(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}
json read_json(const fs::path& p) { return json::parse(slurp(p)); }
void write_json(const fs::path& p, const json& j) { spit(p, j.dump(1)); }

/// A case's folder: the shipped LeNet-5 (integer) and MLP (float) workloads, a hardware file,
/// a device file, a cost table, a sweep spec and a five-image IDX data set, all valid; the
/// setup of each case breaks one thing.
class Folder {
 public:
  explicit Folder(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_ / "data");
    for (const char* f : {"lenet5_int8.json", "lenet5_int8.safetensors", "mlp.json", "mlp.safetensors"})
      fs::copy_file(kZoo + f, dir_ / f);
    fs::copy_file(kZoo + "onnx/mlp.onnx", dir_ / "mlp.onnx");
    write_json(dir_ / "hw.json", {{"version", 1}, {"preset", "isaac_like"}});
    write_json(dir_ / "dev.json", {{"version", 1}, {"preset", "rram_like"}});
    fs::copy_file(std::string(XBARSIM_SOURCE_DIR) + "/workloads/cost/isaac_32nm.json", dir_ / "cost.json");
    write_json(dir_ / "sweep.json", {{"version", 1},
                                     {"name", "t"},
                                     {"workload", "lenet5_int8.json"},
                                     {"images", 2},
                                     {"trials", 1},
                                     {"axes", {{{"key", "adc_bits"}, {"values", {6, 8}}}}}});
    for (const char* split : {"train", "t10k"}) {
      idx(std::string("data/") + split + "-images-idx3-ubyte", {5, 28, 28}, std::string(5 * 28 * 28, '\x40'));
      idx(std::string("data/") + split + "-labels-idx1-ubyte", {5}, std::string("\x01\x02\x03\x04\x05", 5));
    }
  }
  fs::path path(const std::string& name) const { return dir_ / name; }
  const fs::path& dir() const { return dir_; }

  void write(const std::string& name, const std::string& bytes) const { spit(dir_ / name, bytes); }
  /// `name` = the JSON file `from` after `edit`.
  void edit(const std::string& from, const std::string& name, const std::function<void(json&)>& edit) const {
    json j = read_json(dir_ / from);
    edit(j);
    write_json(dir_ / name, j);
  }
  /// An unsigned-byte IDX file with these dimensions and data bytes.
  void idx(const std::string& name, const std::vector<std::uint32_t>& dims, const std::string& data,
           unsigned char type = 0x08) const {
    std::string b{'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
    for (auto d : dims) {
      for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<char>((d >> s) & 0xFF));
    }
    spit(dir_ / name, b + data);
  }
  void fifo(const std::string& name) const { ::mkfifo((dir_ / name).c_str(), 0600); }
  void link(const std::string& name, const std::string& target) const { fs::create_symlink(target, dir_ / name); }
  /// A sparse file of `bytes` bytes (no disk used).
  void sparse(const std::string& name, std::uint64_t bytes) const {
    spit(dir_ / name, "");
    ASSERT_EQ(::truncate((dir_ / name).c_str(), static_cast<off_t>(bytes)), 0);
  }
  /// A safetensors file from a header object and `data` bytes.
  void safetensors(const std::string& name, const json& header, const std::string& data) const {
    safetensors_raw(name, header.dump(), data);
  }
  void safetensors_raw(const std::string& name, const std::string& header, const std::string& data) const {
    std::string out(8, '\0');
    const std::uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    spit(dir_ / name, out + header + data);
  }
  /// lenet5_int8.json reading its weights from `weights`.
  void network_with_weights(const std::string& weights) const {
    edit("lenet5_int8.json", "net.json", [&](json& j) { j["weights"] = weights; });
  }

 private:
  fs::path dir_;
};

struct BadCase {
  std::string name;      ///< test name (letters, digits, _)
  std::string args;      ///< shell words after "xbarsim", run in the case's folder
  std::string fragment;  ///< expected in the error line
  std::function<void(const Folder&)> setup = [](const Folder&) {};
};

/// Names the case in failure messages (instead of its bytes).
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

std::string nested(int depth) { return std::string(static_cast<std::size_t>(depth), '[') + std::string(depth, ']'); }

std::vector<BadCase> command_line_cases() {
  std::vector<BadCase> v = {
      {"NoCommand", "", "expected a command"},
      {"UnknownCommand", "frobnicate", "unknown command 'frobnicate'"},
      {"EvalThreadsNegative", "eval lenet5_int8.json --threads -1", "--threads: expected a non-negative integer"},
      {"RunThreadsNegative", "run lenet5_int8.json --threads -1", "--threads: expected a non-negative integer"},
      {"RunSeedNegative", "run lenet5_int8.json --seed -1", "--seed: expected a non-negative integer"},
      {"SweepJobsNegative", "sweep sweep.json --jobs -1", "--jobs: expected a non-negative integer"},
      {"SweepThreadsNegative", "sweep sweep.json --threads -4", "--threads: expected a non-negative integer"},
      {"CompareTrialsZero", "compare lenet5_int8.json lenet5_int8.json --trials 0", "--trials: expected at least 1"},
      {"CompareImagesNegative", "compare lenet5_int8.json lenet5_int8.json --images -5",
       "--images: expected a non-negative number"},
      {"CompareSeedNegative", "compare lenet5_int8.json lenet5_int8.json --seed -3",
       "--seed: expected a non-negative integer"},
      {"CompareMissingCandidate", "compare lenet5_int8.json", "candidate"},
      {"EvalLimitNegative", "eval lenet5_int8.json --limit -3", "--limit: expected a non-negative number"},
      {"EvalThreadsNotANumber", "eval lenet5_int8.json --threads abc", "'--threads' is invalid"},
      {"EvalPrecisionUnknown", "eval lenet5_int8.json --precision double", "--precision: expected float or int"},
      {"RunTrialsZero", "run lenet5_int8.json --trials 0", "--trials"},
      {"RunTrialsNegative", "run lenet5_int8.json --trials -2", "--trials"},
      {"RunLimitNegative", "run lenet5_int8.json --limit -1", "--limit"},
      {"RunSetWithoutEquals", "run lenet5_int8.json --set nonsense", "--set: expected key=value"},
      {"RunSetNotAnInteger", "run lenet5_int8.json --set rows=abc", "rows: expected an integer"},
      {"RunSetNumberOverflow", "run lenet5_int8.json --set rows=1e400", "rows: expected an integer"},
      {"RunSetUnknownKey", "run lenet5_int8.json --set bogus_key=1", "bogus_key: unknown key"},
      {"RunSetRowsZero", "run lenet5_int8.json --set rows=0", "rows"},
      {"RunSetAdcBitsHuge", "run lenet5_int8.json --set adc_bits=99", "adc_bits"},
      {"RunSetSigmaNegative", "run lenet5_int8.json --set device.write_sigma=-1", "write_sigma"},
      {"RunSetSigmaNaN", "run lenet5_int8.json --set device.write_sigma=NaN", "write_sigma"},
      {"RunSetDeviceUnknown", "run lenet5_int8.json --set device=nowhere", "unknown device preset 'nowhere'"},
      {"RunHardwareUnknown", "run lenet5_int8.json --hw nope", "unknown hardware preset 'nope'"},
      {"RunHardwareMissing", "run lenet5_int8.json --hw missing.json", "missing.json: cannot open file"},
      {"RunScheduleUnknown", "run lenet5_int8.json --cycle-level --schedule sideways", "schedule"},
      // A design estimated to need more memory than allowed is refused before anything is programmed.
      {"RunMaxMemoryTooSmall", "run lenet5_int8.json --max-memory 1 --output report.json",
       "--max-memory: expected at least the"},
      {"RunMaxMemoryNegative", "run lenet5_int8.json --max-memory -5", "--max-memory: expected a non-negative number"},
      {"RunMaxMemoryNaN", "run lenet5_int8.json --max-memory nan", "--max-memory: expected a non-negative number"},
      {"RunSeedsPerPassNegative", "run lenet5_int8.json --seeds-per-pass -1",
       "--seeds-per-pass: expected a non-negative number of seeds"},
      {"RunMaxMemoryCycleLevel", "run lenet5_int8.json --cycle-level --max-memory 100",
       "--max-memory: not with --cycle-level"},
      {"InfoMissingWorkload", "info", "workload"},
      {"InfoTwoWorkloads", "info lenet5_int8.json mlp.json", "too many positional options"},
      {"MapColsZero", "map lenet5_int8.json --set cols=0", "cols"},
      {"MapFullScaleTooLarge", "map lenet5_int8.json --set rows=4096 --set cell_bits=8 --set dac_bits=8",
       "exceeds 2^24"},
      {"CostTableUnknown", "cost lenet5_int8.json --cost-table nope", "unknown cost table 'nope'"},
      // Preset names longer than a file name may be (fuzz_hardware found std::filesystem::exists
      // throwing ENAMETOOLONG past the reader): unknown presets like any other.
      {"RunSetDeviceNameTooLong",
       "run lenet5_int8.json --set "
       "device="
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
       "unknown device preset"},
      {"HwPresetNameTooLong",
       "map lenet5_int8.json --hw "
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
       "unknown hardware preset"},
      {"CostTableNameTooLong",
       "cost lenet5_int8.json --cost-table "
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
       "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
       "unknown cost table"},
      {"PeakTilesNegative", "peak --tiles -2", "--tiles"},
      {"ConvertDeepWorkload", "convert deep.json -o out.json", "nested deeper than",
       [](const Folder& f) { f.write("deep.json", "{\"version\": 1, \"name\": " + nested(1000000) + "}"); }},
      {"ConvertNoOutput", "convert lenet5_int8.json", "output"},
      {"ConvertBadExtension", "convert lenet5_int8.json -o out.txt", "--output: expected a path ending in .json"},
      {"QuantizeWeightBitsZero", "quantize mlp.json -o q.json --weight-bits 0 --data-dir data", "bits"},
      {"QuantizeCalibrationZero", "quantize mlp.json -o q.json --calibration-images 0 --data-dir data", "images"},
      {"KeysExtraArgument", "keys extra", "keys"},
  };
  for (const char* c :
       {"eval", "quantize", "info", "map", "cost", "peak", "run", "compare", "sweep", "convert", "import", "keys"}) {
    v.push_back({std::string("UnknownOption_") + c, std::string(c) + " --bogus", "unrecognised option '--bogus'"});
  }
  return v;
}

/// One reader's file given as something that is not a readable file of sane size.
std::vector<BadCase> file_kind_cases() {
  struct Reader {
    std::string name;
    std::string args;  ///< with {F} for the file
    std::string file;  ///< the file name the setup makes
    std::function<void(const Folder&)> prepare = [](const Folder&) {};
  };
  const std::vector<Reader> readers = {
      {"Network", "info {F}", "bad.json"},
      {"Weights", "info net.json", "w.safetensors", [](const Folder& f) { f.network_with_weights("w.safetensors"); }},
      {"Hardware", "map lenet5_int8.json --hw {F}", "bad.json"},
      {"Device", "map lenet5_int8.json --set device={F}", "bad.json"},
      {"CostTable", "cost lenet5_int8.json --cost-table {F}", "bad.json"},
      {"Sweep", "sweep {F} -o out", "bad.json"},
      {"Onnx", "import {F} -o imported.json", "bad.onnx"},
      {"OnnxAsWorkload", "info {F}", "bad.onnx"},
      {"IdxImages", "eval lenet5_int8.json --data-dir data --limit 2", "data/t10k-images-idx3-ubyte",
       [](const Folder& f) { fs::remove(f.path("data/t10k-images-idx3-ubyte")); }},
  };
  std::vector<BadCase> v;
  for (const auto& r : readers) {
    std::string args = r.args;
    if (const auto at = args.find("{F}"); at != std::string::npos) args.replace(at, 3, r.file);
    const auto prep = r.prepare;
    const std::string file = r.file;
    v.push_back({r.name + "_IsMissing", args, "cannot open", [prep](const Folder& f) { prep(f); }});
    if (r.name == "IdxImages") v.back().fragment = "not found";
    v.push_back({r.name + "_IsADirectory", args, "is a directory", [prep, file](const Folder& f) {
                   prep(f);
                   fs::create_directories(f.path(file));
                 }});
    v.push_back({r.name + "_IsAFifo", args, "not a regular file", [prep, file](const Folder& f) {
                   prep(f);
                   f.fifo(file);
                 }});
    v.push_back({r.name + "_IsDevZero", args, "not a regular file", [prep, file](const Folder& f) {
                   prep(f);
                   f.link(file, "/dev/zero");
                 }});
    v.push_back({r.name + "_IsHugeSparse", args, "more than the limit", [prep, file](const Folder& f) {
                   prep(f);
                   f.sparse(file, std::uint64_t{3} << 30);
                 }});
    v.push_back({r.name + "_IsEmpty", args, file.substr(file.find_last_of('/') + 1), [prep, file](const Folder& f) {
                   prep(f);
                   f.write(file, "");
                 }});
    v.push_back({r.name + "_IsGarbage", args, file.substr(file.find_last_of('/') + 1), [prep, file](const Folder& f) {
                   prep(f);
                   f.write(file, std::string("\x7f\x45\x4c\x46\x02\x01\x01\x00 garbage \xff\xfe", 20));
                 }});
  }
  return v;
}

/// JSON files that are not JSON, or JSON no reader should have to hold.
std::vector<BadCase> json_cases() {
  struct Target {
    std::string name;
    std::string args;  ///< reads bad.json
    std::string valid;
  };
  const std::vector<Target> targets = {
      {"Network", "info bad.json", "lenet5_int8.json"},
      {"Hardware", "map lenet5_int8.json --hw bad.json", "hw.json"},
      {"Device", "map lenet5_int8.json --set device=bad.json", "dev.json"},
      {"CostTable", "cost lenet5_int8.json --cost-table bad.json", "cost.json"},
      {"Sweep", "sweep bad.json -o out", "sweep.json"},
  };
  std::vector<BadCase> v;
  for (const auto& t : targets) {
    const std::string valid = t.valid;
    v.push_back({t.name + "_NumberOverflow", t.args, "number overflow", [valid](const Folder& f) {
                   std::string s = slurp(f.path(valid));
                   s.replace(s.find("\"version\": 1"), 12, "\"version\": 1e400");
                   f.write("bad.json", s);
                 }});
    v.push_back({t.name + "_NegativeOverflow", t.args, "number overflow", [valid](const Folder& f) {
                   std::string s = slurp(f.path(valid));
                   s.replace(s.find("\"version\": 1"), 12, "\"version\": -1e400");
                   f.write("bad.json", s);
                 }});
    v.push_back({t.name + "_DeepArrays", t.args, "nested deeper than",
                 [](const Folder& f) { f.write("bad.json", nested(1000000)); }});
    v.push_back({t.name + "_DeepUnderAKey", t.args, "nested deeper than",
                 [](const Folder& f) { f.write("bad.json", "{\"version\": 1, \"zzz\": " + nested(200000) + "}"); }});
    v.push_back({t.name + "_DeepObjects", t.args, "nested deeper than", [](const Folder& f) {
                   std::string s;
                   for (int i = 0; i < 100000; ++i) s += "{\"a\":";
                   f.write("bad.json", s + "1" + std::string(100000, '}'));
                 }});
    v.push_back({t.name + "_Truncated", t.args, "malformed JSON", [valid](const Folder& f) {
                   const std::string s = slurp(f.path(valid));
                   f.write("bad.json", s.substr(0, s.size() / 2));
                 }});
    v.push_back({t.name + "_NaNToken", t.args, "malformed JSON",
                 [](const Folder& f) { f.write("bad.json", "{\"version\": NaN}"); }});
    v.push_back({t.name + "_InvalidUtf8", t.args, "malformed JSON",
                 [](const Folder& f) { f.write("bad.json", "{\"version\": 1, \"name\": \"\xff\xfe\"}"); }});
    v.push_back({t.name + "_TopLevelArray", t.args, "expected a JSON object",
                 [](const Folder& f) { f.write("bad.json", "[1, 2]"); }});
    v.push_back({t.name + "_WrongVersion", t.args, "version",
                 [valid](const Folder& f) { f.edit(valid, "bad.json", [](json& j) { j["version"] = 7; }); }});
    v.push_back({t.name + "_UnknownKey", t.args, "zzz_unknown",
                 [valid](const Folder& f) { f.edit(valid, "bad.json", [](json& j) { j["zzz_unknown"] = 1; }); }});
  }
  return v;
}

std::vector<BadCase> network_cases() {
  const auto net = [](std::function<void(json&)> e) {
    return [e](const Folder& f) { f.edit("lenet5_int8.json", "bad.json", e); };
  };
  return {
      {"NetInputShapeHuge", "info bad.json", "holds more than", net([](json& j) {
         j["input"]["shape"] = {1, 1 << 20, 1 << 20};
         j["layers"] = json::array({j["layers"][1]});
         j["layers"][0]["inputs"] = {"input"};
       })},
      {"NetInputShape2To40", "info bad.json", "input.shape", net([](json& j) { j["input"]["shape"] = {1LL << 40}; })},
      {"NetInputShapeNegative", "info bad.json", "input.shape", net([](json& j) {
         j["input"]["shape"] = {1, -28, 28};
       })},
      {"NetInputShapeEmpty", "info bad.json", "input.shape", net([](json& j) { j["input"]["shape"] = json::array(); })},
      {"NetInputShapeFourDims", "info bad.json", "input.shape", net([](json& j) {
         j["input"]["shape"] = {1, 1, 28, 28};
       })},
      {"NetNoLayers", "info bad.json", "layers", net([](json& j) { j["layers"] = json::array(); })},
      {"NetLayerTypeUnknown", "info bad.json", "type", net([](json& j) { j["layers"][0]["type"] = "conv9d"; })},
      {"NetShiftExponentHuge", "eval bad.json --limit 2 --data-dir data", "output_scale_exp",
       net([](json& j) { j["layers"][0]["quantization"]["output_scale_exp"] = -192; })},
      {"NetWeightExponentHuge", "info bad.json", "weight_scale_exp",
       net([](json& j) { j["layers"][0]["quantization"]["weight_scale_exp"] = 192; })},
      {"NetInputExponentHuge", "info bad.json", "input_scale_exp",
       net([](json& j) { j["quantization"]["input_scale_exp"] = 100000; })},
      {"NetWeightBitsZero", "info bad.json", "weight_bits",
       net([](json& j) { j["layers"][0]["quantization"]["weight_bits"] = 0; })},
      {"NetWeightBitsHuge", "info bad.json", "weight_bits",
       net([](json& j) { j["layers"][0]["quantization"]["weight_bits"] = 99; })},
      {"NetInputBitsZero", "info bad.json", "input_bits", net([](json& j) { j["quantization"]["input_bits"] = 0; })},
      {"NetUnknownInputTensor", "info bad.json", "is not the network input",
       net([](json& j) { j["layers"][2]["inputs"] = {"nowhere"}; })},
      {"NetDuplicateName", "info bad.json", "already used", net([](json& j) { j["layers"][1]["name"] = "conv1"; })},
      {"NetKernelZero", "info bad.json", "kernel_size", net([](json& j) { j["layers"][0]["kernel_size"] = 0; })},
      {"NetStrideZero", "info bad.json", "stride", net([](json& j) { j["layers"][0]["stride"] = 0; })},
      {"NetPaddingHuge", "info bad.json", "padding", net([](json& j) { j["layers"][0]["padding"] = 1 << 30; })},
      {"NetOutChannelsHuge", "info bad.json", "out_channels",
       net([](json& j) { j["layers"][0]["out_channels"] = 1 << 22; })},
      {"NetOutChannelsMismatch", "info bad.json", "conv1", net([](json& j) { j["layers"][0]["out_channels"] = 7; })},
      {"NetWeightTensorMissing", "info bad.json", "conv1.weight_qq",
       net([](json& j) { j["layers"][0]["quantization"]["weight"] = "conv1.weight_qq"; })},
      {"NetWeightTensorWrongDtype", "info bad.json", "dtype",
       net([](json& j) { j["layers"][0]["quantization"]["weight"] = "conv1.weight"; })},
      {"NetNameNotString", "info bad.json", "name", net([](json& j) { j["name"] = 5; })},
      {"NetLayersNotArray", "info bad.json", "layers", net([](json& j) { j["layers"] = "many"; })},
      {"NetDatasetUnknownFormat", "info bad.json", "jpeg", net([](json& j) { j["dataset"]["format"] = "jpeg"; })},
      {"NetNormalizationStdZero", "eval bad.json --limit 2 --data-dir data", "std",
       net([](json& j) { j["dataset"]["normalization"]["std"] = {0.0}; })},
      {"NetWeightsPathEscapes", "info bad.json", "cannot open",
       net([](json& j) { j["weights"] = "../../../../../../nowhere/w.safetensors"; })},
  };
}

std::vector<BadCase> safetensors_cases() {
  const auto weights = [](std::function<void(const Folder&)> make) {
    return [make](const Folder& f) {
      f.network_with_weights("w.safetensors");
      make(f);
    };
  };
  const auto one = [weights](json entry, std::string data) {
    return weights([entry, data](const Folder& f) { f.safetensors("w.safetensors", {{"t", entry}}, data); });
  };
  const std::string A = "info net.json";
  return {
      {"StShapeProductOverflows", A, "needs more bytes than 64 bits count",
       one({{"dtype", "F32"}, {"shape", {1LL << 33, 1LL << 33}}, {"data_offsets", {0, 16}}}, std::string(16, '\0'))},
      {"StShapeOverflowToZero", A, "needs more bytes than 64 bits count",
       one({{"dtype", "F32"}, {"shape", {1LL << 32, 1LL << 32}}, {"data_offsets", {0, 0}}}, "")},
      {"StShapeHugeSingle", A, "needs 8796093022208 bytes, data_offsets give 8",
       one({{"dtype", "F64"}, {"shape", {1LL << 40}}, {"data_offsets", {0, 8}}}, std::string(8, '\0'))},
      {"StShapeNegative", A, "shape", one({{"dtype", "F32"}, {"shape", {-1}}, {"data_offsets", {0, 4}}}, "abcd")},
      {"StShapeNotArray", A, "shape", one({{"dtype", "F32"}, {"shape", 4}, {"data_offsets", {0, 4}}}, "abcd")},
      {"StShapeMismatch", A, "needs 8 bytes, data_offsets give 4",
       one({{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 4}}}, "abcd")},
      {"StDtypeUnknown", A, "dtype", one({{"dtype", "Q7"}, {"shape", {1}}, {"data_offsets", {0, 4}}}, "abcd")},
      {"StOffsetsReversed", A, "data_offsets",
       one({{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {4, 0}}}, "abcd")},
      {"StOffsetsBeyond", A, "outside the data section",
       one({{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 1LL << 40}}}, "abcd")},
      {"StOffsetsNegative", A, "data_offsets",
       one({{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {-4, 0}}}, "abcd")},
      {"StOffsetsMissing", A, "data_offsets", one({{"dtype", "F32"}, {"shape", {1}}}, "abcd")},
      {"StEntryUnknownKey", A, "unknown key",
       one({{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 4}}, {"zz", 1}}, "abcd")},
      {"StEntryNotObject", A, "entry must be an object", one(json(3), "")},
      {"StOverlap", A, "overlap", weights([](const Folder& f) {
         f.safetensors("w.safetensors",
                       {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
                        {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {4, 12}}}}},
                       std::string(12, '\0'));
       })},
      {"StHeaderLengthHuge", A, "header length", weights([](const Folder& f) {
         std::string s(8, '\xff');
         f.write("w.safetensors", s + "{}");
       })},
      {"StHeaderLengthPastEnd", A, "header length", weights([](const Folder& f) {
         std::string s(8, '\0');
         s[0] = 100;
         f.write("w.safetensors", s + "{}");
       })},
      {"StShortFile", A, "expected at least the 8-byte header length",
       weights([](const Folder& f) { f.write("w.safetensors", "abc"); })},
      {"StHeaderNotJson", A, "header is not valid JSON",
       weights([](const Folder& f) { f.safetensors_raw("w.safetensors", "{nope", ""); })},
      {"StHeaderNumberOverflow", A, "number overflow", weights([](const Folder& f) {
         f.safetensors_raw("w.safetensors", R"({"t": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 4]}})",
                           "abcd");
       })},
      {"StHeaderDeep", A, "nested deeper than",
       weights([](const Folder& f) { f.safetensors_raw("w.safetensors", "{\"t\": " + nested(100000) + "}", ""); })},
      {"StHeaderNotObject", A, "header must be a JSON object",
       weights([](const Folder& f) { f.safetensors_raw("w.safetensors", "[1]", ""); })},
      {"StMetadataNotStrings", A, "__metadata__", weights([](const Folder& f) {
         f.safetensors("w.safetensors", {{"__metadata__", {{"k", 1}}}}, "");
       })},
      {"StTensorMissing", A, "conv1.weight",
       weights([](const Folder& f) { f.safetensors("w.safetensors", json::object(), ""); })},
      {"StTruncated", A, "outside the data section", weights([](const Folder& f) {
         const std::string s = slurp(f.path("lenet5_int8.safetensors"));
         f.write("w.safetensors", s.substr(0, s.size() - 1000));
       })},
  };
}

std::vector<BadCase> dataset_cases() {
  const std::string E = "eval lenet5_int8.json --data-dir data --limit 2";
  const auto images = [](std::vector<std::uint32_t> dims, std::string data, unsigned char type = 0x08) {
    return [dims, data, type](const Folder& f) { f.idx("data/t10k-images-idx3-ubyte", dims, data, type); };
  };
  const auto labels = [](std::vector<std::uint32_t> dims, std::string data) {
    return [dims, data](const Folder& f) { f.idx("data/t10k-labels-idx1-ubyte", dims, data); };
  };
  const auto both = [](std::uint32_t n, std::uint32_t h, std::uint32_t w, const char* split) {
    return [n, h, w, split](const Folder& f) {
      f.idx(std::string("data/") + split + "-images-idx3-ubyte", {n, h, w}, std::string(std::size_t{n} * h * w, 'x'));
      f.idx(std::string("data/") + split + "-labels-idx1-ubyte", {n}, std::string(n, '\x01'));
    };
  };
  const auto cifar = [](std::string file_bytes) {
    return [file_bytes](const Folder& f) {
      f.edit("lenet5_int8.json", "cifar.json", [](json& j) {
        j["dataset"] = {{"name", "c"}, {"format", "cifar10"}, {"dir", "cdata"}};
      });
      fs::create_directories(f.path("cdata"));
      f.write("cdata/test_batch.bin", file_bytes);
    };
  };
  return {
      {"IdxZeroImages", E, "hold no images", both(0, 28, 28, "t10k")},
      {"IdxZeroImagesForPtq", "run mlp.json --data-dir data --limit 2", "hold no images", both(0, 28, 28, "train")},
      {"IdxWrongSizeForEval", E, "the network expects 784", both(4, 32, 32, "t10k")},
      {"IdxWrongSizeForPtq", "run mlp.json --data-dir data --limit 2", "the network expects 784",
       both(20, 32, 32, "train")},
      {"IdxWrongSizeForQuantize", "quantize mlp.json -o q.json --data-dir data", "the network expects 784",
       both(20, 32, 32, "train")},
      {"IdxBadMagic", E, "bad IDX magic",
       [](const Folder& f) { f.write("data/t10k-images-idx3-ubyte", "\x01\x02\x08\x03"); }},
      {"IdxBadType", E, "element type", images({5, 28, 28}, std::string(5 * 784, 'x'), 0x0D)},
      {"IdxZeroDims", E, "0 dimensions", images({}, "")},
      {"IdxHugeDims", E, "IDX dimensions need more than",
       images({0xFFFFFFFFU, 0xFFFFFFFFU, 0xFFFFFFFFU}, std::string(64, 'x'))},
      {"IdxHugeFirstDim", E, "IDX dimensions need more than", images({0x7FFFFFFFU, 28, 28}, std::string(64, 'x'))},
      {"IdxTruncatedHeader", E, "truncated IDX header",
       [](const Folder& f) { f.write("data/t10k-images-idx3-ubyte", std::string("\0\0\x08\x03\0\0", 6)); }},
      {"IdxTruncatedData", E, "truncated file", images({5, 28, 28}, std::string(100, 'x'))},
      {"IdxExtraData", E, "IDX data has more bytes", images({5, 28, 28}, std::string(5 * 784 + 1, 'x'))},
      {"IdxShortHeader", E, "too short",
       [](const Folder& f) { f.write("data/t10k-images-idx3-ubyte", std::string(2, '\0')); }},
      {"IdxTwoDimImages", E, "expected 3 (N, H, W) or 4", images({5, 784}, std::string(5 * 784, 'x'))},
      {"IdxLabelsCountMismatch", E, "3 labels for 5 images", labels({3}, "\x01\x01\x01")},
      {"IdxLabelsTwoDims", E, "expected 1 dimension", labels({5, 1}, "\x01\x01\x01\x01\x01")},
      {"IdxLabelOutOfRange", E, "label 200", labels({5}, "\x01\xc8\x01\x01\x01")},
      {"IdxGzipCorrupt", E, "corrupt gzip data",
       [](const Folder& f) {
         fs::remove(f.path("data/t10k-images-idx3-ubyte"));
         f.write("data/t10k-images-idx3-ubyte.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!", 18));
       }},
      {"IdxTrainMissing", "run mlp.json --data-dir data --limit 2", "train-images-idx3-ubyte.gz: not found",
       [](const Folder& f) { fs::remove(f.path("data/train-images-idx3-ubyte")); }},
      {"DataDirMissing", "eval lenet5_int8.json --data-dir nowhere", "nowhere/t10k-images-idx3-ubyte.gz: not found"},
      {"CifarNotWholeRecords", "eval cifar.json --limit 2", "not a whole number", cifar(std::string(3073 + 5, 'x'))},
      {"CifarEmpty", "eval cifar.json --limit 2", "not a whole number", cifar("")},
      {"CifarLabelOutOfRange", "eval cifar.json --limit 2", "label 11", cifar("\x0b" + std::string(3072, 'x'))},
      {"SafetensorsImagesWrongDtype", "eval st.json --limit 2", "expected U8",
       [](const Folder& f) {
         f.edit("lenet5_int8.json", "st.json", [](json& j) {
           j["dataset"] = {{"name", "s"}, {"format", "safetensors"}, {"dir", "sdata"}};
         });
         fs::create_directories(f.path("sdata"));
         f.safetensors("sdata/test.safetensors",
                       {{"images", {{"dtype", "F32"}, {"shape", {1, 28, 28}}, {"data_offsets", {0, 3136}}}},
                        {"labels", {{"dtype", "U8"}, {"shape", {1}}, {"data_offsets", {3136, 3137}}}}},
                       std::string(3137, '\0'));
       }},
      {"SafetensorsImagesNoLabels", "eval st.json --limit 2", "expected tensors",
       [](const Folder& f) {
         f.edit("lenet5_int8.json", "st.json", [](json& j) {
           j["dataset"] = {{"name", "s"}, {"format", "safetensors"}, {"dir", "sdata"}};
         });
         fs::create_directories(f.path("sdata"));
         f.safetensors("sdata/test.safetensors",
                       {{"images", {{"dtype", "U8"}, {"shape", {1, 28, 28}}, {"data_offsets", {0, 784}}}}},
                       std::string(784, '\0'));
       }},
      {"DumpInputsZeroImages", "run lenet5_int8.json --dump d.safetensors --dump-inputs in.safetensors", "no images",
       [](const Folder& f) {
         f.safetensors("in.safetensors",
                       {{"images", {{"dtype", "U8"}, {"shape", {0, 1, 28, 28}}, {"data_offsets", {0, 0}}}}}, "");
       }},
  };
}

std::vector<BadCase> config_cases() {
  const auto hw = [](json j) { return [j](const Folder& f) { write_json(f.path("bad.json"), j); }; };
  const std::string M = "map lenet5_int8.json --hw bad.json";
  const std::string D = "map lenet5_int8.json --set device=bad.json";
  const std::string C = "cost lenet5_int8.json --cost-table bad.json";
  const auto cost = [](std::function<void(json&)> e) {
    return [e](const Folder& f) { f.edit("cost.json", "bad.json", e); };
  };
  return {
      {"HwRowsZero", M, "rows", hw({{"version", 1}, {"preset", "isaac_like"}, {"rows", 0}})},
      {"HwRowsHuge", M, "rows", hw({{"version", 1}, {"preset", "isaac_like"}, {"rows", 1LL << 40}})},
      {"HwCellBitsZero", M, "cell_bits", hw({{"version", 1}, {"preset", "isaac_like"}, {"cell_bits", 0}})},
      {"HwAdcBitsString", M, "adc_bits", hw({{"version", 1}, {"preset", "isaac_like"}, {"adc_bits", "eight"}})},
      {"HwColumnsPerAdcTooMany", M, "columns_per_adc",
       hw({{"version", 1}, {"preset", "isaac_like"}, {"columns_per_adc", 4096}})},
      {"HwSignSchemeUnknown", M, "sign_scheme", hw({{"version", 1}, {"preset", "isaac_like"}, {"sign_scheme", "x"}})},
      {"HwPresetMissingFile", M, "nowhere.json", hw({{"version", 1}, {"preset", "nowhere.json"}})},
      {"HwPresetUnknownName", M, "unknown hardware preset", hw({{"version", 1}, {"preset", "nope"}})},
      {"HwPresetCycle", M, "preset chain deeper than 8",
       [](const Folder& f) {
         write_json(f.path("bad.json"), {{"version", 1}, {"preset", "b.json"}});
         write_json(f.path("b.json"), {{"version", 1}, {"preset", "bad.json"}});
       }},
      {"HwPresetSelf", M, "preset chain deeper than 8", hw({{"version", 1}, {"preset", "bad.json"}})},
      {"HwPresetRelativeToItsFolder", "map lenet5_int8.json --hw sub/bad.json", "sub/missing_base.json",
       [](const Folder& f) {
         fs::create_directories(f.path("sub"));
         write_json(f.path("sub/bad.json"), {{"version", 1}, {"preset", "missing_base.json"}});
       }},
      {"HwDeviceKeyUnknown", M, "zz_key", hw({{"version", 1}, {"preset", "isaac_like"}, {"device", {{"zz_key", 1}}}})},
      {"HwDeviceNotObject", M, "device", hw({{"version", 1}, {"preset", "isaac_like"}, {"device", 5}})},
      {"HwReplicationAutoNoBudget", M, "max_tiles",
       hw({{"version", 1}, {"preset", "isaac_like"}, {"replication", "auto"}, {"max_tiles", 0}})},
      {"DevSigmaNegative", D, "write_sigma", hw({{"version", 1}, {"preset", "rram_like"}, {"write_sigma", -0.1}})},
      {"DevFaultRateAboveOne", D, "fault_rate", hw({{"version", 1}, {"preset", "rram_like"}, {"fault_rate", 2}})},
      {"DevGminAboveGmax", D, "g_min",
       hw({{"version", 1}, {"preset", "rram_like"}, {"g_min_us", 100}, {"g_max_us", 1}})},
      {"DevPresetCycle", D, "preset chain deeper than 8", hw({{"version", 1}, {"preset", "bad.json"}})},
      {"DevUnknownKey", D, "zz_key", hw({{"version", 1}, {"zz_key", 1}})},
      {"CostUnknownClass", C, "warp_drive: unknown component class",
       cost([](json& j) { j["components"]["warp_drive"] = j["components"]["adc"]; })},
      {"CostCellsClass", C, "cells: unknown component class",
       cost([](json& j) { j["components"]["cells"] = j["components"]["adc"]; })},
      {"CostNegativeEnergy", C, "energy_pj", cost([](json& j) { j["components"]["adc"]["energy_pj"] = -1; })},
      {"CostMissingSource", C, "source", cost([](json& j) { j["components"]["adc"].erase("source"); })},
      {"CostTechnologyZero", C, "technology_nm", cost([](json& j) { j["technology_nm"] = 0; })},
      {"CostBitsScalingUnknown", C, "bits_scaling",
       cost([](json& j) { j["components"]["adc"]["bits_scaling"] = "linear"; })},
      {"CostComponentsNotObject", C, "components", cost([](json& j) { j["components"] = json::array(); })},
      {"CostReferenceRowsAlone", C, "reference_rows",
       cost([](json& j) { j["components"]["crossbar"].erase("reference_cols"); })},
  };
}

std::vector<BadCase> sweep_cases() {
  const auto spec = [](std::function<void(json&)> e) {
    return [e](const Folder& f) { f.edit("sweep.json", "bad.json", e); };
  };
  const std::string S = "sweep bad.json -o out";
  return {
      {"SweepAxesEmpty", S, "axes", spec([](json& j) { j["axes"] = json::array(); })},
      {"SweepAxisUnknownKey", S, "zz_key", spec([](json& j) { j["axes"][0]["key"] = "zz_key"; })},
      {"SweepAxisValuesNotArray", S, "values", spec([](json& j) { j["axes"][0]["values"] = 3; })},
      {"SweepAxisValueDuplicate", S, "repeats", spec([](json& j) {
         j["axes"][0]["values"] = {6, 6};
       })},
      {"SweepAxisValueWrongType", S, "adc_bits", spec([](json& j) {
         j["axes"][0]["values"] = {6, "many"};
       })},
      {"SweepMillionPointsLastInvalid", S, "axes[2].values[99]: rows", spec([](json& j) {
         json a = json::array(), b = json::array(), c = json::array();
         for (int i = 1; i <= 100; ++i) a.push_back(i * 0.001);
         for (int i = 1; i <= 100; ++i) b.push_back(i * 1e-5);
         for (int i = 1; i <= 100; ++i) c.push_back(i);
         c.back() = -5;
         j["axes"] = {{{"key", "device.write_sigma"}, {"values", a}},
                      {{"key", "device.fault_rate"}, {"values", b}},
                      {{"key", "rows"}, {"values", c}}};
       })},
      {"SweepMillionPoints", S, "more than 100000 points", spec([](json& j) {
         json a = json::array(), b = json::array();
         for (int i = 1; i <= 1000; ++i) a.push_back(i * 0.001);
         for (int i = 1; i <= 1000; ++i) b.push_back(i * 1e-6);
         j["axes"] = {{{"key", "device.write_sigma"}, {"values", a}}, {{"key", "device.fault_rate"}, {"values", b}}};
       })},
      {"SweepLastCombinationInvalid", S, "exceeds 2^24", spec([](json& j) {
         // 90,000 points, each value valid alone; only rows 4096 with the set cell and DAC bits
         // overflows the exact column sum, first at point 89,700.
         json rows = json::array(), sigma = json::array();
         for (int i = 1; i < 300; ++i) rows.push_back(i);
         rows.push_back(4096);
         for (int i = 1; i <= 300; ++i) sigma.push_back(i * 1e-4);
         j["set"] = {"cell_bits=8", "dac_bits=5"};
         j["axes"] = {{{"key", "rows"}, {"values", rows}}, {{"key", "device.write_sigma"}, {"values", sigma}}};
       })},
      {"SweepFewPointsLastInvalid", S, "adc_bits", spec([](json& j) {
         json c = json::array();
         for (int i = 1; i <= 16; ++i) c.push_back(i);
         c.back() = 99;
         j["axes"] = {{{"key", "adc_bits"}, {"values", c}}};
       })},
      {"SweepTooManyValues", S, "expected at most 10000", spec([](json& j) {
         json c = json::array();
         for (int i = 0; i < 20000; ++i) c.push_back(i * 1e-6);
         j["axes"] = {{{"key", "device.write_sigma"}, {"values", c}}};
       })},
      {"SweepWorkloadMissing", S, "does not exist", spec([](json& j) { j["workload"] = "nowhere.json"; })},
      {"SweepTrialsZero", S, "trials", spec([](json& j) { j["trials"] = 0; })},
      {"SweepImagesNegative", S, "images", spec([](json& j) { j["images"] = -1; })},
      {"SweepSetInvalid", S, "rows", spec([](json& j) { j["set"] = {"rows=0"}; })},
      {"SweepPlotUnknownAxis", S, "plots", spec([](json& j) {
         j["plots"] = {{{"x", "rows"}, {"y", {"crossbars"}}}};
       })},
      {"SweepShardBad", "sweep sweep.json -o out --shard 3/2", "--shard"},
      {"SweepOutputIsAFile", "sweep sweep.json -o lenet5_int8.json", "is a file, expected a folder"},
      {"SweepOutputHoldsAnotherSweep", "sweep sweep.json -o out", "holds sweep 'other'",
       [](const Folder& f) {
         fs::create_directories(f.path("out"));
         f.edit("sweep.json", "out/sweep.json", [](json& j) {
           j["name"] = "other";
           j["axes"][0]["values"] = {4, 5};
           j["workload"] = fs::absolute("lenet5_int8.json").string();
         });
       }},
      {"SweepOutputCorruptSpec", "sweep sweep.json -o out", "out/sweep.json",
       [](const Folder& f) {
         fs::create_directories(f.path("out"));
         f.write("out/sweep.json", "{\"version\": 1, ");
       }},
      {"SweepCorruptPointFile", "sweep sweep.json -o out", "not a valid point file",
       [](const Folder& f) {
         fs::create_directories(f.path("out/points"));
         f.edit("sweep.json", "out/sweep.json",
                [](json& j) { j["workload"] = fs::absolute("lenet5_int8.json").string(); });
         f.write("out/points/p000_adc_bits-6.json", "{\"version\": 1, ");
       }},
      {"SweepMergeNotASweep", "sweep merge data -o merged", "no sweep.json"},
      {"SweepMergeOtherVersion", "sweep merge out -o merged", "written by xbarsim 0.0.1",
       [](const Folder& f) {
         fs::create_directories(f.path("out"));
         f.edit("sweep.json", "out/sweep.json", [](json& j) {
           j["workload"] = fs::absolute("lenet5_int8.json").string();
           j["xbarsim"] = "0.0.1";
         });
       }},
      {"SweepTrialGroupsAboveTrials", "sweep sweep.json -o out", "trial_groups",
       [](const Folder& f) {
         f.edit("sweep.json", "sweep.json", [](json& j) {
           j["trials"] = 2;
           j["trial_groups"] = 3;
         });
       }},
      {"SweepPlanWithoutSlurm", "sweep plan sweep.json -o out --shards 2", "expected --slurm"},
      {"SweepPlanZeroShards", "sweep plan sweep.json --slurm -o out --shards 0", "--shards"},
      {"SweepPlanBadSbatchOption", "sweep plan sweep.json --slurm -o out --shards 2 --sbatch=account=x",
       "expected an sbatch option starting with --"},
      {"SweepPlanSbatchRefuses", "sweep plan sweep.json --slurm -o out --shards 2 --submit", "sbatch",
       [](const Folder& f) {
         // A stand-in sbatch that refuses, first on PATH.
         fs::create_directories(f.path("bin"));
         f.write("bin/sbatch", "#!/bin/sh\necho 'sbatch: error: Batch job submission failed' >&2\nexit 1\n");
         fs::permissions(f.path("bin/sbatch"), fs::perms::owner_all);
       }},
  };
}

std::vector<BadCase> output_cases() {
  return {
      {"EvalOutputIsADirectory", "eval lenet5_int8.json --limit 2 --data-dir data -o data", "is a directory"},
      {"EvalOutputFolderMissing", "eval lenet5_int8.json --limit 2 --data-dir data -o nowhere/r.json",
       "does not exist"},
      {"MapOutputFolderMissing", "map lenet5_int8.json -o nowhere/r.json", "does not exist"},
      {"CostOutputIsADirectory", "cost lenet5_int8.json -o data", "is a directory"},
      {"PeakOutputFolderMissing", "peak -o nowhere/r.json", "does not exist"},
      {"RunStatsFolderMissing", "run lenet5_int8.json --cycle-level --images 1 --data-dir data --stats nowhere/s.txt",
       "does not exist"},
      {"RunVcdIsADirectory", "run lenet5_int8.json --cycle-level --images 1 --data-dir data --vcd data",
       "is a directory"},
      {"RunOutputFolderMissing", "run lenet5_int8.json --limit 2 --data-dir data -o nowhere/r.json", "does not exist"},
      {"CompareOutputFolderMissing", "compare lenet5_int8.json lenet5_int8.json -o nowhere/r.json", "does not exist"},
      {"ConvertOutputIsADirectory", "convert lenet5_int8.json -o out.json", "is a directory",
       [](const Folder& f) { fs::create_directories(f.path("out.json")); }},
      {"ConvertOutputFolderMissing", "convert lenet5_int8.json -o nowhere/out.json", "does not exist"},
      {"QuantizeOutputFolderMissing", "quantize mlp.json -o nowhere/q.json --data-dir data", "does not exist"},
      {"ImportOutputFolderMissing", "import mlp.onnx -o nowhere/m.json", "does not exist"},
  };
}

std::vector<BadCase> onnx_cases() {
  return {
      {"OnnxTruncated", "import cut.onnx -o m.json", "cut.onnx",
       [](const Folder& f) {
         const std::string s = slurp(f.path("mlp.onnx"));
         f.write("cut.onnx", s.substr(0, s.size() / 2));
       }},
      {"OnnxTextFile", "import text.onnx -o m.json", "text.onnx",
       [](const Folder& f) { f.write("text.onnx", "this is not a protobuf message at all\n"); }},
      {"OnnxJsonAsOnnx", "import lenet5_int8.json -o m.json", "lenet5_int8.json"},
      // Found by fuzz_onnx: LeNet-5 with a conv stride of 0 (was a division by zero in the importer).
      {"OnnxConvStrideZero", "import stride0.onnx -o m.json", "stride 0, expected 1 to 2^20",
       [](const Folder& f) {
         fs::copy_file(std::string(XBARSIM_SOURCE_DIR) + "/tests/onnx/fixtures/fuzz_conv_stride_zero.onnx",
                       f.path("stride0.onnx"));
       }},
      // Found by fuzz_onnx: a node without inputs next to an experimental operator (GRUUnit), for
      // which the ONNX checker checks nothing: protobuf's fatal index check aborted the importer.
      {"OnnxExperimentalOperatorAndNodeWithoutInputs", "import exp.onnx -o m.json",
       "operator GRUUnit is experimental in ONNX: not supported",
       [](const Folder& f) {
         fs::copy_file(std::string(XBARSIM_SOURCE_DIR) + "/tests/onnx/fixtures/fuzz_node_without_inputs.onnx",
                       f.path("exp.onnx"));
       }},
  };
}

std::vector<BadCase> all_cases() {
  std::vector<BadCase> all;
  for (auto part : {command_line_cases(), file_kind_cases(), json_cases(), network_cases(), safetensors_cases(),
                    dataset_cases(), config_cases(), sweep_cases(), output_cases(), onnx_cases()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

/// Every path under `dir` (symbolic links not followed).
std::set<std::string> listing(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    out.insert(fs::relative(it->path(), dir).string());
  }
  return out;
}

struct Outcome {
  bool exited = false;
  int status = -1;
  int signal = 0;
  bool timed_out = false;
  double seconds = 0;
  std::string err;
};

/// Runs `xbarsim <args>` in `dir` with stdout discarded, stderr captured, the address space
/// capped (release builds) and a wall-clock limit.
Outcome run_in(const fs::path& dir, const std::string& args) {
  int pipe_fd[2];
  if (::pipe(pipe_fd) != 0) return {};
  const std::string cmd = std::string("exec ") + XBARSIM_CLI + " " + args;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fd[0]);
    ::dup2(pipe_fd[1], 2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    if (::chdir(dir.c_str()) != 0) ::_exit(125);
    if (!kSanitized) {
      const rlimit cap{kAddressSpaceCap, kAddressSpaceCap};
      ::setrlimit(RLIMIT_AS, &cap);
    }
    ::setenv("CI", "1", 1);  // no terminal progress
    // A case's own stand-in programs (bin/sbatch) come first on PATH.
    const char* path = std::getenv("PATH");
    ::setenv("PATH", ((dir / "bin").string() + ":" + (path != nullptr ? path : "/usr/bin:/bin")).c_str(), 1);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fd[1]);
  Outcome o;
  pollfd p{pipe_fd[0], POLLIN, 0};
  char buf[4096];
  for (;;) {
    const double left = kTimeLimitS - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (left <= 0) {
      o.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const int r = ::poll(&p, 1, static_cast<int>(left * 1000) + 1);
    if (r == 0) continue;
    if (r < 0) break;
    const ssize_t n = ::read(pipe_fd[0], buf, sizeof buf);
    if (n <= 0) break;
    if (o.err.size() < (1 << 20)) o.err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(pipe_fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.exited = WIFEXITED(status);
  o.status = o.exited ? WEXITSTATUS(status) : -1;
  o.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return o;
}

class BadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadInput, ExitsTwoWithOneLineAndLeavesNothing) {
  const BadCase& c = GetParam();
  const fs::path dir = fs::temp_directory_path() / ("xbarsim-bad-" + std::to_string(::getpid()) + "-" + c.name);
  fs::remove_all(dir);
  {
    const Folder folder(dir);
    const fs::path cwd = fs::current_path();
    fs::current_path(dir);  // setups resolve relative names (absolute()) in the case's folder
    c.setup(folder);
    fs::current_path(cwd);
  }
  const auto before = listing(dir);
  const Outcome o = run_in(dir, c.args);
  const auto after = listing(dir);
  const std::string context = "xbarsim " + c.args + "\nstderr: " + o.err;
  EXPECT_FALSE(o.timed_out) << "took more than " << kTimeLimitS << " s: " << context;
  EXPECT_TRUE(o.exited) << "killed by signal " << o.signal << ": " << context;
  EXPECT_EQ(o.status, 2) << context;
  ASSERT_FALSE(o.err.empty()) << context;
  EXPECT_EQ(o.err.back(), '\n') << context;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << "expected exactly one line: " << context;
  EXPECT_EQ(o.err.rfind("xbarsim", 0), 0U) << context;
  EXPECT_NE(o.err.find(": error: "), std::string::npos) << context;
  EXPECT_NE(o.err.find(c.fragment), std::string::npos) << "expected '" << c.fragment << "' in: " << context;
  for (const char* bad : {"internal error", "runtime error", "AddressSanitizer", "LeakSanitizer", "out of memory"})
    EXPECT_EQ(o.err.find(bad), std::string::npos) << context;
  std::vector<std::string> created;
  for (const auto& p : after) {
    if (before.count(p) == 0) created.push_back(p);
  }
  EXPECT_TRUE(created.empty()) << "left " << (created.empty() ? "" : created.front()) << " behind: " << context;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadInput, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<BadCase>& i) { return i.param.name; });

TEST(BadInputCorpus, HoldsAtLeast150Cases) { EXPECT_GE(all_cases().size(), 150U); }

}  // namespace
