#include "apps/cli.hpp"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "workloads/io.hpp"
#include "workloads/json_reader.hpp"

namespace xbarsim::apps {

bool parse_args(const std::vector<std::string>& args, const po::options_description& options, const std::string& usage,
                const std::string& positional_name, po::variables_map& vm) {
  po::options_description all;
  all.add(options);
  po::positional_options_description pos;
  if (!positional_name.empty()) pos.add(positional_name.c_str(), 1);
  po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
  if (vm.count("help") != 0U) {
    std::cout << "usage: " << usage << "\n\n" << options << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

namespace {
bool progress_enabled() {
  const char* ci = std::getenv("CI");
  return ::isatty(STDERR_FILENO) != 0 && (ci == nullptr || *ci == '\0');
}
}  // namespace

std::function<void(std::int64_t, std::int64_t)> terminal_progress(const std::string& label) {
  if (!progress_enabled()) return {};
  return [label](std::int64_t done, std::int64_t total) {
    std::fprintf(stderr, "\r%s %lld/%lld images (%3.0f%%)", label.c_str(), static_cast<long long>(done),
                 static_cast<long long>(total),
                 total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0.0);
    std::fflush(stderr);
  };
}

void end_progress() {
  if (progress_enabled()) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void write_json_report(const std::string& path, const nlohmann::ordered_json& report) {
  workloads::write_file_atomic(path, workloads::format_json(report));
}

}  // namespace xbarsim::apps
