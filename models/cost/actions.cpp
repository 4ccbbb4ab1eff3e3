#include "models/cost/actions.hpp"

#include <cmath>
#include <map>
#include <string>

#include "common/error.hpp"

namespace xbarsim::models::cost {

namespace {

/// The closed forms that no counter measures: values leaving the shift-and-add, and input
/// values routed onto crossbar rows (once per position, not per phase).
void add_closed_only(const mapping::MappedNetwork& mapped, const sim::LayerPlan& plan, std::size_t l, Actions& a) {
  const auto positions = static_cast<double>(plan.positions);
  a.output_values += positions * static_cast<double>(mapped.layers[l].shape.cout);
  for (const auto& xb : plan.xbars) {
    a.aligned_inputs += positions * static_cast<double>(mapped.crossbars[xb.crossbar].rows.size());
  }
}

}  // namespace

std::vector<Actions> closed_form_actions(const mapping::MappedNetwork& mapped, const sim::FunctionalEngine& engine) {
  std::vector<Actions> out(mapped.layers.size());
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    const sim::LayerPlan& plan = engine.plan(l);
    Actions& a = out[l];
    const double mvms = static_cast<double>(plan.positions) * plan.phases;
    for (const auto& xb : plan.xbars) {
      a.crossbar_reads += mvms;
      a.dac_drives += mvms * static_cast<double>(mapped.crossbars[xb.crossbar].rows.size());
      a.adc_conversions += mvms * static_cast<double>(xb.readouts.size());
      a.shift_add_operations += mvms * static_cast<double>(xb.readouts.size());
    }
    add_closed_only(mapped, plan, l, a);
  }
  return out;
}

namespace {

double stat_of(const sim::cycle::StatsNode& n, const std::string& name) {
  for (const auto& s : n.stats) {
    if (s.name == name) return s.value;
  }
  throw Error("cost: statistic '" + name + "' missing in module '" + n.name + "'");
}

/// Adds every crossbar copy's counters to its layer.
void add_crossbars(const sim::cycle::StatsNode& n, std::vector<Actions>& out) {
  if (n.kind == "Crossbar") {
    const auto l = static_cast<std::size_t>(stat_of(n, "layer"));
    if (l >= out.size()) throw Error("cost: crossbar '" + n.name + "' names layer " + std::to_string(l));
    Actions& a = out[l];
    a.crossbar_reads += stat_of(n, "reads");
    a.dac_drives += stat_of(n, "dac_drives");
    a.adc_conversions += stat_of(n, "conversions");
    a.shift_add_operations += stat_of(n, "shift_adds");
  }
  for (const auto& c : n.children) add_crossbars(c, out);
}

}  // namespace

std::vector<Actions> measured_actions(const sim::cycle::StatsNode& chip, const mapping::MappedNetwork& mapped,
                                      const sim::FunctionalEngine& engine, std::int64_t images) {
  if (images < 1) throw Error("cost: measured actions need at least one image");
  std::vector<Actions> out(mapped.layers.size());
  add_crossbars(chip, out);
  const double width = mapped.hardware.timing.buffer_width_bytes;
  for (std::size_t l = 0; l < out.size(); ++l) {
    // Traffic the layer caused: its input rows written into buffers and fetched from them, the
    // bytes it moved over links (inputs, partial sums, gathered outputs).
    const std::string p = "controller.layer" + std::to_string(l);
    Actions& a = out[l];
    const double read = chip.at(p + ".buffer_read_bytes"), written = chip.at(p + ".buffer_write_bytes");
    a.buffer_bytes += read + written;
    a.buffer_accesses += std::ceil(read / width) + std::ceil(written / width);
    a.input_bytes += read;
    a.output_bytes += written;
    a.link_bytes += chip.at(p + ".link_bytes");
  }
  const auto n = static_cast<double>(images);
  for (std::size_t l = 0; l < out.size(); ++l) {
    Actions& a = out[l];
    a.crossbar_reads /= n;
    a.dac_drives /= n;
    a.adc_conversions /= n;
    a.shift_add_operations /= n;
    a.buffer_accesses /= n;
    a.buffer_bytes /= n;
    a.input_bytes /= n;
    a.output_bytes /= n;
    a.link_bytes /= n;
    add_closed_only(mapped, engine.plan(l), l, a);
  }
  return out;
}

double ops_per_inference(const mapping::MappedNetwork& mapped, const sim::FunctionalEngine& engine) {
  double macs = 0;
  for (std::size_t l = 0; l < mapped.layers.size(); ++l) {
    const auto& s = mapped.layers[l].shape;
    macs += static_cast<double>(engine.plan(l).positions) * static_cast<double>(s.rows) * static_cast<double>(s.cout);
  }
  return 2.0 * macs;
}

}  // namespace xbarsim::models::cost
