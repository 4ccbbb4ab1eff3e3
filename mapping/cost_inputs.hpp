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

/// Converted quantities of a crossbar per read: its columns, or column pairs with analog subtraction.
std::int64_t readouts_of(const MappedCrossbar& xb, Subtraction subtraction);
/// Input phases of one read of `layer`: ceil(input_bits / min(dac_bits, input_bits)).
int phases_of(const MappedLayer& layer, const HardwareConfig& hw);

/// Per weighted layer, per inference: crossbar reads, DAC drives, samples, conversions and
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

}  // namespace xbarsim::mapping
