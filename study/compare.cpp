#include "study/compare.hpp"

#include <map>
#include <sstream>

#include "common/error.hpp"
#include "cost/table.hpp"
#include "mapping/hardware.hpp"
#include "study/workload.hpp"

namespace xbarsim::study {

namespace {

double ratio(double a, double b) { return b != 0 ? a / b : 0.0; }

}  // namespace

std::vector<std::string> baseline_sets(const std::string& units) {
  std::vector<std::string> out;
  if (units == "none") return out;
  std::stringstream ss(units);
  std::string u;
  while (std::getline(ss, u, ',')) {
    if (u == "fp-scaling") {
      out.emplace_back("output_scaling=fp32");
    } else if (u == "data-aligning") {
      out.emplace_back("data_aligning=true");
    } else {
      throw Error("--baseline-units: expected a comma-separated list of fp-scaling, data-aligning, or none; found '" +
                  u + "'");
    }
  }
  return out;
}

void check_compare(const CompareSettings& s) {
  baseline_sets(s.baseline_units);
  for (const auto* d : {&s.a, &s.b}) {
    check_design_settings(*d);
    load_workload(d->workload);
    const auto hw = mapping::load_hardware(d->hardware, d->sets);
    cost::load_cost_table(d->cost_table.empty() ? hw.cost_table : d->cost_table);
  }
}

nlohmann::ordered_json compare_metrics(const nlohmann::ordered_json& r) {
  const auto& c = r.at("cost");
  return {{"accuracy", r.at("accuracy").at("mean")},
          {"crossbars", r.at("mapping").at("crossbars")},
          {"adcs", r.at("mapping").at("adcs")},
          {"tiles", r.at("mapping").at("tiles")},
          {"computing_power_mw", c.at("computing_power_mw")},
          {"computing_area_mm2", c.at("computing_area_mm2")},
          {"power_mw", c.at("power_mw")},
          {"area_mm2", c.at("area_mm2")},
          {"energy_per_inference_uj", c.at("energy_per_inference_pj").get<double>() / 1e6},
          {"latency_us", r.at("timing").at("latency_ns").get<double>() / 1e3},
          {"throughput_per_s", r.at("timing").at("throughput_per_s")},
          {"tops_per_w", c.at("tops_per_w")}};
}

nlohmann::ordered_json compare_designs(const CompareSettings& s,
                                       const std::function<void(const std::string&)>& progress) {
  check_compare(s);
  if (progress) progress("baseline");
  const auto ra = evaluate_design_isolated(s.a);
  if (progress) progress("candidate");
  const auto rb = evaluate_design_isolated(s.b);

  const auto ma = compare_metrics(ra), mb = compare_metrics(rb);
  nlohmann::ordered_json ratios = nlohmann::ordered_json::object();
  for (auto it = ma.begin(); it != ma.end(); ++it) {
    ratios[it.key()] = ratio(it.value().get<double>(), mb.at(it.key()).get<double>());
  }
  // Per component: energy per inference and area of each, and the ratios.
  std::map<std::string, std::pair<nlohmann::ordered_json, nlohmann::ordered_json>> comps;
  std::vector<std::string> order;
  for (const auto* r : {&ra, &rb}) {
    for (const auto& c : r->at("cost").at("components")) {
      const auto name = c.at("name").get<std::string>();
      if (comps.count(name) == 0) order.push_back(name);
      (r == &ra ? comps[name].first : comps[name].second) = c;
    }
  }
  nlohmann::ordered_json breakdown = nlohmann::ordered_json::array();
  const auto val = [](const nlohmann::ordered_json& c, const char* k) {
    return c.is_null() ? 0.0 : c.at(k).get<double>();
  };
  for (const auto& name : order) {
    const auto& [ca, cb] = comps[name];
    const auto& any = ca.is_null() ? cb : ca;
    breakdown.push_back({{"name", name},
                         {"category", any.at("category")},
                         {"energy_pj_a", val(ca, "energy_pj")},
                         {"energy_pj_b", val(cb, "energy_pj")},
                         {"energy_ratio", ratio(val(ca, "energy_pj"), val(cb, "energy_pj"))},
                         {"area_um2_a", val(ca, "area_um2")},
                         {"area_um2_b", val(cb, "area_um2")},
                         {"area_ratio", ratio(val(ca, "area_um2"), val(cb, "area_um2"))}});
  }
  nlohmann::ordered_json report;
  report["version"] = 1;
  report["command"] = "compare";
  report["baseline_units"] = s.baseline_units;
  report["metrics"] = {{"a", ma}, {"b", mb}, {"ratio_a_over_b", ratios}};
  report["components"] = breakdown;
  report["a"] = ra;
  report["b"] = rb;
  return report;
}

}  // namespace xbarsim::study
