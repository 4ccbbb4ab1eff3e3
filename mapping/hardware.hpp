// The hardware description (docs/formats.md, "Hardware JSON"): crossbar size and cells,
// converters, sign scheme, tiles. Presets are data files picked by name and overridden
// key by key, from a file ("preset": "isaac_like") and from the command line (--set key=value).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/crossbar_geometry.hpp"
#include "models/device.hpp"

namespace xbarsim::mapping {

inline constexpr int kHardwareFormatVersion = 1;

enum class Subtraction { Digital, Analog };
/// How the ADC's input range is set (docs/models.md, "ADC range"): the crossbar's full scale
/// (rows x top level x top DAC value), the full scale of the rows the layer's crossbars use,
/// the largest reading the layer's stored levels can produce, or a percentile of the readings
/// seen on calibration images. `adc_ranges` sets single layers by hand.
enum class AdcRange { FullScale, RowsUsed, LayerMax, Calibrated };
/// The offset scheme's reference: a column of cells at the middle level 2^(cell_bits-1), whose
/// reading the shift-and-add weights by -2^(b-cell_bits), or no column: the shift-and-add
/// subtracts 2^(b-1) x the sum of the input digits, counted digitally.
enum class OffsetReference { Column, Digital };
/// How the shift-and-add output reaches the next layer's scale: by a shift (power-of-two scales,
/// CRIMP: integer only), or by a floating-point multiply per value (the conventional baseline's
/// FP scaling units, cost/).
enum class OutputScaling { Shift, Fp32 };

/// How one ADC conversion's duration follows from the resolution when adc_conversion_ns is not given:
/// successive approximation (one comparator decision per bit) or flash (one decision for all bits).
enum class AdcType { Sar, Flash };

/// Latencies and rates of the datapath, used by the cycle-level simulator (docs/formats.md,
/// docs/models.md "Timing"). The read and conversion times come from the design parameters
/// (rows, columns, ADC bits and type) unless given explicitly.
struct Timing {
  std::optional<double> xbar_read_ns;  ///< explicit crossbar read time; unset: the RC model below
  double xbar_sense_ns = 100.0;        ///< RC model: the sensing (integration) window of one read
  double wire_r_ohm = 0.69;            ///< RC model and IR drop: word/bit-line resistance of one cell pitch
  double wire_c_ff = 0.0128;           ///< RC model: word/bit-line capacitance of one cell pitch
  double cell_c_ff = 0.1;              ///< RC model: the capacitance one cell's access device adds to its lines
  double driver_r_ohm = 1000.0;        ///< RC model: word-line driver output resistance
  double sense_r_ohm = 1000.0;         ///< RC model: bit-line sense (virtual ground) input resistance
  double dac_ns = 0.0;                 ///< driving one input phase (0 = hidden under the read)
  AdcType adc_type = AdcType::Sar;
  double adc_bit_ns = 0.09765625;           ///< SAR: one bit decision (ISAAC: 8 bits at 1.28 GS/s)
  double adc_flash_ns = 0.78125;            ///< flash: one conversion, any resolution
  std::optional<double> adc_conversion_ns;  ///< explicit conversion time; unset: from adc_type and adc_bits
  double shift_add_ns = 0.78125;            ///< one shift-and-add operation of one unit
  double buffer_access_ns = 0.78125;        ///< one buffer read or write of buffer_width_bytes on one port
  int buffer_width_bytes = 32;
  double link_latency_ns = 10.0;        ///< one router hop
  double link_bytes_per_ns = 4.0;       ///< bandwidth of one mesh link
  double host_link_bytes_per_ns = 6.4;  ///< the host link (one HyperTransport link: 6.4 GB/s; ISAAC has 4)
  int bus_width_bytes = 48;             ///< the tile bus: bytes per clock cycle (ISAAC: 384 bits)

  /// The crossbar read time (ns) of a rows x cols array whose columns an adc_bits ADC reads.
  double read_ns(int rows, int cols, int adc_bits) const;
  /// One conversion (ns) of an ADC of `bits`.
  double conversion_ns(int bits) const;
};

/// IR drop (docs/models.md, "IR drop"): none, the exact nodal solve (its transfer matrix, one
/// solve per row), the one-solve operating-point model, or the first-order closed form.
enum class IrDrop { Off, Exact, OperatingPoint, FirstOrder };

/// How many copies of each layer's crossbars the mapping makes (for throughput).
enum class Replication { None, Auto };

struct HardwareConfig {
  std::string name = "custom";
  int rows = 128;             ///< crossbar rows (word lines)
  int cols = 128;             ///< crossbar columns (bit lines)
  int cell_bits = 2;          ///< bits per cell
  int dac_bits = 1;           ///< input bits driven per cycle
  int adc_bits = 8;           ///< ADC resolution
  int columns_per_adc = 128;  ///< columns multiplexed onto one ADC; 0 = all the crossbar's converted columns
  SignScheme sign = SignScheme::TwoColumn;
  bool weight_flip = false;  ///< ISAAC's weight flip (mapping/sign_scheme.hpp): half the ADC range
  OffsetReference offset_reference = OffsetReference::Column;  ///< sign_scheme offset only
  Subtraction subtraction = Subtraction::Digital;              ///< column pair difference before or after the ADC
  int crossbars_per_tile = 8;
  int max_tiles = 0;              ///< 0 = as many as the network needs
  bool layers_span_tiles = true;  ///< false: a layer needing more than one tile is an error
  double clock_ghz = 1.0;         ///< digital clock
  Timing timing;

  // Organisation (one description for the SystemC chip and the cost inventory; ISAAC's numbers as defaults):
  // chip > tiles (buffer, bus, a share of a router) > IMAs (registers, shift-and-add units, ADCs) > crossbars.
  int crossbars_per_ima = 8;          ///< crossbars sharing one input and one output register (ISAAC's IMA)
  int adcs_per_ima = 0;               ///< 0: each crossbar owns its ADCs; > 0: a bank of this many ADCs per IMA, shared
  int shift_adds_per_ima = 4;         ///< shift-and-add units per IMA, shared by its crossbars
  int input_register_bytes = 2048;    ///< per IMA (ISAAC: 2 KB), double-buffered: sets the positions per request
  int output_register_bytes = 256;    ///< per IMA (ISAAC: 256 B)
  std::int64_t buffer_bytes = 65536;  ///< tile buffer capacity (ISAAC: 64 KB eDRAM); 0 = unbounded
  int buffer_read_ports = 1;          ///< tile buffer read ports
  int buffer_write_ports = 1;         ///< tile buffer write ports
  int tiles_per_router = 4;           ///< tiles sharing one router (ISAAC: concentrated mesh, 4)
  int positions_per_request = 0;      ///< output positions per unit of work; 0 = one output row
  Replication replication = Replication::None;  ///< Auto: balance the pipeline within max_tiles
  std::map<std::string, int> replicas;          ///< per layer: copies of its crossbars (at least these with Auto)
  bool pack_layers = false;                     ///< layers start on a fresh IMA instead of a fresh tile
  OutputScaling output_scaling = OutputScaling::Shift;
  bool data_aligning = false;      ///< per-crossbar input aligning units (what unaligned fine-grained pruning needs)
  bool power_gating = false;       ///< a layer's tiles leak only during its stage time (cost only)
  double input_bit_density = 0.5;  ///< closed form and peak: P(an input bit is 1) (cost only)
  bool cost_host_link = false;     ///< the off-chip host link's area and energy counted (ISAAC's chip figures do)
  std::string cost_table = "isaac_32nm";  ///< cost table preset name or JSON path (cost/table.hpp)

  // Converters
  AdcRange adc_range = AdcRange::FullScale;
  double adc_percentile = 100.0;             ///< Calibrated: percentile of the calibration readings the range covers
  int adc_calibration_images = 64;           ///< Calibrated: training images used to set the range
  std::map<std::string, double> adc_ranges;  ///< per layer: the range (column units), whatever adc_range says
  // ADC non-idealities (docs/models.md, "ADC non-idealities"), drawn per ADC from the device seed
  double adc_offset_lsb = 0.0;  ///< sigma of each ADC's input offset, LSB
  double adc_gain_error = 0.0;  ///< sigma of each ADC's relative gain error
  double adc_inl_lsb = 0.0;     ///< peak of the integral nonlinearity bow (zero at the range ends), LSB
  double adc_dnl_lsb = 0.0;     ///< sigma of each code threshold's displacement (clipped to +-0.5 LSB), LSB
  double adc_noise_lsb = 0.0;   ///< input-referred RMS noise per conversion, LSB

  // Parasitic resistance (the segments are timing.wire_r_ohm, the RC model's wire)
  IrDrop ir_drop = IrDrop::Off;
  double ir_driver_r_ohm = 0.0;  ///< word-line driver output resistance in the IR-drop solve (0 = ideal)
  double ir_sense_r_ohm = 0.0;   ///< bit-line sense input resistance in the IR-drop solve (0 = virtual ground)
  int ir_drop_passes = 1;        ///< first_order: passes of the line-voltage iteration

  // The cells and how they are programmed
  models::DeviceConfig device;
  bool self_compensation = false;  ///< CRIMP: per-column gain/offset measured after programming, corrected digitally
  int compensation_bits = 8;       ///< fractional bits of the digital gain/offset correction
  int write_verify_pulses = 0;     ///< 0 = single write; else program-and-verify up to this many pulses
  double write_verify_tolerance = 0.2;  ///< accept a cell within this fraction of the level spacing

  /// True when any ADC non-ideality is set.
  bool adc_nonideal() const {
    return adc_offset_lsb > 0 || adc_gain_error > 0 || adc_inl_lsb != 0 || adc_dnl_lsb > 0 || adc_noise_lsb > 0;
  }
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
/// are "key=value" strings applied last, each value typed by its key's declaration
/// (mapping/hardware_params.hpp). Errors name the file (or --set) and the key.
HardwareConfig load_hardware(const std::string& spec, const std::vector<std::string>& overrides = {});
/// load_hardware in two steps, for many override sets on one file (a sweep's points): the file
/// and its preset chain, not yet validated; then `hw` with `overrides` applied, validated
/// (`where` names the configuration in errors).
HardwareConfig load_hardware_file(const std::string& spec);
HardwareConfig with_overrides(HardwareConfig hw, const std::vector<std::string>& overrides, const std::string& where);

/// The configuration as hardware JSON: every declared key, but unset optional values (which
/// come from the model) left out.
nlohmann::ordered_json to_json(const HardwareConfig& hw);

}  // namespace xbarsim::mapping
