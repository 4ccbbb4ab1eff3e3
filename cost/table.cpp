#include "cost/table.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <utility>

#include "common/error.hpp"
#include "cost/components.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::cost {

const ComponentCost& CostTable::at(const std::string& component) const {
  const auto it = components.find(component);
  if (it == components.end()) {
    throw Error((path.empty() ? name : path) + ": components." + component +
                ": missing (the inventory needs this component; docs/formats.md lists the names)");
  }
  return it->second;
}

double node_vdd(int technology_nm) {
  // Nominal supply per node (docs/models.md, "Technology scaling", gives the source).
  static constexpr std::array<std::pair<int, double>, 9> kVdd = {
      {{7, 0.70}, {10, 0.75}, {14, 0.80}, {22, 0.85}, {32, 0.90}, {45, 1.00}, {65, 1.10}, {90, 1.20}, {130, 1.30}}};
  if (technology_nm < kVdd.front().first || technology_nm > kVdd.back().first) {
    throw Error("technology node " + std::to_string(technology_nm) + " nm: expected " +
                std::to_string(kVdd.front().first) + " to " + std::to_string(kVdd.back().first) + " nm");
  }
  for (std::size_t i = 0; i + 1 < kVdd.size(); ++i) {
    const auto [n0, v0] = kVdd[i];
    const auto [n1, v1] = kVdd[i + 1];
    if (technology_nm >= n0 && technology_nm <= n1) {
      return v0 + (v1 - v0) * static_cast<double>(technology_nm - n0) / static_cast<double>(n1 - n0);
    }
  }
  return kVdd.back().second;
}

ComponentCost scale_component(const ComponentCost& c, int to_nm) {
  if (c.technology_nm == to_nm) return c;
  const double s = static_cast<double>(to_nm) / static_cast<double>(c.technology_nm);
  const double v = node_vdd(to_nm) / node_vdd(c.technology_nm);
  ComponentCost out = c;
  out.area_um2 = c.area_um2 * s * s;
  out.energy_pj = c.energy_pj * s * v * v;
  out.leakage_mw = c.leakage_mw * s * v;
  out.technology_nm = to_nm;
  out.note += (out.note.empty() ? "" : "; ") + std::string("scaled from ") + std::to_string(c.technology_nm) +
              " nm to " + std::to_string(to_nm) + " nm";
  return out;
}

std::string cost_table_dir() { return XBARSIM_COST_DIR; }

std::vector<std::string> cost_table_presets() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(cost_table_dir(), ec)) {
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

CostTable load_cost_table(const std::string& spec) {
  const bool is_path = spec.find('/') != std::string::npos || std::filesystem::path(spec).extension() == ".json";
  std::string path = spec;
  if (!is_path) {
    path = cost_table_dir() + "/" + spec + ".json";
    std::error_code ec;  // a name too long for the file system is unknown too, not an exception
    if (!std::filesystem::exists(path, ec)) {
      std::string names;
      for (const auto& n : cost_table_presets()) names += (names.empty() ? "" : ", ") + n;
      throw Error("cost_table: unknown cost table '" + spec + "', expected a .json file or one of: " + names);
    }
  }
  const auto doc = workloads::read_json_file(path);
  workloads::ObjectReader r(doc, path, "");
  const auto version = r.get_int("version", 0, 1000);
  if (version != kCostTableFormatVersion) {
    throw Error(r.where("version") + ": format version " + std::to_string(version) + " is not supported, expected " +
                std::to_string(kCostTableFormatVersion));
  }
  CostTable t;
  t.path = path;
  t.name = r.get_string("name");
  t.description = r.get_string("description", "");
  t.technology_nm = static_cast<int>(r.get_int("technology_nm", 1, 1000));
  node_vdd(t.technology_nm);              // in range
  r.get_number("vdd_v", 0.1, 10.0, 0.0);  // informative
  auto comps = r.get_object("components");
  for (const auto& key : comps.keys()) {
    const auto& known = component_names();
    if (std::find(known.begin(), known.end(), key) == known.end() || priced_by_device(key)) {
      std::string names;
      for (const auto& n : known) {
        if (!priced_by_device(n)) names += (names.empty() ? "" : ", ") + n;
      }
      throw Error(comps.where(key) + ": unknown component class, expected one of: " + names);
    }
    auto c = comps.get_object(key);
    ComponentCost e;
    e.name = key;
    e.action = c.get_string("action", "");
    e.energy_pj = c.get_number("energy_pj", 0.0, 1e12, 0.0);
    e.leakage_mw = c.get_number("leakage_mw", 0.0, 1e12, 0.0);
    e.area_um2 = c.get_number("area_um2", 0.0, 1e15);
    e.technology_nm = static_cast<int>(c.get_int("technology_nm", 1, 1000, t.technology_nm));
    node_vdd(e.technology_nm);
    e.reference_bits = static_cast<int>(c.get_int("reference_bits", 0, 32, 0));
    if (auto bs = c.get_optional_string("bits_scaling")) {
      if (*bs == "exponential") {
        e.bits_scaling = BitsScaling::Exponential;
      } else if (*bs == "neurosim_sar") {
        e.bits_scaling = BitsScaling::NeuroSimSar;
      } else {
        throw Error(c.where("bits_scaling") + ": expected \"exponential\" or \"neurosim_sar\", found \"" + *bs + "\"");
      }
    }
    e.reference_rows = static_cast<int>(c.get_int("reference_rows", 0, 1 << 16, 0));
    e.reference_cols = static_cast<int>(c.get_int("reference_cols", 0, 1 << 16, 0));
    if ((e.reference_rows == 0) != (e.reference_cols == 0)) {
      throw Error(c.where("reference_rows") + ": give both reference_rows and reference_cols, or neither");
    }
    e.source = c.get_string("source");
    e.note = c.get_string("note", "");
    c.finish();
    t.components[key] = scale_component(e, t.technology_nm);
  }
  r.finish();
  return t;
}

nlohmann::ordered_json to_json(const CostTable& t) {
  nlohmann::ordered_json comps = nlohmann::ordered_json::object();
  for (const auto& [name, c] : t.components) {
    nlohmann::ordered_json j = {{"action", c.action},
                                {"energy_pj", c.energy_pj},
                                {"leakage_mw", c.leakage_mw},
                                {"area_um2", c.area_um2},
                                {"technology_nm", c.technology_nm}};
    if (c.reference_bits > 0) {
      j["reference_bits"] = c.reference_bits;
      j["bits_scaling"] = c.bits_scaling == BitsScaling::Exponential ? "exponential" : "neurosim_sar";
    }
    if (c.reference_rows > 0) {
      j["reference_rows"] = c.reference_rows;
      j["reference_cols"] = c.reference_cols;
    }
    j["source"] = c.source;
    j["note"] = c.note;
    comps[name] = j;
  }
  return {{"version", kCostTableFormatVersion}, {"name", t.name},
          {"description", t.description},       {"technology_nm", t.technology_nm},
          {"vdd_v", node_vdd(t.technology_nm)}, {"components", comps}};
}

}  // namespace xbarsim::cost
