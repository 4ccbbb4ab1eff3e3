#include "sweep/runner.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "common/child_process.hpp"
#include "common/error.hpp"
#include "common/memory.hpp"
#include "common/version.hpp"
#include "sweep/results.hpp"
#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::sweep {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string point_path(const std::string& dir, const Point& p) {
  return (fs::path(dir) / "points" / (p.id + ".json")).string();
}

/// A unit of work: a point (group -1 when the sweep has one group) or one trial group of it.
struct Unit {
  const Point* point;
  int group;  ///< 0.. when spec.trial_groups > 1, else -1
  std::string name() const { return group < 0 ? point->id : point->id + ".group-" + std::to_string(group); }
};

std::string unit_path(const std::string& dir, const Unit& u) {
  if (u.group < 0) return point_path(dir, *u.point);
  return (fs::path(dir) / "points" / (u.name() + ".json")).string();
}
std::string log_path(const std::string& dir, const Unit& u) {
  return (fs::path(dir) / "logs" / (u.name() + ".log")).string();
}
std::string failure_path(const std::string& dir, const Unit& u) {
  return (fs::path(dir) / "failures" / (u.name() + ".json")).string();
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

void remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

/// Every unit of the sweep, in unit order (unit index = point index * groups + group).
std::vector<Unit> all_units(const SweepSpec& spec, const std::vector<Point>& points) {
  std::vector<Unit> out;
  for (const auto& p : points) {
    if (spec.trial_groups == 1) {
      out.push_back({&p, -1});
    } else {
      for (int g = 0; g < spec.trial_groups; ++g) out.push_back({&p, g});
    }
  }
  return out;
}

/// Done: its file exists, or (a trial group) the point's combined file does.
bool unit_done(const std::string& dir, const Unit& u) {
  return exists(unit_path(dir, u)) || (u.group >= 0 && exists(point_path(dir, *u.point)));
}

/// Removes what killed children of this run's units left behind: temporary files
/// (<name>.json.tmp.<pid>) and logs. Other shards' files are left alone (another shard may be
/// writing them into the same folder).
void clean_leftovers(const std::string& dir, const std::vector<Unit>& selected) {
  std::set<std::string> names;
  for (const auto& u : selected) names.insert(u.name());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "points", ec)) {
    const std::string name = e.path().filename().string();
    const auto pos = name.find(".json.tmp.");
    if (pos != std::string::npos && names.count(name.substr(0, pos)) > 0) remove_file(e.path().string());
  }
  for (const auto& u : selected) remove_file(log_path(dir, u));
}

/// How the child ran, as the point file records it.
nlohmann::ordered_json run_record(int group, double wall_s) {
  nlohmann::ordered_json r;
  r["group"] = group < 0 ? 0 : group;
  r["wall_time_s"] = std::round(wall_s * 1000.0) / 1000.0;
  r["peak_rss_mib"] = std::round(peak_resident_mib() * 10.0) / 10.0;
  r["host"] = host_name();
  return r;
}

/// The child's work: evaluate the unit and write its file atomically.
void evaluate_unit(const SweepSpec& spec, const Unit& u, const Evaluator& evaluate, const RunOptions& o) {
  const auto start = Clock::now();
  const PointResult r = evaluate(spec, *u.point, u.group < 0 ? 0 : u.group, o.threads);
  Point applied = *u.point;
  if (!r.sets.empty()) applied.sets = r.sets;
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const auto run = run_record(u.group, wall);
  const auto doc = u.group < 0 ? point_document(spec, applied, r.row, r.report, nlohmann::ordered_json::array({run}))
                               : group_document(spec, applied, u.group, r.report, run);
  workloads::write_file_atomic(unit_path(o.dir, u), workloads::format_json(doc));
}

/// When every trial group of `p` has its file in `dir`, combines them into the point file; true
/// when the point file exists afterwards.
bool combine_groups(const SweepSpec& spec, const Point& p, const std::string& dir, const Combiner& combine) {
  if (exists(point_path(dir, p))) return true;
  std::vector<nlohmann::ordered_json> reports;
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  std::vector<std::string> sets;
  for (int g = 0; g < spec.trial_groups; ++g) {
    const std::string path = unit_path(dir, {&p, g});
    if (!exists(path)) return false;
    auto doc = read_group_file(path, p, g);
    reports.push_back(doc.at("report"));
    runs.push_back(doc.at("run"));
    if (g == 0) sets = doc.at("settings").at("set").get<std::vector<std::string>>();
  }
  const PointResult r = combine(spec, p, reports);
  Point applied = p;
  applied.sets = r.sets.empty() ? sets : r.sets;
  workloads::write_file_atomic(point_path(dir, p),
                               workloads::format_json(point_document(spec, applied, r.row, r.report, runs)));
  return true;
}

/// Records a failed unit (failures/<name>.json); a later success removes it.
void record_failure(const std::string& dir, const Unit& u, const ChildOutcome& o, const std::string& message) {
  nlohmann::ordered_json f;
  f["index"] = u.point->index;
  f["id"] = u.point->id;
  f["group"] = u.group < 0 ? 0 : u.group;
  f["error"] = message;
  f["wall_time_s"] = std::round(o.wall_s * 1000.0) / 1000.0;
  f["peak_rss_mib"] = std::round(o.peak_rss_mib * 10.0) / 10.0;
  f["host"] = host_name();
  f["log"] = log_path(dir, u);
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "failures", ec);
  try {
    workloads::write_file_atomic(failure_path(dir, u), workloads::format_json(f));
  } catch (const Error&) {
  }
}

std::string duration_text(double s) {
  char buf[64];
  if (s < 90) {
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  } else if (s < 5400) {
    std::snprintf(buf, sizeof buf, "%.0f min %02.0f s", std::floor(s / 60), std::fmod(s, 60));
  } else {
    std::snprintf(buf, sizeof buf, "%.0f h %02.0f min", std::floor(s / 3600), std::fmod(std::floor(s / 60), 60));
  }
  return buf;
}

/// A redrawn status line on a terminal (CI unset); nothing otherwise (plain lines carry the counts).
bool live_status(std::FILE* err) {
  const char* ci = std::getenv("CI");
  return ::isatty(::fileno(err)) != 0 && (ci == nullptr || *ci == '\0');
}

std::string axes_summary(const SweepSpec& s) {
  std::string out;
  for (const auto& a : s.axes) out += (out.empty() ? "" : " x ") + a.key + " (" + std::to_string(a.values.size()) + ")";
  return out;
}

}  // namespace

SweepSpec load_output_spec(const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.json").string();
  if (!exists(path)) throw make_error(dir, "not a sweep output folder (no sweep.json)");
  return parse_spec(workloads::read_json_file(path), path);
}

namespace {

/// Refuses `dir` when it is a file or holds another sweep (or one of another xbarsim version);
/// true when its sweep.json is this one.
bool check_output_spec(const SweepSpec& spec, const std::string& dir) {
  // Everything that can refuse the folder is checked before anything is created in it.
  const std::string path = (fs::path(dir) / "sweep.json").string();
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw make_error(dir, "is a file, expected a folder");
  bool same_file = false;
  if (exists(path)) {
    const SweepSpec old = load_output_spec(dir);
    if (old.made_by != spec.made_by) {
      throw Error(path + ": xbarsim: written by xbarsim " + old.made_by + ", this is " + spec.made_by +
                  "; expected the same version (its results could differ): use another -o folder");
    }
    const auto a = identity_json(old), b = identity_json(spec);
    if (a != b) {
      const auto patch = nlohmann::ordered_json::diff(a, b);
      const std::string where = patch.empty() ? "" : patch[0].value("path", "");
      throw Error(path + ": holds sweep '" + old.name + "', which differs from " + spec.file + " (first at '" + where +
                  "'); expected the same sweep: use another -o folder, or remove " + dir);
    }
    same_file = to_json(old) == to_json(spec);
  }
  return same_file;
}

std::string lock_holder(int fd) {
  char buf[256] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text.empty() ? "" : " (" + text + ")";
}

int take_lock(const std::string& path, int how, const std::string& dir, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw make_error(dir, "cannot create the lock file " + path + " (" + std::strerror(errno) + ")");
  if (::flock(fd, how | LOCK_NB) != 0) {
    const std::string holder = lock_holder(fd);
    ::close(fd);
    throw make_error(dir, what + " is writing into this folder" + holder +
                              "; expected one writer per folder: wait for it to end, or use another -o folder");
  }
  return fd;
}

void note_holder(int fd, const std::string& what) {
  const std::string text = what + ", pid " + std::to_string(::getpid()) + " on " + host_name() + "\n";
  if (::ftruncate(fd, 0) == 0) (void)::pwrite(fd, text.data(), text.size(), 0);
}

}  // namespace

FolderLock::FolderLock(const std::string& dir, std::size_t shard, std::size_t shards) {
  const fs::path d(dir);
  if (shards <= 1) {
    folder_fd_ = take_lock((d / ".lock").string(), LOCK_EX, dir, "another xbarsim sweep or merge");
    note_holder(folder_fd_, "xbarsim sweep");
    return;
  }
  const std::string name = "shard " + std::to_string(shard) + "/" + std::to_string(shards);
  folder_fd_ = take_lock((d / ".lock").string(), LOCK_SH, dir, "a whole xbarsim sweep or merge");
  try {
    shard_fd_ = take_lock((d / (".lock.shard-" + std::to_string(shard) + "-of-" + std::to_string(shards))).string(),
                          LOCK_EX, dir, "another run of " + name);
  } catch (...) {
    ::close(folder_fd_);
    throw;
  }
  note_holder(shard_fd_, "xbarsim sweep " + name);
}

FolderLock::~FolderLock() {
  if (shard_fd_ >= 0) ::close(shard_fd_);
  if (folder_fd_ >= 0) ::close(folder_fd_);
}

void prepare_output_dir(const SweepSpec& spec, const std::string& dir) {
  const std::string path = (fs::path(dir) / "sweep.json").string();
  const bool same_file = check_output_spec(spec, dir);
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "points", ec);
  if (ec) throw make_error(dir, "cannot create the output folder (" + ec.message() + ")");
  fs::create_directories(fs::path(dir) / "logs", ec);
  if (same_file) return;
  try {
    workloads::write_file_atomic(path, workloads::format_json(to_json(spec)));
  } catch (const Error&) {
    // Shards starting together into one shared folder: another one may have written it first.
    if (!exists(path) || identity_json(load_output_spec(dir)) != identity_json(spec)) throw;
  }
}

bool write_results(const SweepSpec& spec, const std::string& dir, const PlotOptions& o) {
  const auto points = enumerate_points(spec);
  std::vector<Point> present;
  std::vector<nlohmann::ordered_json> docs, failures;
  for (const auto& p : points) {
    const std::string path = point_path(dir, p);
    if (!exists(path)) continue;
    docs.push_back(read_point_file(path, p));
    present.push_back(p);
  }
  for (const auto& u : all_units(spec, points)) {
    const std::string f = failure_path(dir, u);
    if (exists(f) && !unit_done(dir, u)) {
      try {
        failures.push_back(workloads::read_ordered_json_file(f));
      } catch (const Error&) {
      }
    }
  }
  const fs::path d(dir);
  workloads::write_file_atomic((d / "runs.csv").string(), format_csv(runs_table(docs, failures)));
  const Table table = build_table(spec, present, docs);
  if (present.size() < points.size()) {
    // Nothing may claim completeness.
    remove_file((d / "results.csv").string());
    remove_file((d / "results.json").string());
    if (!present.empty()) workloads::write_file_atomic((d / "results.partial.csv").string(), format_csv(table));
    return false;
  }
  workloads::write_file_atomic((d / "results.csv").string(), format_csv(table));
  workloads::write_file_atomic((d / "results.json").string(), workloads::format_json(results_json(spec, table)));
  remove_file((d / "results.partial.csv").string());
  if (o.plot) render_plots(spec, table, dir, o);
  return true;
}

RunSummary run_sweep(const SweepSpec& spec, const PointEvaluation& evaluation, const RunOptions& o) {
  if (o.shards < 1 || o.shard >= o.shards) throw Error("--shard: expected i/N with 0 <= i < N");
  if (o.dir.empty()) throw Error("sweep: no output folder");
  if (spec.trial_groups > 1 && !evaluation.combine) throw Error("internal: trial groups without a combiner");
  const unsigned jobs = o.jobs < 1 ? 1U : o.jobs;
  const auto points = enumerate_points(spec);
  const auto units = all_units(spec, points);
  // Another sweep in the folder, or a corrupt or foreign point file, is refused before the
  // folder is touched.
  check_output_spec(spec, o.dir);
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (!in_shard(i, o.shard, o.shards)) continue;
    const Unit& u = units[i];
    if (exists(point_path(o.dir, *u.point))) read_point_file(point_path(o.dir, *u.point), *u.point);
    if (u.group >= 0 && exists(unit_path(o.dir, u))) read_group_file(unit_path(o.dir, u), *u.point, u.group);
  }
  prepare_output_dir(spec, o.dir);
  const FolderLock lock(o.dir, o.shard, o.shards);
  RunSummary sum;
  sum.points = points.size();
  std::vector<Unit> pending, selected;
  for (std::size_t i = 0; i < units.size(); ++i) {
    if (!in_shard(i, o.shard, o.shards)) continue;
    ++sum.selected;
    selected.push_back(units[i]);
    if (unit_done(o.dir, units[i])) {
      ++sum.already_done;
    } else {
      pending.push_back(units[i]);
    }
  }
  clean_leftovers(o.dir, selected);
  const bool sharded = o.shards > 1;
  const bool grouped = spec.trial_groups > 1;
  std::fprintf(o.output.out, "xbarsim sweep: %s, %zu points%s: %s -> %s\n", spec.name.c_str(), sum.points,
               grouped ? (" x " + std::to_string(spec.trial_groups) + " trial groups").c_str() : "",
               axes_summary(spec).c_str(), o.dir.c_str());
  std::string shard_text;
  if (sharded) shard_text = " of shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards);
  const std::string threads = o.threads == 0   ? "all cores"
                              : o.threads == 1 ? "1 thread"
                                               : std::to_string(o.threads) + " threads";
  const char* what = grouped ? "units" : "points";
  std::fprintf(o.output.out, "  %zu of %zu %s%s already done; running %zu (%u at a time, %s each)\n", sum.already_done,
               sum.selected, what, shard_text.c_str(), pending.size(), jobs, threads.c_str());
  std::fflush(o.output.out);

  const bool live = live_status(o.output.err);
  ChildProcesses children;
  std::map<pid_t, Unit> running;
  std::size_t next = 0, finished = 0;
  double busy_s = 0;  // wall time of the finished units, for the ETA
  const auto status_text = [&] {
    std::string t = std::to_string(sum.computed) + " done, " + std::to_string(running.size()) + " running, " +
                    std::to_string(sum.failures.size()) + " failed, " +
                    std::to_string(pending.size() - finished - running.size()) + " waiting";
    if (finished > 0 && finished < pending.size()) {
      const double left = static_cast<double>(pending.size() - finished);
      t += ", ETA ~" + duration_text(busy_s / static_cast<double>(finished) * left /
                                     static_cast<double>(std::min<std::size_t>(jobs, pending.size() - finished)));
    }
    return t;
  };
  const auto draw = [&] {
    if (!live) return;
    std::fprintf(o.output.err, "\r\033[K  %s", status_text().c_str());
    std::fflush(o.output.err);
  };
  const auto clear = [&] {
    if (live) std::fprintf(o.output.err, "\r\033[K");
  };
  while (next < pending.size() || !running.empty()) {
    while (running.size() < jobs && next < pending.size()) {
      const Unit u = pending[next++];
      const pid_t pid = children.start([&] { evaluate_unit(spec, u, evaluation.evaluate, o); }, log_path(o.dir, u));
      running[pid] = u;
    }
    draw();
    const ChildOutcome c = children.wait_any();
    const Unit u = running.at(c.pid);
    running.erase(c.pid);
    ++finished;
    busy_s += c.wall_s;
    clear();
    const bool ok = c.ok() && exists(unit_path(o.dir, u));
    if (ok) {
      ++sum.computed;
      remove_file(log_path(o.dir, u));
      remove_file(failure_path(o.dir, u));
      std::string combined;
      if (grouped) {
        try {
          if (combine_groups(spec, *u.point, o.dir, evaluation.combine)) combined = ", point complete";
        } catch (const Error& e) {
          sum.failures.push_back({u.point->id, std::string("combining its trial groups: ") + e.what()});
          std::fprintf(o.output.err, "xbarsim sweep: point %s: combining its trial groups failed: %s\n",
                       u.point->id.c_str(), e.what());
        }
      }
      std::fprintf(o.output.out, "  [%zu/%zu] %s  %.1f s, %.0f MiB%s", finished, pending.size(), u.name().c_str(),
                   c.wall_s, c.peak_rss_mib, combined.c_str());
      if (!live) std::fprintf(o.output.out, "; %s", status_text().c_str());
      std::fprintf(o.output.out, "\n");
      std::fflush(o.output.out);
      continue;
    }
    std::string message = last_log_line(log_path(o.dir, u));
    if (c.ok()) message = "exited without writing its file";
    if (message.empty()) message = "no message";
    message.insert(0, c.describe() + ": ");
    record_failure(o.dir, u, c, message);
    std::fprintf(o.output.err, "xbarsim sweep: %s %s failed (%s); log %s\n", grouped ? "unit" : "point",
                 u.name().c_str(), message.c_str(), log_path(o.dir, u).c_str());
    std::fflush(o.output.err);
    sum.failures.push_back({u.name(), message});
  }

  if (!sharded) {
    sum.complete = write_results(spec, o.dir, o.output);
    if (sum.complete) {
      std::fprintf(o.output.out, "  wrote %s/results.csv, results.json and runs.csv%s\n", o.dir.c_str(),
                   o.output.plot && !spec.plots.empty() ? " and the plots" : "");
    } else {
      std::size_t done = 0;
      for (const auto& p : points) done += exists(point_path(o.dir, p)) ? 1 : 0;
      std::fprintf(o.output.out, "  %zu of %zu points done; finished ones in %s/results.partial.csv\n", done,
                   sum.points, o.dir.c_str());
    }
  } else {
    std::fprintf(o.output.out, "  shard %zu/%zu: %zu of %zu %s done; merge the shards with: xbarsim sweep merge\n",
                 o.shard, o.shards, sum.already_done + sum.computed, sum.selected, what);
  }
  std::fflush(o.output.out);
  return sum;
}

void merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const Combiner& combine,
                  const PlotOptions& o) {
  if (dirs.empty()) throw Error("sweep merge: expected at least one sweep output folder");
  const SweepSpec spec = load_output_spec(dirs[0]);
  for (std::size_t i = 1; i < dirs.size(); ++i) {
    const SweepSpec other = load_output_spec(dirs[i]);
    if (other.made_by != spec.made_by) {
      throw Error("sweep merge: " + other.file + " was written by xbarsim " + other.made_by + " and " + spec.file +
                  " by " + spec.made_by + "; expected shards of one version");
    }
    if (identity_json(other) != identity_json(spec)) {
      throw Error("sweep merge: " + other.file + " and " + spec.file +
                  " describe different sweeps; expected shards of one");
    }
  }
  if (spec.made_by != kVersion) {
    throw Error("sweep merge: " + spec.file + " was written by xbarsim " + spec.made_by + ", this is " + kVersion +
                "; expected the same version");
  }
  if (spec.trial_groups > 1 && !combine) throw Error("internal: trial groups without a combiner");
  prepare_output_dir(spec, out_dir);
  const FolderLock lock(out_dir, 0, 1);
  const auto points = enumerate_points(spec);
  std::vector<std::string> missing;
  std::size_t copied = 0;
  const auto gather = [&](const std::string& dest, const std::function<void(const std::string&)>& check) {
    if (exists(dest)) return true;
    const std::string name = fs::path(dest).filename().string();
    for (const auto& d : dirs) {
      const std::string src = (fs::path(d) / "points" / name).string();
      if (!exists(src)) continue;
      check(src);
      workloads::write_file_atomic(dest, workloads::read_file(src));
      ++copied;
      return true;
    }
    return false;
  };
  for (const auto& p : points) {
    const std::string dest = point_path(out_dir, p);
    if (gather(dest, [&](const std::string& src) { read_point_file(src, p); })) continue;
    bool all = spec.trial_groups > 1;
    for (int g = 0; all && g < spec.trial_groups; ++g) {
      const Unit u{&p, g};
      all = gather(unit_path(out_dir, u), [&](const std::string& src) { read_group_file(src, p, g); });
    }
    if (!all || !combine_groups(spec, p, out_dir, combine)) missing.push_back(p.id);
  }
  std::fprintf(o.out, "xbarsim sweep merge: %s, %zu points; %zu files copied into %s\n", spec.name.c_str(),
               points.size(), copied, out_dir.c_str());
  const bool complete = write_results(spec, out_dir, o);
  if (!missing.empty() || !complete) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 20) list += ", ... and " + std::to_string(missing.size() - 20) + " more";
    throw Error("sweep merge: " + std::to_string(missing.size()) + " of " + std::to_string(points.size()) +
                " points missing: " + list + "; run their shards first");
  }
  std::fprintf(o.out, "  wrote %s/results.csv, results.json and runs.csv%s\n", out_dir.c_str(),
               o.plot && !spec.plots.empty() ? " and the plots" : "");
  std::fflush(o.out);
}

}  // namespace xbarsim::sweep
