#include "sweep/results.hpp"

#include <algorithm>
#include <cstdio>

#include "common/error.hpp"
#include "common/version.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::sweep {

namespace {

nlohmann::ordered_json header(const SweepSpec& spec, const Point& point) {
  nlohmann::ordered_json axes = nlohmann::ordered_json::object();
  for (std::size_t k = 0; k < spec.axes.size(); ++k) axes[spec.axes[k].key] = nlohmann::ordered_json(point.values[k]);
  nlohmann::ordered_json doc;
  doc["version"] = 1;
  doc["xbarsim"] = spec.made_by;
  doc["sweep"] = spec.name;
  doc["index"] = point.index;
  doc["id"] = point.id;
  doc["axes"] = axes;
  doc["settings"] = {
      {"workload", point.workload}, {"hardware", spec.hardware}, {"set", point.sets}, {"cost_table", spec.cost_table},
      {"images", spec.images},      {"trials", spec.trials},     {"seed", spec.seed}};
  return doc;
}

nlohmann::ordered_json read_unit_file(const std::string& path, const Point& point) {
  nlohmann::ordered_json doc;
  try {
    doc = workloads::read_ordered_json_file(path);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (not a valid point file; delete it to recompute the point)");
  }
  if (!doc.is_object()) throw make_error(path, "expected a point file (a JSON object)");
  const auto expect = [&](const char* key, const nlohmann::ordered_json& want) {
    if (!doc.contains(key) || doc[key] != want) {
      throw make_error(path, std::string(key) + ": expected " + want.dump() + ", found " +
                                 (doc.contains(key) ? doc[key].dump() : std::string("nothing")) +
                                 " (a point file of another sweep?)");
    }
  };
  expect("version", 1);
  expect("xbarsim", kVersion);
  expect("id", point.id);
  expect("index", point.index);
  if (!doc.contains("report") || !doc["report"].is_object()) throw make_error(path, "report: expected an object");
  return doc;
}

}  // namespace

nlohmann::ordered_json point_document(const SweepSpec& spec, const Point& point, const nlohmann::ordered_json& row,
                                      const nlohmann::ordered_json& report, const nlohmann::ordered_json& run) {
  nlohmann::ordered_json doc = header(spec, point);
  doc["row"] = row;
  doc["report"] = report;
  doc["run"] = run;
  return doc;
}

nlohmann::ordered_json read_point_file(const std::string& path, const Point& point) {
  nlohmann::ordered_json doc = read_unit_file(path, point);
  if (doc.contains("group")) throw make_error(path, "group: a trial group's file, expected a point file");
  if (!doc.contains("row") || !doc["row"].is_object()) throw make_error(path, "row: expected an object of metrics");
  if (!doc.contains("run") || !doc["run"].is_array()) throw make_error(path, "run: expected an array");
  return doc;
}

nlohmann::ordered_json group_document(const SweepSpec& spec, const Point& point, int group,
                                      const nlohmann::ordered_json& report, const nlohmann::ordered_json& run) {
  nlohmann::ordered_json doc = header(spec, point);
  doc["group"] = group;
  doc["groups"] = spec.trial_groups;
  doc["report"] = report;
  doc["run"] = run;
  return doc;
}

nlohmann::ordered_json read_group_file(const std::string& path, const Point& point, int group) {
  nlohmann::ordered_json doc = read_unit_file(path, point);
  if (!doc.contains("group") || doc["group"] != group) {
    throw make_error(path, "group: expected " + std::to_string(group) + " (a file of another trial group?)");
  }
  if (!doc.contains("run") || !doc["run"].is_object()) throw make_error(path, "run: expected an object");
  return doc;
}

Table build_table(const SweepSpec& spec, const std::vector<Point>& points,
                  const std::vector<nlohmann::ordered_json>& documents) {
  Table t;
  t.columns = {"index", "id"};
  for (const auto& a : spec.axes) t.columns.push_back(a.key);
  const auto has = [&](const std::string& c) {
    return std::find(t.columns.begin(), t.columns.end(), c) != t.columns.end();
  };
  for (const auto& d : documents) {
    for (const auto& [key, value] : d["row"].items()) {
      (void)value;
      if (!has(key)) t.columns.push_back(key);
    }
  }
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const Point& p = points.at(i);
    const auto& metrics = documents[i]["row"];
    nlohmann::ordered_json row = nlohmann::ordered_json::object();
    row["index"] = p.index;
    row["id"] = p.id;
    for (std::size_t k = 0; k < spec.axes.size(); ++k) row[spec.axes[k].key] = nlohmann::ordered_json(p.values[k]);
    for (std::size_t c = 2 + spec.axes.size(); c < t.columns.size(); ++c) {
      const auto it = metrics.find(t.columns[c]);
      row[t.columns[c]] = it == metrics.end() ? nlohmann::ordered_json() : *it;
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {
std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string csv_cell(const nlohmann::ordered_json& v) {
  char buf[64];
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_unsigned()) {
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v.get<std::uint64_t>()));
    return buf;
  }
  if (v.is_number_integer()) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v.get<std::int64_t>()));
    return buf;
  }
  if (v.is_number_float()) {
    std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
    return buf;
  }
  if (v.is_string()) return csv_quote(v.get<std::string>());
  return csv_quote(v.dump());
}

std::string format_csv(const Table& t) {
  std::string out;
  for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + csv_quote(t.columns[c]);
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t c = 0; c < t.columns.size(); ++c) out += (c ? "," : "") + csv_cell(row[t.columns[c]]);
    out += "\n";
  }
  return out;
}

nlohmann::ordered_json results_json(const SweepSpec& spec, const Table& t) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["name"] = spec.name;
  j["sweep"] = to_json(spec);
  j["columns"] = t.columns;
  j["rows"] = t.rows;
  return j;
}

Table runs_table(const std::vector<nlohmann::ordered_json>& documents,
                 const std::vector<nlohmann::ordered_json>& failures) {
  Table t;
  t.columns = {"index", "id", "group", "status", "wall_time_s", "peak_rss_mib", "host", "error"};
  // `point` gives index and id, `run` the rest (a point file's run entry, or a failure record).
  const auto row = [&](const nlohmann::ordered_json& point, const nlohmann::ordered_json& run, const char* status) {
    t.rows.push_back({{"index", point.at("index")},
                      {"id", point.at("id")},
                      {"group", run.value("group", 0)},
                      {"status", status},
                      {"wall_time_s", run.value("wall_time_s", 0.0)},
                      {"peak_rss_mib", run.value("peak_rss_mib", 0.0)},
                      {"host", run.value("host", "")},
                      {"error", run.value("error", "")}});
  };
  for (const auto& d : documents) {
    for (const auto& r : d.at("run")) row(d, r, "done");
  }
  for (const auto& f : failures) row(f, f, "failed");
  return t;
}

}  // namespace xbarsim::sweep
