// main() of the SystemC test executables: any SystemC warning, error or fatal report fails the
// running test (errors also throw, which the simulator turns into xbarsim::Error). Each
// executable elaborates one chip per process: its tests share one simulation (SetUpTestSuite),
// and ctest runs every test in its own process.
#include <gtest/gtest.h>

#include <systemc>

namespace {

void fail_on_report(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  if (report.get_severity() >= sc_core::SC_WARNING) {
    ADD_FAILURE() << "SystemC " << (report.get_severity() == sc_core::SC_WARNING ? "warning" : "error") << " "
                  << report.get_msg_type() << ": " << report.get_msg();
  }
  sc_core::sc_report_handler::default_handler(report, actions);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  sc_core::sc_report_handler::set_handler(fail_on_report);
  return RUN_ALL_TESTS();
}
