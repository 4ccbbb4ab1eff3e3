#include "study/run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "common/error.hpp"
#include "common/memory.hpp"
#include "common/parallel.hpp"
#include "cost/table.hpp"
#include "mapping/hardware.hpp"
#include "mapping/mapped_network.hpp"
#include "mapping/programming.hpp"
#include "models/random.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "sim/functional_trials.hpp"
#include "sim/memory_estimate.hpp"
#include "sim/reference.hpp"
#include "study/design.hpp"
#include "study/statistics.hpp"
#include "workloads/dataset.hpp"
#include "workloads/io.hpp"
#include "workloads/network.hpp"
#include "workloads/safetensors.hpp"

namespace xbarsim::study {

namespace {

/// The layers to dump: every conv2d/linear/add/pool... layer of `net` for "all", else the named ones.
std::vector<std::string> dump_selection(const workloads::Network& net, const std::string& spec) {
  std::vector<std::string> names;
  if (spec == "all") {
    for (const auto& L : net.layers) names.push_back(L.name);
    return names;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = spec.find(',', start);
    const std::string name = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (net.find_layer(name) == nullptr) {
      std::string known;
      for (const auto& L : net.layers) known += (known.empty() ? "" : ", ") + L.name;
      throw Error("--dump-layers: no layer '" + name + "' in '" + net.name + "' (layers: " + known + ")");
    }
    names.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return names;
}

/// The network inputs (input_size x N) of a safetensors file's "images": uint8 pixels
/// [N, shape...] normalised as the workload says, or float32 [N, shape...] taken as they are.
Eigen::MatrixXf inputs_from_file(const std::string& path, const workloads::Network& net) {
  const auto f = workloads::read_safetensors(path);
  const auto it = f.tensors.find("images");
  if (it == f.tensors.end()) throw make_error(path, "expected a tensor \"images\" (uint8 pixels or float32 inputs)");
  const auto& t = it->second;
  std::vector<std::int64_t> want{0};
  want.insert(want.end(), net.input_shape.begin(), net.input_shape.end());
  std::vector<std::int64_t> got = t.shape();
  if (got.empty() || got[0] < 1) throw make_error(path, "tensor \"images\" holds no images");
  want[0] = got[0];
  if (got != want) {
    throw make_error(path, "tensor \"images\" has shape " + t.shape_string() + ", expected " +
                               workloads::shape_string(want) + " (the network's input per image)");
  }
  const std::int64_t n = got[0], size = static_cast<std::int64_t>(t.numel()) / n;
  Eigen::MatrixXf x(size, n);
  if (t.dtype() == workloads::DType::F32) {
    std::copy(t.data<float>(), t.data<float>() + t.numel(), x.data());
  } else if (t.dtype() == workloads::DType::U8) {
    workloads::Dataset d;
    d.name = path;
    d.count = n;
    d.channels = net.input_shape.size() == 3 ? static_cast<int>(net.input_shape[0]) : 1;
    d.height = net.input_shape.size() == 3 ? static_cast<int>(net.input_shape[1]) : 1;
    d.width = static_cast<int>(size / (std::int64_t{d.channels} * d.height));
    d.pixels.assign(t.data<std::uint8_t>(), t.data<std::uint8_t>() + t.numel());
    workloads::normalize_images(d, net.dataset.normalization, 0, n, x.data());
  } else {
    throw make_error(path, "tensor \"images\" has dtype " + workloads::dtype_name(t.dtype()) + ", expected U8 or F32");
  }
  return x;
}

/// One weighted layer's output codes, crossbar engine against integer reference, summed over images.
struct LayerErrorSums {
  std::string name;
  double values = 0, mismatches = 0, abs_error = 0, squared_error = 0, reference_squares = 0;
};

struct LayerComparison {
  std::vector<LayerErrorSums> layers;                     ///< weighted layers, in order
  std::map<std::string, std::vector<std::int32_t>> dump;  ///< "reference/<layer>", "crossbar/<layer>": [images, ...]
  std::map<std::string, std::vector<float>> logits;       ///< "reference/logits", "crossbar/logits": [images, classes]
};

/// Both engines on the images `x` (normalised, one per column), in the evaluation's chunks of
/// `batch` images, chunk c with stream c: the draws of the accuracy pass on the same images, and
/// a working set of one chunk per thread whatever the number of images. Sums per layer are made
/// per chunk and added in chunk order (the same for any thread count); `dumped` layers' codes
/// and both engines' logits are kept.
LayerComparison compare_layers(const workloads::Network& net, const sim::ReferenceEngine& iref,
                               const sim::FunctionalEngine& engine, const Eigen::MatrixXf& x, std::int64_t batch,
                               const std::vector<std::string>& dumped, unsigned threads) {
  std::vector<std::string> weighted;
  std::map<std::string, std::size_t> index;
  for (const auto& L : net.layers) {
    if (!L.has_weights()) continue;
    index[L.name] = weighted.size();
    weighted.push_back(L.name);
  }
  const std::int64_t n = x.cols();
  const auto chunks = static_cast<std::size_t>((n + batch - 1) / batch);
  std::vector<std::vector<LayerErrorSums>> sums(chunks, std::vector<LayerErrorSums>(weighted.size()));
  LayerComparison out;
  const auto features = [&](const std::string& name) {
    std::int64_t f = 1;
    for (auto d : net.shape_of(name)) f *= d;
    return f;
  };
  for (const auto& name : dumped) {
    const auto size = static_cast<std::size_t>(features(name) * n);
    out.dump["reference/" + name].resize(size);
    out.dump["crossbar/" + name].resize(size);
  }
  const bool logits = !dumped.empty();
  const std::size_t classes = static_cast<std::size_t>(iref.output_size());
  if (logits) {
    out.logits["reference/logits"].resize(classes * static_cast<std::size_t>(n));
    out.logits["crossbar/logits"].resize(classes * static_cast<std::size_t>(n));
  }
  const auto keep = [](std::vector<std::int32_t>& dst, const Eigen::MatrixXd& v, std::int64_t first) {
    for (Eigen::Index i = 0; i < v.size(); ++i)
      dst[static_cast<std::size_t>(first * v.rows() + i)] = static_cast<std::int32_t>(v.data()[i]);
  };
  const auto keep_logits = [](std::vector<float>& dst, const Eigen::MatrixXd& v, std::int64_t first) {
    for (Eigen::Index i = 0; i < v.size(); ++i)
      dst[static_cast<std::size_t>(first * v.rows() + i)] = static_cast<float>(v.data()[i]);
  };
  parallel_for_chunks(chunks, threads, [&](std::size_t c) {
    const std::int64_t first = static_cast<std::int64_t>(c) * batch, count = std::min(batch, n - first);
    const Eigen::MatrixXf xc = x.middleCols(first, count);
    std::map<std::string, Eigen::MatrixXd> want;  // this chunk's reference codes of the layers compared
    const sim::CodeObserver ow = [&](const std::string& name, const Eigen::MatrixXd& v) {
      if (index.count(name) != 0) want[name] = v;
      if (auto it = out.dump.find("reference/" + name); it != out.dump.end()) keep(it->second, v, first);
    };
    const sim::CodeObserver og = [&](const std::string& name, const Eigen::MatrixXd& v) {
      if (auto it = out.dump.find("crossbar/" + name); it != out.dump.end()) keep(it->second, v, first);
      const auto w = index.find(name);
      if (w == index.end()) return;
      const Eigen::ArrayXXd ref = want.at(name).array(), diff = v.array() - ref;
      LayerErrorSums& e = sums[c][w->second];
      e.values = static_cast<double>(v.size());
      e.mismatches = (diff != 0.0).cast<double>().sum();
      e.abs_error = diff.abs().sum();
      e.squared_error = diff.square().sum();
      e.reference_squares = ref.square().sum();
      want.erase(name);
    };
    const Eigen::MatrixXd ref_codes = iref.forward_int_codes(xc, nullptr, 0, &ow);
    const Eigen::MatrixXd xbar_codes = engine.forward_codes(xc, static_cast<std::uint64_t>(c), &og);
    if (logits) {
      keep_logits(out.logits.at("reference/logits"), iref.scale_output(ref_codes), first);
      keep_logits(out.logits.at("crossbar/logits"), engine.integer_reference().scale_output(xbar_codes), first);
    }
  });
  for (std::size_t l = 0; l < weighted.size(); ++l) {
    LayerErrorSums total;
    total.name = weighted[l];
    for (const auto& chunk : sums) {
      total.values += chunk[l].values;
      total.mismatches += chunk[l].mismatches;
      total.abs_error += chunk[l].abs_error;
      total.squared_error += chunk[l].squared_error;
      total.reference_squares += chunk[l].reference_squares;
    }
    out.layers.push_back(total);
  }
  return out;
}

/// One row of the report: a device and an ADC setting.
struct Scenario {
  std::string key;
  std::string label;
  models::DeviceConfig device;
  bool exact_adc = false;
};

std::vector<Scenario> scenarios(const mapping::HardwareConfig& hw, bool ladder) {
  std::vector<Scenario> out;
  std::string range = mapping::to_json(hw)["adc_range"].get<std::string>();
  std::replace(range.begin(), range.end(), '_', ' ');
  const std::string adc = std::to_string(hw.adc_bits) + "-bit ADC, " + range;
  if (ladder) {
    models::DeviceConfig ideal;
    ideal.name = "ideal";
    out.push_back({"ideal", "ideal (exact ADC, ideal cells)", ideal, true});
    out.push_back({"adc", "ADC only (" + adc + ")", ideal, false});
    models::DeviceConfig var;  // the configured cell's conductance range, write variation 0.1 only
    var.name = hw.device.name + "+variation";
    var.g_max_us = hw.device.g_max_us;
    var.g_min_us = hw.device.g_min_us;
    var.write_model = hw.device.write_model;
    var.write_sigma = 0.1;
    out.push_back({"variation", "+ write variation sigma 0.1", var, false});
    models::DeviceConfig faults = var;
    faults.name = hw.device.name + "+variation+faults";
    faults.fault_rate = 1e-3;
    out.push_back({"faults", "+ stuck-at faults 1e-3 (on:off 5.2:1)", faults, false});
  }
  out.push_back({"configured", "configured (" + hw.device.name + ", " + adc + ")", hw.device, false});
  return out;
}

/// The ADC a layer got: its range and step, how the range was set, the largest reading its levels allow.
nlohmann::ordered_json adc_json(const sim::LayerPlan& L) {
  return {{"bits", L.adc.bits},
          {"bipolar", L.adc.bipolar},
          {"range_source", L.adc_range_source},
          {"range", L.adc_range},
          {"step", L.adc.step()},
          {"max_reading", L.adc.max_reading()},
          {"reading_bound", L.reading_bound},
          {"exact", L.adc_identity}};
}

/// Rows driven with a nonzero digit in the data pass, all images and layers.
double nonzero_digits(const sim::cycle::CycleResult& r) {
  double n = 0;
  for (const auto& a : r.activity) n += static_cast<double>(a.nonzero_digits);
  return n;
}

nlohmann::ordered_json cycle_json(const sim::cycle::CycleResult& r) {
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const auto& l : r.layers) {
    nlohmann::ordered_json waits = nlohmann::ordered_json::array();
    for (const auto& [resource, cycles] : l.waits) waits.push_back({{"resource", resource}, {"cycles", cycles}});
    layers.push_back({{"name", l.name},
                      {"tiles", l.tiles},
                      {"crossbars", l.crossbars},
                      {"copies", l.copies},
                      {"replication_budget_bound", l.budget_bound},
                      {"positions", l.positions},
                      {"positions_per_group", l.positions_per_group},
                      {"phases", l.phases},
                      {"stage_cycles", l.stage_cycles},
                      {"stage_ns", r.ns(l.stage_cycles)},
                      {"first_image_cycles", l.first_cycles},
                      {"compute_cycles", l.compute_cycles},
                      {"input_wait_cycles", l.input_wait_cycles},
                      {"register_wait_cycles", l.register_wait_cycles},
                      {"request_cycles", l.request_cycles},
                      {"waits", waits}});
  }
  const auto& s = r.stats;
  return {{"schedule", r.schedule},
          {"images", r.images},
          {"clock_ghz", r.clock_ghz},
          {"total_cycles", r.total_cycles},
          {"total_ns", r.ns(r.total_cycles)},
          {"latency_cycles", r.latency_cycles()},
          {"latency_ns", r.ns(r.latency_cycles())},
          {"period_cycles", r.period_cycles()},
          {"throughput_inferences_per_s", r.throughput_images_per_s()},
          {"busiest_resource",
           {{"name", r.busiest_resource},
            {"busy_cycles_per_server", r.busiest_busy_cycles},
            {"busy_cycles_per_image",
             r.busiest_busy_cycles / static_cast<sim::cycle::Cycle>(std::max<std::int64_t>(1, r.images))}}},
          {"image_start_cycles", r.image_start},
          {"image_end_cycles", r.image_end},
          {"layers", layers},
          {"totals",
           {{"crossbar_reads", s.total("Crossbar", "reads")},
            {"dac_drives", s.total("Crossbar", "dac_drives")},
            {"dac_nonzero_digits", nonzero_digits(r)},
            {"adc_conversions", s.total("Crossbar", "conversions")},
            {"shift_add_operations", s.total("Crossbar", "shift_adds")},
            {"buffer_read_bytes", s.total("BufferPort", "bytes") - s.total("Layer", "buffer_write_bytes")},
            {"buffer_write_bytes", s.total("Layer", "buffer_write_bytes")},
            {"link_transfers", s.total("Interconnect", "transfers")},
            {"link_bytes", s.total("Interconnect", "bytes")}}},
          {"wall_time_s", r.wall_time_s},
          {"timing_time_s", r.timing_time_s},
          {"stats", sim::cycle::to_json(s)}};
}

RunResult cycle_level_run(const RunSettings& a, const workloads::Network& net, const mapping::HardwareConfig& hw,
                          const nlohmann::ordered_json& quant, const workloads::Dataset& test, unsigned threads) {
  const auto& norm = net.dataset.normalization;
  const std::int64_t n = std::min(a.images, test.count);
  const auto m = mapping::compile(net, hw);
  const auto engine = build_engine(net, hw, m, hw.device, models::derive_seed(a.ptq.seed, {0}), false, threads,
                                   calibration_data(net, hw, a.ptq.data_dir));
  const Eigen::MatrixXf x = sim::image_batch(test, norm, 0, n);
  constexpr std::int64_t kBatch = 64;  // as sim::evaluate_forward chunks the functional rows
  Eigen::MatrixXd functional(engine->integer_reference().output_size(), n);
  parallel_for_chunks(static_cast<std::size_t>((n + kBatch - 1) / kBatch), threads, [&](std::size_t c) {
    const std::int64_t first = static_cast<std::int64_t>(c) * kBatch;
    const std::int64_t k = std::min(kBatch, n - first);
    functional.middleCols(first, k) = engine->forward_codes(x.middleCols(first, k), c);
  });
  sim::cycle::CycleOptions co;
  co.pipelined = a.schedule == "pipelined";
  co.trace = !a.vcd.empty();
  sim::cycle::CycleSimulator simulator(net, m, *engine, n, co);
  const auto r = simulator.run(x, kBatch, threads);
  std::int64_t same_images = 0, correct = 0;
  const Eigen::MatrixXd logits = engine->integer_reference().scale_output(r.codes);
  for (std::int64_t i = 0; i < n; ++i) {
    same_images += r.codes.col(i) == functional.col(i) ? 1 : 0;
    Eigen::Index best = 0;
    logits.col(i).maxCoeff(&best);
    correct += best == test.labels[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  if (!a.vcd.empty()) simulator.write_vcd(a.vcd);
  if (!a.stats.empty()) workloads::write_file_atomic(a.stats, sim::cycle::to_text(r.stats));

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "run --cycle-level";
  report["workload"] = {{"path", a.workload}, {"name", net.name}, {"quantization", quant}};
  report["hardware"] = mapping::to_json(hw);
  report["settings"] = {{"dataset", net.dataset.name}, {"images", n}, {"seed", a.ptq.seed}, {"schedule", a.schedule}};
  report["mapping"] = {{"crossbars", m.crossbars.size()}, {"tiles", m.tiles}};
  report["check"] = {{"images", n}, {"identical_to_functional", same_images}, {"all_identical", same_images == n}};
  report["accuracy"] = static_cast<double>(correct) / static_cast<double>(n);
  report["cycle_level"] = cycle_json(r);
  const auto cost = cost_of_run(r, m, a.cost_table);
  report["cost"] = cost::to_json(cost);
  return {report, cost};
}

}  // namespace

void check_run(const RunSettings& a) {
  if (a.trials < 1) throw Error("--trials: expected at least 1, found " + std::to_string(a.trials));
  if (a.seeds_per_pass < 0) {
    throw Error("--seeds-per-pass: expected a non-negative number of seeds (0 = as many as fit), found " +
                std::to_string(a.seeds_per_pass));
  }
  if (a.limit < 0) throw Error("--limit: expected a non-negative number of images, found " + std::to_string(a.limit));
  if (a.error_images < 1) throw Error("--error-images: expected at least 1");
  if (!(a.max_memory_mib >= 0)) {
    throw Error("--max-memory: expected a non-negative number of MiB (0 = no limit), found " +
                std::to_string(a.max_memory_mib));
  }
  if (a.cycle_level && a.max_memory_mib > 0) throw Error("--max-memory: not with --cycle-level");
  if (a.cycle_level && !a.dump.empty())
    throw Error("--dump: not with --cycle-level (its outputs equal the functional engine's)");
  if (a.cycle_level) {
    if (a.images < 1) throw Error("--images: expected at least 1, found " + std::to_string(a.images));
    if (a.schedule != "layer-by-layer" && a.schedule != "pipelined") {
      throw Error("--schedule: expected layer-by-layer or pipelined, found '" + a.schedule + "'");
    }
  }
}

RunResult evaluate_run(const RunSettings& a, const Progress& progress) {
  check_run(a);
  // Every input is checked before the long part: one clear error, nothing written.
  workloads::Network net = load_workload(a.workload);
  const auto hw = mapping::load_hardware(a.hardware, a.sets);
  cost::load_cost_table(a.cost_table.empty() ? hw.cost_table : a.cost_table);
  if (!a.dump.empty()) dump_selection(net, a.dump_layers);
  if (!a.dump_inputs.empty()) {
    if (a.dump.empty()) throw Error("--dump-inputs needs --dump");
    inputs_from_file(a.dump_inputs, net);
  }
  const workloads::Network float_net = net;
  const auto quant = ensure_integer(net, a.ptq);
  const auto test = workloads::load_dataset(net.dataset, a.ptq.data_dir, workloads::Split::Test);
  const auto& norm = net.dataset.normalization;
  const unsigned threads = resolve_threads(a.threads);
  sim::EvalOptions eo;
  eo.limit = a.limit;
  eo.threads = threads;
  eo.batch = 64;

  if (a.cycle_level) return cycle_level_run(a, net, hw, quant, test, threads);

  const auto m = mapping::compile(net, hw);
  // What the run will add to what the process holds now (the workload, the data, the mapping).
  sim::MemoryOptions mo;
  mo.threads = threads;
  mo.batch = eo.batch;
  if (!a.references) mo.float_references = 0;
  // Device seeds per pass (sim/functional_trials.hpp): as many as asked, or all of them, within
  // --max-memory, or else within kAutoPassMiB of plans beyond the first engine's.
  constexpr double kAutoPassMiB = 1024.0;
  const double resident = resident_mib();
  const auto one = sim::estimate_memory(net, m, hw.device, mo);
  unsigned per_pass = static_cast<unsigned>(a.seeds_per_pass > 0 ? std::min(a.seeds_per_pass, a.trials) : a.trials);
  if (a.seeds_per_pass == 0) {
    while (per_pass > 1) {
      mo.trials = per_pass;
      const double more = sim::estimate_memory(net, m, hw.device, mo).total() - one.total();
      if (a.max_memory_mib > 0 ? resident + one.total() + more <= a.max_memory_mib : more <= kAutoPassMiB) break;
      --per_pass;
    }
  }
  mo.trials = per_pass;
  const auto estimate = sim::estimate_memory(net, m, hw.device, mo);
  const double needed = resident + estimate.total();
  if (a.max_memory_mib > 0 && needed > a.max_memory_mib) {
    char why[320];
    std::snprintf(why, sizeof why,
                  "--max-memory: expected at least the %.0f MiB this run is estimated to need (%.0f resident now, "
                  "%.0f building an engine's %.0f MiB of plans, %u seeds per pass, %.0f of reference weights, %u "
                  "threads x %.0f), found %.0f",
                  needed, resident, estimate.build_peak, estimate.plans, estimate.trials, estimate.references,
                  estimate.threads, estimate.per_thread, a.max_memory_mib);
    throw Error(why);
  }

  // The references over the test images (optional); the integer reference engine itself is
  // kept for the per-layer error.
  std::optional<sim::EvalResult> float_result, int_result;
  if (a.references)
    float_result = sim::evaluate(sim::ReferenceEngine(float_net, sim::Precision::Float), test, norm, eo);
  const sim::ReferenceEngine iref(net, sim::Precision::Int);
  if (a.references) int_result = sim::evaluate(iref, test, norm, eo);
  const std::int64_t images = a.limit > 0 ? std::min(a.limit, test.count) : test.count;

  const workloads::Dataset train = calibration_data(net, hw, a.ptq.data_dir);
  const auto make_engine = [&](const Scenario& sc, std::uint64_t seed) {
    return build_engine(net, hw, m, sc.device, seed, sc.exact_adc, threads, train);
  };

  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  const auto list = scenarios(hw, a.ladder);
  // The configured device's first seed, described while it is the only engine alive: the
  // per-layer output error against the integer reference, the dump, the programming cost and,
  // through two images on the pipelined chip, timing, energy and area.
  nlohmann::ordered_json layer_error, programming;
  cost::CostReport cost;
  const auto describe = [&](const sim::FunctionalEngine& first) {
    const Eigen::MatrixXf x = a.dump_inputs.empty() ? sim::image_batch(test, norm, 0, std::min(a.error_images, images))
                                                    : inputs_from_file(a.dump_inputs, net);
    const std::int64_t n_err = x.cols();
    const auto pass =
        compare_layers(net, iref, first, x, eo.batch,
                       a.dump.empty() ? std::vector<std::string>{} : dump_selection(net, a.dump_layers), threads);
    if (!a.dump.empty()) {
      // The chosen layers' output codes and the logits of both engines, on the same images.
      workloads::TensorFile f;
      for (const auto& [name, codes] : pass.dump) {
        std::vector<std::int64_t> dims{n_err};
        const auto& shape = net.shape_of(name.substr(name.find('/') + 1));
        dims.insert(dims.end(), shape.begin(), shape.end());
        f.tensors[name] = workloads::Tensor::from<std::int32_t>(dims, codes);
      }
      for (const auto& [name, logits] : pass.logits) {
        f.tensors[name] =
            workloads::Tensor::from<float>({n_err, static_cast<std::int64_t>(logits.size()) / n_err}, logits);
      }
      f.metadata["images"] = std::to_string(n_err);
      f.metadata["scenario"] = list.back().key;
      f.metadata["layout"] = "codes: int32 [images, C, H, W] or [images, features]; logits: float32 [images, classes]";
      workloads::write_safetensors(a.dump, f);
    }
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    std::size_t weighted = 0;
    for (const auto& e : pass.layers) {
      const double n = std::max(1.0, e.values);
      const double ref_rms = std::sqrt(e.reference_squares / n);
      layers.push_back({{"name", e.name},
                        {"mismatch_fraction", e.mismatches / n},
                        {"mean_abs_error", e.abs_error / n},
                        {"relative_rms_error", ref_rms > 0 ? std::sqrt(e.squared_error / n) / ref_rms : 0.0},
                        {"adc", adc_json(first.plan(weighted++))}});
    }
    layer_error = {{"scenario", list.back().key}, {"images", n_err}, {"layers", layers}};
    const auto& pc = first.programming();
    programming = {{"scenario", list.back().key},
                   {"pulses", pc.pulses},
                   {"verify_reads", pc.verify_reads},
                   {"energy_uj", pc.energy_pj * 1e-6},
                   {"time_ms", pc.time_ns * 1e-6},
                   {"write_voltage_v", hw.device.write_voltage_v},
                   {"write_pulse_ns", hw.device.write_pulse_ns},
                   {"schedule", "cells one after another in each array, arrays in parallel"}};
    cost = timing_and_cost(net, m, first, test, a.cost_table, threads);
  };

  for (const auto& sc : list) {
    const int trials = sc.device.ideal() ? 1 : a.trials;
    std::vector<double> acc;
    bool exact = true;
    double wall = 0;
    // Seeds in passes of per_pass: the engines of a pass read the same inputs (bit for bit what
    // each gives alone), then are freed before the next pass programs its arrays.
    for (int t0 = 0; t0 < trials; t0 += static_cast<int>(per_pass)) {
      const int count = std::min(static_cast<int>(per_pass), trials - t0);
      std::vector<std::unique_ptr<sim::FunctionalEngine>> engines;
      std::vector<const sim::FunctionalEngine*> pass;
      for (int t = t0; t < t0 + count; ++t) {
        engines.push_back(make_engine(sc, models::derive_seed(a.ptq.seed, {static_cast<std::uint64_t>(t)})));
        pass.push_back(engines.back().get());
      }
      auto teo = eo;
      if (progress) {
        const std::string seeds =
            count == 1 ? std::to_string(t0 + 1) : std::to_string(t0 + 1) + "-" + std::to_string(t0 + count);
        const std::string label = "run " + sc.key + " seed " + seeds + "/" + std::to_string(trials);
        teo.progress = [&progress, label](std::int64_t done, std::int64_t total) { progress(label, done, total); };
      }
      std::vector<sim::EvalResult> results;
      if (count == 1) {
        const auto& engine = *engines.front();
        results.push_back(
            sim::evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return engine.forward(x, c); },
                                  engine.input_size(), test, norm, teo));
      } else {
        const sim::FunctionalTrials shared(pass);
        results = sim::evaluate_forward_trials(
            [&](const Eigen::MatrixXf& x, std::uint64_t c) { return shared.forward(x, c); },
            static_cast<std::size_t>(count), engines.front()->input_size(), test, norm, teo);
      }
      for (const auto& r : results) {
        acc.push_back(r.accuracy());
        // every output, not only the class
        exact = exact && int_result.has_value() && r.output_digests == int_result->output_digests;
      }
      wall += results.front().wall_time_s;
      if (&sc == &list.back() && t0 == 0) describe(*engines.front());  // before the next pass's arrays exist
    }
    rows.push_back({{"key", sc.key},
                    {"label", sc.label},
                    {"device", mapping::to_json(sc.device)},
                    {"exact_adc", sc.exact_adc},
                    {"trials", trials},
                    {"accuracy", acc},
                    {"accuracy_mean", mean(acc)},
                    {"accuracy_std", stddev(acc)},
                    {"matches_integer_reference", a.references ? nlohmann::ordered_json(exact) : nullptr},
                    {"seeds_per_pass", std::min<int>(static_cast<int>(per_pass), trials)},
                    {"wall_time_s", wall},
                    {"trials_per_s", wall > 0 ? trials / wall : 0.0}});
  }

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "run";
  report["workload"] = {{"path", a.workload}, {"name", net.name}, {"quantization", quant}};
  report["hardware"] = mapping::to_json(hw);
  report["settings"] = {{"dataset", net.dataset.name}, {"limit", a.limit},   {"trials", a.trials},
                        {"seed", a.ptq.seed},          {"threads", threads}, {"ladder", a.ladder},
                        {"references", a.references}};
  report["images"] = images;
  report["mapping"] = {{"crossbars", m.crossbars.size()}, {"tiles", m.tiles}};
  if (a.references) {
    report["reference"] = {{"float", float_result->accuracy()}, {"int", int_result->accuracy()}};
  } else {
    report["reference"] = {{"float", nullptr}, {"int", nullptr}};
  }
  report["scenarios"] = rows;
  report["memory"] = {{"model", "estimate from the mapping (sim/memory_estimate.hpp), before programming"},
                      {"estimated_peak_mib", needed},
                      {"resident_before_mib", resident},
                      {"engine_build_mib", estimate.build_peak},
                      {"plans_mib", estimate.plans},
                      {"seeds_per_pass", estimate.trials},
                      {"reference_weights_mib", estimate.references},
                      {"per_thread_mib", estimate.per_thread},
                      {"max_memory_mib", a.max_memory_mib}};
  report["layer_error"] = layer_error;
  report["programming"] = programming;
  report["timing"] = {{"schedule", "pipelined"},
                      {"latency_ns", cost.latency_ns},
                      {"period_ns", cost.time_per_inference_ns},
                      {"throughput_per_s", 1e9 / cost.time_per_inference_ns}};
  report["cost"] = cost::to_json(cost);
  return {report, cost};
}

}  // namespace xbarsim::study
