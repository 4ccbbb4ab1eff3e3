#include "mapping/hardware.hpp"

#include <algorithm>
#include <filesystem>

#include "common/error.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::mapping {

CrossbarGeometry HardwareConfig::geometry(int weight_bits) const {
  return CrossbarGeometry{rows, cols, cell_bits, weight_bits, sign};
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
std::string resolve_preset(const std::string& spec, const std::string& dir, const std::string& what,
                           const std::string& where) {
  const bool is_path = spec.find('/') != std::string::npos || std::filesystem::path(spec).extension() == ".json";
  if (is_path) return spec;
  const std::string path = dir + "/" + spec + ".json";
  if (!std::filesystem::exists(path)) {
    std::string names;
    for (const auto& n : json_stems(dir)) names += (names.empty() ? "" : ", ") + n;
    throw Error(where + ": unknown " + what + " preset '" + spec + "', expected a .json file or one of: " + names);
  }
  return path;
}

/// An optional string key restricted to `names`; names[i] is enum value i. Absent: `current`.
template <typename E>
E get_choice(workloads::ObjectReader& r, const std::string& key, const std::vector<std::string>& names, E current) {
  if (!r.has(key)) {
    r.raw_optional(key);
    return current;
  }
  const std::string s = r.get_string(key);
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  std::string expected;
  for (std::size_t i = 0; i < names.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("\"" + names[i] + "\"");
  throw Error(r.where(key) + ": expected " + expected + ", found \"" + s + "\"");
}

void apply_device(workloads::ObjectReader& r, models::DeviceConfig& d) {
  d.name = r.get_string("name", d.name);
  d.g_max_us = r.get_number("g_max_us", 1e-9, 1e9, d.g_max_us);
  d.g_min_us = r.get_number("g_min_us", 0.0, 1e9, d.g_min_us);
  d.write_model = get_choice(r, "write_model", {"lognormal", "gaussian"}, d.write_model);
  d.write_sigma = r.get_number("write_sigma", 0.0, 10.0, d.write_sigma);
  if (r.has("write_sigma_per_level")) d.write_sigma_per_level = r.get_number_array("write_sigma_per_level", 0.0, 10.0);
  r.raw_optional("write_sigma_per_level");
  d.read_noise_sigma = r.get_number("read_noise_sigma", 0.0, 10.0, d.read_noise_sigma);
  d.fault_rate = r.get_number("fault_rate", 0.0, 1.0, d.fault_rate);
  d.stuck_on_per_off = r.get_number("stuck_on_per_off", 0.0, 1e9, d.stuck_on_per_off);
  d.drift_nu = r.get_number("drift_nu", 0.0, 1.0, d.drift_nu);
  d.drift_time_s = r.get_number("drift_time_s", 1e-12, 1e12, d.drift_time_s);
  d.drift_t0_s = r.get_number("drift_t0_s", 1e-12, 1e12, d.drift_t0_s);
  d.read_voltage_v = r.get_number("read_voltage_v", 1e-6, 100.0, d.read_voltage_v);
}

/// Reads a preset file (a name in `dir`, or a path) and its "preset" chain into `cfg` with `apply`.
template <typename Config, typename Apply>
void load_chain(const std::string& spec, const std::string& dir, const std::string& what, const std::string& where,
                int depth, Config& cfg, Apply apply) {
  if (depth > 8) throw make_error(spec, what + " preset chain deeper than 8 (a preset that includes itself?)");
  const std::string path = resolve_preset(spec, dir, what, where);
  const auto doc = workloads::read_json_file(path);
  workloads::ObjectReader r(doc, path, "");
  const auto version = r.get_int("version", 0, 1000);
  if (version != kHardwareFormatVersion) {
    throw Error(r.where("version") + ": format version " + std::to_string(version) + " is not supported, expected " +
                std::to_string(kHardwareFormatVersion));
  }
  if (auto base = r.get_optional_string("preset"))
    load_chain(*base, dir, what, r.where("preset"), depth + 1, cfg, apply);
  apply(r, cfg);
  r.finish();
}

void load_device_into(const std::string& spec, models::DeviceConfig& d, const std::string& where) {
  load_chain(spec, device_preset_dir(), "device", where, 0, d, apply_device);
}

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
  hw.subtraction = get_choice(r, "subtraction", {"digital", "analog"}, hw.subtraction);
  hw.crossbars_per_tile = static_cast<int>(r.get_int("crossbars_per_tile", 1, 1 << 20, hw.crossbars_per_tile));
  hw.max_tiles = static_cast<int>(r.get_int("max_tiles", 0, 1 << 24, hw.max_tiles));
  hw.layers_span_tiles = r.get_bool("layers_span_tiles", hw.layers_span_tiles);
  hw.clock_ghz = r.get_number("clock_ghz", 1e-6, 1e3, hw.clock_ghz);
  auto& t = hw.timing;
  if (r.has("xbar_read_ns")) t.xbar_read_ns = r.get_number("xbar_read_ns", 0.0, 1e9);
  r.raw_optional("xbar_read_ns");
  t.dac_ns = r.get_number("dac_ns", 0.0, 1e9, t.dac_ns);
  if (r.has("adc_conversion_ns")) t.adc_conversion_ns = r.get_number("adc_conversion_ns", 1e-6, 1e9);
  r.raw_optional("adc_conversion_ns");
  t.shift_add_ns = r.get_number("shift_add_ns", 0.0, 1e9, t.shift_add_ns);
  t.buffer_access_ns = r.get_number("buffer_access_ns", 0.0, 1e9, t.buffer_access_ns);
  t.buffer_width_bytes = static_cast<int>(r.get_int("buffer_width_bytes", 1, 1 << 20, t.buffer_width_bytes));
  t.link_latency_ns = r.get_number("link_latency_ns", 0.0, 1e9, t.link_latency_ns);
  t.link_bytes_per_ns = r.get_number("link_bytes_per_ns", 1e-6, 1e9, t.link_bytes_per_ns);
  hw.crossbars_per_ima = static_cast<int>(r.get_int("crossbars_per_ima", 1, 1 << 20, hw.crossbars_per_ima));
  hw.shift_adds_per_ima = static_cast<int>(r.get_int("shift_adds_per_ima", 1, 1 << 20, hw.shift_adds_per_ima));
  hw.tiles_per_router = static_cast<int>(r.get_int("tiles_per_router", 1, 1 << 20, hw.tiles_per_router));
  hw.output_scaling = get_choice(r, "output_scaling", {"shift", "fp32"}, hw.output_scaling);
  hw.data_aligning = r.get_bool("data_aligning", hw.data_aligning);
  hw.cost_table = r.get_string("cost_table", hw.cost_table);
  hw.adc_range = get_choice(r, "adc_range", {"full_scale", "calibrated"}, hw.adc_range);
  hw.adc_percentile = r.get_number("adc_percentile", 1.0, 100.0, hw.adc_percentile);
  hw.adc_calibration_images =
      static_cast<int>(r.get_int("adc_calibration_images", 1, 1 << 20, hw.adc_calibration_images));
  hw.self_compensation = r.get_bool("self_compensation", hw.self_compensation);
  hw.compensation_bits = static_cast<int>(r.get_int("compensation_bits", 0, 24, hw.compensation_bits));
  hw.write_verify_pulses = static_cast<int>(r.get_int("write_verify_pulses", 0, 1000, hw.write_verify_pulses));
  hw.write_verify_tolerance = r.get_number("write_verify_tolerance", 1e-6, 10.0, hw.write_verify_tolerance);
  if (const auto* dev = r.raw_optional("device")) {
    if (dev->is_string()) {
      hw.device = models::DeviceConfig{};
      load_device_into(dev->get<std::string>(), hw.device, r.where("device"));
    } else if (dev->is_object()) {
      workloads::ObjectReader dr = r.get_object("device");
      if (auto base = dr.get_optional_string("preset")) {
        hw.device = models::DeviceConfig{};
        load_device_into(*base, hw.device, dr.where("preset"));
      }
      apply_device(dr, hw.device);
      dr.finish();
    } else {
      throw Error(r.where("device") + ": expected a device preset name, a device JSON path or an object");
    }
  }
}

void load_into(const std::string& spec, HardwareConfig& hw) {
  load_chain(spec, hardware_preset_dir(), "hardware", "--hw", 0, hw, apply);
}

void validate(const HardwareConfig& hw, const std::string& where) {
  if (hw.adc_bits < 1) throw make_error(where, "adc_bits must be at least 1");
  if (hw.columns_per_adc > hw.cols) {
    throw make_error(where, "columns_per_adc (" + std::to_string(hw.columns_per_adc) + ") exceeds cols (" +
                                std::to_string(hw.cols) + ")");
  }
  if (hw.dac_bits > 8) throw make_error(where, "dac_bits above 8 are not supported (8-bit activations)");
  hw.device.validate(where + " (device '" + hw.device.name + "')", hw.cell_bits);
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
  HardwareConfig hw;
  load_into(spec, hw);
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
    // device.key=value overrides one key of the device
    nlohmann::json device = nlohmann::json::object();
    for (auto it = doc.begin(); it != doc.end();) {
      if (it.key().rfind("device.", 0) == 0) {
        device[it.key().substr(7)] = it.value();
        it = doc.erase(it);
      } else {
        ++it;
      }
    }
    if (!device.empty()) {
      if (doc.contains("device")) {
        if (!doc["device"].is_string()) throw Error("--set device: expected a device preset name or path");
        device["preset"] = doc["device"];
      }
      doc["device"] = device;
    }
    workloads::ObjectReader r(doc, "--set", "");
    apply(r, hw);
    r.finish();
  }
  validate(hw, spec);
  return hw;
}

std::vector<std::string> hardware_presets() { return json_stems(hardware_preset_dir()); }
std::vector<std::string> device_presets() { return json_stems(device_preset_dir()); }

models::DeviceConfig load_device(const std::string& spec) {
  models::DeviceConfig d;
  load_device_into(spec, d, "--device");
  return d;
}

nlohmann::ordered_json to_json(const models::DeviceConfig& d) {
  nlohmann::ordered_json j = {{"name", d.name},
                              {"g_max_us", d.g_max_us},
                              {"g_min_us", d.g_min_us},
                              {"write_model", models::write_variation_name(d.write_model)},
                              {"write_sigma", d.write_sigma}};
  if (!d.write_sigma_per_level.empty()) j["write_sigma_per_level"] = d.write_sigma_per_level;
  j["read_noise_sigma"] = d.read_noise_sigma;
  j["fault_rate"] = d.fault_rate;
  j["stuck_on_per_off"] = d.stuck_on_per_off;
  j["drift_nu"] = d.drift_nu;
  j["drift_time_s"] = d.drift_time_s;
  j["drift_t0_s"] = d.drift_t0_s;
  j["read_voltage_v"] = d.read_voltage_v;
  return j;
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
          {"layers_span_tiles", hw.layers_span_tiles},
          {"clock_ghz", hw.clock_ghz},
          {"xbar_read_ns", hw.timing.read_ns(hw.rows, hw.cols, hw.adc_bits)},
          {"dac_ns", hw.timing.dac_ns},
          {"adc_conversion_ns", hw.timing.conversion_ns(hw.adc_bits)},
          {"shift_add_ns", hw.timing.shift_add_ns},
          {"buffer_access_ns", hw.timing.buffer_access_ns},
          {"buffer_width_bytes", hw.timing.buffer_width_bytes},
          {"link_latency_ns", hw.timing.link_latency_ns},
          {"link_bytes_per_ns", hw.timing.link_bytes_per_ns},
          {"crossbars_per_ima", hw.crossbars_per_ima},
          {"shift_adds_per_ima", hw.shift_adds_per_ima},
          {"tiles_per_router", hw.tiles_per_router},
          {"output_scaling", hw.output_scaling == OutputScaling::Shift ? "shift" : "fp32"},
          {"data_aligning", hw.data_aligning},
          {"cost_table", hw.cost_table},
          {"adc_range", hw.adc_range == AdcRange::FullScale ? "full_scale" : "calibrated"},
          {"adc_percentile", hw.adc_percentile},
          {"adc_calibration_images", hw.adc_calibration_images},
          {"self_compensation", hw.self_compensation},
          {"compensation_bits", hw.compensation_bits},
          {"write_verify_pulses", hw.write_verify_pulses},
          {"write_verify_tolerance", hw.write_verify_tolerance},
          {"device", to_json(hw.device)}};
}

}  // namespace xbarsim::mapping
