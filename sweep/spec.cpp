#include "sweep/spec.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>

#include "common/error.hpp"
#include "common/version.hpp"
#include "mapping/hardware_params.hpp"
#include "sweep/labels.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::sweep {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxPoints = 100000;
constexpr std::size_t kMaxAxisValues = 10000;
constexpr std::size_t kMaxIdLength = 200;

std::string describe(const nlohmann::json& j) {
  if (j.is_number_integer()) return "integer " + j.dump();
  if (j.is_number()) return "number " + j.dump();
  if (j.is_string()) return "string " + j.dump();
  if (j.is_boolean()) return "boolean " + j.dump();
  if (j.is_array()) return "an array";
  if (j.is_object()) return "an object";
  return "null";
}

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& expected,
                       const nlohmann::json* got) {
  throw Error(file + ": " + key + ": expected " + expected +
              (got == nullptr ? " (key is missing)" : ", found " + describe(*got)));
}

bool safe_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-' || c == '+';
}

std::string file_safe(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    if (!safe_char(c)) c = '_';
  }
  return out;
}

/// A preset name stays a name; a path (with a '/' or ending in .json) is resolved against `base`.
std::string resolve_preset_or_path(const std::string& base, const std::string& spec) {
  const bool is_path = spec.find('/') != std::string::npos || fs::path(spec).extension() == ".json";
  if (!is_path) return spec;
  return fs::absolute(workloads::resolve_path(base, spec)).lexically_normal().string();
}

/// The array under `key`, or nullptr when absent and optional.
const nlohmann::json* get_array(workloads::ObjectReader& r, const std::string& key, bool required) {
  const nlohmann::json* j = r.raw_optional(key);
  if (j == nullptr && !required) return nullptr;
  if (j == nullptr || !j->is_array()) fail(r.file(), key, "an array", j);
  return j;
}

std::string check_key(const std::string& file, const std::string& where, const nlohmann::json* j) {
  if (j == nullptr || !j->is_string()) fail(file, where, "a hardware key (string)", j);
  std::string k = j->get<std::string>();
  const bool ok = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) { return safe_char(c) && c != '+'; });
  if (!ok)
    fail(file, where, "a hardware key such as adc_bits or device.write_sigma (letters, digits, '.', '_', '-')", j);
  return k;
}

Axis parse_axis(const nlohmann::json& j, const std::string& file, const std::string& path) {
  workloads::ObjectReader r(j, file, path);
  Axis a;
  a.key = check_key(file, path + ".key", r.raw_optional("key"));
  const nlohmann::json* values = r.raw_optional("values");
  if (values == nullptr || !values->is_array() || values->empty()) {
    fail(file, path + ".values", "a non-empty array of numbers, strings or booleans", values);
  }
  // A hardware axis is typed by the key's declaration (mapping/hardware_params.hpp).
  const bool hardware_key = a.key != kWorkload && a.key != kCrossbarSize;
  if (values->size() > kMaxAxisValues) {
    throw Error(file + ": " + path + ".values: " + std::to_string(values->size()) + " values; expected at most " +
                std::to_string(kMaxAxisValues));
  }
  std::set<std::string> seen;
  std::optional<mapping::ParamSpec> spec;
  if (hardware_key) spec = mapping::override_spec(a.key, file + ": " + path + ".key");
  for (std::size_t i = 0; i < values->size(); ++i) {
    nlohmann::json v = (*values)[i];
    const std::string where = path + ".values[" + std::to_string(i) + "]";
    if (!(v.is_number() || v.is_string() || v.is_boolean())) fail(file, where, "a number, string or boolean", &v);
    if (v.is_string() && v.get<std::string>().empty()) fail(file, where, "a non-empty string", &v);
    if (spec) mapping::check_value(*spec, v, file + ": " + where + ": " + a.key);
    if (a.key == kWorkload) {
      if (!v.is_string()) fail(file, where, "a network JSON path", &v);
      v = fs::absolute(workloads::resolve_path(workloads::parent_dir(file), v.get<std::string>()))
              .lexically_normal()
              .string();
    }
    if (a.key == kCrossbarSize &&
        (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 4096)) {
      fail(file, where, "an integer crossbar size 1..4096 (rows = cols)", &v);
    }
    if (!seen.insert(v.dump()).second) {
      std::size_t k = 0;
      while (a.values[k] != v) ++k;
      throw Error(file + ": " + where + ": value " + v.dump() + " repeats " + path + ".values[" + std::to_string(k) +
                  "]; expected distinct values");
    }
    a.values.push_back(v);
  }
  r.finish();
  return a;
}

PlotSpec parse_plot(const nlohmann::json& j, const std::string& file, const std::string& path,
                    const std::vector<Axis>& axes) {
  workloads::ObjectReader r(j, file, path);
  PlotSpec p;
  const nlohmann::json* x = r.raw_optional("x");
  std::string names;
  for (const auto& a : axes) names += (names.empty() ? "" : ", ") + a.key;
  if (x == nullptr || !x->is_string()) fail(file, path + ".x", "an axis key (" + names + ")", x);
  p.x = x->get<std::string>();
  if (std::none_of(axes.begin(), axes.end(), [&](const Axis& a) { return a.key == p.x; })) {
    fail(file, path + ".x", "an axis key (" + names + ")", x);
  }
  const nlohmann::json* y = r.raw_optional("y");
  if (y == nullptr || !y->is_array() || y->empty()) fail(file, path + ".y", "a non-empty array of metric names", y);
  for (std::size_t i = 0; i < y->size(); ++i) {
    const auto& v = (*y)[i];
    const std::string where = path + ".y[" + std::to_string(i) + "]";
    if (!v.is_string() || v.get<std::string>().empty()) fail(file, where, "a metric name such as area_mm2", &v);
    const std::string s = v.get<std::string>();
    if (std::find(p.y.begin(), p.y.end(), s) != p.y.end()) fail(file, where, "a metric not already listed", &v);
    p.y.push_back(s);
  }
  p.log_y = r.get_bool("log_y", false);
  p.error = r.get_string("error", p.error);
  if (p.error != "auto" && p.error != "ci95" && p.error != "std" && p.error != "none") {
    const nlohmann::json e = p.error;
    fail(file, path + ".error", "one of auto, ci95, std, none", &e);
  }
  if (p.error != "auto" && p.error != "none") {
    for (const auto& m : p.y) {
      if (spread_column(m, p.error).empty()) {
        const nlohmann::json e = m;
        fail(file, path + ".error", "metrics named <stem>_mean in y (error bars need a mean)", &e);
      }
    }
  }
  p.title = r.get_string("title", "");
  p.xlabel = r.get_string("xlabel", "");
  p.ylabel = r.get_string("ylabel", "");
  p.legend = r.get_string("legend", p.legend);
  if (p.legend != "outside" && p.legend != "top-right" && p.legend != "top-left" && p.legend != "bottom-right" &&
      p.legend != "bottom-left" && p.legend != "none") {
    const nlohmann::json e = p.legend;
    fail(file, path + ".legend", "one of outside, top-right, top-left, bottom-right, bottom-left, none", &e);
  }
  p.log_x = r.get_bool("log_x", false);
  if (p.log_x) {
    for (const auto& a : axes) {
      if (a.key != p.x) continue;
      const bool positive = std::any_of(a.values.begin(), a.values.end(),
                                        [](const auto& v) { return v.is_number() && v.template get<double>() > 0; });
      for (const auto& v : a.values) {
        if (!v.is_number() || !positive) fail(file, path + ".log_x", "an x axis of numbers, some positive", &v);
      }
    }
  }
  r.finish();
  return p;
}

}  // namespace

std::string value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

std::string value_label(const std::string& key, const nlohmann::json& value) {
  if (key == kWorkload && value.is_string()) return fs::path(value.get<std::string>()).stem().string();
  return value_text(value);
}

SweepSpec parse_spec(const nlohmann::json& doc, const std::string& file) {
  workloads::ObjectReader r(doc, file, "");
  const std::string base = workloads::parent_dir(file);
  SweepSpec s;
  s.file = file;
  const std::int64_t version = r.get_int("version", 1, 1);
  (void)version;
  s.name = r.get_string("name");
  if (s.name.empty() || file_safe(s.name) != s.name || s.name.find('+') != std::string::npos) {
    const nlohmann::json n = s.name;
    fail(file, "name", "a name of letters, digits, '.', '_' or '-' (it names the output folder)", &n);
  }
  const std::string workload = r.get_string("workload", "");
  if (!workload.empty()) s.workload = fs::absolute(workloads::resolve_path(base, workload)).lexically_normal().string();
  s.hardware = r.get_string("hardware", s.hardware);
  if (s.hardware.empty()) fail(file, "hardware", "a hardware preset name or JSON path", r.raw_optional("hardware"));
  s.hardware = resolve_preset_or_path(base, s.hardware);
  if (const auto* sets = get_array(r, "set", false)) {
    for (std::size_t i = 0; i < sets->size(); ++i) {
      const auto& v = (*sets)[i];
      const std::string where = "set[" + std::to_string(i) + "]";
      if (!v.is_string()) fail(file, where, "a \"key=value\" string", &v);
      const std::string o = v.get<std::string>();
      const auto eq = o.find('=');
      if (eq == std::string::npos || eq == 0) fail(file, where, "a \"key=value\" string", &v);
      // Typed as --set types it, and checked against the key's range now rather than at a point.
      const std::string key = o.substr(0, eq);
      const std::string at = file + ": " + where;
      mapping::check_value(mapping::override_spec(key, at), mapping::parse_override_value(key, o.substr(eq + 1), at),
                           at + ": " + key);
      s.sets.push_back(o);
    }
  }
  s.cost_table = r.get_string("cost_table", "");
  if (!s.cost_table.empty()) s.cost_table = resolve_preset_or_path(base, s.cost_table);
  s.images = r.get_int("images", 0, 1000000000, 0);
  s.trials = static_cast<int>(r.get_int("trials", 1, 10000, s.trials));
  s.seed = static_cast<std::uint64_t>(r.get_int("seed", 0, INT64_MAX, 1));
  s.trial_groups = static_cast<int>(r.get_int("trial_groups", 1, s.trials, 1));
  s.made_by = r.get_string("xbarsim", kVersion);

  const auto* axes = get_array(r, "axes", false);  // absent: one design
  if (axes != nullptr && axes->empty()) {
    fail(file, "axes", "a non-empty array of {\"key\", \"values\"} objects (leave it out for one design)", axes);
  }
  std::size_t points = 1;
  for (std::size_t i = 0; axes != nullptr && i < axes->size(); ++i) {
    const std::string path = "axes[" + std::to_string(i) + "]";
    Axis a = parse_axis((*axes)[i], file, path);
    for (std::size_t k = 0; k < s.axes.size(); ++k) {
      const std::string& b = s.axes[k].key;
      const bool clash = b == a.key || (a.key == kCrossbarSize && (b == "rows" || b == "cols")) ||
                         (b == kCrossbarSize && (a.key == "rows" || a.key == "cols"));
      if (clash) {
        throw Error(file + ": " + path + ".key: '" + a.key + "' clashes with axes[" + std::to_string(k) + "].key '" +
                    b + "'; expected each hardware key on one axis (crossbar_size sets rows and cols)");
      }
    }
    points *= a.values.size();
    if (points > kMaxPoints) {
      throw Error(file + ": axes: more than " + std::to_string(kMaxPoints) + " points; expected fewer values");
    }
    s.axes.push_back(std::move(a));
  }
  const bool workload_axis =
      std::any_of(s.axes.begin(), s.axes.end(), [](const Axis& a) { return a.key == kWorkload; });
  if (workload_axis == !s.workload.empty()) {
    const nlohmann::json* w = r.raw_optional("workload");
    if (workload_axis) fail(file, "workload", "no top-level workload when an axis has key \"workload\"", w);
    fail(file, "workload", "a network JSON path (or an axis with key \"workload\")", w);
  }
  if (const auto* plots = get_array(r, "plots", false)) {
    for (std::size_t i = 0; i < plots->size(); ++i) {
      s.plots.push_back(parse_plot((*plots)[i], file, "plots[" + std::to_string(i) + "]", s.axes));
    }
  }
  r.finish();
  return s;
}

SweepSpec load_spec(const std::string& path) { return parse_spec(workloads::read_json_file(path), path); }

nlohmann::ordered_json identity_json(const SweepSpec& s) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["name"] = s.name;
  if (!s.workload.empty()) j["workload"] = s.workload;
  j["hardware"] = s.hardware;
  j["set"] = s.sets;
  j["cost_table"] = s.cost_table;
  j["images"] = s.images;
  j["trials"] = s.trials;
  j["seed"] = s.seed;
  j["trial_groups"] = s.trial_groups;
  j["xbarsim"] = s.made_by;
  nlohmann::ordered_json axes = nlohmann::ordered_json::array();
  for (const auto& a : s.axes) {
    nlohmann::ordered_json values = nlohmann::ordered_json::array();
    for (const auto& v : a.values) values.push_back(nlohmann::ordered_json(v));
    axes.push_back({{"key", a.key}, {"values", values}});
  }
  if (!axes.empty()) j["axes"] = axes;
  return j;
}

nlohmann::ordered_json to_json(const SweepSpec& s) {
  nlohmann::ordered_json j = identity_json(s);
  nlohmann::ordered_json plots = nlohmann::ordered_json::array();
  for (const auto& p : s.plots) {
    nlohmann::ordered_json j = {{"x", p.x}, {"y", p.y}};
    if (p.log_x) j["log_x"] = true;
    if (p.log_y) j["log_y"] = true;
    if (p.error != "auto") j["error"] = p.error;
    if (!p.title.empty()) j["title"] = p.title;
    if (!p.xlabel.empty()) j["xlabel"] = p.xlabel;
    if (!p.ylabel.empty()) j["ylabel"] = p.ylabel;
    if (p.legend != "outside") j["legend"] = p.legend;
    plots.push_back(j);
  }
  j["plots"] = plots;
  return j;
}

std::size_t point_count(const SweepSpec& s) {
  std::size_t n = 1;
  for (const auto& a : s.axes) n *= a.values.size();
  return n;  // no axes: one design
}

std::vector<Point> enumerate_points(const SweepSpec& s) {
  const std::size_t n = point_count(s);
  const std::size_t width = std::max<std::size_t>(3, std::to_string(n == 0 ? 0 : n - 1).size());
  std::vector<Point> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    Point p;
    p.index = i;
    p.sets = s.sets;
    p.workload = s.workload;
    // Mixed radix, last axis fastest.
    std::vector<std::size_t> digit(s.axes.size());
    std::size_t rest = i;
    for (std::size_t k = s.axes.size(); k-- > 0;) {
      digit[k] = rest % s.axes[k].values.size();
      rest /= s.axes[k].values.size();
    }
    std::string index = std::to_string(i);
    std::string id = "p" + std::string(width - index.size(), '0') + index;
    for (std::size_t k = 0; k < s.axes.size(); ++k) {
      const auto& a = s.axes[k];
      const auto& v = a.values[digit[k]];
      p.values.push_back(v);
      const std::string text = value_text(v);
      if (a.key == kWorkload) {
        p.workload = text;
      } else if (a.key == kCrossbarSize) {
        p.sets.push_back("rows=" + text);
        p.sets.push_back("cols=" + text);
      } else {
        p.sets.push_back(a.key + "=" + text);
      }
      id += "_" + file_safe(a.key) + "-" + file_safe(value_label(a.key, v));
    }
    if (id.size() > kMaxIdLength) id.resize(kMaxIdLength);
    p.id = id;
    out.push_back(std::move(p));
  }
  return out;
}

void parse_shard(const std::string& text, const std::string& option, std::size_t& shard, std::size_t& shards) {
  const auto slash = text.find('/');
  const auto bad = [&] {
    return Error(option +
                 ": expected i/N with 0 <= i < N (e.g. 0/4, or $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT), "
                 "found '" +
                 text + "'");
  };
  if (slash == std::string::npos) throw bad();
  const std::string a = text.substr(0, slash), b = text.substr(slash + 1);
  const auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(a) || !digits(b)) throw bad();
  shard = std::stoul(a);
  shards = std::stoul(b);
  if (shards < 1 || shard >= shards) throw bad();
}

}  // namespace xbarsim::sweep
