// Hand-traced schedules of the shared resources (docs/models.md, "Timing: shared resources"):
// every expected cycle below is worked out in the comments from the arbitration rules, not
// computed by the simulator's code. One simulation per process: every scenario runs in it.
#include <gtest/gtest.h>

#include <systemc>

#include <map>
#include <memory>
#include <string>

#include "sim/cycle/modules.hpp"
#include "sim/cycle/resource.hpp"
#include "sim/cycle/sanitizer_stack.hpp"

namespace xbarsim::sim::cycle {
namespace {

struct Scenario {
  std::unique_ptr<EventQueue> events;
  std::unique_ptr<Resource> bank, pool;
  std::unique_ptr<Buffer> buffer;
  std::unique_ptr<Interconnect> noc;
  std::map<std::string, Cycle> done;  ///< completion cycle of each named request
  StatsNode bank_stats, buffer_stats;
};

class CycleResources : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      build();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  // A suite whose set-up threw fails every test (gtest would only skip them).
  void SetUp() override {
    if (!error_.empty()) FAIL() << "the scenario's set-up failed: " << error_;
  }
  static inline std::string error_;
  static void build() {
    s_ = std::make_unique<Scenario>();
    auto& s = *s_;
    s.events = std::make_unique<EventQueue>("events", 1000000);  // 1 GHz
    auto& ev = *s.events;
    s.bank = std::make_unique<Resource>("adc_bank", Resource::Config{1, "AdcBank", "phases"}, ev);
    s.pool = std::make_unique<Resource>("shift_add", Resource::Config{2, "ShiftAddPool", "operations"}, ev);
    s.buffer = std::make_unique<Buffer>("buffer", Buffer::Config{100, 1, 1, 8, 1}, ev);
    Interconnect::Config nc;
    nc.tiles = 2;
    nc.tiles_per_router = 1;  // two routers side by side
    nc.routers = 2;
    nc.hop_cycles = 3;
    nc.link_bytes_per_cycle = 4.0;
    nc.host_bytes_per_cycle = 4.0;
    s.noc = std::make_unique<Interconnect>("noc", nc, ev);
    const auto mark = [&s](const std::string& n) { return [&s, n] { s.done[n] = s.events->now(); }; };
    // One ADC bank, three crossbars: A (requester 1) at 0 for 10; B (requester 0) and C
    // (requester 2) at 5. A runs 0..10; at 10 B (lower requester) then C: B 10..20, C 20..24.
    // D (requester 3) and E (requester 1) arrive together at 30: E 30..35, then D 35..40.
    ev.at(0, [&s, mark] { s.bank->request(1, 10, mark("A")); });
    ev.at(5, [&s, mark] {
      s.bank->request(2, 4, mark("C"));
      s.bank->request(0, 10, mark("B"));
    });
    ev.at(30, [&s, mark] {
      s.bank->request(3, 5, mark("D"));
      s.bank->request(1, 5, mark("E"));
    });
    // Two shift-and-add units, three requests at 0: X and Y 0..10, Z 10..20.
    ev.at(0, [&s, mark] {
      s.pool->request(0, 10, mark("X"));
      s.pool->request(0, 10, mark("Y"));
      s.pool->request(0, 10, mark("Z"));
    });
    // Buffer of 100 bytes: 60 granted at 0; 50 waits; 10 (which would fit) waits behind it
    // (FIFO, no overtaking); 60 released at 7 grants both at 7.
    ev.at(0, [&s, mark] {
      s.buffer->reserve(0, 60, mark("R60"));
      s.buffer->reserve(0, 50, mark("R50"));
    });
    ev.at(1, [&s, mark] { s.buffer->reserve(1, 10, mark("R10")); });
    ev.at(7, [&s] { s.buffer->release(60); });
    // One read port, 8-byte accesses of 1 cycle: 16 bytes (2 cycles) and 8 bytes at 50:
    // requester 0 first, 50..52, then requester 1, 52..53.
    ev.at(50, [&s, mark] {
      s.buffer->read(1, 8, mark("P8"));
      s.buffer->read(0, 16, mark("P16"));
    });
    // One link: tile 0 -> tile 1, 8 bytes at 4 B/cycle (2 cycles), hop 3. The first transfer
    // holds tile 0's port 0..2, asks for the link at 0 + 3, holds it 3..5, arrives 5 + 3 = 8.
    // The second waits for the port (2..4), asks for the link at 5, holds it 5..7, arrives 10.
    ev.at(100, [&s, mark] {
      s.noc->transfer(0, 0, 1, 8, mark("T1"));
      s.noc->transfer(0, 0, 1, 8, mark("T2"));
    });
    {
      const SanitizerStackGuard stack_guard;
      sc_core::sc_start();
    }
    s.bank_stats.name = "adc_bank";
    s.bank->collect(s.bank_stats, 40);
    s.buffer->collect(s.buffer_stats, 10);
  }
  static void TearDownTestSuite() { s_.reset(); }
  static inline std::unique_ptr<Scenario> s_;
};

double stat(const StatsNode& n, const std::string& name) {
  for (const auto& s : n.stats) {
    if (s.name == name) return s.value;
  }
  ADD_FAILURE() << "no statistic " << name;
  return -1;
}

TEST_F(CycleResources, AdcBankServesInArrivalOrderThenLowerRequester) {
  EXPECT_EQ(s_->done.at("A"), 10U);
  EXPECT_EQ(s_->done.at("B"), 20U);
  EXPECT_EQ(s_->done.at("C"), 24U);
  EXPECT_EQ(s_->done.at("E"), 35U);
  EXPECT_EQ(s_->done.at("D"), 40U);
  // Waits: B 5, C 15, D 5; busy 10 + 10 + 4 + 5 + 5 = 34 of 40 cycles; at most 2 queued.
  EXPECT_EQ(stat(s_->bank_stats, "wait_cycles"), 25.0);
  EXPECT_EQ(stat(s_->bank_stats, "busy_cycles"), 34.0);
  EXPECT_EQ(stat(s_->bank_stats, "queue_max"), 2.0);
  EXPECT_EQ(s_->bank->waited_by(2), 15U);
  // Mean queue depth: 2 waiting over 5..10 and 1 over 10..20 (20 request-cycles), D over 30..35 (5), over 40.
  EXPECT_DOUBLE_EQ(stat(s_->bank_stats, "queue_mean"), 25.0 / 40.0);
}

TEST_F(CycleResources, APoolOfTwoUnitsServesTwoAtATime) {
  EXPECT_EQ(s_->done.at("X"), 10U);
  EXPECT_EQ(s_->done.at("Y"), 10U);
  EXPECT_EQ(s_->done.at("Z"), 20U);
}

TEST_F(CycleResources, AFullBufferHoldsSendersBackInOrder) {
  EXPECT_EQ(s_->done.at("R60"), 0U);
  EXPECT_EQ(s_->done.at("R50"), 7U);
  EXPECT_EQ(s_->done.at("R10"), 7U);
  EXPECT_EQ(stat(s_->buffer_stats, "occupancy_max"), 60.0);
  // Credit waits: 50 bytes 7 cycles, 10 bytes 6 cycles.
  EXPECT_EQ(stat(s_->buffer_stats, "credit_wait_cycles"), 13.0);
}

TEST_F(CycleResources, OneBufferPortServesTwoReaders) {
  EXPECT_EQ(s_->done.at("P16"), 52U);
  EXPECT_EQ(s_->done.at("P8"), 53U);
}

TEST_F(CycleResources, TwoTransfersShareAPortAndALinkCutThrough) {
  EXPECT_EQ(s_->done.at("T1"), 108U);
  EXPECT_EQ(s_->done.at("T2"), 110U);
  EXPECT_EQ(s_->noc->hops(0, 1), 1);
  EXPECT_EQ(s_->noc->bytes_from(0), 16);
}

}  // namespace
}  // namespace xbarsim::sim::cycle
