// Work in a child process of its own: the one isolation helper of xbarsim. SystemC elaborates
// one simulation per process, so every design evaluation beyond the first, and every sweep
// point, runs in a forked child. The child's outcome travels back as its exit status (0 done,
// 2 a user error, anything else an internal error or a signal), its last log line (the error
// message) and its resource use (wall time, peak resident memory from wait4).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace xbarsim {

/// How a child ended and what it used.
struct ChildOutcome {
  pid_t pid = 0;
  int status = 0;                ///< as waitpid reports it
  double wall_s = 0;             ///< from start to reaping
  double peak_rss_mib = 0;       ///< the child's maximum resident set (ru_maxrss)
  std::string log;               ///< the log file the child wrote, if any
  bool ok() const;               ///< exited with status 0
  bool user_error() const;       ///< exited with status 2 (an xbarsim::Error in the child)
  std::string describe() const;  ///< "exit status 1", "killed by signal 9 (Killed)"
};

/// The children one caller started. Not thread-safe; fork from a single-threaded caller only.
class ChildProcesses {
 public:
  /// Forks a child that runs `body` and _exit()s: 0 when it returns, 2 when it throws
  /// xbarsim::Error, 1 on any other exception; the message goes to stderr, which (like stdout)
  /// is redirected to `log` when it is not empty. With `die_with_parent`, the child is killed
  /// when the caller dies (a killed sweep leaves no orphan computing). Throws xbarsim::Error
  /// when fork fails.
  pid_t start(const std::function<void()>& body, const std::string& log = "", bool die_with_parent = true);
  /// Waits for one of this object's children to end (any of them, or `pid`); throws
  /// xbarsim::Error when none runs.
  ChildOutcome wait_any();
  ChildOutcome wait(pid_t pid);
  std::size_t running() const { return running_.size(); }

 private:
  struct Running {
    double start_s;
    std::string log;
  };
  ChildOutcome reap(pid_t wanted);
  std::map<pid_t, Running> running_;
};

/// The last non-empty line of a text file ("" when it cannot be read): a child's error message.
std::string last_log_line(const std::string& path);

/// Runs a program (argv[0] looked up in PATH) with stdin from /dev/null and returns its exit
/// status; its standard output is stored in `out`, its standard error in `err` (both capped at
/// 1 MiB). Throws xbarsim::Error when it cannot be started.
int run_program(const std::vector<std::string>& argv, std::string& out, std::string& err);

}  // namespace xbarsim
