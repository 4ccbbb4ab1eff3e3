// A fake design evaluator for the sweep tests: a pure function of the point's overrides, so
// results can be compared across runs; it can record its calls, sleep, fail or crash.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "sweep/runner.hpp"
#include "workloads/io.hpp"

namespace xbarsim::testing_support {

struct FakeOptions {
  std::string calls_file;  ///< "" = do not record; else one line "<id>" appended per call
  int sleep_ms = 0;
  std::string fail_id;   ///< this point throws xbarsim::Error
  std::string crash_id;  ///< this point aborts (dies by a signal)
};

/// The overrides as a map (later ones win, as in --set).
inline std::map<std::string, std::string> override_map(const sweep::Point& p) {
  std::map<std::string, std::string> m;
  for (const auto& s : p.sets) m[s.substr(0, s.find('='))] = s.substr(s.find('=') + 1);
  return m;
}

/// Evaluates points (or trial groups: the same row, the group in the report); the combiner makes
/// the row of a grouped point from its groups' reports and records how many it got.
inline sweep::PointEvaluation fake_evaluator(FakeOptions o) {
  sweep::PointEvaluation e;
  e.evaluate = [o](const sweep::SweepSpec& spec, const sweep::Point& p, int group, unsigned threads) {
    (void)threads;  // the results must not depend on it
    if (!o.calls_file.empty()) {
      const int fd = ::open(o.calls_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const std::string line = p.id + "\n";
      if (fd >= 0) {
        if (::write(fd, line.data(), line.size()) < 0) std::abort();
        ::close(fd);
      }
    }
    if (o.sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.sleep_ms));
    if (p.id == o.fail_id) throw Error("fake: cannot evaluate " + p.id);
    if (p.id == o.crash_id) std::abort();
    auto m = override_map(p);
    const double size = m.count("rows") ? std::stod(m["rows"]) : 128.0;
    const double adc = m.count("adc_bits") ? std::stod(m["adc_bits"]) : 8.0;
    const double sigma = m.count("device.write_sigma") ? std::stod(m["device.write_sigma"]) : 0.0;
    const std::int64_t crossbars = static_cast<std::int64_t>(std::ceil(300000.0 / (size * size)));
    sweep::PointResult r;
    r.row["accuracy_mean"] = 0.9 - 0.01 * (8 - adc) - sigma + 1e-4 * size / 7.0;
    r.row["crossbars"] = crossbars;
    r.row["area_mm2"] = 1e-5 * size * size * static_cast<double>(crossbars) + 0.125 * adc;
    r.row["energy_per_inference_uj"] = 1.0 / 3.0 * adc + size / 1024.0;
    r.row["scheme"] = m.count("sign_scheme") ? m["sign_scheme"] : "two-column";
    r.report = {{"fake", true}, {"workload", spec.workload}, {"sets", p.sets}, {"group", group}, {"row", r.row}};
    return r;
  };
  e.combine = [](const sweep::SweepSpec&, const sweep::Point&, const std::vector<nlohmann::ordered_json>& groups) {
    sweep::PointResult r;
    r.row = groups.at(0).at("row");
    std::int64_t sum = 0;
    for (const auto& g : groups) sum += g.at("group").get<std::int64_t>();
    r.row["groups_seen"] = static_cast<std::int64_t>(groups.size());
    r.row["group_sum"] = sum;
    r.report = {{"fake", true}, {"groups", groups.size()}};
    return r;
  };
  return e;
}

}  // namespace xbarsim::testing_support
