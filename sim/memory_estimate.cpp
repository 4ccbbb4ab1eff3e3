#include "sim/memory_estimate.hpp"

#include <algorithm>

#include "sim/reference.hpp"

namespace xbarsim::sim {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double product(const std::vector<std::int64_t>& shape) {
  double n = 1;
  for (auto d : shape) n *= static_cast<double>(d);
  return n;
}

}  // namespace

double MemoryEstimate::total() const {
  const double others = (trials - 1) * plans;  // engines built before the last one of the pass
  return std::max(others + build_peak, others + plans + threads * per_thread) + references;
}

MemoryEstimate estimate_memory(const workloads::Network& net, const mapping::MappedNetwork& m,
                               const models::DeviceConfig& device, const MemoryOptions& o) {
  MemoryEstimate e;
  e.threads = std::max(1U, o.threads);
  e.trials = std::max(1U, o.trials);
  const auto& hw = m.hardware;
  const bool analog = hw.subtraction == mapping::Subtraction::Analog;
  const bool noisy = device.read_noise_sigma > 0.0 || device.read_noise_floor_us > 0.0;
  const bool calibrated = hw.adc_range == mapping::AdcRange::Calibrated;
  const double plan_copies = 1.0 + (noisy ? 1.0 : 0.0) + (hw.self_compensation ? 1.0 : 0.0);
  const double fault_bytes = device.fault_rate > 0.0 ? 1.0 : 0.0;
  // Cells, then plans, crossbar by crossbar in the order the engine builds them.
  double held = 0, weights = 0;
  for (const auto& ml : m.layers) {
    weights += static_cast<double>(ml.shape.rows) * static_cast<double>(ml.shape.cout);
    for (auto xi : ml.crossbars) {
      const auto& xb = m.crossbars[xi];
      const auto rows = static_cast<double>(xb.rows.size()), phys = static_cast<double>(xb.cells.columns.size());
      e.arrays += phys * rows * (4.0 + fault_bytes);
    }
  }
  held = e.arrays;
  e.build_peak = held;
  for (const auto& ml : m.layers) {
    for (auto xi : ml.crossbars) {
      const auto& xb = m.crossbars[xi];
      const auto rows = static_cast<double>(xb.rows.size()), phys = static_cast<double>(xb.cells.columns.size());
      double readouts = phys;
      if (analog) {
        for (const auto& c : xb.cells.columns) readouts -= c.kind == mapping::ColumnRole::Kind::Negative ? 1 : 0;
      }
      const double plan = readouts * rows * 4.0 * plan_copies + rows * 16.0;  // + row indices and conductances
      e.plans += plan;
      held += plan;
      e.build_peak = std::max(e.build_peak, held);
      held -= phys * rows * (4.0 + fault_bytes);
    }
  }
  // Integer engines hold their codes as doubles and as floats (the exact float product).
  e.references = weights * (4.0 * o.float_references + 12.0 * (o.integer_references + 1));
  // One thread's working set at its largest layer (sim/reference.cpp, sim/datapath.cpp).
  const auto batch = static_cast<double>(std::max<std::int64_t>(1, o.batch));
  double largest_tensor = product(net.input_shape);
  for (const auto& L : net.layers) largest_tensor = std::max(largest_tensor, product(net.shape_of(L.name)));
  bool first_layer = true;
  for (const auto& ml : m.layers) {
    const double K = static_cast<double>(ml.shape.rows), cout = static_cast<double>(ml.shape.cout);
    const double M = batch * static_cast<double>(ml.positions);
    const int dac = std::max(1, std::min(hw.dac_bits, ml.input_bits));
    const double P = (ml.input_bits + dac - 1) / dac;
    const double block = std::max(1.0, std::min(M, static_cast<double>(std::int64_t{1} << 22) / (K * P)));
    const double span = std::min(M, std::max(block, static_cast<double>(kUnrolledValuesPerCall) / K));
    double readouts = 1;
    for (auto xi : ml.crossbars) {
      readouts = std::max(readouts, static_cast<double>(m.crossbars[xi].cells.columns.size()));
    }
    // The tile the datapath works on: about 1 MB of planes; a calibration pass records whole
    // blocks (of its calibration images).
    const double cache_tile = std::min(span, std::max(16.0, std::min(65536.0 / (readouts * P), 262144.0 / (K * P))));
    const double calibration_block =
        std::max(1.0, std::min(static_cast<double>(hw.adc_calibration_images) * static_cast<double>(ml.positions),
                               static_cast<double>(std::int64_t{1} << 22) / (K * P)));
    const double tile = calibrated ? std::max(cache_tile, calibration_block) : cache_tile;
    const double unrolled = K * span * 8.0;               // the span of unrolled codes (double)
    const double accumulators = 3.0 * cout * span * 8.0;  // the call's result, its accumulators, a copy
    const double layer_out = 2.0 * cout * M * 8.0;        // the layer's output, and in CHW order
    // Bit planes and gathered rows, a crossbar's readings, the codes; with read noise the squared
    // planes and the readings' variances as well (sim/datapath.cpp, crossbar_read).
    const double readings = readouts * P * tile * 4.0;
    const double datapath =
        2.0 * K * P * tile * 4.0 + readings + K * tile * 8.0 + (noisy ? K * P * tile * 4.0 + readings : 0.0);
    // A shared pass holds every trial's accumulators of the first weighted layer (reference.cpp).
    const double shared = first_layer ? (e.trials - 1.0) * (cout * M + cout * span) * 8.0 : 0.0;
    first_layer = false;
    e.per_thread = std::max(e.per_thread, unrolled + accumulators + layer_out + datapath + shared);
  }
  // The batch's live activations: the input, the largest tensor and a skip connection's.
  e.per_thread += 3.0 * largest_tensor * batch * 8.0 + product(net.input_shape) * batch * 4.0;
  e.arrays /= kMiB;
  e.plans /= kMiB;
  e.build_peak /= kMiB;
  e.references /= kMiB;
  e.per_thread /= kMiB;
  return e;
}

}  // namespace xbarsim::sim
