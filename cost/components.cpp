#include "cost/components.hpp"

#include "common/error.hpp"

namespace xbarsim::cost {

namespace {

struct ClassInfo {
  const char* name;
  Category category;
};

constexpr ClassInfo kClasses[] = {
    {"crossbar", Category::Computing},
    {"cells", Category::Computing},
    {"dac", Category::Computing},
    {"sample_hold", Category::Computing},
    {"adc", Category::Computing},
    {"shift_add", Category::Computing},
    {"fp_scaling_unit", Category::Computing},
    {"data_aligning_unit", Category::Computing},
    {"input_register", Category::Storage},
    {"output_register", Category::Storage},
    {"edram_buffer", Category::Storage},
    {"tile_output_register", Category::Storage},
    {"bus", Category::Communication},
    {"router", Category::Communication},
    {"host_link", Category::Communication},
    {"activation", Category::Digital},
    {"tile_shift_add", Category::Digital},
    {"max_pool", Category::Digital},
};

}  // namespace

std::string category_name(Category c) {
  switch (c) {
    case Category::Computing: return "computing";
    case Category::Storage: return "storage";
    case Category::Communication: return "communication";
    case Category::Digital: return "digital";
  }
  return "?";
}

Category category_of(const std::string& component) {
  for (const auto& k : kClasses) {
    if (component == k.name) return k.category;
  }
  throw Error("cost: unknown component class '" + component + "'");
}

bool priced_by_device(const std::string& component) { return component == "cells"; }

const std::vector<std::string>& component_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& k : kClasses) v.emplace_back(k.name);
    return v;
  }();
  return names;
}

Counts Inventory::total() const {
  Counts t;
  for (const auto& g : counts) {
    for (const auto& [k, v] : g) t[k] += v;
  }
  return t;
}

std::vector<Counts> actions_by_group(const std::vector<ActionRecord>& records, std::size_t groups) {
  std::vector<Counts> out(groups);
  for (const auto& r : records) {
    category_of(r.component);  // a known class
    if (r.group >= groups)
      throw Error("cost: action record '" + r.counter + "' for group " + std::to_string(r.group) + " of " +
                  std::to_string(groups));
    out[r.group][r.component] += r.count;
  }
  return out;
}

}  // namespace xbarsim::cost
