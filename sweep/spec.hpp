// A parameter sweep: its JSON description (docs/formats.md, "Sweep JSON") and its points,
// the Cartesian product of the axes, first axis slowest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/version.hpp"

namespace xbarsim::sweep {

/// The pseudo-key that sets both `rows` and `cols`.
inline constexpr const char* kCrossbarSize = "crossbar_size";
/// The pseudo-key whose values are network JSON files: one sweep over several workloads (e.g. the
/// rungs of a compression ladder). Its values are held as absolute paths.
inline constexpr const char* kWorkload = "workload";

/// One swept hardware key and its values (numbers, strings or booleans), in the order given.
struct Axis {
  std::string key;
  std::vector<nlohmann::json> values;
};

/// One figure request: `y` metrics against the axis `x`, one line per combination of the other axes.
struct PlotSpec {
  std::string x;
  std::vector<std::string> y;
  bool log_x = false;  ///< logarithmic x axis (base 10; crossbar_size is always log2)
  bool log_y = false;  ///< logarithmic y axis (base 10; points at y <= 0 left out)
  /// Error bars of a `<stem>_mean` metric: "auto" (the 95 % interval where the table has
  /// `<stem>_ci95` and the points have several trials), "ci95", "std" or "none".
  std::string error = "auto";
  std::string title;   ///< "" = "<y name> vs <x name>" from sweep/labels.hpp
  std::string xlabel;  ///< "" = the x axis's name and unit
  std::string ylabel;  ///< "" = the metric's name and unit
  /// Where the legend goes: "outside" (right of the plot), "top-right", "top-left",
  /// "bottom-right", "bottom-left" (inside) or "none".
  std::string legend = "outside";
};

struct SweepSpec {
  std::string name;
  std::string workload;                 ///< absolute path; empty when a `workload` axis gives it
  std::string hardware = "isaac_like";  ///< preset name or absolute path
  std::vector<std::string> sets;        ///< base "key=value" overrides
  std::string cost_table;               ///< "" = the hardware's; preset name or absolute path
  std::int64_t images = 0;              ///< 0 = the whole test split
  int trials = 3;
  std::uint64_t seed = 1;
  /// Each point's trials split into this many groups, each evaluated as a unit of its own (its
  /// own process, shard and file; trial t in group t % trial_groups); 1..trials.
  int trial_groups = 1;
  /// The xbarsim version that wrote the sweep folder (kVersion for a new sweep): part of the
  /// identity, so a folder of another version is refused.
  std::string made_by = kVersion;
  std::vector<Axis> axes;  ///< none: one point
  std::vector<PlotSpec> plots;
  std::string file;  ///< where the spec was read from (error messages only; not part of the spec)
};

/// One design point of a sweep.
struct Point {
  std::size_t index = 0;
  std::string id;                      ///< stable, file-name safe: p003_crossbar_size-128_adc_bits-8
  std::vector<nlohmann::json> values;  ///< one per axis
  std::vector<std::string> sets;       ///< base overrides, then one (two for crossbar_size) per hardware axis
  std::string workload;                ///< absolute path: the spec's, or the point's `workload` axis value
};

/// Parses a sweep document; `file` names it in errors and its folder resolves relative paths.
SweepSpec parse_spec(const nlohmann::json& doc, const std::string& file);
/// Reads and parses a sweep JSON file.
SweepSpec load_spec(const std::string& path);
/// The resolved spec (absolute paths, every default written out); parse_spec reads it back unchanged.
nlohmann::ordered_json to_json(const SweepSpec& spec);
/// The part of the spec that decides the points' results (everything but `plots`).
nlohmann::ordered_json identity_json(const SweepSpec& spec);

/// Text of an axis value as `--set` takes it: strings as they are, numbers in JSON form.
std::string value_text(const nlohmann::json& value);
/// Short text of an axis value for ids, plot labels and titles: value_text, except that a
/// `workload` value is its file stem (lenet5_crimp for .../zoo/lenet5_crimp.json).
std::string value_label(const std::string& key, const nlohmann::json& value);

/// Number of points (product of the axis lengths; 1 without axes).
std::size_t point_count(const SweepSpec& spec);
/// Every point, numbered 0..P-1, first axis slowest.
std::vector<Point> enumerate_points(const SweepSpec& spec);
/// Whether point `index` belongs to shard `shard` of `shards` (index % shards == shard).
inline bool in_shard(std::size_t index, std::size_t shard, std::size_t shards) { return index % shards == shard; }
/// Parses "i/N" (0 <= i < N); errors name `option`.
void parse_shard(const std::string& text, const std::string& option, std::size_t& shard, std::size_t& shards);

}  // namespace xbarsim::sweep
