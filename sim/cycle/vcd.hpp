// A Value Change Dump (IEEE 1364 §18) of busy signals, written from the intervals the
// modules record. The cycle-level modules compute when their work starts and ends instead
// of toggling signals every cycle, so the waveform is written from those intervals rather
// than sampled by sc_trace (which would only see the kernel's events).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cycle/stats.hpp"

namespace xbarsim::sim::cycle {

/// One change of an integer-valued signal (a queue depth, a buffer occupancy).
struct LevelChange {
  Cycle t = 0;
  std::int64_t value = 0;
};

struct TraceSignal {
  std::string path;                                            ///< hierarchical name, e.g. "chip.tile0.xbar3.adc.busy"
  const std::vector<Activity::Interval>* intervals = nullptr;  ///< a 1-bit busy signal, or
  const std::vector<LevelChange>* levels = nullptr;            ///< a 32-bit integer signal
};

/// Writes `signals` (busy signals as 1-bit wires, levels as 32-bit vectors) to `path` with a 1 fs timescale, one clock
/// cycle being `period_fs`. Scopes follow the dotted names. Written atomically (a temporary file renamed); throws
/// xbarsim::Error naming the file if it cannot write.
void write_vcd(const std::string& path, const std::vector<TraceSignal>& signals, std::uint64_t period_fs,
               const std::string& comment);

}  // namespace xbarsim::sim::cycle
