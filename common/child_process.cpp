#include "common/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.hpp"

namespace xbarsim {

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

bool ChildOutcome::ok() const { return WIFEXITED(status) && WEXITSTATUS(status) == 0; }

bool ChildOutcome::user_error() const { return WIFEXITED(status) && WEXITSTATUS(status) == 2; }

std::string ChildOutcome::describe() const {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name != nullptr ? std::string(" (") + name + ")" : "");
  }
  return "status " + std::to_string(status);
}

pid_t ChildProcesses::start(const std::function<void()>& body, const std::string& log, bool die_with_parent) {
  const pid_t parent = ::getpid();
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("cannot start a child process (fork: ") + std::strerror(errno) + ")");
  if (pid == 0) {
    if (die_with_parent) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(3);  // the parent died before prctl
    }
    if (!log.empty()) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
    }
    int code = 0;
    try {
      body();
    } catch (const Error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      code = 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "internal error: %s\n", e.what());
      code = 1;
    } catch (...) {
      std::fprintf(stderr, "internal error: unknown exception\n");
      code = 1;
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  running_[pid] = {now_s(), log};
  return pid;
}

ChildOutcome ChildProcesses::reap(pid_t wanted) {
  if (running_.empty() || (wanted > 0 && running_.count(wanted) == 0)) {
    throw Error("internal: waiting for a child process that is not running");
  }
  for (;;) {
    int status = 0;
    rusage ru{};
    const pid_t pid = ::wait4(wanted > 0 ? wanted : -1, &status, 0, &ru);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw Error(std::string("waiting for a child process failed: ") + std::strerror(errno));
    }
    const auto it = running_.find(pid);
    if (it == running_.end()) continue;  // a child someone else started
    ChildOutcome o;
    o.pid = pid;
    o.status = status;
    o.wall_s = now_s() - it->second.start_s;
    o.peak_rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux: kibibytes
    o.log = it->second.log;
    running_.erase(it);
    return o;
  }
}

ChildOutcome ChildProcesses::wait_any() { return reap(-1); }

ChildOutcome ChildProcesses::wait(pid_t pid) { return reap(pid); }

std::string last_log_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  const auto nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

int run_program(const std::vector<std::string>& argv, std::string& out, std::string& err) {
  if (argv.empty()) throw Error("internal: run_program without a program");
  int o[2], e[2];
  if (::pipe(o) != 0) throw Error(std::string("cannot run ") + argv[0] + ": pipe: " + std::strerror(errno));
  if (::pipe(e) != 0) {
    ::close(o[0]);
    ::close(o[1]);
    throw Error(std::string("cannot run ") + argv[0] + ": pipe: " + std::strerror(errno));
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error(std::string("cannot run ") + argv[0] + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, 0);
    ::dup2(o[1], 1);
    ::dup2(e[1], 2);
    ::close(o[0]);
    ::close(e[0]);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "cannot execute %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(o[1]);
  ::close(e[1]);
  out.clear();
  err.clear();
  constexpr std::size_t kCap = std::size_t{1} << 20;
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      std::string& dest = i == 0 ? out : err;
      if (dest.size() < kCap) dest.append(buf, static_cast<std::size_t>(n));
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    if (WEXITSTATUS(status) == 127 && err.rfind("cannot execute", 0) == 0) {
      while (!err.empty() && err.back() == '\n') err.pop_back();
      throw Error(err);
    }
    return WEXITSTATUS(status);
  }
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace xbarsim
