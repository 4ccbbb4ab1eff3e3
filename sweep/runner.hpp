// Running a sweep: every point in a child process of its own (fork from the single-threaded
// caller; the child evaluates, writes its point file atomically and _exit()s), up to `jobs` at
// a time. Finished points are never recomputed, so a killed sweep resumes where it stopped;
// --shard i/N runs only the points with index % N == i, and merge gathers shards.
#pragma once

#include <cstddef>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/plot.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::sweep {

/// What the evaluator returns for a point: its flat row of metrics and its full report.
struct PointResult {
  nlohmann::ordered_json row;
  nlohmann::ordered_json report;
  /// The overrides the evaluator applied when it derived more than the point's (recorded in the
  /// point file as settings.set); empty = the point's own.
  std::vector<std::string> sets;
};

/// Evaluates one point; runs in the point's child process (so it may do what can be done once
/// per process). `threads` is the per-point thread count (0 = all cores). Throws on failure
/// (xbarsim::Error for bad input: the child exits with status 2 and the message reaches the parent).
using Evaluator = std::function<PointResult(const SweepSpec& spec, const Point& point, unsigned threads)>;

struct RunOptions {
  std::string dir;       ///< output folder
  unsigned jobs = 1;     ///< children at a time
  unsigned threads = 0;  ///< per point
  std::size_t shard = 0;
  std::size_t shards = 1;  ///< > 1: a sharded run, which writes point files only
  PlotOptions output;      ///< plots and where messages go
};

struct Failure {
  std::string id;
  std::string message;
};

struct RunSummary {
  std::size_t points = 0;        ///< in the sweep
  std::size_t selected = 0;      ///< in this shard (all points when not sharded)
  std::size_t already_done = 0;  ///< selected points whose file existed at the start
  std::size_t computed = 0;      ///< points finished by this run
  std::vector<Failure> failures;
  bool complete = false;  ///< results.csv / results.json written
};

/// Runs the points of `spec` (of the shard) that are not done yet, then, unless sharded, writes
/// the results (when every point is done) or results.partial.csv. Failed points are listed in
/// the summary (and reported on options.output.err as they happen); the others still run.
/// Throws xbarsim::Error when `dir` holds another sweep.
RunSummary run_sweep(const SweepSpec& spec, const Evaluator& evaluate, const RunOptions& options);

/// Writes `dir`/sweep.json, or checks that the one there describes the same sweep (plots may differ:
/// they are updated).
void prepare_output_dir(const SweepSpec& spec, const std::string& dir);
/// The sweep of an output folder (its sweep.json).
SweepSpec load_output_spec(const std::string& dir);

/// When every point file exists: results.csv, results.json and (options.plot) the plots, and
/// returns true; otherwise results.partial.csv with the finished points, and returns false.
bool write_results(const SweepSpec& spec, const std::string& dir, const PlotOptions& options);

/// Gathers the point files of several output folders of the same sweep into `out_dir` (which may
/// be one of them) and writes the results. Throws xbarsim::Error listing the missing point ids.
void merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const PlotOptions& options);

}  // namespace xbarsim::sweep
