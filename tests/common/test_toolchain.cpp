// The compiler and flags the project builds with: a wrong-code bug of GCC 12 with AVX-512VL at
// -O3 (CMakeLists.txt keeps AVX-512 off for GCC < 13) stored std::vector<int64_t>{1, 1, 0, 0}
// as four ones. Every number the simulator gives depends on code like this being compiled right.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

__attribute__((noinline)) std::vector<std::int64_t> copy_of(const std::vector<std::int64_t>& v) { return v; }

TEST(Toolchain, SmallIntegerInitializerListsKeepTheirValues) {
  EXPECT_EQ(copy_of({1, 1, 0, 0}), (std::vector<std::int64_t>{1, 1, 0, 0}));
  const auto v = copy_of({1, 1, 0, 0});
  EXPECT_EQ(v[2], 0);
  EXPECT_EQ(v[3], 0);
  EXPECT_EQ(copy_of({0, 2, 0, 2})[0], 0);
  EXPECT_EQ(copy_of({3, 3, 3, 0})[3], 0);
}

}  // namespace
