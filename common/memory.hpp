// The process's resident memory, read from the kernel: what it holds now and the most it has held.
#pragma once

namespace xbarsim {

/// Resident set size now, MiB (/proc/self/statm); 0 where the kernel does not say.
double resident_mib();
/// The largest resident set so far, MiB (getrusage's ru_maxrss).
double peak_resident_mib();

}  // namespace xbarsim
