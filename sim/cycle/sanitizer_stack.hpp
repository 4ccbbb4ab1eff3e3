// SystemC under AddressSanitizer. SystemC 2.3.4 runs every SC_THREAD on a QuickThreads
// coroutine stack and announces each switch to ASan (__sanitizer_start/finish_switch_fiber),
// but the switch back to the main coroutine, which has no stack of its own in SystemC's
// bookkeeping, leaves ASan with the main thread's stack bottom and a coroutine's top: once
// sc_start has run, the first exception thrown on the main thread makes ASan's
// __asan_handle_no_return see a stack of negative size, skip unpoisoning it and then report
// a stack-use-after-scope that is not there (and exit 1 instead of the command's 2).
#pragma once

namespace xbarsim::sim::cycle {

/// Announces to ASan a switch onto the calling thread's own stack (its real bounds, from
/// pthread_getattr_np), so its record of the stack is right again. Call it on the main thread
/// after sc_start returns. Does nothing in a build without ASan.
void restore_sanitizer_stack();

/// Calls restore_sanitizer_stack when it goes out of scope: after sc_start, however it returns.
struct SanitizerStackGuard {
  SanitizerStackGuard() = default;
  SanitizerStackGuard(const SanitizerStackGuard&) = delete;
  SanitizerStackGuard& operator=(const SanitizerStackGuard&) = delete;
  ~SanitizerStackGuard() { restore_sanitizer_stack(); }
};

}  // namespace xbarsim::sim::cycle
