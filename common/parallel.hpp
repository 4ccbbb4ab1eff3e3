// Deterministic data parallelism: work is cut into fixed chunks that do not
// depend on the thread count, so results are identical for any --threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xbarsim {

/// Number of worker threads to use when the user asked for `requested` (0 = all cores).
inline unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1U : hw;
}

/// Calls fn(chunk) for chunk in [0, chunks) on up to `threads` threads.
/// Chunks are claimed dynamically; each chunk's work must be independent.
/// The first exception thrown by any chunk is rethrown on the caller.
inline void parallel_for_chunks(std::size_t chunks, unsigned threads, const std::function<void(std::size_t)>& fn) {
  const unsigned n = std::max(1U, std::min<unsigned>(threads, static_cast<unsigned>(chunks)));
  if (n <= 1) {
    for (std::size_t c = 0; c < chunks; ++c) fn(c);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto worker = [&] {
    for (;;) {
      const std::size_t c = next.fetch_add(1);
      if (c >= chunks) return;
      try {
        fn(c);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        next.store(chunks);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(n - 1);
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace xbarsim
