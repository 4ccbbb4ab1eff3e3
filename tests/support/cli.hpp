// Runs the xbarsim executable (XBARSIM_CLI) as a child process for end-to-end tests.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace xbarsim::testing_support {

struct CliRun {
  int status = -1;
  std::string output;  ///< stdout and stderr
};

/// `cli` is the executable, `args` its arguments (shell words).
inline CliRun run_cli(const std::string& cli, const std::string& args) {
  const std::string cmd = cli + " " + args + " 2>&1";
  CliRun r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace xbarsim::testing_support
