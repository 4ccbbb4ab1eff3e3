#include "sweep/runner.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "common/error.hpp"
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
std::string log_path(const std::string& dir, const Point& p) {
  return (fs::path(dir) / "logs" / (p.id + ".log")).string();
}

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

void remove_file(const std::string& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

/// Removes what killed children of this run's points left behind: temporary point files
/// (<id>.json.tmp.<pid>) and logs. Other shards' files are left alone (another shard may be
/// writing them into the same folder).
void clean_leftovers(const std::string& dir, const std::vector<const Point*>& selected) {
  std::set<std::string> ids;
  for (const auto* p : selected) ids.insert(p->id);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "points", ec)) {
    const std::string name = e.path().filename().string();
    const auto pos = name.find(".json.tmp.");
    if (pos != std::string::npos && ids.count(name.substr(0, pos)) > 0) remove_file(e.path().string());
  }
  for (const auto* p : selected) remove_file(log_path(dir, *p));
}

/// The last non-empty line of a child's log (its error message).
std::string last_line(const std::string& path) {
  std::string text;
  try {
    text = workloads::read_file(path);
  } catch (const Error&) {
    return "";
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name != nullptr ? std::string(" (") + name + ")" : "");
  }
  return "status " + std::to_string(status);
}

/// The child: evaluate, write the point file atomically, exit without returning to the caller.
[[noreturn]] void run_child(const SweepSpec& spec, const Point& p, const Evaluator& evaluate, const RunOptions& o,
                            pid_t parent) {
  // Die with the sweep: a killed parent leaves no orphan computing (its point is recomputed on rerun).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);
  const std::string log = log_path(o.dir, p);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  int status = 0;
  try {
    const PointResult r = evaluate(spec, p, o.threads);
    Point applied = p;
    if (!r.sets.empty()) applied.sets = r.sets;
    workloads::write_file_atomic(point_path(o.dir, p),
                                 workloads::format_json(point_document(spec, applied, r.row, r.report)));
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    status = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "internal error: %s\n", e.what());
    status = 1;
  } catch (...) {
    std::fprintf(stderr, "internal error: unknown exception\n");
    status = 1;
  }
  std::fflush(nullptr);
  ::_exit(status);
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

/// Refuses `dir` when it is a file or holds another sweep; true when its sweep.json is this one.
bool check_output_spec(const SweepSpec& spec, const std::string& dir) {
  // Everything that can refuse the folder is checked before anything is created in it.
  const std::string path = (fs::path(dir) / "sweep.json").string();
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw make_error(dir, "is a file, expected a folder");
  bool same_file = false;
  if (exists(path)) {
    const SweepSpec old = load_output_spec(dir);
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

}  // namespace

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
  std::vector<nlohmann::ordered_json> docs;
  for (const auto& p : points) {
    const std::string path = point_path(dir, p);
    if (!exists(path)) continue;
    docs.push_back(read_point_file(path, p));
    present.push_back(p);
  }
  const fs::path d(dir);
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

RunSummary run_sweep(const SweepSpec& spec, const Evaluator& evaluate, const RunOptions& o) {
  if (o.shards < 1 || o.shard >= o.shards) throw Error("--shard: expected i/N with 0 <= i < N");
  if (o.dir.empty()) throw Error("sweep: no output folder");
  const unsigned jobs = o.jobs < 1 ? 1U : o.jobs;
  const auto points = enumerate_points(spec);
  // Another sweep in the folder, or a corrupt or foreign point file, is refused before the
  // folder is touched.
  check_output_spec(spec, o.dir);
  for (const auto& p : points) {
    if (in_shard(p.index, o.shard, o.shards) && exists(point_path(o.dir, p))) read_point_file(point_path(o.dir, p), p);
  }
  prepare_output_dir(spec, o.dir);
  RunSummary sum;
  sum.points = points.size();
  std::vector<const Point*> pending, selected;
  for (const auto& p : points) {
    if (!in_shard(p.index, o.shard, o.shards)) continue;
    ++sum.selected;
    selected.push_back(&p);
    if (exists(point_path(o.dir, p))) {
      ++sum.already_done;
    } else {
      pending.push_back(&p);
    }
  }
  clean_leftovers(o.dir, selected);
  const bool sharded = o.shards > 1;
  std::fprintf(o.output.out, "xbarsim sweep: %s, %zu points: %s -> %s\n", spec.name.c_str(), sum.points,
               axes_summary(spec).c_str(), o.dir.c_str());
  std::string shard_text;
  if (sharded) shard_text = " of shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards);
  const std::string threads = o.threads == 0   ? "all cores"
                              : o.threads == 1 ? "1 thread"
                                               : std::to_string(o.threads) + " threads";
  std::fprintf(o.output.out, "  %zu of %zu points%s already done; running %zu (%u at a time, %s each)\n",
               sum.already_done, sum.selected, shard_text.c_str(), pending.size(), jobs, threads.c_str());

  struct Running {
    const Point* point;
    Clock::time_point start;
  };
  std::map<pid_t, Running> running;
  std::size_t next = 0, finished = 0;
  const pid_t self = ::getpid();
  while (next < pending.size() || !running.empty()) {
    while (running.size() < jobs && next < pending.size()) {
      const Point* p = pending[next++];
      std::fflush(nullptr);
      const pid_t pid = ::fork();
      if (pid < 0) throw Error(std::string("sweep: cannot start a point process (fork: ") + std::strerror(errno) + ")");
      if (pid == 0) run_child(spec, *p, evaluate, o, self);
      running[pid] = {p, Clock::now()};
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("sweep: waitpid failed: ") + std::strerror(errno));
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;  // not one of ours
    const Point& p = *it->second.point;
    const double seconds = std::chrono::duration<double>(Clock::now() - it->second.start).count();
    running.erase(it);
    ++finished;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && exists(point_path(o.dir, p));
    if (ok) {
      ++sum.computed;
      remove_file(log_path(o.dir, p));
      std::fprintf(o.output.out, "  [%zu/%zu] %s  %.1f s\n", finished, pending.size(), p.id.c_str(), seconds);
      std::fflush(o.output.out);
      continue;
    }
    std::string message = last_line(log_path(o.dir, p));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) message = "exited without writing its point file";
    if (message.empty()) message = "no message";
    message = describe_status(status) + ": " + message;
    std::fprintf(o.output.err, "xbarsim sweep: point %s failed (%s); log %s\n", p.id.c_str(), message.c_str(),
                 log_path(o.dir, p).c_str());
    std::fflush(o.output.err);
    sum.failures.push_back({p.id, message});
  }

  if (!sharded) {
    sum.complete = write_results(spec, o.dir, o.output);
    if (sum.complete) {
      std::fprintf(o.output.out, "  wrote %s/results.csv and results.json%s\n", o.dir.c_str(),
                   o.output.plot && !spec.plots.empty() ? " and the plots" : "");
    } else {
      std::fprintf(o.output.out, "  %zu of %zu points done; finished ones in %s/results.partial.csv\n",
                   sum.already_done + sum.computed, sum.points, o.dir.c_str());
    }
  } else {
    std::fprintf(o.output.out, "  shard %zu/%zu: %zu of %zu points done; merge the shards with: xbarsim sweep merge\n",
                 o.shard, o.shards, sum.already_done + sum.computed, sum.selected);
  }
  std::fflush(o.output.out);
  return sum;
}

void merge_sweeps(const std::vector<std::string>& dirs, const std::string& out_dir, const PlotOptions& o) {
  if (dirs.empty()) throw Error("sweep merge: expected at least one sweep output folder");
  const SweepSpec spec = load_output_spec(dirs[0]);
  for (std::size_t i = 1; i < dirs.size(); ++i) {
    const SweepSpec other = load_output_spec(dirs[i]);
    if (identity_json(other) != identity_json(spec)) {
      throw Error("sweep merge: " + other.file + " and " + spec.file +
                  " describe different sweeps; expected shards of one");
    }
  }
  prepare_output_dir(spec, out_dir);
  const auto points = enumerate_points(spec);
  std::vector<std::string> missing;
  std::size_t copied = 0;
  for (const auto& p : points) {
    const std::string dest = point_path(out_dir, p);
    if (exists(dest)) continue;
    bool found = false;
    for (const auto& d : dirs) {
      const std::string src = point_path(d, p);
      if (!exists(src)) continue;
      read_point_file(src, p);  // a file of this point
      workloads::write_file_atomic(dest, workloads::read_file(src));
      ++copied;
      found = true;
      break;
    }
    if (!found) missing.push_back(p.id);
  }
  std::fprintf(o.out, "xbarsim sweep merge: %s, %zu points; %zu copied into %s\n", spec.name.c_str(), points.size(),
               copied, out_dir.c_str());
  const bool complete = write_results(spec, out_dir, o);
  if (!missing.empty() || !complete) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 20) list += ", ... and " + std::to_string(missing.size() - 20) + " more";
    throw Error("sweep merge: " + std::to_string(missing.size()) + " of " + std::to_string(points.size()) +
                " points missing: " + list + "; run their shards first");
  }
  std::fprintf(o.out, "  wrote %s/results.csv and results.json%s\n", out_dir.c_str(),
               o.plot && !spec.plots.empty() ? " and the plots" : "");
  std::fflush(o.out);
}

}  // namespace xbarsim::sweep
