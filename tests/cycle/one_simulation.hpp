// The shared fixture of the SystemC suites: SystemC elaborates once per process, so a suite
// runs one simulation in SetUpTestSuite and its tests check different aspects of it.
// A suite derives from OneSimulation<Suite> and defines `static void simulate(Simulation&)`.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

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

}  // namespace xbarsim::sim::cycle
