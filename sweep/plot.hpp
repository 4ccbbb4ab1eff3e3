// Sweep plots: a generated gnuplot script (plot.gp) drawing each requested metric against an
// axis, one line per combination of the other axes, rendered to SVG by gnuplot run as a subprocess.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "sweep/results.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::sweep {

/// One figure: metric `y` against axis `x`, written to `file` (a name inside the output folder).
struct Figure {
  std::size_t plot = 0;  ///< index in SweepSpec::plots
  std::size_t y_index = 0;
  std::string x;
  std::string y;
  bool log_x = false;
  std::string file;  ///< plot_<y>.svg, or plot_<y>_vs_<x>.svg when several plots draw the same y
};

std::vector<Figure> figures(const SweepSpec& spec);

/// The gnuplot script drawing every figure from the table's data (inline data blocks, so the
/// script stands alone). Errors name the sweep file and the plot key of a y that is no column.
std::string gnuplot_script(const SweepSpec& spec, const Table& table);

/// Where plot messages go and which gnuplot runs.
struct PlotOptions {
  bool plot = true;
  std::string gnuplot = "gnuplot";  ///< program (looked up in PATH)
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

/// Writes `dir`/plot.gp and runs gnuplot in `dir`. Returns false (after a warning on `err`) when
/// gnuplot is not installed; throws xbarsim::Error when it fails.
bool render_plots(const SweepSpec& spec, const Table& table, const std::string& dir, const PlotOptions& options);

}  // namespace xbarsim::sweep
