// The hardware description (docs/formats.md, "Hardware JSON"): crossbar size and cells,
// converters, sign scheme, tiles. Presets are data files picked by name and overridden
// key by key, from a file ("preset": "isaac_like") and from the command line (--set key=value).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/crossbar_geometry.hpp"

namespace xbarsim::mapping {

inline constexpr int kHardwareFormatVersion = 1;

enum class Subtraction { Digital, Analog };

struct HardwareConfig {
  std::string name = "custom";
  int rows = 128;             ///< crossbar rows (word lines)
  int cols = 128;             ///< crossbar columns (bit lines)
  int cell_bits = 2;          ///< bits per cell
  int dac_bits = 1;           ///< input bits driven per cycle
  int adc_bits = 8;           ///< ADC resolution
  int columns_per_adc = 128;  ///< columns multiplexed onto one ADC
  SignScheme sign = SignScheme::TwoColumn;
  Subtraction subtraction = Subtraction::Digital;  ///< column pair difference before or after the ADC
  int crossbars_per_tile = 8;
  int max_tiles = 0;       ///< 0 = as many as the network needs
  double clock_ghz = 1.0;  ///< digital clock

  /// The crossbar geometry for weights of `weight_bits`.
  CrossbarGeometry geometry(int weight_bits) const;
};

/// Names of the shipped presets (files in the hardware preset folder).
std::vector<std::string> hardware_presets();
/// Folder holding the preset files.
std::string hardware_preset_dir();

/// `spec` is a preset name ("isaac_like") or a path to a hardware JSON file; `overrides`
/// are "key=value" strings applied last. Errors name the file (or --set) and the key.
HardwareConfig load_hardware(const std::string& spec, const std::vector<std::string>& overrides = {});

/// The configuration as hardware JSON (every key, resolved).
nlohmann::ordered_json to_json(const HardwareConfig& hw);

}  // namespace xbarsim::mapping
