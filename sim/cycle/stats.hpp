// Statistics of the cycle-level simulator: a tree named by the module hierarchy
// (chip.tile3.xbar12.adc.conversions), each value with its unit, and the two formatters
// (JSON, text) over the same data. Plain C++: no SystemC here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace xbarsim::sim::cycle {

using Cycle = std::uint64_t;

struct Stat {
  std::string name;
  double value = 0.0;
  std::string unit;  ///< "cycles", "actions", "bytes", "fraction", ...
};

struct StatsNode {
  std::string name;  ///< the module's own name (basename), e.g. "adc"
  std::string kind;  ///< the module type, e.g. "Adc"
  std::vector<Stat> stats;
  std::vector<StatsNode> children;

  void add(const std::string& stat, double value, const std::string& unit) { stats.push_back({stat, value, unit}); }
  /// The value of a stat by dotted path below this node ("tile0.xbar3.adc.conversions"); throws if absent.
  double at(const std::string& path) const;
  /// Sum of `stat` over every node of `kind` in the subtree.
  double total(const std::string& kind, const std::string& stat) const;
};

/// {"<stat>": {"value": v, "unit": u}, ..., "<child>": {...}} with "kind" per node.
nlohmann::ordered_json to_json(const StatsNode& root);
/// One line per value: "chip.tile0.xbar3.adc.conversions  1024  actions".
std::string to_text(const StatsNode& root);

/// Busy time of one signal, with its busy intervals when traced (adjacent ones merged).
class Activity {
 public:
  struct Interval {
    Cycle begin = 0, end = 0;
  };
  void add(Cycle begin, Cycle end) {
    if (end <= begin) return;
    busy_ += end - begin;
    if (!trace_) return;
    if (!intervals_.empty() && intervals_.back().end >= begin) {
      if (end > intervals_.back().end) intervals_.back().end = end;
    } else {
      intervals_.push_back({begin, end});
    }
  }
  Cycle busy() const { return busy_; }
  void enable_trace() { trace_ = true; }
  bool traced() const { return trace_; }
  const std::vector<Interval>& intervals() const { return intervals_; }

 private:
  Cycle busy_ = 0;
  bool trace_ = false;
  std::vector<Interval> intervals_;
};

}  // namespace xbarsim::sim::cycle
