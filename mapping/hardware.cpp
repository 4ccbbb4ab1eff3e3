#include "mapping/hardware.hpp"

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::mapping {

CrossbarGeometry HardwareConfig::geometry(int weight_bits) const {
  CrossbarGeometry g;
  g.rows = rows;
  g.cols = cols;
  g.cell_bits = cell_bits;
  g.weight_bits = weight_bits;
  g.sign = sign;
  return g;
}

std::string hardware_preset_dir() { return XBARSIM_HARDWARE_DIR; }

std::vector<std::string> hardware_presets() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(hardware_preset_dir(), ec)) {
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

/// Applies the keys of one hardware object onto `hw`. `preset` is handled by the caller.
void apply(workloads::ObjectReader& r, HardwareConfig& hw) {
  hw.name = r.get_string("name", hw.name);
  hw.rows = static_cast<int>(r.get_int("rows", 1, 4096, hw.rows));
  hw.cols = static_cast<int>(r.get_int("cols", 1, 4096, hw.cols));
  hw.cell_bits = static_cast<int>(r.get_int("cell_bits", 1, 8, hw.cell_bits));
  hw.dac_bits = static_cast<int>(r.get_int("dac_bits", 1, 16, hw.dac_bits));
  hw.adc_bits = static_cast<int>(r.get_int("adc_bits", 1, 32, hw.adc_bits));
  hw.columns_per_adc = static_cast<int>(r.get_int("columns_per_adc", 1, 4096, hw.columns_per_adc));
  if (r.has("sign_scheme")) hw.sign = parse_sign_scheme(r.get_string("sign_scheme"), r.where("sign_scheme"));
  r.raw_optional("sign_scheme");
  if (r.has("subtraction")) {
    const std::string s = r.get_string("subtraction");
    if (s != "digital" && s != "analog")
      throw Error(r.where("subtraction") + ": expected \"digital\" or \"analog\", found \"" + s + "\"");
    hw.subtraction = s == "digital" ? Subtraction::Digital : Subtraction::Analog;
  }
  r.raw_optional("subtraction");
  hw.crossbars_per_tile = static_cast<int>(r.get_int("crossbars_per_tile", 1, 1 << 20, hw.crossbars_per_tile));
  hw.max_tiles = static_cast<int>(r.get_int("max_tiles", 0, 1 << 24, hw.max_tiles));
  hw.clock_ghz = r.get_number("clock_ghz", 1e-6, 1e3, hw.clock_ghz);
}

void load_into(const std::string& spec, HardwareConfig& hw, int depth) {
  if (depth > 8) throw make_error(spec, "preset chain deeper than 8 (a preset that includes itself?)");
  const bool is_path = spec.find('/') != std::string::npos || std::filesystem::path(spec).extension() == ".json";
  const std::string path = is_path ? spec : hardware_preset_dir() + "/" + spec + ".json";
  if (!is_path && !std::filesystem::exists(path)) {
    std::string names;
    for (const auto& n : hardware_presets()) names += (names.empty() ? "" : ", ") + n;
    throw Error("--hw: unknown hardware preset '" + spec + "', expected a .json file or one of: " + names);
  }
  const auto doc = workloads::read_json_file(path);
  workloads::ObjectReader r(doc, path, "");
  const auto version = r.get_int("version", 0, 1000);
  if (version != kHardwareFormatVersion) {
    throw Error(r.where("version") + ": format version " + std::to_string(version) + " is not supported, expected " +
                std::to_string(kHardwareFormatVersion));
  }
  if (auto base = r.get_optional_string("preset")) load_into(*base, hw, depth + 1);
  apply(r, hw);
  r.finish();
}

void validate(const HardwareConfig& hw, const std::string& where) {
  if (hw.adc_bits < 1) throw make_error(where, "adc_bits must be at least 1");
  if (hw.columns_per_adc > hw.cols) {
    throw make_error(where, "columns_per_adc (" + std::to_string(hw.columns_per_adc) + ") exceeds cols (" +
                                std::to_string(hw.cols) + ")");
  }
  if (hw.dac_bits > 8) throw make_error(where, "dac_bits above 8 are not supported (8-bit activations)");
  // The narrowest weights the zoo uses must fit one crossbar's columns.
  hw.geometry(2).validate(where);
}

}  // namespace

HardwareConfig load_hardware(const std::string& spec, const std::vector<std::string>& overrides) {
  HardwareConfig hw;
  load_into(spec, hw, 0);
  if (!overrides.empty()) {
    nlohmann::json doc = nlohmann::json::object();
    for (const auto& o : overrides) {
      const auto eq = o.find('=');
      if (eq == std::string::npos || eq == 0) throw Error("--set: expected key=value, found '" + o + "'");
      const std::string key = o.substr(0, eq), value = o.substr(eq + 1);
      try {
        doc[key] = nlohmann::json::parse(value);  // numbers and booleans
      } catch (const nlohmann::json::parse_error&) {
        doc[key] = value;  // bare strings: sign_scheme=differential
      }
    }
    workloads::ObjectReader r(doc, "--set", "");
    apply(r, hw);
    r.finish();
  }
  validate(hw, spec);
  return hw;
}

nlohmann::ordered_json to_json(const HardwareConfig& hw) {
  return {{"version", kHardwareFormatVersion},
          {"name", hw.name},
          {"rows", hw.rows},
          {"cols", hw.cols},
          {"cell_bits", hw.cell_bits},
          {"dac_bits", hw.dac_bits},
          {"adc_bits", hw.adc_bits},
          {"columns_per_adc", hw.columns_per_adc},
          {"sign_scheme", sign_scheme_name(hw.sign)},
          {"subtraction", hw.subtraction == Subtraction::Digital ? "digital" : "analog"},
          {"crossbars_per_tile", hw.crossbars_per_tile},
          {"max_tiles", hw.max_tiles},
          {"clock_ghz", hw.clock_ghz}};
}

}  // namespace xbarsim::mapping
