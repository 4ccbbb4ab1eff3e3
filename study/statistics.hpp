// Summary statistics of Monte-Carlo trials (accuracy over device seeds): the mean, the sample
// standard deviation and the half-width of the 95 % confidence interval of the mean (Student's
// t with n - 1 degrees of freedom). Each is a function of the ordered list of trial values only,
// so trials evaluated on several machines and gathered in trial order give the same numbers,
// bit for bit, as one run.
#pragma once

#include <vector>

namespace xbarsim::study {

/// Mean of `v` (0 when empty).
double mean(const std::vector<double>& v);
/// Sample standard deviation (n - 1 in the denominator; 0 below two values).
double stddev(const std::vector<double>& v);
/// t_{0.975, n-1} * stddev / sqrt(n): the mean lies within mean +- this with 95 % confidence,
/// assuming normally distributed trials (0 below two values).
double ci95_half_width(const std::vector<double>& v);

}  // namespace xbarsim::study
