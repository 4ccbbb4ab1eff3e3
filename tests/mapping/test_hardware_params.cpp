// The hardware parameter declarations (mapping/hardware_params.hpp): docs/formats.md lists
// exactly the declared keys with their types and defaults; --set values are typed by the
// declaration; the shipped presets and an old-style hardware file load; JSON round trips.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/error.hpp"
#include "mapping/hardware_params.hpp"
#include "tests/support/toy.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::mapping {
namespace {

using testing_support::TempDir;

struct DocRow {
  std::string level, type, default_value, unit;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' '), e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string without_backticks(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
  return s;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The rows of the `| key | type | default | unit | meaning |` tables of one "## <title>"
/// section of docs/formats.md, keyed by key; the level is the "### <level>" heading above
/// the table (or `level` when there is none).
std::map<std::string, DocRow> doc_tables(const std::string& title, const std::string& level) {
  std::ifstream in(std::string(XBARSIM_SOURCE_DIR) + "/docs/formats.md");
  EXPECT_TRUE(in.good()) << "docs/formats.md";
  std::map<std::string, DocRow> rows;
  std::string line, heading = level;
  bool inside = false, table = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      inside = line.rfind("## " + title, 0) == 0;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("### ", 0) == 0) heading = lower(trim(line.substr(4)));
    if (line == "| key | type | default | unit | meaning |") {
      table = true;
      continue;
    }
    if (line.empty() || line[0] != '|') {
      table = false;
      continue;
    }
    if (!table || line.rfind("|---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) cells.push_back(trim(cell));
    EXPECT_EQ(cells.size(), 5U) << line;
    if (cells.size() != 5) continue;
    const std::string key = without_backticks(cells[0]);
    EXPECT_EQ(rows.count(key), 0U) << "listed twice: " << key;
    rows[key] = {heading, without_backticks(cells[1]), without_backticks(cells[2]), cells[3]};
  }
  return rows;
}

template <typename Config>
void expect_documented(const std::vector<Param<Config>>& table, const std::map<std::string, DocRow>& doc,
                       const std::string& section) {
  std::set<std::string> declared, documented;
  for (const auto& p : table) declared.insert(p.key);
  for (const auto& [key, row] : doc) documented.insert(key);
  std::string missing, extra;
  for (const auto& k : declared) {
    if (documented.count(k) == 0) missing += " " + k;
  }
  for (const auto& k : documented) {
    if (declared.count(k) == 0) extra += " " + k;
  }
  EXPECT_TRUE(missing.empty()) << section << ": declared but not documented:" << missing
                               << " (xbarsim keys --markdown prints the tables)";
  EXPECT_TRUE(extra.empty()) << section << ": documented but not declared:" << extra;
  for (const auto& p : table) {
    const auto it = doc.find(p.key);
    if (it == doc.end()) continue;
    EXPECT_EQ(it->second.level, level_name(p.level))
        << section << ": " << p.key << " (the ### heading above its table)";
    EXPECT_EQ(it->second.type, type_text(p)) << section << ": " << p.key;
    EXPECT_EQ(it->second.default_value, default_text(p)) << section << ": " << p.key;
    EXPECT_EQ(it->second.unit, p.unit.empty() ? "-" : p.unit) << section << ": " << p.key;
  }
}

TEST(HardwareParams, FormatsDocListsEveryDeclaredKeyWithItsTypeAndDefault) {
  const auto hw = doc_tables("Hardware JSON", "");
  ASSERT_FALSE(hw.empty());
  expect_documented(hardware_params(), hw, "Hardware JSON");
  const auto dev = doc_tables("Device JSON", "device");
  ASSERT_FALSE(dev.empty());
  expect_documented(device_params(), dev, "Device JSON");
}

TEST(HardwareParams, DeclarationsAreCompleteAndDefaultsWithinTheirRanges) {
  std::set<std::string> keys;
  for (const auto& p : hardware_params()) {
    EXPECT_TRUE(keys.insert(p.key).second) << p.key;
    EXPECT_FALSE(p.meaning.empty()) << p.key;
    EXPECT_TRUE(p.get) << p.key;
    if (p.type != ParamType::Device) {
      EXPECT_TRUE(p.set) << p.key;
    }
    EXPECT_NO_THROW(check_value(p, p.default_value(), p.key)) << p.key;
    for (char c : p.key) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') << p.key;
  }
  for (const char* k : {"xbar_read_ns",    "xbar_sense_ns",     "wire_r_ohm",           "wire_c_ff",
                        "cell_c_ff",       "driver_r_ohm",      "sense_r_ohm",          "adc_type",
                        "adc_bit_ns",      "adc_flash_ns",      "adc_conversion_ns",    "host_link_bytes_per_ns",
                        "bus_width_bytes", "adcs_per_ima",      "input_register_bytes", "output_register_bytes",
                        "buffer_bytes",    "buffer_read_ports", "buffer_write_ports",   "positions_per_request",
                        "replication",     "replicas",          "pack_layers",          "device"}) {
    EXPECT_EQ(keys.count(k), 1U) << k;
  }
  for (const auto& p : device_params()) {
    EXPECT_NO_THROW(check_value(p, p.default_value(), p.key)) << p.key;
    EXPECT_EQ(p.level, Level::Device);
  }
  // Defaults come from the structs, and to_json writes every declared key but unset optional ones.
  EXPECT_EQ(find_hardware_param("rows")->default_value(), HardwareConfig{}.rows);
  EXPECT_EQ(default_text(*find_hardware_param("adc_bit_ns")), "0.09765625");
  EXPECT_EQ(default_text(*find_hardware_param("xbar_read_ns")), "unset");
  EXPECT_EQ(default_text(*find_hardware_param("name")), "\"custom\"");
  EXPECT_EQ(default_text(*find_hardware_param("device")), "\"ideal\"");
  EXPECT_EQ(type_text(*find_hardware_param("rows")), "integer 1..4096");
  EXPECT_EQ(type_text(*find_hardware_param("adc_type")), "one of sar, flash");
  EXPECT_EQ(type_text(*find_hardware_param("xbar_read_ns")), "optional number 0..1e9");
  const auto j = to_json(HardwareConfig{});
  EXPECT_EQ(j["version"], kHardwareFormatVersion);
  EXPECT_FALSE(j.contains("xbar_read_ns"));
  EXPECT_FALSE(j.contains("adc_conversion_ns"));
  EXPECT_TRUE(j["replicas"].is_object());
  EXPECT_EQ(j.size(), hardware_params().size() + 1 - 2);
  EXPECT_EQ(number_text(1e9), "1e9");
  EXPECT_EQ(number_text(1e-6), "1e-6");
  EXPECT_EQ(number_text(1048576), "1048576");
  EXPECT_EQ(number_text(0.78125), "0.78125");
}

std::string error_of(const std::vector<std::string>& sets, const std::string& spec = "isaac_like") {
  try {
    load_hardware(spec, sets);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(HardwareParams, SetValuesAreTypedByTheDeclaration) {
  const auto hw = load_hardware(
      "isaac_like", {"rows=256", "clock_ghz=1.5", "xbar_read_ns=50", "pack_layers=true", "name=123", "adc_type=flash",
                     "adc_conversion_ns=null", "replicas.conv1=4", "replicas={\"fc\": 2}", "columns_per_adc=0",
                     "device=pcm_like", "device.write_sigma=0.05", "device.write_sigma_per_level=[0,0.1,0.1,0.2]"});
  EXPECT_EQ(hw.rows, 256);                                // integer
  EXPECT_DOUBLE_EQ(hw.clock_ghz, 1.5);                    // number
  EXPECT_EQ(hw.timing.xbar_read_ns, 50.0);                // optional number, set
  EXPECT_FALSE(hw.timing.adc_conversion_ns.has_value());  // optional number, back to the model
  EXPECT_DOUBLE_EQ(hw.timing.conversion_ns(8), hw.timing.adc_flash_ns);
  EXPECT_TRUE(hw.pack_layers);                    // boolean
  EXPECT_EQ(hw.name, "123");                      // a string stays a string, whatever it looks like
  EXPECT_EQ(hw.timing.adc_type, AdcType::Flash);  // enum
  EXPECT_EQ(hw.replicas, (std::map<std::string, int>{{"conv1", 4}, {"fc", 2}}));  // replicas, one entry or an object
  EXPECT_EQ(hw.columns_per_adc, 0);
  EXPECT_EQ(hw.device.name, "pcm_like");  // device preset, then one of its keys
  EXPECT_DOUBLE_EQ(hw.device.write_sigma, 0.05);
  EXPECT_EQ(hw.device.write_sigma_per_level.size(), 4U);  // number array
  EXPECT_EQ(load_hardware("isaac_like", {"sign_scheme=differential"}).sign, SignScheme::Differential);
  EXPECT_EQ(load_hardware("isaac_like", {"replication=auto", "max_tiles=40"}).replication, Replication::Auto);

  const std::pair<std::vector<std::string>, std::string> bad[] = {
      {{"rows=abc"}, "--set: rows: expected an integer 1..4096, found 'abc'"},
      {{"rows=1.5"}, "--set: rows: expected an integer 1..4096, found '1.5'"},
      {{"rows=0"}, "--set: rows: expected an integer in [1, 4096], found integer 0"},
      {{"buffer_bytes=-1"}, "--set: buffer_bytes: expected an integer in [0, 1099511627776]"},
      {{"clock_ghz=fast"}, "--set: clock_ghz: expected a number 1e-6..1000, found 'fast'"},
      {{"clock_ghz=0"}, "--set: clock_ghz: expected a number in ["},
      {{"xbar_read_ns=slow"}, "--set: xbar_read_ns: expected a number 0..1e9 or null (from the model), found 'slow'"},
      {{"pack_layers=yes"}, "--set: pack_layers: expected true or false, found 'yes'"},
      {{"pack_layers=1"}, "--set: pack_layers: expected true or false, found '1'"},
      {{"adc_type=pipelined"}, "--set: adc_type: expected \"sar\" or \"flash\", found string \"pipelined\""},
      {{"replication=always"}, "--set: replication: expected \"none\" or \"auto\""},
      {{"replicas.conv1=x"}, "--set: replicas.conv1: expected an integer 1..65536, found 'x'"},
      {{"replicas.conv1=0"}, "--set: replicas.conv1: expected an integer in [1, 65536], found integer 0"},
      {{"replicas=4"}, "--set: replicas: expected a JSON object of layer name -> integer 1..65536, found '4'"},
      {{"device.write_sigma=big"}, "--set: device.write_sigma: expected a number 0..10, found 'big'"},
      {{"device.write_sigma_per_level=0.1"}, "--set: device.write_sigma_per_level: expected a JSON array"},
      {{"device.colour=red"}, "--set: device.colour: unknown key"},
      {{"colour=red"}, "--set: colour: unknown key"},
      {{"replicas.=2"}, "--set: replicas.: unknown key"},
      {{"rows"}, "--set: expected key=value, found 'rows'"},
      {{"adcs_per_ima=4097"}, "--set: adcs_per_ima: expected an integer in [0, 4096]"},
      {{"input_register_bytes=0"}, "--set: input_register_bytes: expected an integer in [1, "},
      {{"columns_per_adc=256"}, "columns_per_adc (256) exceeds cols (128)"},
      {{"max_tiles=0", "replication=auto"}, "replication \"auto\" needs a tile budget: set max_tiles"},
  };
  for (const auto& [sets, expected] : bad) {
    const std::string msg = error_of(sets);
    EXPECT_NE(msg.find(expected), std::string::npos) << sets[0] << ": " << msg;
  }
  // The same typing, key by key, for sweep axes and other callers.
  EXPECT_EQ(parse_override_value("adc_bits", "6", "x"), 6);
  EXPECT_EQ(parse_override_value("device.fault_rate", "1e-3", "x"), 1e-3);
  EXPECT_EQ(parse_override_value("layers_span_tiles", "false", "x"), false);
  EXPECT_EQ(parse_override_value("cost_table", "table.json", "x"), "table.json");
  EXPECT_EQ(override_spec("replicas.conv1", "x").type, ParamType::Integer);
  EXPECT_EQ(override_spec("device.drift_nu", "x").level, Level::Device);
}

/// workloads/hardware/isaac_like.json as it was before the organisation and timing-model keys:
/// files written then must keep loading unchanged.
constexpr const char* kOldIsaac = R"({
  "version": 1,
  "name": "isaac_like",
  "rows": 128,
  "cols": 128,
  "cell_bits": 2,
  "dac_bits": 1,
  "adc_bits": 8,
  "columns_per_adc": 128,
  "sign_scheme": "two-column",
  "subtraction": "digital",
  "crossbars_per_tile": 96,
  "max_tiles": 0,
  "clock_ghz": 1.28,
  "layers_span_tiles": true,
  "xbar_read_ns": 100.0,
  "dac_ns": 0.0,
  "adc_conversion_ns": 0.78125,
  "shift_add_ns": 0.78125,
  "buffer_access_ns": 0.78125,
  "buffer_width_bytes": 32,
  "link_latency_ns": 10.0,
  "link_bytes_per_ns": 4.0,
  "adc_range": "full_scale",
  "device": "rram_like"
}
)";

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST(HardwareParams, ShippedPresetsAndAnOldStyleFileLoad) {
  for (const auto& name : hardware_presets()) {
    const auto hw = load_hardware(name);
    EXPECT_FALSE(hw.name.empty()) << name;
    // Written out and read back: the same configuration.
    TempDir tmp;
    write(tmp.file("back.json"), workloads::format_json(to_json(hw)));
    EXPECT_EQ(to_json(load_hardware(tmp.file("back.json"))), to_json(hw)) << name;
  }
  EXPECT_GE(hardware_presets().size(), 2U);
  for (const auto& name : device_presets()) EXPECT_NO_THROW(load_device(name)) << name;

  TempDir tmp;
  const std::string old = tmp.file("old_isaac.json");
  write(old, kOldIsaac);
  const auto hw = load_hardware(old);
  EXPECT_EQ(hw.name, "isaac_like");
  EXPECT_EQ(hw.rows, 128);
  EXPECT_EQ(hw.cell_bits, 2);
  EXPECT_EQ(hw.columns_per_adc, 128);
  EXPECT_EQ(hw.crossbars_per_tile, 96);
  EXPECT_DOUBLE_EQ(hw.clock_ghz, 1.28);
  EXPECT_DOUBLE_EQ(hw.timing.read_ns(hw.rows, hw.cols, hw.adc_bits), 100.0);
  EXPECT_DOUBLE_EQ(hw.timing.conversion_ns(hw.adc_bits), 0.78125);
  EXPECT_EQ(hw.timing.buffer_width_bytes, 32);
  EXPECT_EQ(hw.device.name, "rram_like");
  // Keys it does not name keep the declared defaults.
  EXPECT_EQ(hw.buffer_bytes, HardwareConfig{}.buffer_bytes);
  EXPECT_EQ(hw.replication, Replication::None);
  const auto j = to_json(hw);
  EXPECT_EQ(j["xbar_read_ns"], 100.0);
  EXPECT_EQ(j["device"]["name"], "rram_like");

  // A file on top of it: new keys, an optional value returned to its model, replicas, a device object.
  auto doc = nlohmann::json::parse(R"({"version": 1, "xbar_read_ns": null, "adc_type": "flash",
                                        "replication": "auto", "max_tiles": 64, "replicas": {"conv1": 3},
                                        "device": {"preset": "pcm_like", "fault_rate": 1e-3}})");
  doc["preset"] = old;
  write(tmp.file("new.json"), doc.dump());
  const auto nw = load_hardware(tmp.file("new.json"));
  EXPECT_FALSE(nw.timing.xbar_read_ns.has_value());
  EXPECT_GT(nw.timing.read_ns(nw.rows, nw.cols, nw.adc_bits), nw.timing.xbar_sense_ns);
  EXPECT_EQ(nw.timing.adc_type, AdcType::Flash);
  EXPECT_EQ(nw.replicas.at("conv1"), 3);
  EXPECT_EQ(nw.device.name, "pcm_like");
  EXPECT_DOUBLE_EQ(nw.device.fault_rate, 1e-3);
  const auto nj = to_json(nw);
  EXPECT_FALSE(nj.contains("xbar_read_ns"));
  EXPECT_EQ(nj["replicas"]["conv1"], 3);
  write(tmp.file("back.json"), workloads::format_json(nj));
  EXPECT_EQ(to_json(load_hardware(tmp.file("back.json"))), nj);

  // Version and unknown keys: errors name the file and the key.
  write(tmp.file("v2.json"), R"({"version": 2, "rows": 64})");
  EXPECT_NE(error_of({}, tmp.file("v2.json")).find(tmp.file("v2.json") + ": version: format version 2"),
            std::string::npos);
  write(tmp.file("typo.json"), R"({"version": 1, "rowz": 64})");
  EXPECT_NE(error_of({}, tmp.file("typo.json")).find(tmp.file("typo.json") + ": rowz: unknown key"), std::string::npos);
  write(tmp.file("bad.json"), R"({"version": 1, "replicas": {"conv1": 0}})");
  EXPECT_NE(error_of({}, tmp.file("bad.json")).find(tmp.file("bad.json") + ": replicas.conv1: expected an integer"),
            std::string::npos);
}

TEST(HardwareParams, PathsInsideAFileAreRelativeToThatFile) {
  // A hardware file in one folder naming a base preset, a device and a cost table by relative
  // paths: each resolves against the naming file's folder, whatever the working directory.
  TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "chips" / "base");
  std::filesystem::create_directories(tmp.path() / "chips" / "cells");
  write(tmp.file("chips/base/small.json"), R"({"version": 1, "preset": "isaac_like", "rows": 64, "cols": 64})");
  write(tmp.file("chips/cells/mine.json"), R"({"version": 1, "preset": "../cells/parent.json", "write_sigma": 0.07})");
  write(tmp.file("chips/cells/parent.json"), R"({"version": 1, "preset": "pcm_like"})");
  write(tmp.file("chips/chip.json"), R"({"version": 1, "preset": "base/small.json", "device": "cells/mine.json",
                                         "cost_table": "tables/t.json"})");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path());  // nothing under the working directory is named
  HardwareConfig hw;
  EXPECT_NO_THROW(hw = load_hardware("chips/chip.json"));
  std::filesystem::current_path(cwd);
  EXPECT_EQ(hw.rows, 64);
  EXPECT_DOUBLE_EQ(hw.device.write_sigma, 0.07);
  EXPECT_EQ(hw.device.name, load_device("pcm_like").name);
  EXPECT_EQ(hw.cost_table, (std::filesystem::path("chips") / "tables/t.json").string());
}

}  // namespace
}  // namespace xbarsim::mapping
