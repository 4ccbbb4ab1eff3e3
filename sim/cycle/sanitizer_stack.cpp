#include "sim/cycle/sanitizer_stack.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define XBARSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XBARSIM_ASAN 1
#endif
#endif

#ifdef XBARSIM_ASAN
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#endif

namespace xbarsim::sim::cycle {

void restore_sanitizer_stack() {
#ifdef XBARSIM_ASAN
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  const int rc = pthread_attr_getstack(&attr, &bottom, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0 || bottom == nullptr || size == 0) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
}

}  // namespace xbarsim::sim::cycle
