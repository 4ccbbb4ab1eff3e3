// What a reader of a figure calls a sweep axis or a metric: its name, its unit and the factor
// that turns the stored value into the displayed one (accuracies are stored as fractions and
// drawn in percent). Keys without an entry are drawn under their own name.
#pragma once

#include <string>

namespace xbarsim::sweep {

struct Label {
  std::string name;  ///< "Stuck-at fault rate"
  std::string unit;  ///< "fraction of cells"; empty when the quantity has none
  double scale = 1;  ///< displayed = stored × scale
};

/// The label of an axis key (hardware key such as device.fault_rate, or workload) or of a
/// metric column (accuracy_mean, area_mm2, ...).
Label label_of(const std::string& key);

/// "Name (unit)", or "Name" without a unit: an axis title.
std::string axis_title(const Label& label);

/// For a metric `<stem>_mean`, the column of its spread `<stem>_<kind>` (kind ci95 or std);
/// empty for a metric that is no mean.
std::string spread_column(const std::string& metric, const std::string& kind);

}  // namespace xbarsim::sweep
