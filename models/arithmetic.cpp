#include "models/arithmetic.hpp"

namespace xbarsim::models {

// The definitions are constexpr; these checks pin the contract at compile time.
static_assert(round_shift(5, 1) == 3, "ties round up");
static_assert(round_shift(-5, 1) == -2, "ties round up for negatives too");
static_assert(round_shift(-6, 1) == -3, "exact halves stay exact");
static_assert(round_shift(7, 0) == 7, "no shift");
static_assert(round_shift(3, -2) == 12, "negative shift multiplies");
static_assert(unsigned_range(8).hi == 255 && signed_range(8).lo == -128 && weight_range(8).lo == -127, "ranges");
static_assert(round_shift_even(5, 1) == 2 && round_shift_even(7, 1) == 4 && round_shift_even(-5, 1) == -2 &&
                  round_shift_even(-7, 1) == -4 && round_shift_even(6, 2) == 2 && round_shift_even(10, 2) == 2,
              "ties to even");
static_assert(round_div_even(5, 2) == 2 && round_div_even(7, 2) == 4 && round_div_even(-5, 2) == -2 &&
                  round_div_even(-3, 2) == -2 && round_div_even(7, 4) == 2,
              "average ties to even");
static_assert(round_div(5, 2) == 3 && round_div(-5, 2) == -2 && round_div(7, 4) == 2, "average rounding");

}  // namespace xbarsim::models
