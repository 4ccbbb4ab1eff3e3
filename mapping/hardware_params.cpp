#include "mapping/hardware_params.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "common/error.hpp"

namespace xbarsim::mapping {

namespace {

using json = nlohmann::json;

/// A field of Config, as a generic lambda that works on const and non-const objects.
#define XBARSIM_FIELD(member) \
  [](auto& c) -> auto& { return c.member; }

template <typename Config>
struct Builder {
  using P = Param<Config>;

  static P base(std::string key, Level level, ParamType type, double min, double max, std::string unit,
                std::string meaning) {
    P p;
    p.key = std::move(key);
    p.level = level;
    p.type = type;
    p.min = min;
    p.max = max;
    p.unit = std::move(unit);
    p.meaning = std::move(meaning);
    return p;
  }

  /// A field read and written as one JSON scalar of type Json (converted to the field's type).
  template <typename Json, typename Ref>
  static P scalar(std::string key, Level level, ParamType type, Ref ref, double min, double max, std::string unit,
                  std::string meaning) {
    P p = base(std::move(key), level, type, min, max, std::move(unit), std::move(meaning));
    p.get = [ref](const Config& c) { return json(ref(c)); };
    p.set = [ref](Config& c, const json& v) {
      using T = std::decay_t<decltype(ref(c))>;
      ref(c) = static_cast<T>(v.get<Json>());
    };
    return p;
  }

  template <typename Ref>
  static P integer(std::string key, Level level, Ref ref, double min, double max, std::string unit,
                   std::string meaning) {
    return scalar<std::int64_t>(std::move(key), level, ParamType::Integer, ref, min, max, std::move(unit),
                                std::move(meaning));
  }

  template <typename Ref>
  static P number(std::string key, Level level, Ref ref, double min, double max, std::string unit,
                  std::string meaning) {
    return scalar<double>(std::move(key), level, ParamType::Number, ref, min, max, std::move(unit), std::move(meaning));
  }

  template <typename Ref>
  static P optional_number(std::string key, Level level, Ref ref, double min, double max, std::string unit,
                           std::string meaning) {
    P p = base(std::move(key), level, ParamType::OptionalNumber, min, max, std::move(unit), std::move(meaning));
    p.get = [ref](const Config& c) { return ref(c) ? json(*ref(c)) : json(nullptr); };
    p.set = [ref](Config& c, const json& v) {
      if (v.is_null()) {
        ref(c).reset();
      } else {
        ref(c) = v.get<double>();
      }
    };
    return p;
  }

  template <typename Ref>
  static P boolean(std::string key, Level level, Ref ref, std::string meaning) {
    return scalar<bool>(std::move(key), level, ParamType::Boolean, ref, 0, 0, "", std::move(meaning));
  }

  template <typename Ref>
  static P string(std::string key, Level level, Ref ref, std::string meaning) {
    return scalar<std::string>(std::move(key), level, ParamType::String, ref, 0, 0, "", std::move(meaning));
  }

  /// `choices[i]` names enum value i.
  template <typename Ref>
  static P choice(std::string key, Level level, Ref ref, std::vector<std::string> choices, std::string meaning) {
    P p = base(std::move(key), level, ParamType::Enum, 0, 0, "", std::move(meaning));
    p.choices = choices;
    p.get = [ref, choices](const Config& c) { return json(choices.at(static_cast<std::size_t>(ref(c)))); };
    p.set = [ref, choices](Config& c, const json& v) {
      using E = std::decay_t<decltype(ref(c))>;
      const auto s = v.get<std::string>();
      for (std::size_t i = 0; i < choices.size(); ++i) {
        if (choices[i] == s) ref(c) = static_cast<E>(i);
      }
    };
    return p;
  }

  template <typename Ref>
  static P number_array(std::string key, Level level, Ref ref, double min, double max, std::string unit,
                        std::string meaning) {
    P p = base(std::move(key), level, ParamType::NumberArray, min, max, std::move(unit), std::move(meaning));
    p.get = [ref](const Config& c) { return ref(c).empty() ? json(nullptr) : json(ref(c)); };
    p.set = [ref](Config& c, const json& v) {
      if (v.is_null()) {
        ref(c).clear();
      } else {
        ref(c) = v.get<std::vector<double>>();
      }
    };
    return p;
  }

  /// An object of layer name -> value (integers when `integers`), merged entry by entry.
  template <typename Ref>
  static P layer_map(std::string key, Level level, Ref ref, bool integers, double min, double max, std::string unit,
                     std::string meaning) {
    P p = base(std::move(key), level, ParamType::LayerMap, min, max, std::move(unit), std::move(meaning));
    p.integer_values = integers;
    p.get = [ref](const Config& c) {
      json j = json::object();
      for (const auto& [layer, n] : ref(c)) j[layer] = n;
      return j;
    };
    p.set = [ref](Config& c, const json& v) {
      using T = typename std::decay_t<decltype(ref(c))>::mapped_type;
      for (const auto& [layer, n] : v.items()) ref(c)[layer] = n.template get<T>();
    };
    return p;
  }
};

using H = Builder<HardwareConfig>;
using D = Builder<models::DeviceConfig>;

constexpr double kInt20 = 1 << 20;
constexpr double kNs = 1e9;  // upper bound of every time in ns

std::vector<HardwareParam> make_hardware_params() {
  using L = Level;
  std::vector<HardwareParam> t;
  // chip
  t.push_back(H::string("name", L::Chip, XBARSIM_FIELD(name), "the design's name in reports"));
  t.push_back(H::number("clock_ghz", L::Chip, XBARSIM_FIELD(clock_ghz), 1e-6, 1e3, "GHz", "digital clock"));
  t.push_back(H::integer("max_tiles", L::Chip, XBARSIM_FIELD(max_tiles), 0, 1 << 24, "",
                         "tile budget; 0 = as many as the network needs; exceeding it is an error"));
  t.push_back(H::integer("tiles_per_router", L::Chip, XBARSIM_FIELD(tiles_per_router), 1, kInt20, "",
                         "tiles sharing one router of the mesh (ISAAC: concentrated mesh, 4)"));
  // tile
  t.push_back(H::integer("crossbars_per_tile", L::Tile, XBARSIM_FIELD(crossbars_per_tile), 1, kInt20, "",
                         "crossbars in one tile"));
  t.push_back(H::integer("buffer_bytes", L::Tile, XBARSIM_FIELD(buffer_bytes), 0, 1099511627776.0, "bytes",
                         "tile buffer capacity (ISAAC: 64 KB eDRAM); 0 = unbounded"));
  t.push_back(H::integer("buffer_read_ports", L::Tile, XBARSIM_FIELD(buffer_read_ports), 1, kInt20, "",
                         "read ports of the tile buffer"));
  t.push_back(H::integer("buffer_write_ports", L::Tile, XBARSIM_FIELD(buffer_write_ports), 1, kInt20, "",
                         "write ports of the tile buffer"));
  // ima
  t.push_back(H::integer("crossbars_per_ima", L::Ima, XBARSIM_FIELD(crossbars_per_ima), 1, kInt20, "",
                         "crossbars sharing one input register, one output register and the shift-and-add units "
                         "(ISAAC's IMA)"));
  t.push_back(H::integer("adcs_per_ima", L::Ima, XBARSIM_FIELD(adcs_per_ima), 0, 4096, "",
                         "0 = each crossbar owns its ADCs; N = a bank of N ADCs per IMA, shared by its crossbars"));
  t.push_back(H::integer("shift_adds_per_ima", L::Ima, XBARSIM_FIELD(shift_adds_per_ima), 1, kInt20, "",
                         "shift-and-add units per IMA, shared by its crossbars"));
  t.push_back(H::integer("input_register_bytes", L::Ima, XBARSIM_FIELD(input_register_bytes), 1, 1 << 30, "bytes",
                         "input register of one IMA (ISAAC: 2 KB), double-buffered: sets the positions per request"));
  t.push_back(H::integer("output_register_bytes", L::Ima, XBARSIM_FIELD(output_register_bytes), 1, 1 << 30, "bytes",
                         "output register of one IMA (ISAAC: 256 B)"));
  // crossbar
  t.push_back(H::integer("rows", L::Crossbar, XBARSIM_FIELD(rows), 1, 4096, "",
                         "crossbar rows (word lines); any size, non-square too"));
  t.push_back(H::integer("cols", L::Crossbar, XBARSIM_FIELD(cols), 1, 4096, "", "crossbar columns (bit lines)"));
  t.push_back(H::integer("cell_bits", L::Crossbar, XBARSIM_FIELD(cell_bits), 1, 8, "bits",
                         "bits per cell (levels 0..2^cell_bits - 1)"));
  t.push_back(H::choice("sign_scheme", L::Crossbar, XBARSIM_FIELD(sign), {"two-column", "differential", "offset"},
                        "how signed weights take columns (docs/models.md)"));
  t.push_back(H::choice("subtraction", L::Crossbar, XBARSIM_FIELD(subtraction), {"digital", "analog"},
                        "the column-pair difference after (digital) or before (analog) the ADC"));
  t.push_back(H::boolean("weight_flip", L::Crossbar, XBARSIM_FIELD(weight_flip),
                         "ISAAC: a column past half its range stores max - level; the ADC needs half the range"));
  t.push_back(H::choice("offset_reference", L::Crossbar, XBARSIM_FIELD(offset_reference), {"column", "digital"},
                        "offset scheme: a reference column at the middle level (its reading converts exactly), or "
                        "none: 2^(b-1) x the input digits' sum subtracted digitally"));
  // converters
  t.push_back(H::integer("dac_bits", L::Converters, XBARSIM_FIELD(dac_bits), 1, 8, "bits",
                         "input bits driven per input phase (1 = bit-serial)"));
  t.push_back(H::integer("adc_bits", L::Converters, XBARSIM_FIELD(adc_bits), 1, 32, "bits", "ADC resolution"));
  t.push_back(H::integer("columns_per_adc", L::Converters, XBARSIM_FIELD(columns_per_adc), 0, 4096, "",
                         "columns multiplexed onto one ADC (at most cols); 0 = all the crossbar's converted columns"));
  t.push_back(H::choice("adc_range", L::Converters, XBARSIM_FIELD(adc_range),
                        {"full_scale", "rows_used", "layer_max", "calibrated"},
                        "ADC input range: the crossbar's full scale, the full scale of the rows the layer uses, the "
                        "largest reading its stored levels allow, or a percentile of calibration readings "
                        "(docs/models.md, \"ADC range\")"));
  t.push_back(H::layer_map("adc_ranges", L::Converters, XBARSIM_FIELD(adc_ranges), false, 1e-3, 16777216.0, "levels",
                           "per layer: its ADC range in column units (levels x input digit), whatever adc_range says; "
                           "--set adc_ranges.conv1=64 sets one"));
  t.push_back(H::number("adc_percentile", L::Converters, XBARSIM_FIELD(adc_percentile), 1, 100, "%",
                        "calibrated: percentile of the calibration readings the range covers"));
  t.push_back(H::integer("adc_calibration_images", L::Converters, XBARSIM_FIELD(adc_calibration_images), 1, kInt20,
                         "images", "calibrated: training images that set the range"));
  t.push_back(H::number("adc_offset_lsb", L::Converters, XBARSIM_FIELD(adc_offset_lsb), 0, 1e3, "LSB",
                        "sigma of each ADC's input offset (drawn per ADC from the device seed)"));
  t.push_back(H::number("adc_gain_error", L::Converters, XBARSIM_FIELD(adc_gain_error), 0, 0.5, "",
                        "sigma of each ADC's relative gain error (drawn per ADC)"));
  t.push_back(H::number("adc_inl_lsb", L::Converters, XBARSIM_FIELD(adc_inl_lsb), -1e3, 1e3, "LSB",
                        "integral nonlinearity: a parabolic bow, zero at both ends of the range, this at mid-range"));
  t.push_back(H::number("adc_dnl_lsb", L::Converters, XBARSIM_FIELD(adc_dnl_lsb), 0, 1, "LSB",
                        "differential nonlinearity: sigma of each code threshold's displacement, clipped to "
                        "+-0.5 LSB (drawn per ADC; adc_bits at most 16)"));
  t.push_back(H::number("adc_noise_lsb", L::Converters, XBARSIM_FIELD(adc_noise_lsb), 0, 1e3, "LSB",
                        "input-referred RMS noise of every conversion"));
  // IR drop (the segments are wire_r_ohm, below)
  t.push_back(
      H::choice("ir_drop", L::Crossbar, XBARSIM_FIELD(ir_drop), {"off", "exact", "operating_point", "first_order"},
                "parasitic resistance of the lines: off, the exact nodal solve (one solve per row), the one-solve "
                "operating-point model, or the first-order closed form (docs/models.md, \"IR drop\")"));
  t.push_back(H::number("ir_driver_r_ohm", L::Crossbar, XBARSIM_FIELD(ir_driver_r_ohm), 0, 1e9, "ohm",
                        "word-line driver output resistance in the IR-drop solve (0 = ideal driver)"));
  t.push_back(H::number("ir_sense_r_ohm", L::Crossbar, XBARSIM_FIELD(ir_sense_r_ohm), 0, 1e9, "ohm",
                        "bit-line sense input resistance in the IR-drop solve (0 = ideal virtual ground)"));
  t.push_back(H::integer("ir_drop_passes", L::Crossbar, XBARSIM_FIELD(ir_drop_passes), 1, 64, "",
                         "first_order: passes of the line-voltage iteration (1 = the first-order model)"));
  // timing
  t.push_back(H::optional_number("xbar_read_ns", L::Timing, XBARSIM_FIELD(timing.xbar_read_ns), 0, kNs, "ns",
                                 "one crossbar read (an input phase until the columns settle); unset: "
                                 "xbar_sense_ns + the RC settling of the lines"));
  t.push_back(H::number("xbar_sense_ns", L::Timing, XBARSIM_FIELD(timing.xbar_sense_ns), 0, kNs, "ns",
                        "RC model: the sensing (integration) window of one read"));
  t.push_back(H::number("wire_r_ohm", L::Timing, XBARSIM_FIELD(timing.wire_r_ohm), 0, kNs, "ohm",
                        "RC model and IR drop: word/bit-line resistance of one cell pitch"));
  t.push_back(H::number("wire_c_ff", L::Timing, XBARSIM_FIELD(timing.wire_c_ff), 0, kNs, "fF",
                        "RC model: word/bit-line capacitance of one cell pitch"));
  t.push_back(H::number("cell_c_ff", L::Timing, XBARSIM_FIELD(timing.cell_c_ff), 0, kNs, "fF",
                        "RC model: the capacitance one cell's access device adds to its lines"));
  t.push_back(H::number("driver_r_ohm", L::Timing, XBARSIM_FIELD(timing.driver_r_ohm), 0, kNs, "ohm",
                        "RC model: word-line driver output resistance"));
  t.push_back(H::number("sense_r_ohm", L::Timing, XBARSIM_FIELD(timing.sense_r_ohm), 0, kNs, "ohm",
                        "RC model: bit-line sense (virtual ground) input resistance"));
  t.push_back(H::number("dac_ns", L::Timing, XBARSIM_FIELD(timing.dac_ns), 0, kNs, "ns",
                        "driving one input phase; 0 = hidden under the read"));
  t.push_back(H::choice("adc_type", L::Timing, XBARSIM_FIELD(timing.adc_type), {"sar", "flash"},
                        "ADC kind that sets the conversion time: sar (one decision per bit), flash (one in all)"));
  t.push_back(H::number("adc_bit_ns", L::Timing, XBARSIM_FIELD(timing.adc_bit_ns), 1e-6, kNs, "ns",
                        "sar: one bit decision (ISAAC: 8 bits at 1.28 GS/s)"));
  t.push_back(H::number("adc_flash_ns", L::Timing, XBARSIM_FIELD(timing.adc_flash_ns), 1e-6, kNs, "ns",
                        "flash: one conversion, any resolution"));
  t.push_back(H::optional_number("adc_conversion_ns", L::Timing, XBARSIM_FIELD(timing.adc_conversion_ns), 1e-6, kNs,
                                 "ns",
                                 "one conversion of one ADC; unset: adc_bits x adc_bit_ns (sar) or adc_flash_ns "
                                 "(flash)"));
  t.push_back(H::number("shift_add_ns", L::Timing, XBARSIM_FIELD(timing.shift_add_ns), 0, kNs, "ns",
                        "one shift-and-add operation of one unit"));
  t.push_back(H::number("buffer_access_ns", L::Timing, XBARSIM_FIELD(timing.buffer_access_ns), 0, kNs, "ns",
                        "one tile buffer read or write of buffer_width_bytes on one port"));
  t.push_back(H::integer("buffer_width_bytes", L::Timing, XBARSIM_FIELD(timing.buffer_width_bytes), 1, kInt20, "bytes",
                         "bytes per tile buffer access"));
  t.push_back(H::integer("bus_width_bytes", L::Timing, XBARSIM_FIELD(timing.bus_width_bytes), 1, kInt20, "bytes",
                         "the tile bus: bytes per clock cycle (ISAAC: 384 bits)"));
  t.push_back(
      H::number("link_latency_ns", L::Timing, XBARSIM_FIELD(timing.link_latency_ns), 0, kNs, "ns", "one router hop"));
  t.push_back(H::number("link_bytes_per_ns", L::Timing, XBARSIM_FIELD(timing.link_bytes_per_ns), 1e-6, kNs, "bytes/ns",
                        "bandwidth of one mesh link (bytes/ns = GB/s)"));
  t.push_back(H::number("host_link_bytes_per_ns", L::Timing, XBARSIM_FIELD(timing.host_link_bytes_per_ns), 1e-6, kNs,
                        "bytes/ns", "the host link (one HyperTransport link: 6.4 GB/s; ISAAC has 4, 25.6)"));
  // mapping
  t.push_back(H::boolean("layers_span_tiles", L::Mapping, XBARSIM_FIELD(layers_span_tiles),
                         "false: a layer needing more crossbars than one tile holds is an error"));
  t.push_back(H::boolean("pack_layers", L::Mapping, XBARSIM_FIELD(pack_layers),
                         "layers start on a fresh IMA instead of a fresh tile"));
  t.push_back(H::integer("positions_per_request", L::Mapping, XBARSIM_FIELD(positions_per_request), 0, 1 << 24, "",
                         "output positions per unit of work; 0 = one output row"));
  t.push_back(H::choice("replication", L::Mapping, XBARSIM_FIELD(replication), {"none", "auto"},
                        "copies of each layer's crossbars: none (replicas only), auto (balance the pipeline within "
                        "max_tiles)"));
  t.push_back(
      H::layer_map("replicas", L::Mapping, XBARSIM_FIELD(replicas), true, 1, 65536, "",
                   "per layer: copies of its crossbars (at least these with auto); --set replicas.conv1=4 sets one"));
  // programming
  t.push_back(H::boolean("self_compensation", L::Programming, XBARSIM_FIELD(self_compensation),
                         "CRIMP: per-column gain/offset measured after programming, corrected in the shift-and-add"));
  t.push_back(H::integer("compensation_bits", L::Programming, XBARSIM_FIELD(compensation_bits), 0, 24, "bits",
                         "fractional bits of that digital correction"));
  t.push_back(H::integer("write_verify_pulses", L::Programming, XBARSIM_FIELD(write_verify_pulses), 0, 1000, "",
                         "0 = one write per cell; N = program, read, re-program until within tolerance, N pulses"));
  t.push_back(H::number("write_verify_tolerance", L::Programming, XBARSIM_FIELD(write_verify_tolerance), 1e-6, 10, "",
                        "accepted write error, fraction of the level spacing"));
  // cost
  t.push_back(
      H::choice("output_scaling", L::Cost, XBARSIM_FIELD(output_scaling), {"shift", "fp32"},
                "outputs reach the next layer's scale by a shift (power-of-two scales, CRIMP) or an fp32 multiply "
                "per value (the baseline's FP scaling units); cost only, the arithmetic is unchanged"));
  t.push_back(H::boolean("data_aligning", L::Cost, XBARSIM_FIELD(data_aligning),
                         "per-crossbar input aligning units (unaligned fine-grained pruning); cost only"));
  t.push_back(H::boolean("power_gating", L::Cost, XBARSIM_FIELD(power_gating),
                         "idle tiles power-gated: a layer's tiles leak only during its stage time per inference, "
                         "not the whole period; cost only"));
  t.push_back(H::number("input_bit_density", L::Cost, XBARSIM_FIELD(input_bit_density), 0, 1, "",
                        "closed form and peak only: probability that an input bit is 1 (measured runs use the "
                        "data); sets the expected DAC drives and cell read energy"));
  t.push_back(H::boolean("cost_host_link", L::Cost, XBARSIM_FIELD(cost_host_link),
                         "count the off-chip host link (area, energy per byte) in the cost, as ISAAC's chip totals do; "
                         "off by default so that designs compare on what they map"));
  t.push_back(H::string("cost_table", L::Cost, XBARSIM_FIELD(cost_table),
                        "cost table preset name (workloads/cost/) or JSON path"));
  // device
  HardwareParam device =
      H::base("device", L::Device, ParamType::Device, 0, 0, "",
              "the cells: a device preset name (ideal, rram_like, rram_neurosim, pcm_like), a device JSON path, or "
              "an object of device keys (optionally with \"preset\")");
  device.get = [](const HardwareConfig& hw) { return json(to_json(hw.device)); };
  t.push_back(device);
  return t;
}

std::vector<DeviceParam> make_device_params() {
  constexpr Level L = Level::Device;
  std::vector<DeviceParam> t;
  t.push_back(D::string("name", L, XBARSIM_FIELD(name), "the device's name in reports"));
  t.push_back(D::number("g_max_us", L, XBARSIM_FIELD(g_max_us), 1e-9, 1e9, "uS", "conductance of the top level (LRS)"));
  t.push_back(D::number("g_min_us", L, XBARSIM_FIELD(g_min_us), 0, 1e9, "uS",
                        "conductance of level 0 (HRS); on/off ratio g_max_us / g_min_us (0 = infinite)"));
  t.push_back(D::choice("write_model", L, XBARSIM_FIELD(write_model), {"lognormal", "gaussian"},
                        "write variation: G exp(theta), theta ~ N(0, sigma^2); or G (1 + sigma n), clipped at 0"));
  t.push_back(D::number("write_sigma", L, XBARSIM_FIELD(write_sigma), 0, 10, "", "sigma of the write variation"));
  t.push_back(D::number_array("write_sigma_per_level", L, XBARSIM_FIELD(write_sigma_per_level), 0, 10, "",
                              "sigma per level, 2^cell_bits of them (overrides write_sigma)"));
  t.push_back(D::boolean("write_mean_preserving", L, XBARSIM_FIELD(write_mean_preserving),
                         "lognormal: G exp(theta - sigma^2/2), mean G (false: G exp(theta), mean G exp(sigma^2/2))"));
  t.push_back(D::number("write_floor_us", L, XBARSIM_FIELD(write_floor_us), 0, 1e9, "uS",
                        "additive, state-independent programming noise sigma (a Gmin cell is not perfect)"));
  t.push_back(D::number_array("write_sigma_poly_us", L, XBARSIM_FIELD(write_sigma_poly_us), -1e9, 1e9, "uS",
                              "conductance-dependent programming noise: + N(0, s^2), s = max(0, sum_i c_i (G_T / "
                              "g_max_us)^i) uS (aihwkit's PCM fit: 0.26348, 1.9650, -1.1731 at 25 uS)"));
  t.push_back(D::boolean("write_bounded", L, XBARSIM_FIELD(write_bounded),
                         "written conductances clipped to [g_min_us, g_max_us] (false: only at 0)"));
  t.push_back(D::number("read_noise_sigma", L, XBARSIM_FIELD(read_noise_sigma), 0, 10, "",
                        "per-read gaussian proportional noise sigma (every read of every cell independent)"));
  t.push_back(D::number("read_noise_floor_us", L, XBARSIM_FIELD(read_noise_floor_us), 0, 1e9, "uS",
                        "per-read additive, state-independent noise sigma (a Gmin cell is noisy too)"));
  t.push_back(D::number("fault_rate", L, XBARSIM_FIELD(fault_rate), 0, 1, "",
                        "fraction of cells stuck (stuck-on = Gmax, stuck-off = Gmin)"));
  t.push_back(D::number("stuck_on_per_off", L, XBARSIM_FIELD(stuck_on_per_off), 0, 1e9, "",
                        "stuck-on : stuck-off ratio (Yuan et al. 2021)"));
  t.push_back(D::number("fault_word_line_rate", L, XBARSIM_FIELD(fault_word_line_rate), 0, 1, "",
                        "fraction of word lines (rows) open; every cell on one reads as stuck-off"));
  t.push_back(D::number("fault_bit_line_rate", L, XBARSIM_FIELD(fault_bit_line_rate), 0, 1, "",
                        "fraction of bit lines (columns) open; every cell on one reads as stuck-off"));
  t.push_back(D::number("fault_cluster_rate", L, XBARSIM_FIELD(fault_cluster_rate), 0, 1, "",
                        "fault cluster centres per cell; each sticks the square around it (on or off, one draw)"));
  t.push_back(D::integer("fault_cluster_radius", L, XBARSIM_FIELD(fault_cluster_radius), 0, 64, "cells",
                         "cells within this Chebyshev distance of a centre are stuck (1: a 3 x 3 square)"));
  t.push_back(D::number("drift_nu", L, XBARSIM_FIELD(drift_nu), 0, 1, "", "drift exponent nu: G(t) = G (t / t0)^-nu"));
  t.push_back(D::number("drift_nu_sigma", L, XBARSIM_FIELD(drift_nu_sigma), 0, 1, "",
                        "per-cell spread of nu: nu ~ N(mean, sigma^2), clipped at 0 (measured PCM drift varies)"));
  t.push_back(D::number_array("drift_nu_per_level", L, XBARSIM_FIELD(drift_nu_per_level), 0, 1, "",
                              "mean nu per level, 2^cell_bits of them (overrides drift_nu)"));
  t.push_back(D::boolean("drift_compensation", L, XBARSIM_FIELD(drift_compensation),
                         "global drift compensation per array: readings scaled by sum G(t0) / sum G(t), measured "
                         "with every input on"));
  t.push_back(D::number("drift_time_s", L, XBARSIM_FIELD(drift_time_s), 1e-12, 1e12, "s",
                        "time of the reads after programming (at least drift_t0_s)"));
  t.push_back(D::number("drift_t0_s", L, XBARSIM_FIELD(drift_t0_s), 1e-12, 1e12, "s", "drift reference time"));
  t.push_back(D::number("write_voltage_v", L, XBARSIM_FIELD(write_voltage_v), 1e-6, 100, "V",
                        "programming pulse amplitude: write-verify energy V^2 G t per pulse [assumption: 2 V]"));
  t.push_back(D::number("write_pulse_ns", L, XBARSIM_FIELD(write_pulse_ns), 1e-6, 1e9, "ns",
                        "programming pulse width: write-verify time and energy [assumption: 100 ns]"));
  t.push_back(D::number("read_voltage_v", L, XBARSIM_FIELD(read_voltage_v), 1e-6, 100, "V",
                        "read voltage of a full-scale input digit (energy model: cells draw V^2 G per ns)"));
  t.push_back(D::number("read_pulse_ns", L, XBARSIM_FIELD(read_pulse_ns), 1e-6, 1e6, "ns",
                        "time the read voltage is applied per input phase (energy model: V^2 G t per driven cell)"));
  return t;
}

#undef XBARSIM_FIELD

std::string describe(const json& j) {
  if (j.is_number_integer()) return "integer " + j.dump();
  if (j.is_number()) return "number " + j.dump();
  if (j.is_string()) return "string " + j.dump();
  if (j.is_boolean()) return "boolean " + j.dump();
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return "null";
}

std::string range_text(const ParamSpec& p) { return number_text(p.min) + ".." + number_text(p.max); }

/// What a JSON value must be (the wording of workloads::ObjectReader).
std::string expected_json(const ParamSpec& p) {
  const auto ints = [&] {
    return "[" + std::to_string(static_cast<std::int64_t>(p.min)) + ", " +
           std::to_string(static_cast<std::int64_t>(p.max)) + "]";
  };
  const auto numbers = [&] { return "[" + json(p.min).dump() + ", " + json(p.max).dump() + "]"; };
  switch (p.type) {
    case ParamType::Integer: return "an integer in " + ints();
    case ParamType::Number: return "a number in " + numbers();
    case ParamType::OptionalNumber: return "a number in " + numbers() + " or null (from the model)";
    case ParamType::Boolean: return "true or false";
    case ParamType::String: return "a string";
    case ParamType::Enum: {
      std::string s;
      for (std::size_t i = 0; i < p.choices.size(); ++i)
        s += (i == 0 ? "" : i + 1 == p.choices.size() ? " or " : ", ") + ("\"" + p.choices[i] + "\"");
      return s;
    }
    case ParamType::NumberArray: return "an array of numbers in " + numbers() + " or null (none)";
    case ParamType::LayerMap:
      return "an object of layer name -> " + (p.integer_values ? "integer in " + ints() : "number in " + numbers());
    case ParamType::Device: return "a device preset name, a device JSON path or an object";
  }
  return "?";
}

bool integer_in(const json& v, double min, double max) {
  if (!v.is_number_integer()) return false;
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) return false;
  const auto x = static_cast<double>(v.get<std::int64_t>());
  return x >= min && x <= max;
}

bool number_in(const json& v, double min, double max) {
  if (!v.is_number()) return false;
  const double x = v.get<double>();
  return std::isfinite(x) && x >= min && x <= max;
}

[[noreturn]] void fail(const std::string& where, const std::string& expected, const json& got,
                       const std::string& note = "") {
  throw Error(where + ": expected " + expected + ", found " + describe(got) + note);
}

}  // namespace

const std::vector<Level>& levels() {
  static const std::vector<Level> all = {Level::Chip,       Level::Tile,   Level::Ima,     Level::Crossbar,
                                         Level::Converters, Level::Timing, Level::Mapping, Level::Programming,
                                         Level::Cost,       Level::Device};
  return all;
}

std::string level_name(Level level) {
  switch (level) {
    case Level::Chip: return "chip";
    case Level::Tile: return "tile";
    case Level::Ima: return "ima";
    case Level::Crossbar: return "crossbar";
    case Level::Converters: return "converters";
    case Level::Timing: return "timing";
    case Level::Mapping: return "mapping";
    case Level::Programming: return "programming";
    case Level::Cost: return "cost";
    case Level::Device: return "device";
  }
  return "?";
}

const std::vector<HardwareParam>& hardware_params() {
  static const std::vector<HardwareParam> table = make_hardware_params();
  return table;
}

const std::vector<DeviceParam>& device_params() {
  static const std::vector<DeviceParam> table = make_device_params();
  return table;
}

const HardwareParam* find_hardware_param(const std::string& key) {
  for (const auto& p : hardware_params()) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

const DeviceParam* find_device_param(const std::string& key) {
  for (const auto& p : device_params()) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

std::string number_text(double v) {
  if (v == 0) return "0";
  const double a = std::fabs(v);
  const double decade = std::round(std::log10(a));
  const bool power_of_ten = std::pow(10.0, decade) == a;
  if (std::floor(v) == v && a < 1e15 && !(power_of_ten && a >= 1e6)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  // The shortest %g that reads back exactly, with a plain exponent (1e-6, 1e9).
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  std::string sign;
  if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) {
    if (exponent[0] == '-') sign = "-";
    exponent.erase(0, 1);
  }
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return mantissa + "e" + sign + exponent;
}

std::string type_text(const ParamSpec& p) {
  switch (p.type) {
    case ParamType::Integer: return "integer " + range_text(p);
    case ParamType::Number: return "number " + range_text(p);
    case ParamType::OptionalNumber: return "optional number " + range_text(p);
    case ParamType::Boolean: return "boolean";
    case ParamType::String: return "string";
    case ParamType::Enum: {
      std::string s = "one of ";
      for (std::size_t i = 0; i < p.choices.size(); ++i) s += (i == 0 ? "" : ", ") + p.choices[i];
      return s;
    }
    case ParamType::NumberArray: return "optional array of numbers " + range_text(p);
    case ParamType::LayerMap:
      return std::string("object: layer -> ") + (p.integer_values ? "integer " : "number ") + range_text(p);
    case ParamType::Device: return "device preset, path or object";
  }
  return "?";
}

std::string value_text(const ParamSpec& p, const nlohmann::json& v) {
  if (v.is_null()) return "unset";
  switch (p.type) {
    case ParamType::Integer: return v.dump();
    case ParamType::Number:
    case ParamType::OptionalNumber: return number_text(v.get<double>());
    case ParamType::Boolean: return v.get<bool>() ? "true" : "false";
    case ParamType::String: return v.dump();
    case ParamType::Enum: return v.get<std::string>();
    case ParamType::NumberArray: {
      std::string s = "[";
      for (std::size_t i = 0; i < v.size(); ++i) s += (i == 0 ? "" : ", ") + number_text(v[i].get<double>());
      return s + "]";
    }
    case ParamType::LayerMap: return v.dump();
    case ParamType::Device:
      if (v.is_object() && v.contains("name")) return v["name"].dump();
      return v.dump();
  }
  return v.dump();
}

void check_value(const ParamSpec& p, const nlohmann::json& v, const std::string& where) {
  switch (p.type) {
    case ParamType::Integer:
      if (!integer_in(v, p.min, p.max)) fail(where, expected_json(p), v);
      return;
    case ParamType::OptionalNumber:
      if (v.is_null()) return;
      [[fallthrough]];
    case ParamType::Number:
      if (!number_in(v, p.min, p.max)) fail(where, expected_json(p), v);
      return;
    case ParamType::Boolean:
      if (!v.is_boolean()) fail(where, expected_json(p), v);
      return;
    case ParamType::String:
      if (!v.is_string()) fail(where, expected_json(p), v);
      return;
    case ParamType::Enum: {
      if (v.is_string()) {
        for (const auto& c : p.choices) {
          if (c == v.get<std::string>()) return;
        }
      }
      std::string noun = p.key.substr(p.key.rfind('.') + 1);
      for (char& c : noun) {
        if (c == '_') c = ' ';
      }
      fail(where, expected_json(p), v, v.is_string() ? " (unknown " + noun + ")" : "");
    }
    case ParamType::NumberArray:
      if (v.is_null()) return;
      if (!v.is_array()) fail(where, expected_json(p), v);
      for (const auto& e : v) {
        if (!number_in(e, p.min, p.max)) fail(where, expected_json(p), e);
      }
      return;
    case ParamType::LayerMap: {
      if (!v.is_object()) fail(where, expected_json(p), v);
      ParamSpec entry = p;
      entry.type = p.integer_values ? ParamType::Integer : ParamType::Number;
      for (const auto& [layer, n] : v.items()) {
        if (layer.empty()) fail(where, "an object keyed by layer names", v);
        if (p.integer_values ? !integer_in(n, p.min, p.max) : !number_in(n, p.min, p.max))
          fail(where + "." + layer, expected_json(entry), n);
      }
      return;
    }
    case ParamType::Device:
      if (!v.is_string() && !v.is_object()) fail(where, expected_json(p), v);
      if (v.is_string() && v.get<std::string>().empty()) fail(where, expected_json(p), v);
      return;
  }
}

ParamSpec override_spec(const std::string& key, const std::string& where) {
  if (const auto* p = find_hardware_param(key)) return *p;
  const std::string device = "device.";
  if (key.rfind(device, 0) == 0) {
    if (const auto* p = find_device_param(key.substr(device.size()))) {
      ParamSpec s = *p;
      s.key = key;
      return s;
    }
  }
  const auto dot = key.find('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < key.size()) {
    const auto* map = find_hardware_param(key.substr(0, dot));
    if (map != nullptr && map->type == ParamType::LayerMap) {
      ParamSpec s = *map;
      s.key = key;
      s.type = map->integer_values ? ParamType::Integer : ParamType::Number;
      s.meaning = map->key + " of layer " + key.substr(dot + 1);
      return s;
    }
  }
  throw Error(where + ": " + key + ": unknown key (xbarsim keys lists every hardware and device key)");
}

nlohmann::json parse_override_value(const std::string& key, const std::string& text, const std::string& where) {
  const ParamSpec p = override_spec(key, where);
  const auto bad = [&](const std::string& expected) {
    return Error(where + ": " + key + ": expected " + expected + ", found '" + text + "'");
  };
  const json parsed = json::parse(text, nullptr, false);
  switch (p.type) {
    case ParamType::Integer:
      if (parsed.is_discarded() || !parsed.is_number_integer()) throw bad("an integer " + range_text(p));
      return parsed;
    case ParamType::OptionalNumber:
      if (!parsed.is_discarded() && parsed.is_null()) return parsed;
      if (parsed.is_discarded() || !parsed.is_number())
        throw bad("a number " + range_text(p) + " or null (from the model)");
      return parsed;
    case ParamType::Number:
      if (parsed.is_discarded() || !parsed.is_number()) throw bad("a number " + range_text(p));
      return parsed;
    case ParamType::Boolean:
      if (text == "true") return true;
      if (text == "false") return false;
      throw bad("true or false");
    case ParamType::NumberArray:
      if (parsed.is_discarded() || !(parsed.is_array() || parsed.is_null()))
        throw bad("a JSON array of numbers " + range_text(p) + " or null (none)");
      return parsed;
    case ParamType::LayerMap:
      if (parsed.is_discarded() || !parsed.is_object())
        throw bad(std::string("a JSON object of layer name -> ") + (p.integer_values ? "integer " : "number ") +
                  range_text(p));
      return parsed;
    case ParamType::String:
    case ParamType::Enum:
    case ParamType::Device: return text;
  }
  return text;
}

std::pair<std::string, std::string> split_override(const std::string& text, const std::string& where) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw Error(where + ": expected key=value, found '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace xbarsim::mapping
