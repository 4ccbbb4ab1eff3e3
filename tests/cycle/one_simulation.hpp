// The shared fixture of the SystemC suites: SystemC elaborates once per process, so a suite
// runs one simulation in SetUpTestSuite and its tests check different aspects of it.
// A suite derives from OneSimulation<Suite> and defines `static void simulate(Simulation&)`.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "cost/estimate.hpp"
#include "cost/table.hpp"
#include "mapping/cost_inputs.hpp"
#include "mapping/mapped_network.hpp"
#include "sim/cycle/simulator.hpp"
#include "sim/functional.hpp"
#include "tests/support/toy.hpp"

namespace xbarsim::sim::cycle {

struct Simulation {
  testing_support::TempDir dir;
  workloads::Network net;
  mapping::HardwareConfig hw;
  mapping::MappedNetwork mapped;
  std::unique_ptr<FunctionalEngine> engine;
  Eigen::MatrixXd functional;  ///< the functional engine's output codes of the same images
  CycleResult result;
  std::string vcd;

  /// Compiles `net` on `hw`, programs its device with `seed`, builds the functional engine and
  /// returns `images` random images in [0, 1) of the network's input size.
  Eigen::MatrixXf build(std::uint64_t seed, std::int64_t images) {
    mapped = mapping::compile(net, hw);
    const auto programmed = mapping::program(mapped, hw.device, seed, {});
    engine = std::make_unique<FunctionalEngine>(net, mapped, programmed);
    return (Eigen::MatrixXf::Random(engine->input_size(), images).array() + 1.0F) * 0.5F;
  }
  /// The functional engine's codes of `x` in chunks of `batch` (read noise seeded per chunk, as
  /// the simulator seeds it), then the cycle-level run of the same images; with `o.trace`, the
  /// VCD is written to dir/trace.vcd.
  void run(const Eigen::MatrixXf& x, const CycleOptions& o, std::int64_t batch = 64, unsigned threads = 1) {
    const auto images = static_cast<std::int64_t>(x.cols());
    functional.resize(engine->integer_reference().output_size(), images);
    for (std::int64_t first = 0, c = 0; first < images; first += batch, ++c) {
      const std::int64_t n = std::min(batch, images - first);
      functional.middleCols(first, n) = engine->forward_codes(x.middleCols(first, n), static_cast<std::uint64_t>(c));
    }
    CycleSimulator sim(net, mapped, *engine, images, o);
    result = sim.run(x, batch, threads);
    if (o.trace) {
      vcd = dir.file("trace.vcd");
      sim.write_vcd(vcd);
    }
  }
};

template <typename Suite>
class OneSimulation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    f_ = std::make_unique<Simulation>();
    try {
      Suite::simulate(*f_);
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  static void TearDownTestSuite() { f_.reset(); }
  /// A simulation that threw fails every test of the suite (gtest would only skip them).
  void SetUp() override {
    if (!error_.empty()) FAIL() << "the suite's simulation failed: " << error_;
  }
  static inline std::unique_ptr<Simulation> f_;
  static inline std::string error_;
};

/// The cycle-level outputs equal the functional engine's, code for code.
inline void expect_functional_outputs(const Simulation& s) {
  ASSERT_EQ(s.result.codes.rows(), s.functional.rows());
  ASSERT_EQ(s.result.codes.cols(), s.functional.cols());
  for (Eigen::Index i = 0; i < s.functional.size(); ++i) ASSERT_EQ(s.result.codes.data()[i], s.functional.data()[i]);
}

/// The mapping's closed form equals the chip's measured actions for every class, per layer,
/// and so do the energies per inference under both shipped cost tables.
inline void expect_closed_form_is_measured(const Simulation& s) {
  const auto closed = mapping::closed_form_actions(s.net, s.mapped);
  const auto measured = measured_actions(s.result, s.mapped);
  ASSERT_EQ(closed.size(), measured.size());
  for (std::size_t l = 0; l < closed.size(); ++l) {
    for (const auto& name : cost::component_names()) {
      // The DAC's nonzero digits and the cells' read current depend on the data: the closed form
      // is their expectation at input_bit_density (test_array_activity checks the measured ones).
      if (name == "dac" || name == "cells") {
        EXPECT_GT(measured[l].at(name), 0.0) << s.mapped.layers[l].name << " " << name;
        continue;
      }
      const auto c = closed[l].count(name) ? closed[l].at(name) : 0.0;
      const auto m = measured[l].count(name) ? measured[l].at(name) : 0.0;
      EXPECT_DOUBLE_EQ(c, m) << s.mapped.layers[l].name << " " << name;
    }
  }
  const auto inventory = mapping::mapped_inventory(s.mapped);
  const auto params = mapping::chip_params(s.mapped.hardware, inventory);
  for (const char* t : {"isaac_32nm", "neurosim_like_22nm"}) {
    const auto table = cost::load_cost_table(t);
    const auto a = cost::estimate(inventory, closed, table, params, 1000.0, 1000.0, 1.0);
    const auto b = cost::estimate(inventory, measured, table, params, 1000.0, 1000.0, 1.0);
    EXPECT_GT(a.dynamic_energy_pj(), 0.0) << t;
    ASSERT_EQ(a.components.size(), b.components.size());
    for (std::size_t k = 0; k < a.components.size(); ++k) {
      const auto& name = a.components[k].name;
      if (name == "dac" || name == "cells") continue;
      EXPECT_DOUBLE_EQ(a.components[k].dynamic_energy_pj, b.components[k].dynamic_energy_pj) << t << " " << name;
    }
  }
}

}  // namespace xbarsim::sim::cycle
