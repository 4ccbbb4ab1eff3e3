#include "sim/cycle/vcd.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "common/error.hpp"
#include "workloads/io.hpp"

namespace xbarsim::sim::cycle {

namespace {

/// VCD identifier codes: printable ASCII 33..126, shortest first.
std::string vcd_id(std::size_t n) {
  std::string id;
  do {
    id.push_back(static_cast<char>(33 + n % 94));
    n /= 94;
  } while (n > 0);
  return id;
}

struct Var {
  std::string name, id;
  int width = 1;
};

struct Scope {
  std::map<std::string, std::unique_ptr<Scope>> children;
  std::vector<Var> vars;
};

void write_var(std::ostringstream& out, const Var& v) {
  out << "$var " << (v.width == 1 ? "wire" : "integer") << ' ' << v.width << ' ' << v.id << ' ' << v.name << " $end\n";
}

std::string binary(std::int64_t v) {
  if (v <= 0) return "b0";
  std::string b;
  for (auto u = static_cast<std::uint64_t>(v); u > 0; u >>= 1) b.insert(b.begin(), (u & 1U) != 0 ? '1' : '0');
  return "b" + b;
}

void write_scope(std::ostringstream& out, const std::string& name, const Scope& s) {
  out << "$scope module " << name << " $end\n";
  for (const auto& v : s.vars) write_var(out, v);
  for (const auto& [child, c] : s.children) write_scope(out, child, *c);
  out << "$upscope $end\n";
}

}  // namespace

void write_vcd(const std::string& path, const std::vector<TraceSignal>& signals, std::uint64_t period_fs,
               const std::string& comment) {
  std::ostringstream out;
  Scope root;
  std::vector<std::string> ids(signals.size());
  for (std::size_t i = 0; i < signals.size(); ++i) {
    ids[i] = vcd_id(i);
    Scope* s = &root;
    std::string rest = signals[i].path;
    for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
      auto& child = s->children[rest.substr(0, dot)];
      if (!child) child = std::make_unique<Scope>();
      s = child.get();
      rest = rest.substr(dot + 1);
    }
    s->vars.push_back({rest, ids[i], signals[i].levels != nullptr ? 32 : 1});
  }
  out << "$date xbarsim $end\n$version xbarsim cycle-level simulator $end\n";
  out << "$comment " << comment << " $end\n$timescale 1 fs $end\n";
  for (const auto& [name, s] : root.children) write_scope(out, name, *s);
  if (!root.vars.empty()) {
    out << "$scope module top $end\n";
    for (const auto& v : root.vars) write_var(out, v);
    out << "$upscope $end\n";
  }
  out << "$enddefinitions $end\n";
  // Value changes, time-ordered; a signal falling and rising at one time keeps its last value.
  struct Change {
    Cycle t;
    std::uint32_t sig;
    std::int64_t value;
  };
  std::vector<Change> changes;
  for (std::size_t i = 0; i < signals.size(); ++i) {
    if (signals[i].intervals != nullptr) {
      for (const auto& iv : *signals[i].intervals) {
        changes.push_back({iv.begin, static_cast<std::uint32_t>(i), 1});
        changes.push_back({iv.end, static_cast<std::uint32_t>(i), 0});
      }
    }
    if (signals[i].levels != nullptr) {
      for (const auto& c : *signals[i].levels) changes.push_back({c.t, static_cast<std::uint32_t>(i), c.value});
    }
  }
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) { return a.t < b.t; });
  out << "#0\n$dumpvars\n";
  for (std::size_t i = 0; i < ids.size(); ++i) out << (signals[i].levels != nullptr ? "b0 " : "0") << ids[i] << '\n';
  out << "$end\n";
  std::size_t k = 0;
  while (k < changes.size()) {
    const Cycle t = changes[k].t;
    std::map<std::uint32_t, std::int64_t> last;
    for (; k < changes.size() && changes[k].t == t; ++k) last[changes[k].sig] = changes[k].value;
    if (t != 0) out << '#' << t * period_fs << '\n';
    for (const auto& [sig, v] : last) {
      if (signals[sig].levels != nullptr) {
        out << binary(v) << ' ' << ids[sig] << '\n';
      } else {
        out << (v != 0 ? '1' : '0') << ids[sig] << '\n';
      }
    }
  }
  workloads::write_file_atomic(path, out.str());
}

}  // namespace xbarsim::sim::cycle
