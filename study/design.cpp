#include "study/design.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "common/child_process.hpp"
#include "common/error.hpp"
#include "common/parallel.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/programming.hpp"
#include "models/random.hpp"
#include "sim/reference.hpp"
#include "study/statistics.hpp"
#include "study/workload.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::study {

std::unique_ptr<sim::FunctionalEngine> build_engine(const workloads::Network& net, const mapping::HardwareConfig& hw,
                                                    const mapping::MappedNetwork& m, const models::DeviceConfig& device,
                                                    std::uint64_t seed, bool exact_adc, unsigned threads,
                                                    const workloads::Dataset& train) {
  mapping::ProgrammingOptions po;
  po.write_verify_pulses = hw.write_verify_pulses;
  po.write_verify_tolerance = hw.write_verify_tolerance;
  po.threads = threads;
  sim::FunctionalOptions fo;
  fo.exact_adc = exact_adc;
  // The engine consumes the arrays: each crossbar's cells are freed once its plan is made.
  auto engine = std::make_unique<sim::FunctionalEngine>(net, m, mapping::program(m, device, seed, po), fo);
  if (hw.adc_range == mapping::AdcRange::Calibrated && !exact_adc) {
    engine->calibrate_adc(sim::image_batch(train, net.dataset.normalization, 0,
                                           std::min<std::int64_t>(hw.adc_calibration_images, train.count)));
  }
  return engine;
}

workloads::Dataset calibration_data(const workloads::Network& net, const mapping::HardwareConfig& hw,
                                    const std::string& data_dir) {
  if (hw.adc_range != mapping::AdcRange::Calibrated) return {};
  return workloads::load_dataset(net.dataset, data_dir, workloads::Split::Train);
}

cost::CostReport cost_of_run(const sim::cycle::CycleResult& run, const mapping::MappedNetwork& m,
                             const std::string& table_spec) {
  const auto table = cost::load_cost_table(table_spec.empty() ? m.hardware.cost_table : table_spec);
  const auto actions = sim::cycle::measured_actions(run, m);
  const auto inventory = mapping::mapped_inventory(m);
  // Power gating: a layer's tiles leak during its stage (its busiest copy's busy time per image).
  std::vector<double> leak_ns;
  if (m.hardware.power_gating) {
    for (const auto& l : run.layers) leak_ns.push_back(std::min(run.ns(l.stage_cycles), run.ns(run.period_cycles())));
  }
  return cost::estimate(inventory, actions, table, mapping::chip_params(m.hardware, inventory),
                        run.ns(run.period_cycles()), run.ns(run.latency_cycles()), mapping::ops_per_inference(m),
                        leak_ns);
}

cost::CostReport timing_and_cost(const workloads::Network& net, const mapping::MappedNetwork& m,
                                 const sim::FunctionalEngine& engine, const workloads::Dataset& test,
                                 const std::string& table_spec, unsigned threads) {
  // Two images through the pipeline: the first one's latency is the sum of the stages, the
  // second completes one slowest stage later (the steady-state period).
  const std::int64_t n = std::min<std::int64_t>(2, test.count);
  if (n < 1) throw Error("timing: the test split is empty");
  const Eigen::MatrixXf x = sim::image_batch(test, net.dataset.normalization, 0, n);
  sim::cycle::CycleOptions co;
  co.pipelined = true;
  sim::cycle::CycleSimulator simulator(net, m, engine, n, co);
  const auto r = simulator.run(x, 64, threads);
  return cost_of_run(r, m, table_spec);
}

void check_design_settings(const DesignSettings& s) {
  if (s.trials < 1) throw Error("--trials: expected at least 1, found " + std::to_string(s.trials));
  if (s.images < 0) throw Error("--images: expected a non-negative number, found " + std::to_string(s.images));
  if (s.calibration_images < 1) {
    throw Error("--calibration-images: expected at least 1, found " + std::to_string(s.calibration_images));
  }
  if (s.trial_groups < 1) throw Error("trial_groups: expected at least 1, found " + std::to_string(s.trial_groups));
  if (s.trial_group < 0 || s.trial_group >= s.trial_groups) {
    throw Error("trial group: expected 0.." + std::to_string(s.trial_groups - 1) + ", found " +
                std::to_string(s.trial_group));
  }
}

nlohmann::ordered_json evaluate_design(const DesignSettings& s) {
  check_design_settings(s);
  workloads::Network net = load_workload(s.workload);
  const auto hw = mapping::load_hardware(s.hardware, s.sets);
  PtqArgs ptq;
  ptq.seed = s.seed;
  ptq.data_dir = s.data_dir;
  ptq.calibration_images = s.calibration_images;
  const auto quant = ensure_integer(net, ptq);
  const auto table_spec = s.cost_table.empty() ? hw.cost_table : s.cost_table;
  cost::load_cost_table(table_spec);  // bad tables fail before the long part
  const auto test = workloads::load_dataset(net.dataset, s.data_dir, workloads::Split::Test);
  const unsigned threads = resolve_threads(s.threads);
  const auto m = mapping::compile(net, hw);
  const auto train = calibration_data(net, hw, s.data_dir);

  sim::EvalOptions eo;
  eo.limit = s.images;
  eo.threads = threads;
  eo.batch = 64;
  const bool split = s.trial_groups > 1;
  const bool lead = s.trial_group == 0;  // the group that times and costs the design
  const sim::ReferenceEngine iref(net, sim::Precision::Int);
  sim::EvalResult int_result;
  if (lead) int_result = sim::evaluate(iref, test, net.dataset.normalization, eo);
  const int trials = hw.device.ideal() ? 1 : s.trials;
  std::vector<double> acc;
  std::vector<int> indices;
  cost::CostReport cost;
  double wall = 0;
  std::int64_t images = 0;
  for (int t = s.trial_group; t < trials; t += s.trial_groups) {
    auto engine = build_engine(net, hw, m, hw.device, models::derive_seed(s.seed, {static_cast<std::uint64_t>(t)}),
                               false, threads, train);
    const auto r =
        sim::evaluate_forward([&](const Eigen::MatrixXf& x, std::uint64_t c) { return engine->forward(x, c); },
                              engine->input_size(), test, net.dataset.normalization, eo);
    acc.push_back(r.accuracy());
    indices.push_back(t);
    wall += r.wall_time_s;
    images = r.images;
    // The lead group times and costs the design on seed 0, before the next seed's arrays exist.
    if (t == 0) cost = timing_and_cost(net, m, *engine, test, table_spec, threads);
  }
  if (lead) images = int_result.images;
  const auto inv = mapping::mapped_inventory(m);
  std::int64_t dense = 0;
  for (const auto& l : m.layers) dense += l.footprint.crossbars_dense;

  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "design";
  report["workload"] = {{"path", s.workload}, {"name", net.name}, {"quantization", quant}};
  report["hardware"] = mapping::to_json(hw);
  report["settings"] = {{"images", images}, {"trials", trials}, {"seed", s.seed}, {"cost_table", table_spec}};
  if (split) {
    report["trial_group"] = {{"group", s.trial_group}, {"groups", s.trial_groups}, {"trials", trials}};
  }
  int weight_bits = 0, slices = 0;
  for (const auto& l : m.layers) {
    weight_bits = std::max(weight_bits, l.geometry.weight_bits);
    slices = std::max(slices, l.geometry.slices());
  }
  report["mapping"] = {{"crossbars", m.crossbars.size()},
                       {"weight_bits", weight_bits},
                       {"slices", slices},
                       {"crossbars_dense", dense},
                       {"tiles", m.tiles},
                       {"imas", inv.imas},
                       {"adcs", inv.adcs}};
  nlohmann::ordered_json accuracy;
  accuracy["int_reference"] = lead ? nlohmann::ordered_json(int_result.accuracy()) : nlohmann::ordered_json();
  accuracy["trials"] = acc;
  if (split) accuracy["trial_indices"] = indices;
  accuracy["mean"] = mean(acc);
  accuracy["std"] = stddev(acc);
  accuracy["ci95"] = ci95_half_width(acc);
  accuracy["wall_time_s"] = wall;
  report["accuracy"] = accuracy;
  if (lead) {
    report["timing"] = {{"schedule", "pipelined"},
                        {"latency_ns", cost.latency_ns},
                        {"period_ns", cost.time_per_inference_ns},
                        {"throughput_per_s", 1e9 / cost.time_per_inference_ns}};
    report["cost"] = cost::to_json(cost);
  }
  return report;
}

nlohmann::ordered_json merge_trial_groups(const std::vector<nlohmann::ordered_json>& groups) {
  if (groups.empty()) throw Error("trial groups: none to merge");
  const auto group_of = [](const nlohmann::ordered_json& r) -> const nlohmann::ordered_json& {
    if (!r.is_object() || !r.contains("trial_group")) throw Error("trial groups: a report without its trial_group");
    return r.at("trial_group");
  };
  const int n = group_of(groups[0]).at("groups").get<int>();
  const int trials = group_of(groups[0]).at("trials").get<int>();
  std::vector<const nlohmann::ordered_json*> by_group(static_cast<std::size_t>(n), nullptr);
  for (const auto& r : groups) {
    const auto& g = group_of(r);
    const int k = g.at("group").get<int>();
    if (g.at("groups").get<int>() != n || g.at("trials").get<int>() != trials || k < 0 || k >= n) {
      throw Error("trial groups: group " + g.dump() + " is not one of " + std::to_string(n) + " groups of " +
                  std::to_string(trials) + " trials");
    }
    if (by_group[static_cast<std::size_t>(k)] != nullptr) {
      throw Error("trial groups: group " + std::to_string(k) + " given twice");
    }
    by_group[static_cast<std::size_t>(k)] = &r;
  }
  for (int k = 0; k < n; ++k) {
    if (by_group[static_cast<std::size_t>(k)] == nullptr)
      throw Error("trial groups: group " + std::to_string(k) + " missing");
  }
  const auto& lead = *by_group[0];
  std::vector<double> acc(static_cast<std::size_t>(trials), 0.0);
  std::vector<bool> seen(static_cast<std::size_t>(trials), false);
  double wall = 0;
  for (const auto* r : by_group) {
    for (const char* key : {"workload", "hardware", "settings"}) {
      if (r->at(key) != lead.at(key)) {
        throw Error(std::string("trial groups: group ") + r->at("trial_group").at("group").dump() + " differs in '" +
                    key + "' (groups of different designs)");
      }
    }
    const auto& a = r->at("accuracy");
    const auto& values = a.at("trials");
    const auto& at = a.at("trial_indices");
    if (values.size() != at.size()) throw Error("trial groups: trials and trial_indices differ in length");
    for (std::size_t i = 0; i < values.size(); ++i) {
      const int t = at[i].get<int>();
      if (t < 0 || t >= trials || seen[static_cast<std::size_t>(t)]) {
        throw Error("trial groups: trial " + std::to_string(t) + " out of range or given twice");
      }
      seen[static_cast<std::size_t>(t)] = true;
      acc[static_cast<std::size_t>(t)] = values[i].get<double>();
    }
    wall += a.at("wall_time_s").get<double>();
  }
  for (int t = 0; t < trials; ++t) {
    if (!seen[static_cast<std::size_t>(t)]) throw Error("trial groups: trial " + std::to_string(t) + " missing");
  }
  nlohmann::ordered_json merged = lead;
  merged.erase("trial_group");
  nlohmann::ordered_json accuracy;
  accuracy["int_reference"] = lead.at("accuracy").at("int_reference");
  accuracy["trials"] = acc;
  accuracy["mean"] = mean(acc);
  accuracy["std"] = stddev(acc);
  accuracy["ci95"] = ci95_half_width(acc);
  accuracy["wall_time_s"] = wall;
  merged["accuracy"] = accuracy;
  return merged;
}

nlohmann::ordered_json evaluate_design_isolated(const DesignSettings& s) {
  namespace fs = std::filesystem;
  const std::string stem = (fs::temp_directory_path() / ("xbarsim-design-" + std::to_string(::getpid()) + "-" +
                                                         std::to_string(reinterpret_cast<std::uintptr_t>(&s))))
                               .string();
  const std::string out = stem + ".json", log = stem + ".log";
  ChildProcesses children;
  const pid_t pid =
      children.start([&] { workloads::write_file_atomic(out, workloads::format_json(evaluate_design(s))); }, log);
  const ChildOutcome o = children.wait(pid);
  const auto cleanup = [&] {
    std::error_code ec;
    fs::remove(out, ec);
    fs::remove(log, ec);
  };
  if (!o.ok()) {
    std::string message = last_log_line(log);
    if (message.empty()) message = "design '" + s.workload + "' failed";
    if (!WIFEXITED(o.status)) message += " (" + o.describe() + ")";
    cleanup();
    // The child's status says which it was: 2 a user error, anything else a bug (internal error).
    if (o.user_error()) throw Error(message);
    throw std::runtime_error(message);
  }
  nlohmann::ordered_json report = nlohmann::ordered_json::parse(workloads::read_file(out));
  cleanup();
  return report;
}

nlohmann::ordered_json design_row(const nlohmann::ordered_json& r) {
  const auto& c = r.at("cost");
  const auto& m = r.at("mapping");
  return {{"accuracy_mean", r.at("accuracy").at("mean")},
          {"accuracy_std", r.at("accuracy").at("std")},
          {"accuracy_ci95", r.at("accuracy").at("ci95")},
          {"crossbars", m.at("crossbars")},
          {"tiles", m.at("tiles")},
          {"adcs", m.at("adcs")},
          {"area_mm2", c.at("area_mm2")},
          {"computing_area_mm2", c.at("computing_area_mm2")},
          {"energy_per_inference_uj", c.at("energy_per_inference_pj").get<double>() / 1e6},
          {"power_mw", c.at("power_mw")},
          {"computing_power_mw", c.at("computing_power_mw")},
          {"latency_us", r.at("timing").at("latency_ns").get<double>() / 1e3},
          {"throughput_per_s", r.at("timing").at("throughput_per_s")},
          {"tops_per_w", c.at("tops_per_w")},
          {"tops_per_mm2", c.at("tops_per_mm2")}};
}

}  // namespace xbarsim::study
