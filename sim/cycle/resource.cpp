#include "sim/cycle/resource.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace xbarsim::sim::cycle {

// EventQueue ----------------------------------------------------------------------------

EventQueue::EventQueue(const sc_core::sc_module_name& name, std::uint64_t period_fs)
    : sc_core::sc_module(name), period_fs_(period_fs) {
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

void EventQueue::at(Cycle t, Callback cb, bool late) {
  const Cycle n = now();
  if (t < n) throw Error("cycle-level simulator: an event was scheduled in the past");
  items_.push({t, late, seq_++, std::move(cb)});
  arm();
}

void EventQueue::arm() {
  if (items_.empty()) return;
  const Cycle t = items_.top().t, n = now();
  if (t >= armed_ && armed_ >= n) return;  // already armed for that cycle or earlier
  armed_ = t;
  if (t == n) {
    wake_.notify(sc_core::SC_ZERO_TIME);
  } else {
    wake_.notify(sc_core::sc_time::from_value((t - n) * period_fs_));
  }
}

void EventQueue::run() {
  const Cycle n = now();
  armed_ = ~Cycle{0};
  while (!items_.empty() && items_.top().t == n) {
    Item it = items_.top();
    items_.pop();
    it.cb();
  }
  arm();
}

// Level -----------------------------------------------------------------------------------

void Level::set(Cycle t, std::int64_t v) {
  if (v == value_) return;
  area_ += static_cast<double>(value_) * static_cast<double>(t - since_);
  since_ = t;
  value_ = v;
  max_ = std::max(max_, v);
  if (trace_) {
    if (!changes_.empty() && changes_.back().t == t) {
      changes_.back().value = v;
    } else {
      changes_.push_back({t, v});
    }
  }
}

double Level::mean(Cycle total) const {
  if (total == 0) return 0.0;
  const double area = area_ + static_cast<double>(value_) * static_cast<double>(total > since_ ? total - since_ : 0);
  return area / static_cast<double>(total);
}

// Resource --------------------------------------------------------------------------------

Resource::Resource(const sc_core::sc_module_name& name, const Config& config, EventQueue& events)
    : Component(name), config_(config), events_(events), server_free_(static_cast<std::size_t>(config.servers), 0) {
  if (config.servers < 1) throw Error("cycle-level simulator: a resource needs at least one server");
}

void Resource::request(int requester, Cycle service, Callback done, std::int64_t amount, Callback started) {
  ++requests_;
  amount_ += amount;
  arrived_.push_back({events_.now(), requester, seq_++, service, std::move(done), std::move(started)});
  if (!arbitration_due_) {
    arbitration_due_ = true;
    events_.at(
        events_.now(), [this] { arbitrate(); }, true);
  }
}

void Resource::arbitrate() {
  arbitration_due_ = false;
  const Cycle n = events_.now();
  // This cycle's arrivals join the queue behind older requests, lower requester first.
  std::stable_sort(arrived_.begin(), arrived_.end(),
                   [](const Pending& a, const Pending& b) { return a.requester < b.requester; });
  for (auto& p : arrived_) queue_.push_back(std::move(p));
  arrived_.clear();
  std::size_t started = 0;
  for (auto& free_at : server_free_) {
    if (started == queue_.size()) break;
    if (free_at > n) continue;
    Pending p = std::move(queue_[started++]);
    const Cycle end = n + p.service;
    free_at = end;
    busy_.add(n, end);
    const Cycle waited = n - p.arrival;
    wait_total_ += waited;
    if (p.requester >= 0) {
      if (wait_by_.size() <= static_cast<std::size_t>(p.requester)) {
        wait_by_.resize(p.requester + 1, 0);
        served_by_.resize(p.requester + 1, 0);
      }
      wait_by_[static_cast<std::size_t>(p.requester)] += waited;
      served_by_[static_cast<std::size_t>(p.requester)] += p.service;
    }
    if (p.started) events_.at(n, std::move(p.started));
    // The server frees at `end`: complete, then serve the next waiting request.
    events_.at(end, [this, cb = std::move(p.done)] {
      cb();
      if (!queue_.empty() && !arbitration_due_) {
        arbitration_due_ = true;
        events_.at(
            events_.now(), [this] { arbitrate(); }, true);
      }
    });
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(started));
  depth_.set(n, static_cast<std::int64_t>(queue_.size()));
}

Cycle Resource::served_by(int requester) const {
  return requester >= 0 && static_cast<std::size_t>(requester) < served_by_.size()
             ? served_by_[static_cast<std::size_t>(requester)]
             : 0;
}

Cycle Resource::waited_by(int requester) const {
  return requester >= 0 && static_cast<std::size_t>(requester) < wait_by_.size()
             ? wait_by_[static_cast<std::size_t>(requester)]
             : 0;
}

void Resource::collect(StatsNode& node, Cycle total) const {
  node.add("servers", config_.servers, "servers");
  node.add("requests", static_cast<double>(requests_), "requests");
  node.add(config_.unit, static_cast<double>(amount_), config_.unit);
  node.add("busy_cycles", static_cast<double>(busy_.busy()), "cycles");
  node.add("utilisation",
           total == 0 ? 0.0 : static_cast<double>(busy_.busy()) / (static_cast<double>(total) * config_.servers),
           "fraction");
  node.add("wait_cycles", static_cast<double>(wait_total_), "cycles");
  node.add("queue_max", static_cast<double>(depth_.max()), "requests");
  node.add("queue_mean", depth_.mean(total), "requests");
}

void Resource::traces(std::vector<TraceSignal>& out) const {
  if (busy_.traced()) out.push_back({std::string(name()) + ".busy", &busy_.intervals(), nullptr});
  if (depth_.traced()) out.push_back({std::string(name()) + ".queue_depth", nullptr, &depth_.changes()});
}

void Resource::enable_trace() {
  busy_.enable_trace();
  depth_.enable_trace();
}

}  // namespace xbarsim::sim::cycle
