// Running a sweep: every unit of work (a point, or one trial group of a point) in a child
// process of its own (common/child_process.hpp; the child evaluates, writes its file atomically
// and _exit()s), up to `jobs` at a time. Finished units are never recomputed, so a killed or
// requeued sweep resumes where it stopped; --shard i/N runs only the units with
// index % N == i, and merge gathers shards. One writer per output folder: a run holds a lock on
// it (flock, released by the kernel when the process dies, so never stale); shards of one sweep
// share the folder, each shard once.
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

/// Evaluates one point, or its trial group `group` when spec.trial_groups > 1 (then only the
/// report counts; rows are made by the Combiner); runs in the unit's child process (so it may do
/// what can be done once per process). `threads` is the per-point thread count (0 = all cores).
/// Throws on failure (xbarsim::Error for bad input: the child exits with status 2 and the
/// message reaches the parent).
using Evaluator = std::function<PointResult(const SweepSpec& spec, const Point& point, int group, unsigned threads)>;
/// Makes a point's result from the reports of its trial groups (in group order); runs in the
/// caller. Unused when spec.trial_groups == 1.
using Combiner = std::function<PointResult(const SweepSpec& spec, const Point& point,
                                           const std::vector<nlohmann::ordered_json>& group_reports)>;

/// What turns a point into results.
struct PointEvaluation {
  Evaluator evaluate;
  Combiner combine;
};

struct RunOptions {
  std::string dir;       ///< output folder
  unsigned jobs = 1;     ///< children at a time
  unsigned threads = 0;  ///< per point
  std::size_t shard = 0;
  std::size_t shards = 1;  ///< > 1: a sharded run, which writes point files only
  PlotOptions output;      ///< plots and where messages go
};

struct Failure {
  std::string id;  ///< the point's, with ":g<group>" for a trial group
  std::string message;
};

struct RunSummary {
  std::size_t points = 0;        ///< in the sweep
  std::size_t selected = 0;      ///< units in this shard (every unit when not sharded)
  std::size_t already_done = 0;  ///< selected units whose file existed at the start
  std::size_t computed = 0;      ///< units finished by this run
  std::vector<Failure> failures;
  bool complete = false;  ///< results.csv / results.json written
};

/// Runs the units of `spec` (of the shard) that are not done yet, then, unless sharded, writes
/// the results (when every point is done) or results.partial.csv. Failed units are listed in
/// the summary, reported on options.output.err as they happen and recorded in
/// `dir`/failures/ (runs.csv lists them); the others still run. Throws xbarsim::Error when
/// `dir` holds another sweep or another run writes into it.
RunSummary run_sweep(const SweepSpec& spec, const PointEvaluation& evaluation, const RunOptions& options);

/// Writes `dir`/sweep.json, or checks that the one there describes the same sweep (plots may differ:
/// they are updated).
void prepare_output_dir(const SweepSpec& spec, const std::string& dir);
/// The sweep of an output folder (its sweep.json).
SweepSpec load_output_spec(const std::string& dir);

/// When every point file exists: results.csv, results.json and (options.plot) the plots, and
/// returns true; otherwise results.partial.csv with the finished points, and returns false.
/// runs.csv (how each unit ran) either way.
bool write_results(const SweepSpec& spec, const std::string& dir, const PlotOptions& options);

/// Gathers the point (and trial group) files of several output folders of the same sweep, written
/// by the same xbarsim version, into `out_dir` (which may be one of them), combines complete
/// trial groups with `combine` and writes the results. Throws xbarsim::Error for folders of
/// different sweeps or versions, and listing the missing points.
void merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const Combiner& combine,
                  const PlotOptions& options);

/// The lock a run holds on its output folder: exclusive for a whole sweep or a merge, shared
/// plus the shard's own for a shard (shards of one sweep write disjoint files). Throws
/// xbarsim::Error naming the holder when another run holds it.
class FolderLock {
 public:
  FolderLock(const std::string& dir, std::size_t shard, std::size_t shards);
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int folder_fd_ = -1;
  int shard_fd_ = -1;
};

}  // namespace xbarsim::sweep
