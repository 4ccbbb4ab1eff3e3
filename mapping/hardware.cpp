#include "mapping/hardware.hpp"

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "mapping/hardware_params.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::mapping {

CrossbarGeometry HardwareConfig::geometry(int weight_bits) const {
  return CrossbarGeometry{rows, cols, cell_bits, weight_bits, sign, offset_reference == OffsetReference::Column};
}

std::string hardware_preset_dir() { return XBARSIM_HARDWARE_DIR; }
std::string device_preset_dir() { return XBARSIM_DEVICE_DIR; }

namespace {

std::vector<std::string> json_stems(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// A preset name or a path: the file to read. Unknown names list the known ones.
bool is_path(const std::string& spec) {
  return spec.find('/') != std::string::npos || std::filesystem::path(spec).extension() == ".json";
}

/// The folder a path named inside `file` is relative to: the file's own ("" for the command
/// line, "--set", whose paths are relative to the working directory).
std::string base_of(const std::string& file) { return file == "--set" ? "" : workloads::parent_dir(file); }

/// A preset name or a path (relative to `base_dir`, the folder of the file naming it): the file
/// to read. Unknown names list the known ones.
std::string resolve_preset(const std::string& spec, const std::string& dir, const std::string& what,
                           const std::string& where, const std::string& base_dir) {
  if (is_path(spec)) return workloads::resolve_path(base_dir, spec);
  const std::string path = dir + "/" + spec + ".json";
  std::error_code ec;  // a name too long for the file system is unknown too, not an exception
  if (!std::filesystem::exists(path, ec)) {
    std::string names;
    for (const auto& n : json_stems(dir)) names += (names.empty() ? "" : ", ") + n;
    throw Error(where + ": unknown " + what + " preset '" + spec + "', expected a .json file or one of: " + names);
  }
  return path;
}

/// Applies the declared keys of `table` found in one object onto `cfg` (Device keys excepted).
/// An explicit null unsets an optional value (back to its model), over what a preset set.
template <typename Config>
void apply_params(workloads::ObjectReader& r, Config& cfg, const std::vector<Param<Config>>& table) {
  const auto keys = r.keys();
  for (const auto& p : table) {
    if (p.type == ParamType::Device) continue;
    const nlohmann::json* v = r.raw_optional(p.key);
    if (v == nullptr) {
      const bool optional = p.type == ParamType::OptionalNumber || p.type == ParamType::NumberArray;
      if (optional && std::find(keys.begin(), keys.end(), p.key) != keys.end()) p.set(cfg, nullptr);
      continue;
    }
    check_value(p, *v, r.where(p.key));
    p.set(cfg, *v);
  }
}

void apply_device(workloads::ObjectReader& r, models::DeviceConfig& d) { apply_params(r, d, device_params()); }

/// Reads a preset file (a name in `dir`, or a path) and its "preset" chain into `cfg` with `apply`.
template <typename Config, typename Apply>
void load_chain(const std::string& spec, const std::string& dir, const std::string& what, const std::string& where,
                const std::string& base_dir, int depth, Config& cfg, Apply apply) {
  if (depth > 8) throw make_error(where, what + " preset chain deeper than 8 (a preset that includes itself?)");
  const std::string path = resolve_preset(spec, dir, what, where, base_dir);
  const auto doc = workloads::read_json_file(path);
  workloads::ObjectReader r(doc, path, "");
  const auto version = r.get_int("version", 0, 1000);
  if (version != kHardwareFormatVersion) {
    throw Error(r.where("version") + ": format version " + std::to_string(version) + " is not supported, expected " +
                std::to_string(kHardwareFormatVersion));
  }
  if (auto base = r.get_optional_string("preset"))
    load_chain(*base, dir, what, r.where("preset"), workloads::parent_dir(path), depth + 1, cfg, apply);
  apply(r, cfg);
  r.finish();
}

void load_device_into(const std::string& spec, models::DeviceConfig& d, const std::string& where,
                      const std::string& base_dir) {
  load_chain(spec, device_preset_dir(), "device", where, base_dir, 0, d, apply_device);
}

/// Applies the keys of one hardware object onto `hw`. `preset` is handled by the caller.
void apply(workloads::ObjectReader& r, HardwareConfig& hw) {
  apply_params(r, hw, hardware_params());
  if (r.has("cost_table") && is_path(hw.cost_table))
    hw.cost_table = workloads::resolve_path(base_of(r.file()), hw.cost_table);
  const nlohmann::json* dev = r.raw_optional("device");
  if (dev == nullptr) return;
  check_value(*find_hardware_param("device"), *dev, r.where("device"));
  if (dev->is_string()) {
    hw.device = models::DeviceConfig{};
    load_device_into(dev->get<std::string>(), hw.device, r.where("device"), base_of(r.file()));
    return;
  }
  workloads::ObjectReader dr = r.get_object("device");
  if (auto base = dr.get_optional_string("preset")) {
    hw.device = models::DeviceConfig{};
    load_device_into(*base, hw.device, dr.where("preset"), base_of(r.file()));
  }
  apply_device(dr, hw.device);
  dr.finish();
}

void load_into(const std::string& spec, HardwareConfig& hw) {
  load_chain(spec, hardware_preset_dir(), "hardware", "--hw", "", 0, hw, apply);
}

void validate(const HardwareConfig& hw, const std::string& where) {
  if (hw.columns_per_adc > hw.cols) {
    throw make_error(where, "columns_per_adc (" + std::to_string(hw.columns_per_adc) + ") exceeds cols (" +
                                std::to_string(hw.cols) + ")");
  }
  if (hw.replication == Replication::Auto && hw.max_tiles == 0) {
    throw make_error(where, "replication \"auto\" needs a tile budget: set max_tiles");
  }
  hw.device.validate(where + " (device '" + hw.device.name + "')", hw.cell_bits);
  if (hw.weight_flip && hw.subtraction == Subtraction::Analog) {
    throw make_error(where, "weight_flip needs subtraction \"digital\" (each column is corrected after its own ADC)");
  }
  if (hw.adc_dnl_lsb > 0 && hw.adc_bits > 16) {
    throw make_error(where, "adc_dnl_lsb needs adc_bits at most 16 (one threshold per code), found adc_bits " +
                                std::to_string(hw.adc_bits));
  }
  if (hw.subtraction == Subtraction::Analog && hw.sign == SignScheme::Offset) {
    throw make_error(where, "subtraction \"analog\" needs a column pair (sign_scheme two-column or differential)");
  }
  // The functional engine sums columns in float32, exact below 2^24.
  const double full_scale = double{static_cast<double>(hw.rows)} * ((1 << hw.cell_bits) - 1) * ((1 << hw.dac_bits) - 1);
  if (full_scale >= 16777216.0) {
    throw make_error(where, "rows x (2^cell_bits - 1) x (2^dac_bits - 1) = " + std::to_string(full_scale) +
                                " exceeds 2^24, the largest exact column sum");
  }
  // The narrowest weights the zoo uses must fit one crossbar's columns.
  hw.geometry(2).validate(where);
}

}  // namespace

HardwareConfig load_hardware(const std::string& spec, const std::vector<std::string>& overrides) {
  return with_overrides(load_hardware_file(spec), overrides, spec);
}

HardwareConfig load_hardware_file(const std::string& spec) {
  HardwareConfig hw;
  load_into(spec, hw);
  return hw;
}

HardwareConfig with_overrides(HardwareConfig hw, const std::vector<std::string>& overrides, const std::string& where) {
  if (!overrides.empty()) {
    // Each value typed by its key's declaration; device.<key> and <layer map>.<layer> (replicas.conv1)
    // gathered into objects.
    nlohmann::json doc = nlohmann::json::object(), device = nlohmann::json::object(), maps = nlohmann::json::object();
    const std::string device_prefix = "device.";
    for (const auto& o : overrides) {
      const auto [key, text] = split_override(o, "--set");
      nlohmann::json value = parse_override_value(key, text, "--set");
      const auto dot = key.find('.');
      if (key.rfind(device_prefix, 0) == 0) {
        device[key.substr(device_prefix.size())] = std::move(value);
      } else if (dot != std::string::npos) {  // parse_override_value accepted it: a layer map entry
        maps[key.substr(0, dot)][key.substr(dot + 1)] = std::move(value);
      } else {
        doc[key] = std::move(value);
      }
    }
    for (const auto& [map, entries] : maps.items()) {
      if (doc.contains(map)) {
        doc[map].update(entries);
      } else {
        doc[map] = entries;
      }
    }
    if (!device.empty()) {
      if (doc.contains("device")) device["preset"] = doc["device"];
      doc["device"] = device;
    }
    workloads::ObjectReader r(doc, "--set", "");
    apply(r, hw);
    r.finish();
  }
  validate(hw, where);
  return hw;
}

std::vector<std::string> hardware_presets() { return json_stems(hardware_preset_dir()); }
std::vector<std::string> device_presets() { return json_stems(device_preset_dir()); }

models::DeviceConfig load_device(const std::string& spec) {
  models::DeviceConfig d;
  load_device_into(spec, d, "--device", "");
  return d;
}

nlohmann::ordered_json to_json(const models::DeviceConfig& d) {
  nlohmann::ordered_json j;
  for (const auto& p : device_params()) {
    auto v = p.get(d);
    if (!v.is_null()) j[p.key] = std::move(v);
  }
  return j;
}

nlohmann::ordered_json to_json(const HardwareConfig& hw) {
  nlohmann::ordered_json j;
  j["version"] = kHardwareFormatVersion;
  for (const auto& p : hardware_params()) {
    if (p.type == ParamType::Device) {
      j[p.key] = to_json(hw.device);
      continue;
    }
    auto v = p.get(hw);  // unset optional values (from the model) are left out
    if (!v.is_null()) j[p.key] = std::move(v);
  }
  return j;
}

}  // namespace xbarsim::mapping
