// What a sweep writes: one point file per finished point and the table of all points
// (results.csv / results.json), in point order (docs/formats.md, "Sweep outputs").
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/spec.hpp"

namespace xbarsim::sweep {

/// The point file of a finished point: its axis values, settings, table row and full report.
nlohmann::ordered_json point_document(const SweepSpec& spec, const Point& point, const nlohmann::ordered_json& row,
                                      const nlohmann::ordered_json& report);
/// Reads a point file and checks that it is the file of `point`; errors name the file.
nlohmann::ordered_json read_point_file(const std::string& path, const Point& point);

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

}  // namespace xbarsim::sweep
