#include "sweep/labels.hpp"

#include <array>

namespace xbarsim::sweep {

namespace {

struct Entry {
  const char* key;
  const char* name;
  const char* unit;
  double scale;
};

// Units as docs/formats.md gives them (hardware keys) and as the design report writes them
// (metrics; accuracies are fractions there).
constexpr std::array<Entry, 45> kEntries = {{
    {"workload", "Network", "", 1},
    {"crossbar_size", "Crossbar size", "rows = columns", 1},
    {"rows", "Crossbar rows", "", 1},
    {"cols", "Crossbar columns", "", 1},
    {"cell_bits", "Bits per cell", "bits", 1},
    {"sign_scheme", "Sign scheme", "", 1},
    {"subtraction", "Subtraction", "", 1},
    {"weight_flip", "Weight flip", "", 1},
    {"dac_bits", "Input bits per phase", "bits", 1},
    {"adc_bits", "ADC resolution", "bits", 1},
    {"adc_range", "ADC range", "", 1},
    {"adc_percentile", "ADC range percentile", "%", 1},
    {"adc_offset_lsb", "ADC offset sigma", "LSB", 1},
    {"adc_gain_error", "ADC gain error sigma", "", 1},
    {"adc_inl_lsb", "ADC INL at mid-range", "LSB", 1},
    {"adc_dnl_lsb", "ADC DNL sigma", "LSB", 1},
    {"adc_noise_lsb", "ADC noise", "LSB rms", 1},
    {"columns_per_adc", "Columns per ADC", "", 1},
    {"ir_drop", "IR-drop model", "", 1},
    {"wire_r_ohm", "Wire resistance per cell", "ohm", 1},
    {"clock_ghz", "Clock", "GHz", 1},
    {"replication", "Replication", "", 1},
    {"self_compensation", "Self-compensation", "", 1},
    {"write_verify_pulses", "Write-verify pulses", "", 1},
    {"device", "Device", "", 1},
    {"device.write_sigma", "Write variation sigma", "relative", 1},
    {"device.read_noise_sigma", "Read noise sigma", "relative", 1},
    {"device.fault_rate", "Stuck-at fault rate", "fraction of cells", 1},
    {"device.stuck_on_per_off", "Stuck-on : stuck-off", "", 1},
    {"device.drift_nu", "Drift exponent nu", "", 1},
    {"accuracy_mean", "Top-1 accuracy", "%", 100},
    {"accuracy_std", "Top-1 accuracy std", "pp", 100},
    {"accuracy_ci95", "Top-1 accuracy, 95 % CI half-width", "pp", 100},
    {"crossbars", "Crossbars", "", 1},
    {"tiles", "Tiles", "", 1},
    {"adcs", "ADCs", "", 1},
    {"area_mm2", "Chip area", "mm²", 1},
    {"computing_area_mm2", "Computing area", "mm²", 1},
    {"energy_per_inference_uj", "Energy per inference", "µJ", 1},
    {"power_mw", "Power", "mW", 1},
    {"computing_power_mw", "Computing power", "mW", 1},
    {"latency_us", "Latency", "µs", 1},
    {"throughput_per_s", "Throughput", "inferences/s", 1},
    {"tops_per_w", "Efficiency", "TOPS/W", 1},
    {"tops_per_mm2", "Area efficiency", "TOPS/mm²", 1},
}};

}  // namespace

Label label_of(const std::string& key) {
  for (const auto& e : kEntries) {
    if (key == e.key) return {e.name, e.unit, e.scale};
  }
  return {key, "", 1};
}

std::string axis_title(const Label& label) {
  return label.unit.empty() ? label.name : label.name + " (" + label.unit + ")";
}

std::string spread_column(const std::string& metric, const std::string& kind) {
  const std::string suffix = "_mean";
  if (metric.size() <= suffix.size() || metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return "";
  }
  return metric.substr(0, metric.size() - suffix.size()) + "_" + kind;
}

}  // namespace xbarsim::sweep
