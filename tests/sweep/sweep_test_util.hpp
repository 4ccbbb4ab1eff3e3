// Helpers of the sweep tests: a spec on disk, runs with captured messages, file listings.
#pragma once

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "sweep/runner.hpp"
#include "tests/sweep/fake_evaluator.hpp"
#include "workloads/io.hpp"

namespace xbarsim::testing_support {

/// crossbar_size 32..256 x adc_bits 6, 8 (8 points), with a plot.
inline std::string write_test_spec(const std::string& dir, const std::string& name = "t") {
  nlohmann::json doc =
      nlohmann::json::parse(R"({"version": 1, "workload": "wl.json", "set": ["device.write_sigma=0.05"],
      "images": 100, "trials": 1,
      "axes": [{"key": "crossbar_size", "values": [32, 64, 128, 256]}, {"key": "adc_bits", "values": [6, 8]}],
      "plots": [{"x": "crossbar_size", "y": ["area_mm2", "crossbars"]}]})");
  doc["name"] = name;
  const std::string path = (std::filesystem::path(dir) / (name + ".json")).string();
  std::ofstream(path) << doc.dump(2);
  return path;
}

/// stdout/stderr of a run, captured in temporary files.
class Captured {
 public:
  Captured() : out_(std::tmpfile()), err_(std::tmpfile()) {}
  ~Captured() {
    std::fclose(out_);
    std::fclose(err_);
  }
  Captured(const Captured&) = delete;
  Captured& operator=(const Captured&) = delete;
  sweep::PlotOptions plot_options(bool plot = true) const {
    sweep::PlotOptions o;
    o.plot = plot;
    o.out = out_;
    o.err = err_;
    return o;
  }
  std::string out() const { return read(out_); }
  std::string err() const { return read(err_); }

 private:
  static std::string read(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fseek(f, 0, SEEK_END);
    return s;
  }
  std::FILE* out_;
  std::FILE* err_;
};

inline sweep::RunOptions run_options(const std::string& dir, const Captured& c, unsigned jobs = 2, bool plot = false) {
  sweep::RunOptions o;
  o.dir = dir;
  o.jobs = jobs;
  o.threads = 1;
  o.output = c.plot_options(plot);
  return o;
}

/// Files of points/ (names) and their inode + modification time.
struct FileStamp {
  ino_t inode = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const FileStamp& o) const { return inode == o.inode && mtime_ns == o.mtime_ns; }
};
inline std::map<std::string, FileStamp> point_files(const std::string& dir) {
  std::map<std::string, FileStamp> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(dir) / "points", ec)) {
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    out[e.path().filename().string()] = {
        st.st_ino, static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  }
  return out;
}

/// Lines of a file ("" when missing).
inline std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

inline bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace xbarsim::testing_support
