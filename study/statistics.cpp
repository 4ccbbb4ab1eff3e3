#include "study/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace xbarsim::study {

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

double stddev(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

double ci95_half_width(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  const double n = static_cast<double>(v.size());
  const boost::math::students_t t(n - 1);
  return boost::math::quantile(t, 0.975) * stddev(v) / std::sqrt(n);
}

}  // namespace xbarsim::study
