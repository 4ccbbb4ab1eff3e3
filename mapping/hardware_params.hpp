// Every hardware and device parameter declared once (docs/formats.md, "Hardware JSON" and
// "Device JSON"): JSON key, type, default (read from a default-constructed HardwareConfig or
// DeviceConfig), unit, range, one line of meaning and the organisation level it belongs to.
// Reading and writing hardware JSON, `--set key=value`, sweep axes, `xbarsim keys` and the
// documentation test are all driven by these tables.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/hardware.hpp"
#include "models/device.hpp"

namespace xbarsim::mapping {

/// Where a parameter sits in the chip > tile > IMA > crossbar organisation, or what it is about.
enum class Level { Chip, Tile, Ima, Crossbar, Converters, Timing, Mapping, Programming, Cost, Device };
/// Every level, in the order `xbarsim keys` and the documentation list them.
const std::vector<Level>& levels();
/// "chip", "tile", "ima", "crossbar", "converters", "timing", "mapping", "programming", "cost", "device".
std::string level_name(Level level);

enum class ParamType {
  Integer,         ///< a JSON integer in [min, max]
  Number,          ///< a JSON number in [min, max]
  OptionalNumber,  ///< a number in [min, max], or absent (null): the value comes from the model
  Boolean,
  String,
  Enum,         ///< one of `choices` (a string); choices[i] is enum value i
  NumberArray,  ///< an array of numbers in [min, max], or absent (null): none
  LayerMap,     ///< an object: layer name -> integer (integer_values) or number in [min, max]
  Device,       ///< a device preset name, a device JSON path, or an object of device keys
};

/// What a parameter is, without the access to its field.
struct ParamSpec {
  std::string key;  ///< JSON key, snake_case
  Level level = Level::Chip;
  ParamType type = ParamType::Integer;
  std::vector<std::string> choices;  ///< Enum
  double min = 0.0;                  ///< Integer, Number, OptionalNumber; NumberArray and LayerMap elements
  double max = 0.0;
  bool integer_values = false;  ///< LayerMap: the entries are integers
  std::string unit;             ///< empty: a count, a flag or a name
  std::string meaning;
};

/// A declared parameter of `Config` (HardwareConfig or models::DeviceConfig) and the access to its field.
template <typename Config>
struct Param : ParamSpec {
  /// The value as JSON; null when an optional value is unset.
  std::function<nlohmann::json(const Config&)> get;
  /// Stores a value that check_value accepted (null unsets an OptionalNumber; a LayerMap merges
  /// entry by entry). Empty for Device, which reads presets and is applied by hardware.cpp.
  std::function<void(Config&, const nlohmann::json&)> set;

  /// The default: the value of a default-constructed Config.
  nlohmann::json default_value() const { return get(Config{}); }
};

using HardwareParam = Param<HardwareConfig>;
using DeviceParam = Param<models::DeviceConfig>;

/// Every key of a hardware JSON object (besides "version" and "preset"), grouped by level.
const std::vector<HardwareParam>& hardware_params();
/// Every key of a device JSON object (besides "version" and "preset"); reached from a hardware
/// description as `device.<key>`.
const std::vector<DeviceParam>& device_params();
/// nullptr when `key` is not declared.
const HardwareParam* find_hardware_param(const std::string& key);
const DeviceParam* find_device_param(const std::string& key);

/// The type as people read it: "integer 1..4096", "optional number 0..1e9", "one of sar, flash".
std::string type_text(const ParamSpec& p);
/// A value as people read it: 128, 0.78125, true, "custom" (strings quoted), sar (enum names bare),
/// "ideal" (a device: its name), {} (replicas), unset (an absent optional value).
std::string value_text(const ParamSpec& p, const nlohmann::json& value);
/// value_text of the default.
template <typename Config>
std::string default_text(const Param<Config>& p) {
  return value_text(p, p.default_value());
}
/// A number the way the tables write it: shortest round trip, 1e9 rather than 1000000000.
std::string number_text(double v);

/// Checks a JSON value against the declaration: type and range (for Device only that it is a
/// string or an object). Throws xbarsim::Error "<where>: expected <what>, found <value>".
void check_value(const ParamSpec& p, const nlohmann::json& value, const std::string& where);

/// The declaration that types the value of an override key: a hardware key, `device.<key>` (a
/// device key) or `replicas.<layer>` (an integer, the layer's copies); `key` is the full key.
/// Throws "<where>: <key>: unknown key ..." for anything else.
ParamSpec override_spec(const std::string& key, const std::string& where);
/// The value of `--set key=text` as JSON, typed by the declaration: integers and numbers in JSON
/// number syntax, true/false, enum names and strings as they are, arrays and objects as JSON.
/// Only the syntax is checked here (range and enum names by check_value when applied): errors read
/// "<where>: <key>: expected an integer 1..4096, found 'abc'".
nlohmann::json parse_override_value(const std::string& key, const std::string& text, const std::string& where);
/// Splits "key=value"; throws "<where>: expected key=value, found '...'".
std::pair<std::string, std::string> split_override(const std::string& text, const std::string& where);

}  // namespace xbarsim::mapping
