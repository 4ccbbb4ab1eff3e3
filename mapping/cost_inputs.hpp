// What the cost model (cost/) needs from a mapped network, as its plain data: the placed chip's
// inventory (instances of every component class per layer, from the layout), the chip's sizes
// and peak action rates, and closed-form action counts per layer from the mapping and the layer
// shapes alone (no engine, no programming). The cycle-level chip measures the same actions
// (sim/cycle); on the crossbar side they are equal (tested).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cost/components.hpp"
#include "mapping/hardware.hpp"
#include "workloads/network.hpp"

namespace xbarsim::mapping {

struct MappedNetwork;
struct MappedCrossbar;
struct MappedLayer;

/// ADCs per crossbar: its converted quantities (columns, or column pairs with analog subtraction)
/// over columns_per_adc, rounded up.
int adcs_per_crossbar(const HardwareConfig& hw);

/// The placed chip of a mapping: per layer, its placed crossbars (every copy; DACs per row,
/// sample-and-holds per column, ADCs, aligning units when hw.data_aligning), the IMAs its
/// crossbars fill (registers, shift-and-add units, an ADC bank, FP scaling units when
/// hw.output_scaling is fp32), its tiles (buffer, bus, digital units) and the routers of its
/// tiles (each IMA, tile and router counted with the layer of the first crossbar placed on it).
cost::Inventory mapped_inventory(const MappedNetwork& mapped);
/// A fully populated chip of `tiles` tiles of hw.crossbars_per_tile crossbars each (one group, "chip").
cost::Inventory chip_inventory(const HardwareConfig& hw, int tiles);

/// Actions per ns one instance of `component` performs at full activity on `hw` (0: no actions).
/// `inventory` gives the shares: a shift-and-add unit takes total ADC throughput / S+A units.
double peak_rate_per_ns(const std::string& component, const HardwareConfig& hw, const cost::Counts& inventory);
/// The sizes and peak rates of `inventory`'s classes on `hw`.
cost::ChipParams chip_params(const HardwareConfig& hw, const cost::Inventory& inventory);

/// Input digits driven per row and read, in expectation when every input bit is 1 with
/// probability `density` independently: P(d != 0) and E[(d / D)^2], D = 2^dac_bits - 1 the full scale.
struct DigitStats {
  double nonzero = 0, square = 0;
};
DigitStats digit_stats(int digit_bits, int dac_bits, double density);
/// Summed over the phases of one read of `layer` (the top phase may hold fewer bits), at hw.input_bit_density.
DigitStats input_digit_stats(const MappedLayer& layer, const HardwareConfig& hw);
/// Gmin / dG of hw's device at hw.cell_bits: the zero level's conductance in level units.
double zero_level_units(const HardwareConfig& hw);

/// Converted quantities of a crossbar per read: its columns, or column pairs with analog subtraction.
std::int64_t readouts_of(const MappedCrossbar& xb, Subtraction subtraction);
/// Input phases of one read of `layer`: ceil(input_bits / min(dac_bits, input_bits)).
int phases_of(const MappedLayer& layer, const HardwareConfig& hw);

/// Per weighted layer, per inference: crossbar reads, DAC drives of nonzero digits and cell read
/// energy (both expected at hw.input_bit_density on the target levels), samples, conversions and
/// shift-and-adds of every crossbar; buffer accesses (edram_buffer), buffer bytes over the bus
/// (bus), bytes into input registers and into buffers (input_register, output_register) and
/// link bytes (router) from closed_form_traffic; and the actions only a closed form counts
/// (below). `net` is the quantized network `mapped` was compiled from.
std::vector<cost::Counts> closed_form_actions(const workloads::Network& net, const MappedNetwork& mapped);
/// Adds layer l's actions that no counter measures: finished outputs (FP scaling units,
/// activation units) and input values routed onto crossbar rows (aligning units, once per position).
void add_closed_only_actions(const MappedNetwork& mapped, std::size_t l, cost::Counts& actions);

/// 2 x multiply-accumulates of one inference on the dense (unpruned) layers.
double ops_per_inference(const MappedNetwork& mapped);

/// The peak of a fully populated chip (docs/models.md, "Peak performance"): every crossbar full
/// of weights_bits-bit weights (hw's sign scheme and cell bits), every one reading input_bits-bit
/// inputs back to back, one phase per max(read, the busiest ADC's conversions); power at every
/// class's peak action rate (arrays at hw.input_bit_density, cell levels uniform).
struct PeakPerformance {
  std::int64_t crossbars = 0;
  int rows = 0;
  int weights_per_crossbar = 0;  ///< output channels one crossbar holds
  int phases = 0;                ///< input phases per MVM
  double phase_ns = 0;           ///< max(read, conversions of the busiest ADC)
  double ops_per_ns = 0;         ///< 2 x MACs per ns of the whole chip
};
PeakPerformance peak_performance(const HardwareConfig& hw, int tiles, int weight_bits, int input_bits);

}  // namespace xbarsim::mapping
