// What every fuzz target shares: the bytes as a file in a private folder (for readers that take
// a path, as users call them), and the rule that decides a finding. A reader may refuse its input
// only with xbarsim::Error, the user-error type every front-end turns into exit status 2; any
// other exception escapes the target and libFuzzer reports it, as it reports crashes, sanitizer
// errors, leaks, time-outs and memory beyond -rss_limit_mb.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/error.hpp"

namespace xbarsim::fuzz {

/// `bytes` written to `name` in this process's own temporary folder; returns its path.
inline std::string as_file(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("xbarsim-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::string path = (dir / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();  // the harness itself failed, not the reader
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

/// Runs `read`; an xbarsim::Error (a refused input) is the expected outcome for bad bytes.
template <typename Read>
int run(Read read) {
  try {
    read();
  } catch (const xbarsim::Error&) {
  }
  return 0;
}

}  // namespace xbarsim::fuzz
