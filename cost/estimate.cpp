#include "cost/estimate.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "common/error.hpp"

namespace xbarsim::cost {

SizeFactors size_factors(const ComponentCost& c, const ChipParams& hw) {
  SizeFactors f;
  if (c.reference_rows > 0) {
    const double cells =
        static_cast<double>(hw.rows) * hw.cols / (static_cast<double>(c.reference_rows) * c.reference_cols);
    f.energy *= cells;
    f.area *= cells;
  }
  if (c.reference_bits > 0) {
    const double b = hw.adc_bits, r = c.reference_bits;
    if (c.bits_scaling == BitsScaling::Exponential) {
      f.energy *= std::ldexp(1.0, hw.adc_bits - c.reference_bits);
      f.area *= std::ldexp(1.0, hw.adc_bits - c.reference_bits);
    } else {
      f.energy *= (0.538 * b + 4.3753) * (b + 1) / ((0.538 * r + 4.3753) * (r + 1));
      f.area *= (296 + 182 * b) / (296 + 182 * r);
    }
  }
  return f;
}

namespace {

double rate_of(const ChipParams& p, const std::string& component) {
  const auto it = p.peak_rate_per_ns.find(component);
  return it == p.peak_rate_per_ns.end() ? 0.0 : it->second;
}

CostReport build(const Inventory& inv, const std::vector<Counts>* actions, const CostTable& table, const ChipParams& hw,
                 double time_ns, const std::vector<double>& leak_ns) {
  if (!leak_ns.empty() && leak_ns.size() != inv.groups.size()) {
    throw Error("cost: " + std::to_string(leak_ns.size()) + " leakage times for " + std::to_string(inv.groups.size()) +
                " inventory groups");
  }
  if (actions != nullptr && actions->size() != inv.groups.size()) {
    throw Error("cost: " + std::to_string(actions->size()) + " action groups for " + std::to_string(inv.groups.size()) +
                " inventory groups");
  }
  CostReport r;
  r.table = table.name;
  r.technology_nm = table.technology_nm;
  r.time_per_inference_ns = time_ns;
  std::map<std::string, ComponentReport> chip;
  for (std::size_t g = 0; g < inv.groups.size(); ++g) {
    GroupReport gr;
    gr.name = inv.groups[g];
    const Counts acts = actions != nullptr ? (*actions)[g] : Counts{};
    for (const auto& name : component_names()) {
      const auto it = inv.counts[g].find(name);
      if (it == inv.counts[g].end() || it->second <= 0) continue;
      ComponentCost c;  // the cells: energy per action from the device, no area or leakage of their own
      c.energy_pj = hw.cell_unit_energy_pj;
      if (!priced_by_device(name)) c = table.at(name);
      const SizeFactors f = priced_by_device(name) ? SizeFactors{} : size_factors(c, hw);
      ComponentReport cr;
      cr.name = name;
      cr.category = category_of(name);
      cr.instances = it->second;
      const auto a = acts.find(name);
      cr.actions = a == acts.end() ? 0.0 : a->second;
      cr.dynamic_energy_pj = cr.actions * c.energy_pj * f.energy;
      cr.leakage_mw = cr.instances * c.leakage_mw * f.area;
      cr.static_energy_pj = cr.leakage_mw * (leak_ns.empty() ? time_ns : leak_ns[g]);  // mW x ns = pJ
      cr.area_um2 = cr.instances * c.area_um2 * f.area;
      cr.peak_power_mw = cr.instances * c.energy_pj * f.energy * rate_of(hw, name) + cr.leakage_mw;
      gr.dynamic_energy_pj += cr.dynamic_energy_pj;
      gr.static_energy_pj += cr.static_energy_pj;
      gr.area_um2 += cr.area_um2;
      auto& t = chip[name];
      t.name = name;
      t.category = cr.category;
      t.instances += cr.instances;
      t.actions += cr.actions;
      t.dynamic_energy_pj += cr.dynamic_energy_pj;
      t.static_energy_pj += cr.static_energy_pj;
      t.leakage_mw += cr.leakage_mw;
      t.area_um2 += cr.area_um2;
      t.peak_power_mw += cr.peak_power_mw;
      gr.components.push_back(cr);
    }
    r.groups.push_back(std::move(gr));
  }
  for (const auto& name : component_names()) {
    if (auto it = chip.find(name); it != chip.end()) r.components.push_back(it->second);
  }
  return r;
}

template <typename F>
double sum(const std::vector<ComponentReport>& v, F f) {
  double s = 0;
  for (const auto& c : v) s += f(c);
  return s;
}

}  // namespace

CostReport estimate(const Inventory& inventory, const std::vector<Counts>& actions, const CostTable& table,
                    const ChipParams& hw, double time_per_inference_ns, double latency_ns, double ops_per_inference,
                    const std::vector<double>& leak_ns) {
  if (!(time_per_inference_ns > 0)) throw Error("cost: time per inference must be positive");
  CostReport r = build(inventory, &actions, table, hw, time_per_inference_ns, leak_ns);
  r.power_gated = !leak_ns.empty();
  r.latency_ns = latency_ns;
  r.ops_per_inference = ops_per_inference;
  return r;
}

CostReport estimate_peak(const Inventory& inventory, const CostTable& table, const ChipParams& hw) {
  return build(inventory, nullptr, table, hw, 0.0, {});
}

double CostReport::dynamic_energy_pj() const {
  return sum(components, [](const ComponentReport& c) { return c.dynamic_energy_pj; });
}
double CostReport::static_energy_pj() const {
  return sum(components, [](const ComponentReport& c) { return c.static_energy_pj; });
}
double CostReport::area_um2() const {
  return sum(components, [](const ComponentReport& c) { return c.area_um2; });
}
double CostReport::peak_power_mw() const {
  return sum(components, [](const ComponentReport& c) { return c.peak_power_mw; });
}
double CostReport::leakage_mw() const {
  return sum(components, [](const ComponentReport& c) { return c.leakage_mw; });
}
double CostReport::energy_pj(Category k) const {
  return sum(components, [k](const ComponentReport& c) { return c.category == k ? c.energy_pj() : 0.0; });
}
double CostReport::area_um2(Category k) const {
  return sum(components, [k](const ComponentReport& c) { return c.category == k ? c.area_um2 : 0.0; });
}
double CostReport::power_mw() const { return time_per_inference_ns > 0 ? energy_pj() / time_per_inference_ns : 0.0; }
double CostReport::power_mw(Category k) const {
  return time_per_inference_ns > 0 ? energy_pj(k) / time_per_inference_ns : 0.0;
}
double CostReport::tops() const {
  return time_per_inference_ns > 0 ? ops_per_inference / time_per_inference_ns / 1e3 : 0.0;
}
double CostReport::tops_per_w() const { return energy_pj() > 0 ? ops_per_inference / energy_pj() : 0.0; }
double CostReport::tops_per_mm2() const { return area_um2() > 0 ? tops() / (area_um2() / 1e6) : 0.0; }

namespace {

nlohmann::ordered_json component_json(const ComponentReport& c) {
  return {{"name", c.name},
          {"category", category_name(c.category)},
          {"instances", c.instances},
          {"actions", c.actions},
          {"dynamic_energy_pj", c.dynamic_energy_pj},
          {"static_energy_pj", c.static_energy_pj},
          {"energy_pj", c.energy_pj()},
          {"leakage_mw", c.leakage_mw},
          {"area_um2", c.area_um2},
          {"peak_power_mw", c.peak_power_mw}};
}

}  // namespace

nlohmann::ordered_json to_json(const CostReport& r) {
  nlohmann::ordered_json cats = nlohmann::ordered_json::object();
  for (auto k : {Category::Computing, Category::Storage, Category::Communication, Category::Digital}) {
    cats[category_name(k)] = {
        {"energy_pj", r.energy_pj(k)}, {"power_mw", r.power_mw(k)}, {"area_mm2", r.area_um2(k) / 1e6}};
  }
  nlohmann::ordered_json comps = nlohmann::ordered_json::array();
  for (const auto& c : r.components) comps.push_back(component_json(c));
  nlohmann::ordered_json groups = nlohmann::ordered_json::array();
  for (const auto& g : r.groups) {
    nlohmann::ordered_json gc = nlohmann::ordered_json::array();
    for (const auto& c : g.components) gc.push_back(component_json(c));
    groups.push_back({{"name", g.name},
                      {"dynamic_energy_pj", g.dynamic_energy_pj},
                      {"static_energy_pj", g.static_energy_pj},
                      {"energy_pj", g.energy_pj()},
                      {"area_mm2", g.area_um2 / 1e6},
                      {"components", gc}});
  }
  return {{"table", r.table},
          {"technology_nm", r.technology_nm},
          {"time_per_inference_ns", r.time_per_inference_ns},
          {"latency_ns", r.latency_ns},
          {"ops_per_inference", r.ops_per_inference},
          {"power_gated", r.power_gated},
          {"static_share", r.energy_pj() > 0 ? r.static_energy_pj() / r.energy_pj() : 0.0},
          {"energy_per_inference_pj", r.energy_pj()},
          {"dynamic_energy_pj", r.dynamic_energy_pj()},
          {"static_energy_pj", r.static_energy_pj()},
          {"power_mw", r.power_mw()},
          {"leakage_mw", r.leakage_mw()},
          {"peak_power_mw", r.peak_power_mw()},
          {"area_mm2", r.area_um2() / 1e6},
          {"computing_power_mw", r.power_mw(Category::Computing)},
          {"computing_area_mm2", r.area_um2(Category::Computing) / 1e6},
          {"tops", r.tops()},
          {"tops_per_w", r.tops_per_w()},
          {"tops_per_mm2", r.tops_per_mm2()},
          {"categories", cats},
          {"components", comps},
          {"layers", groups}};
}

std::string to_text(const CostReport& r) {
  std::ostringstream o;
  char line[256];
  const double e = r.energy_pj();
  std::snprintf(line, sizeof line,
                "  cost          table %s (%d nm): %.4g uJ per inference (%.1f %% static%s), %.4g mW average, "
                "%.4g mW peak, %.4g mm2\n",
                r.table.c_str(), r.technology_nm, e / 1e6, e > 0 ? 100.0 * r.static_energy_pj() / e : 0.0,
                r.power_gated ? ", idle tiles power-gated" : "", r.power_mw(), r.peak_power_mw(), r.area_um2() / 1e6);
  o << line;
  std::snprintf(line, sizeof line, "  efficiency    %.4g TOPS, %.4g TOPS/W, %.4g TOPS/mm2 (%.4g Mops per inference)\n",
                r.tops(), r.tops_per_w(), r.tops_per_mm2(), r.ops_per_inference / 1e6);
  o << line;
  std::snprintf(line, sizeof line, "  %-22s %-13s %12s %14s %12s %8s %11s %8s\n", "component", "category", "instances",
                "actions/inf", "energy nJ", "energy%", "area mm2", "area%");
  o << line;
  const double a = r.area_um2();
  for (const auto& c : r.components) {
    std::snprintf(line, sizeof line, "  %-22s %-13s %12.6g %14.6g %12.5g %7.2f%% %11.5g %7.2f%%\n", c.name.c_str(),
                  category_name(c.category).c_str(), c.instances, c.actions, c.energy_pj() / 1e3,
                  e > 0 ? 100.0 * c.energy_pj() / e : 0.0, c.area_um2 / 1e6, a > 0 ? 100.0 * c.area_um2 / a : 0.0);
    o << line;
  }
  std::snprintf(line, sizeof line, "  %-22s %12s %12s %12s %11s\n", "layer", "dynamic nJ", "static nJ", "energy%",
                "area mm2");
  o << line;
  for (const auto& g : r.groups) {
    std::snprintf(line, sizeof line, "  %-22s %12.5g %12.5g %11.2f%% %11.5g\n", g.name.c_str(),
                  g.dynamic_energy_pj / 1e3, g.static_energy_pj / 1e3, e > 0 ? 100.0 * g.energy_pj() / e : 0.0,
                  g.area_um2 / 1e6);
    o << line;
  }
  return o.str();
}

}  // namespace xbarsim::cost
