#include "models/cost/actions.hpp"

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

std::vector<Actions> measured_actions(const sim::cycle::StatsNode& chip, const mapping::MappedNetwork& mapped,
                                      const sim::FunctionalEngine& engine, std::int64_t images) {
  if (images < 1) throw Error("cost: measured actions need at least one image");
  std::vector<Actions> out(mapped.layers.size());
  std::map<int, std::size_t> layer_of_tile;
  for (std::size_t i = 0; i < mapped.crossbars.size(); ++i) {
    const auto& mc = mapped.crossbars[i];
    layer_of_tile[mc.tile] = mc.layer;
    const std::string path = "tile" + std::to_string(mc.tile) + ".xbar" + std::to_string(i);
    Actions& a = out[mc.layer];
    a.crossbar_reads += chip.at(path + ".reads");
    a.dac_drives += chip.at(path + ".dac.drives");
    a.adc_conversions += chip.at(path + ".adc.conversions");
    a.shift_add_operations += chip.at(path + ".shift_add.operations");
  }
  for (const auto& [tile, layer] : layer_of_tile) {
    const std::string t = "tile" + std::to_string(tile);
    Actions& a = out[layer];
    for (const char* buffer : {".input_buffer", ".output_buffer"}) {
      a.buffer_accesses += chip.at(t + buffer + ".reads") + chip.at(t + buffer + ".writes");
      a.buffer_bytes += chip.at(t + buffer + ".bytes_read") + chip.at(t + buffer + ".bytes_written");
    }
    a.input_bytes += chip.at(t + ".input_buffer.bytes_read");
    a.output_bytes += chip.at(t + ".output_buffer.bytes_written");
    a.link_bytes += chip.at("noc.bytes_from_" + t);
  }
  if (!out.empty()) out.front().link_bytes += chip.at("noc.bytes_from_host");
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
