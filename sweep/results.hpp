// What a sweep writes: one point file per finished point and the table of all points
// (results.csv / results.json), in point order (docs/formats.md, "Sweep outputs").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/spec.hpp"

namespace xbarsim::sweep {

/// The point file of a finished point: its axis values, settings, table row, full report and how
/// its evaluation ran (`run`: wall time, peak memory, host; an array of one per trial group).
nlohmann::ordered_json point_document(const SweepSpec& spec, const Point& point, const nlohmann::ordered_json& row,
                                      const nlohmann::ordered_json& report, const nlohmann::ordered_json& run);
/// Reads a point file and checks that it is the file of `point` written by this xbarsim version;
/// errors name the file.
nlohmann::ordered_json read_point_file(const std::string& path, const Point& point);

/// The file of one trial group of a point (spec.trial_groups > 1): the group's report and run.
nlohmann::ordered_json group_document(const SweepSpec& spec, const Point& point, int group,
                                      const nlohmann::ordered_json& report, const nlohmann::ordered_json& run);
/// Reads a trial group's file and checks that it is group `group` of `point` (this version).
nlohmann::ordered_json read_group_file(const std::string& path, const Point& point, int group);

/// Rows of scalars under named columns: index, id, the axis keys, then the metrics of the
/// points' rows (in order of first appearance; a metric named like an axis is not repeated).
struct Table {
  std::vector<std::string> columns;
  std::vector<nlohmann::ordered_json> rows;  ///< objects keyed by column
};

/// The table of the given point documents (one per point, in point order).
Table build_table(const SweepSpec& spec, const std::vector<Point>& points,
                  const std::vector<nlohmann::ordered_json>& documents);
/// One CSV cell: integers as they are, doubles as %.9g, booleans true/false, null empty, strings quoted when needed.
std::string csv_cell(const nlohmann::ordered_json& value);
/// Header line, then one line per row.
std::string format_csv(const Table& table);
/// {"version", "name", "sweep", "columns", "rows"}.
nlohmann::ordered_json results_json(const SweepSpec& spec, const Table& table);

/// How every unit of work ran (runs.csv): point index and id, trial group, status (done or
/// failed), wall time, peak resident memory, host, and the error of a failed one. `documents`
/// are point files (their `run` entries), `failures` the failure records of units not done.
Table runs_table(const std::vector<nlohmann::ordered_json>& documents,
                 const std::vector<nlohmann::ordered_json>& failures);

}  // namespace xbarsim::sweep
