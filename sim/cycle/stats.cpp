#include "sim/cycle/stats.hpp"

#include <cstdio>
#include <sstream>

#include "common/error.hpp"

namespace xbarsim::sim::cycle {

double StatsNode::at(const std::string& path) const {
  const auto dot = path.find('.');
  if (dot == std::string::npos) {
    for (const auto& s : stats) {
      if (s.name == path) return s.value;
    }
    throw Error("statistics: '" + name + "' has no value '" + path + "'");
  }
  const std::string head = path.substr(0, dot);
  for (const auto& c : children) {
    if (c.name == head) return c.at(path.substr(dot + 1));
  }
  throw Error("statistics: '" + name + "' has no module '" + head + "'");
}

double StatsNode::total(const std::string& k, const std::string& stat) const {
  double sum = 0.0;
  if (kind == k) {
    for (const auto& s : stats) {
      if (s.name == stat) sum += s.value;
    }
  }
  for (const auto& c : children) sum += c.total(k, stat);
  return sum;
}

namespace {

nlohmann::ordered_json node_json(const StatsNode& n) {
  nlohmann::ordered_json j;
  j["kind"] = n.kind;
  for (const auto& s : n.stats) j[s.name] = {{"value", s.value}, {"unit", s.unit}};
  for (const auto& c : n.children) j[c.name] = node_json(c);
  return j;
}

void node_text(const StatsNode& n, const std::string& prefix, std::ostringstream& out) {
  const std::string path = prefix.empty() ? n.name : prefix + "." + n.name;
  for (const auto& s : n.stats) {
    char value[64];
    if (s.value == static_cast<double>(static_cast<long long>(s.value))) {
      std::snprintf(value, sizeof value, "%lld", static_cast<long long>(s.value));
    } else {
      std::snprintf(value, sizeof value, "%.6g", s.value);
    }
    out << path << '.' << s.name << "  " << value << "  " << s.unit << '\n';
  }
  for (const auto& c : n.children) node_text(c, path, out);
}

}  // namespace

nlohmann::ordered_json to_json(const StatsNode& root) {
  nlohmann::ordered_json j;
  j[root.name] = node_json(root);
  return j;
}

std::string to_text(const StatsNode& root) {
  std::ostringstream out;
  node_text(root, "", out);
  return out.str();
}

}  // namespace xbarsim::sim::cycle
