// The hardware description (docs/formats.md, "Hardware JSON"): crossbar size and cells,
// converters, sign scheme, tiles. Presets are data files picked by name and overridden
// key by key, from a file ("preset": "isaac_like") and from the command line (--set key=value).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/crossbar_geometry.hpp"
#include "models/device.hpp"

namespace xbarsim::mapping {

inline constexpr int kHardwareFormatVersion = 1;

enum class Subtraction { Digital, Analog };
/// How the ADC's input range is set: to the column's full scale (rows x top level x top DAC
/// value), or to a percentile of the readings seen on calibration images.
enum class AdcRange { FullScale, Calibrated };
/// How the shift-and-add output reaches the next layer's scale: by a shift (power-of-two scales,
/// CRIMP: integer only), or by a floating-point multiply per value (the conventional baseline's
/// FP scaling units, models/cost).
enum class OutputScaling { Shift, Fp32 };

/// Latencies and rates of the datapath, used by the cycle-level simulator (docs/formats.md).
struct Timing {
  double xbar_read_ns = 100.0;         ///< one crossbar read: one input phase on all rows, settled columns
  double dac_ns = 0.0;                 ///< driving one input phase (0 = hidden under the read)
  double adc_conversion_ns = 0.78125;  ///< one conversion of one ADC
  double shift_add_ns = 0.78125;       ///< one shift-and-add operation
  double buffer_access_ns = 0.78125;   ///< one buffer read or write of buffer_width_bytes
  int buffer_width_bytes = 32;
  double link_latency_ns = 10.0;   ///< one hop between tiles
  double link_bytes_per_ns = 4.0;  ///< link bandwidth
};

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
  int max_tiles = 0;              ///< 0 = as many as the network needs
  bool layers_span_tiles = true;  ///< false: a layer needing more than one tile is an error
  double clock_ghz = 1.0;         ///< digital clock
  Timing timing;

  // Organisation of the periphery (models/cost's inventory; ISAAC's numbers as defaults)
  int crossbars_per_ima = 8;   ///< crossbars sharing one input and one output register (ISAAC's IMA)
  int shift_adds_per_ima = 4;  ///< shift-and-add units per IMA
  int tiles_per_router = 4;    ///< tiles sharing one router
  OutputScaling output_scaling = OutputScaling::Shift;
  bool data_aligning = false;  ///< per-crossbar input aligning units (what unaligned fine-grained pruning needs)
  std::string cost_table = "isaac_32nm";  ///< cost table preset name or JSON path (models/cost)

  // Converters
  AdcRange adc_range = AdcRange::FullScale;
  double adc_percentile = 100.0;    ///< Calibrated: percentile of the calibration readings the range covers
  int adc_calibration_images = 64;  ///< Calibrated: training images used to set the range

  // The cells and how they are programmed
  models::DeviceConfig device;
  bool self_compensation = false;  ///< CRIMP: per-column gain/offset measured after programming, corrected digitally
  int compensation_bits = 8;       ///< fractional bits of the digital gain/offset correction
  int write_verify_pulses = 0;     ///< 0 = single write; else program-and-verify up to this many pulses
  double write_verify_tolerance = 0.2;  ///< accept a cell within this fraction of the level spacing

  /// The crossbar geometry for weights of `weight_bits`.
  CrossbarGeometry geometry(int weight_bits) const;
};

/// Names of the shipped presets (files in the hardware preset folder).
std::vector<std::string> hardware_presets();
/// Folder holding the preset files.
std::string hardware_preset_dir();
/// Names of the shipped device presets, and their folder.
std::vector<std::string> device_presets();
std::string device_preset_dir();
/// A device preset by name or a device JSON file; errors name the file and key.
models::DeviceConfig load_device(const std::string& spec);
nlohmann::ordered_json to_json(const models::DeviceConfig& device);

/// `spec` is a preset name ("isaac_like") or a path to a hardware JSON file; `overrides`
/// are "key=value" strings applied last. Errors name the file (or --set) and the key.
HardwareConfig load_hardware(const std::string& spec, const std::vector<std::string>& overrides = {});

/// The configuration as hardware JSON (every key, resolved).
nlohmann::ordered_json to_json(const HardwareConfig& hw);

}  // namespace xbarsim::mapping
