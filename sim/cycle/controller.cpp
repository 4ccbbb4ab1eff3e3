#include "sim/cycle/controller.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "common/error.hpp"

namespace xbarsim::sim::cycle {

namespace {

/// A SystemC object name for layer l's copy k: SystemC refuses '.' (its hierarchy separator) and
/// blanks in names, which ONNX and PyTorch layer names often hold (layer1.0.conv1), and warns.
std::string copy_process_name(std::size_t l, const std::string& layer, std::size_t k) {
  std::string name = "copy_" + std::to_string(l) + "_" + layer + "_" + std::to_string(k);
  for (char& c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) != 0 || c == '_')) c = '_';
  }
  return name;
}

}  // namespace

std::string schedule_name(Schedule s) { return s == Schedule::LayerByLayer ? "layer-by-layer" : "pipelined"; }

Controller::Controller(const sc_core::sc_module_name& name, Config config, std::vector<Tile*> tiles, Interconnect& noc,
                       EventQueue& events)
    : Component(name), config_(std::move(config)), tiles_(std::move(tiles)), noc_(noc), events_(events) {
  const std::size_t L = config_.layers.size(), A = config_.adds.size(), S = config_.streams.size();
  const auto n = static_cast<std::size_t>(config_.images);
  times_.resize(L);
  image_start_.assign(n, 0);
  image_end_.assign(n, 0);
  holdings_.resize(S);
  for (auto& h : holdings_) h.resize(tiles_.size());
  node_done_.assign(L + A, 0);
  row_positions_.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    row_positions_[l].assign(static_cast<std::size_t>(config_.layers[l].rows * config_.images), 0);
  }
  stream_next_.assign(S, 0);
  add_next_.assign(A, 0);
  inflight_.resize(L);
  freed_.resize(L);
  traffic_.resize(L);
  fetch_wait_.assign(L, 0);
  stall_input_.assign(L, 0);
  stall_register_.assign(L, 0);
  host_rows_.assign(n, 0);
  for (std::size_t l = 0; l < L; ++l) {
    layer_done_event_.push_back(std::make_unique<sc_core::sc_event>());
    const auto copies = std::max<std::size_t>(1, config_.layers[l].copies.size());
    inflight_[l].assign(copies, 0);
    for (std::size_t k = 0; k < copies; ++k) freed_[l].push_back(std::make_unique<sc_core::sc_event>());
    for (std::size_t k = 0; k < copies; ++k) {
      sc_core::sc_spawn([this, l, k] { sequencer(static_cast<int>(l), static_cast<int>(k)); },
                        copy_process_name(l, config_.layers[l].name, k).c_str());
    }
  }
  // The host starts sending at cycle 0 (layer by layer: one image at a time).
  events_.at(0, [this] {
    if (config_.schedule == Schedule::Pipelined) {
      for (std::int64_t i = 0; i < config_.images; ++i) start_image(i);
    } else {
      start_image(0);
    }
  });
}

Controller::Holding& Controller::holding(int stream, int tile) {
  auto& h = holdings_[static_cast<std::size_t>(stream)][static_cast<std::size_t>(tile)];
  if (!h.arrived) {
    h.refs.assign(static_cast<std::size_t>(config_.streams[static_cast<std::size_t>(stream)].rows * config_.images),
                  -1);
    h.arrived = std::make_unique<sc_core::sc_event>();
  }
  return h;
}

const Controller::Holding* Controller::find_holding(int stream, int tile) const {
  const auto& h = holdings_[static_cast<std::size_t>(stream)][static_cast<std::size_t>(tile)];
  return h.arrived ? &h : nullptr;
}

int Controller::copy_of(int layer, std::int64_t q) const {
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  // Group g of every image goes to copy g mod K: each image moves the same bytes.
  return L.copies.empty() ? 0 : static_cast<int>((q % L.groups()) % static_cast<std::int64_t>(L.copies.size()));
}

int Controller::requester_of_stream(int stream) const {
  const int base = config_.streams[static_cast<std::size_t>(stream)].base;
  const int L = static_cast<int>(config_.layers.size());
  if (base < 0) return 0;
  if (base < L) return base;
  return config_.adds[static_cast<std::size_t>(base - L)].requester;
}

// The host ------------------------------------------------------------------------------

void Controller::start_image(std::int64_t image) {
  image_start_[static_cast<std::size_t>(image)] = events_.now();
  ++images_started_;
  for (std::size_t s = 0; s < config_.streams.size(); ++s) {
    const auto& st = config_.streams[s];
    if (st.base != -1) continue;
    for (std::int64_t j = 0; j < st.rows; ++j) emit(static_cast<int>(s), image * st.rows + j);
  }
}

void Controller::host_row(std::int64_t row) {
  // The output stream's rows of one image are all at the host: the image is done.
  const StreamDesc* out = nullptr;
  for (const auto& s : config_.streams) {
    if (s.to_host) out = &s;
  }
  const std::int64_t image = row / out->rows;
  if (++host_rows_[static_cast<std::size_t>(image)] == out->rows) {
    image_end_[static_cast<std::size_t>(image)] = events_.now();
    if (config_.schedule == Schedule::LayerByLayer && image + 1 < config_.images) start_image(image + 1);
  }
}

bool Controller::finished() const {
  const StreamDesc* out = nullptr;
  for (const auto& s : config_.streams) {
    if (s.to_host) out = &s;
  }
  for (auto r : host_rows_) {
    if (out == nullptr || r != out->rows) return false;
  }
  return true;
}

// Streams -------------------------------------------------------------------------------

void Controller::node_rows(int node, std::int64_t rows_done) {
  node_done_[static_cast<std::size_t>(node)] = rows_done;
  const int L = static_cast<int>(config_.layers.size());
  const std::int64_t node_rows = node < L ? config_.layers[static_cast<std::size_t>(node)].rows
                                          : config_.adds[static_cast<std::size_t>(node - L)].rows;
  for (std::size_t s = 0; s < config_.streams.size(); ++s) {
    const auto& st = config_.streams[s];
    if (st.base != node) continue;
    auto& next = stream_next_[s];
    while (next < st.rows * config_.images) {
      const std::int64_t image = next / st.rows, j = next % st.rows;
      if (rows_done < image * node_rows + st.base_need[static_cast<std::size_t>(j)]) break;
      emit(static_cast<int>(s), next++);
    }
  }
  if (node < L) layer_done_event_[static_cast<std::size_t>(node)]->notify(sc_core::SC_ZERO_TIME);
}

void Controller::emit(int stream, std::int64_t row) {
  const auto& st = config_.streams[static_cast<std::size_t>(stream)];
  const std::int64_t image = row / st.rows, j = row % st.rows;
  const int requester = requester_of_stream(stream);
  // Who needs this row, on which tile: every copy of a consuming layer whose groups read it.
  std::map<int, int> refs;  // tile -> consumers
  for (int l : st.layers) {
    const auto& L = config_.layers[static_cast<std::size_t>(l)];
    std::set<int> copies;
    for (std::int64_t g = 0; g < L.groups(); ++g) {
      const auto& nd = L.need[static_cast<std::size_t>(g)];
      if (j >= nd.first && j < nd.second) copies.insert(copy_of(l, image * L.groups() + g));
    }
    for (int k : copies) {
      if (L.copies.empty()) {
        ++refs[L.location];
      } else {
        for (int t : L.copies[static_cast<std::size_t>(k)].tiles) ++refs[t];
      }
    }
  }
  for (int a : st.adds)
    ++refs[config_.adds[static_cast<std::size_t>(a - static_cast<int>(config_.layers.size()))].location];
  for (const auto& [tile, n] : refs) deliver(stream, row, tile, n, requester);
  if (st.to_host) {
    const int src = st.base < 0
                        ? Interconnect::kHost
                        : (st.base < static_cast<int>(config_.layers.size())
                               ? config_.layers[static_cast<std::size_t>(st.base)].location
                               : config_.adds[static_cast<std::size_t>(st.base) - config_.layers.size()].location);
    traffic_[static_cast<std::size_t>(requester)].link_bytes += static_cast<double>(st.row_bytes);
    traffic_[static_cast<std::size_t>(requester)].host_bytes += static_cast<double>(st.row_bytes);
    noc_.transfer(requester, src, Interconnect::kHost, st.row_bytes, [this, row] { host_row(row); });
  }
}

void Controller::deliver(int stream, std::int64_t row, int tile, int refs, int requester) {
  const auto& st = config_.streams[static_cast<std::size_t>(stream)];
  const int L = static_cast<int>(config_.layers.size());
  const int src = st.base < 0   ? Interconnect::kHost
                  : st.base < L ? config_.layers[static_cast<std::size_t>(st.base)].location
                                : config_.adds[static_cast<std::size_t>(st.base - L)].location;
  Tile& dst = *tiles_[static_cast<std::size_t>(tile)];
  const std::int64_t bytes = st.row_bytes;
  auto& tr = traffic_[static_cast<std::size_t>(requester)];
  tr.deliver_bytes += static_cast<double>(bytes);
  tr.deliver_accesses +=
      std::ceil(static_cast<double>(bytes) / tiles_[static_cast<std::size_t>(tile)]->buffer().width());
  // Credit first: the row is sent only once the consumer's buffer has room for it.
  dst.buffer().reserve(requester, bytes, [this, stream, row, tile, refs, requester, src, bytes] {
    Tile& d = *tiles_[static_cast<std::size_t>(tile)];
    const auto write = [this, stream, row, tile, refs, requester, bytes] {
      tiles_[static_cast<std::size_t>(tile)]->buffer().write(
          requester, bytes, [this, stream, row, tile, refs] { arrived(stream, row, tile, refs); });
    };
    if (src == tile) {
      traffic_[static_cast<std::size_t>(requester)].bus_bytes += static_cast<double>(bytes);
      d.bus(requester, bytes, write);
    } else {
      traffic_[static_cast<std::size_t>(requester)].link_bytes += static_cast<double>(bytes);
      if (src == Interconnect::kHost)
        traffic_[static_cast<std::size_t>(requester)].host_bytes += static_cast<double>(bytes);
      noc_.transfer(requester, src, tile, bytes, write);
    }
  });
}

void Controller::arrived(int stream, std::int64_t row, int tile, int refs) {
  Holding& h = holding(stream, tile);
  h.refs[static_cast<std::size_t>(row)] = refs;
  h.arrived->notify(sc_core::SC_ZERO_TIME);
  if (!config_.streams[static_cast<std::size_t>(stream)].adds.empty()) try_adds(tile);
}

void Controller::try_adds(int tile) {
  const int L = static_cast<int>(config_.layers.size());
  for (std::size_t a = 0; a < config_.adds.size(); ++a) {
    const auto& A = config_.adds[a];
    if (A.location != tile) continue;
    for (;;) {
      const std::int64_t q = add_next_[a];
      if (q >= A.rows * config_.images) break;
      bool ready = true;
      for (int s : A.inputs) {
        const Holding* h = find_holding(s, tile);
        ready = ready && h != nullptr && h->refs[static_cast<std::size_t>(q)] > 0;
      }
      if (!ready) break;
      // The add unit reads its operands once and frees them.
      for (int s : A.inputs) {
        Holding& h = holding(s, tile);
        if (--h.refs[static_cast<std::size_t>(q)] == 0) {
          tiles_[static_cast<std::size_t>(tile)]->buffer().release(
              config_.streams[static_cast<std::size_t>(s)].row_bytes);
        }
      }
      ++add_next_[a];
      node_rows(L + static_cast<int>(a), add_next_[a]);
    }
  }
}

// Layers ----------------------------------------------------------------------------------

bool Controller::inputs_present(int layer, int copy, std::int64_t q) const {
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  const auto& st = config_.streams[static_cast<std::size_t>(L.input)];
  const std::int64_t image = q / L.groups(), g = q % L.groups();
  const auto& nd = L.need[static_cast<std::size_t>(g)];
  const std::vector<int> local{L.location};
  const auto& tiles = L.copies.empty() ? local : L.copies[static_cast<std::size_t>(copy)].tiles;
  for (int t : tiles) {
    const Holding* h = find_holding(L.input, t);
    if (h == nullptr) return false;
    for (std::int64_t r = nd.first; r < nd.second; ++r) {
      if (h->refs[static_cast<std::size_t>(image * st.rows + r)] <= 0) return false;
    }
  }
  return true;
}

void Controller::sequencer(int layer, int copy) {
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  const auto K = static_cast<std::int64_t>(std::max<std::size_t>(1, L.copies.size()));
  const std::int64_t G = L.groups();
  const std::vector<int> local{L.location};
  const auto& tiles = L.copies.empty() ? local : L.copies[static_cast<std::size_t>(copy)].tiles;
  // Groups copy, copy + K, ... of every image, image after image (copy_of).
  const std::int64_t per_image = copy < G ? (G - copy + K - 1) / K : 0;  // groups copy, copy + K, ... < G
  for (std::int64_t i = 0; i < per_image * config_.images; ++i) {
    const std::int64_t q = (i / per_image) * G + copy + (i % per_image) * K;
    const Cycle asked = events_.now();
    // Layer by layer: the previous layers have finished this image.
    if (config_.schedule == Schedule::LayerByLayer) {
      const std::int64_t image = q / L.groups();
      for (int p = 0; p < layer; ++p) {
        const auto& P = config_.layers[static_cast<std::size_t>(p)];
        while (node_done_[static_cast<std::size_t>(p)] < (image + 1) * P.rows) {
          sc_core::wait(*layer_done_event_[static_cast<std::size_t>(p)]);
        }
      }
    }
    while (!inputs_present(layer, copy, q)) {
      sc_core::sc_event_or_list any;
      for (int t : tiles) any |= *holding(L.input, t).arrived;
      sc_core::wait(any);
    }
    const Cycle have_inputs = events_.now();
    stall_input_[static_cast<std::size_t>(layer)] += have_inputs - asked;
    while (inflight_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(copy)] >= 2) {
      sc_core::wait(*freed_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(copy)]);
    }
    stall_register_[static_cast<std::size_t>(layer)] += events_.now() - have_inputs;
    ++inflight_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(copy)];
    issue(layer, copy, q);
  }
}

void Controller::release_inputs(int layer, int copy, std::int64_t q, int tile) {
  (void)copy;
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  const auto& st = config_.streams[static_cast<std::size_t>(L.input)];
  const std::int64_t G = L.groups(), image = q / G, g = q % G;
  const auto K = static_cast<std::int64_t>(std::max<std::size_t>(1, L.copies.size()));
  const auto& nd = L.need[static_cast<std::size_t>(g)];
  // Rows this copy reads again in its next group of the same image stay.
  const std::int64_t keep_from = g + K < G ? L.need[static_cast<std::size_t>(g + K)].first : nd.second;
  Holding& h = holding(L.input, tile);
  for (std::int64_t r = nd.first; r < std::min(nd.second, keep_from); ++r) {
    auto& ref = h.refs[static_cast<std::size_t>(image * st.rows + r)];
    if (--ref == 0) tiles_[static_cast<std::size_t>(tile)]->buffer().release(st.row_bytes);
  }
}

void Controller::issue(int layer, int copy, std::int64_t q) {
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  const std::int64_t G = L.groups(), g = q % G;
  const std::int64_t p0 = g * L.group, n = std::min(L.positions, p0 + L.group) - p0;
  const bool first_image = q < G;
  auto& times = times_[static_cast<std::size_t>(layer)];
  if (first_image) times.first_start = std::min(times.first_start, events_.now());
  const auto freed = [this, layer, copy] {
    --inflight_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(copy)];
    freed_[static_cast<std::size_t>(layer)][static_cast<std::size_t>(copy)]->notify(sc_core::SC_ZERO_TIME);
  };
  if (L.copies.empty()) {  // bias only: the outputs are the biases
    release_inputs(layer, copy, q, L.location);
    freed();
    outputs_done(layer, q);
    return;
  }
  const CopyWork& C = L.copies[static_cast<std::size_t>(copy)];
  const std::int64_t phases = n * L.phases;
  auto& tr = traffic_[static_cast<std::size_t>(layer)];
  // Per tile: how many of its IMAs still fetch (then the rows can go).
  auto fetching = std::make_shared<std::map<int, int>>();
  for (const auto& w : C.imas) ++(*fetching)[w.tile];
  auto converting = std::make_shared<std::size_t>(0);
  for (const auto& w : C.imas) *converting += w.crossbars.size();
  auto merging = std::make_shared<std::size_t>(C.imas.size());
  const auto merged = [this, layer, q, merging, &C, n, &L] {
    if (--*merging > 0) return;
    auto done = [this, layer, q] { outputs_done(layer, q); };
    if (C.home_tile != L.location) {  // gather at the layer's home
      const std::int64_t bytes = n * L.output_bytes_per_position;
      traffic_[static_cast<std::size_t>(layer)].link_bytes += static_cast<double>(bytes);
      noc_.transfer(layer, C.home_tile, L.location, bytes, done);
    } else {
      events_.at(events_.now(), done);
    }
  };
  for (std::size_t wi = 0; wi < C.imas.size(); ++wi) {
    const ImaWork& w = C.imas[wi];
    Tile& tile = *tiles_[static_cast<std::size_t>(w.tile)];
    const std::int64_t in_bytes = n * w.input_bytes_per_position;
    tr.fetch_bytes += static_cast<double>(in_bytes);
    tr.fetch_accesses += std::ceil(static_cast<double>(in_bytes) / tile.buffer().width());
    tr.bus_bytes += static_cast<double>(in_bytes);
    auto shift_added = std::make_shared<std::size_t>(w.crossbars.size());
    const auto ima_done = [this, layer, wi, &w, &C, n, merged, &tr] {
      if (wi == 0) {
        merged();
        return;
      }
      const std::int64_t bytes = n * w.partial_bytes_per_position;
      if (w.tile == C.home_tile) {
        tr.bus_bytes += static_cast<double>(bytes);
        tiles_[static_cast<std::size_t>(w.tile)]->bus(layer, bytes, merged);
      } else {
        tr.link_bytes += static_cast<double>(bytes);
        noc_.transfer(layer, w.tile, C.home_tile, bytes, merged);
      }
    };
    const auto compute = [this, layer, copy, q, &w, phases, fetching, converting, shift_added, ima_done, freed,
                          first_image] {
      auto& f = (*fetching)[w.tile];
      if (--f == 0) release_inputs(layer, copy, q, w.tile);
      for (Crossbar* x : w.crossbars) {
        Resource* conv = x->own_adc() != nullptr ? x->own_adc() : w.ima->adc_bank();
        const Cycle begin = events_.now();
        conv->request(
            layer, x->pipeline_cycles(phases),
            [this, layer, x, &w, phases, converting, shift_added, ima_done, freed, first_image, begin] {
              x->count(phases);
              if (--*converting == 0) freed();
              w.ima->shift_add().request(
                  layer, static_cast<Cycle>(phases) * x->config().shift_add_cycles,
                  [this, layer, shift_added, ima_done, first_image, begin] {
                    if (first_image) {
                      auto& t = times_[static_cast<std::size_t>(layer)];
                      t.compute_cycles = std::max(t.compute_cycles, events_.now() - std::min(begin, t.first_start));
                    }
                    if (--*shift_added == 0) ima_done();
                  },
                  phases * x->config().readouts);
            },
            phases);
      }
    };
    tile.buffer().read(layer, in_bytes, [&tile, layer, in_bytes, compute] { tile.bus(layer, in_bytes, compute); });
  }
}

void Controller::outputs_done(int layer, std::int64_t q) {
  const auto& L = config_.layers[static_cast<std::size_t>(layer)];
  const std::int64_t G = L.groups(), image = q / G, g = q % G;
  const std::int64_t p0 = g * L.group, p1 = std::min(L.positions, p0 + L.group);
  auto& rp = row_positions_[static_cast<std::size_t>(layer)];
  for (std::int64_t p = p0; p < p1; ++p) ++rp[static_cast<std::size_t>(image * L.rows + p / L.width)];
  // The contiguous rows done.
  std::int64_t done = node_done_[static_cast<std::size_t>(layer)];
  const auto total = static_cast<std::int64_t>(rp.size());
  while (done < total) {
    const std::int64_t row_in_image = done % L.rows;
    const std::int64_t full = std::min(L.width, L.positions - row_in_image * L.width);
    if (rp[static_cast<std::size_t>(done)] < full) break;
    ++done;
  }
  if (image == 0) times_[static_cast<std::size_t>(layer)].first_end = events_.now();
  if (done != node_done_[static_cast<std::size_t>(layer)]) node_rows(layer, done);
}

// Statistics ------------------------------------------------------------------------------

std::string Controller::stall_report() const {
  std::string out;
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const auto& L = config_.layers[l];
    const std::int64_t want = L.rows * config_.images;
    if (node_done_[l] < want) {
      out += (out.empty() ? "" : "; ") + L.name + " has " + std::to_string(node_done_[l]) + " of " +
             std::to_string(want) + " output rows";
    }
  }
  return out;
}

void Controller::collect(StatsNode& node, Cycle total) const {
  node.add("images", static_cast<double>(config_.images), "images");
  node.add("layers", static_cast<double>(config_.layers.size()), "layers");
  node.add("cycles", static_cast<double>(total), "cycles");
  for (std::size_t l = 0; l < config_.layers.size(); ++l) {
    const auto& L = config_.layers[l];
    StatsNode c;
    c.name = "layer" + std::to_string(l);
    c.kind = "Layer";
    c.add("copies", static_cast<double>(std::max<std::size_t>(1, L.copies.size())), "copies");
    c.add("groups_per_image", static_cast<double>(L.groups()), "groups");
    c.add("positions_per_group", static_cast<double>(L.group), "positions");
    c.add("input_wait_cycles", static_cast<double>(stall_input_[l]), "cycles");
    c.add("register_wait_cycles", static_cast<double>(stall_register_[l]), "cycles");
    const auto& t = traffic_[l];
    c.add("buffer_read_bytes", t.fetch_bytes, "bytes");
    c.add("buffer_write_bytes", t.deliver_bytes, "bytes");
    c.add("bus_bytes", t.bus_bytes, "bytes");
    c.add("link_bytes", t.link_bytes, "bytes");
    node.children.push_back(std::move(c));
  }
}

// Chip ------------------------------------------------------------------------------------

Chip::Chip(const sc_core::sc_module_name& name, Config config, const Link& link)
    : Component(name), config_(std::move(config)) {
  events_ = std::make_unique<EventQueue>("events", config_.clock.period_fs());
  std::vector<Tile*> tiles;
  for (const auto& t : config_.tiles) {
    tiles_.push_back(std::make_unique<Tile>(("tile" + std::to_string(t.index)).c_str(), t, *events_));
    tiles.push_back(tiles_.back().get());
  }
  noc_ = std::make_unique<Interconnect>("noc", config_.noc, *events_);
  link(*this, config_.controller);
  controller_ = std::make_unique<Controller>("controller", std::move(config_.controller), tiles, *noc_, *events_);
  if (config_.trace) {
    std::vector<sc_core::sc_object*> stack(get_child_objects().begin(), get_child_objects().end());
    while (!stack.empty()) {
      auto* o = stack.back();
      stack.pop_back();
      if (auto* c = dynamic_cast<Component*>(o)) c->enable_trace();
      for (auto* child : o->get_child_objects()) stack.push_back(child);
    }
  }
}

std::map<std::string, double> Chip::instances() const {
  std::map<std::string, double> n;
  std::vector<const sc_core::sc_object*> stack(get_child_objects().begin(), get_child_objects().end());
  while (!stack.empty()) {
    const auto* o = stack.back();
    stack.pop_back();
    if (const auto* x = dynamic_cast<const Crossbar*>(o)) {
      n["crossbar"] += 1;
      n["cells"] += 1;
      n["dac"] += x->config().rows;
      n["sample_hold"] += x->config().cols;
      n["adc"] += x->config().adcs;
    } else if (const auto* ima = dynamic_cast<const Ima*>(o)) {
      n["input_register"] += 1;
      n["output_register"] += 1;
      n["shift_add"] += ima->config().shift_adds;
      n["adc"] += ima->config().adc_bank;
    } else if (dynamic_cast<const Buffer*>(o) != nullptr) {
      n["edram_buffer"] += 1;
    } else if (dynamic_cast<const Tile*>(o) != nullptr) {
      n["bus"] += 1;
    } else if (const auto* noc = dynamic_cast<const Interconnect*>(o)) {
      n["router"] += noc->routers();
      n["host_link"] += 1;
    }
    for (const auto* child : o->get_child_objects()) stack.push_back(child);
  }
  return n;
}

std::vector<cost::ActionRecord> Chip::actions() const {
  std::vector<cost::ActionRecord> out;
  for (const auto& t : tiles_) {
    for (const auto& ima : t->imas()) {
      for (const auto& x : ima->crossbars()) {
        const std::size_t l = x->config().layer;
        const auto conv = static_cast<double>(x->conversions());
        out.push_back({l, "crossbar", "reads", static_cast<double>(x->reads())});
        out.push_back({l, "sample_hold", "conversions", conv});
        out.push_back({l, "adc", "conversions", conv});
        out.push_back({l, "shift_add", "shift_adds", static_cast<double>(x->shift_adds())});
      }
    }
  }
  for (std::size_t l = 0; l < controller_->layer_count(); ++l) {
    const auto& tr = controller_->traffic(l);
    out.push_back({l, "edram_buffer", "buffer accesses", tr.fetch_accesses + tr.deliver_accesses});
    out.push_back({l, "bus", "buffer bytes", tr.fetch_bytes + tr.deliver_bytes});
    out.push_back({l, "input_register", "fetched bytes", tr.fetch_bytes});
    out.push_back({l, "output_register", "delivered bytes", tr.deliver_bytes});
    out.push_back({l, "router", "link bytes", tr.link_bytes});
    out.push_back({l, "host_link", "host bytes", tr.host_bytes});
  }
  return out;
}

namespace {

StatsNode node_of(const sc_core::sc_object& obj, Cycle total) {
  StatsNode node;
  node.name = obj.basename();
  if (const auto* c = dynamic_cast<const Component*>(&obj)) {
    node.kind = c->kind_name();
    c->collect(node, total);
  }
  for (const auto* child : obj.get_child_objects()) {
    if (dynamic_cast<const Component*>(child) != nullptr) node.children.push_back(node_of(*child, total));
  }
  return node;
}

void traces_of(const sc_core::sc_object& obj, std::vector<TraceSignal>& out) {
  if (const auto* c = dynamic_cast<const Component*>(&obj)) c->traces(out);
  for (const auto* child : obj.get_child_objects()) traces_of(*child, out);
}

void resources_of(const sc_core::sc_object& obj, std::vector<const Resource*>& out) {
  if (const auto* r = dynamic_cast<const Resource*>(&obj)) out.push_back(r);
  for (const auto* child : obj.get_child_objects()) resources_of(*child, out);
}

}  // namespace

StatsNode Chip::statistics(Cycle total) const { return node_of(*this, total); }

std::vector<TraceSignal> Chip::trace_signals() const {
  std::vector<TraceSignal> out;
  traces_of(*this, out);
  return out;
}

std::vector<std::pair<std::string, Cycle>> Chip::waits_of(int requester) const {
  std::vector<const Resource*> all;
  resources_of(*this, all);
  std::vector<std::pair<std::string, Cycle>> out;
  for (const auto* r : all) {
    const Cycle w = r->waited_by(requester);
    if (w > 0) out.emplace_back(std::string(r->name()).substr(std::string(name()).size() + 1), w);
  }
  for (std::size_t t = 0; t < tiles_.size(); ++t) {
    const Cycle w = tiles_[t]->buffer().credit_wait_by(requester);
    if (w > 0) out.emplace_back("tile" + std::to_string(t) + ".buffer credits", w);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

Cycle Chip::request_cycles_of(int requester) const {
  std::vector<const Resource*> all;
  resources_of(*this, all);
  Cycle c = 0;
  for (const auto* r : all) c += r->waited_by(requester) + r->served_by(requester);
  for (const auto& t : tiles_) c += t->buffer().credit_wait_by(requester);
  return c;
}

std::pair<std::string, Cycle> Chip::busiest_resource() const {
  std::vector<const Resource*> all;
  resources_of(*this, all);
  std::pair<std::string, Cycle> best{"-", 0};
  for (const auto* r : all) {
    const Cycle per_server = r->busy() / static_cast<Cycle>(std::max(1, r->config().servers));
    if (per_server > best.second) best = {std::string(r->name()).substr(std::string(name()).size() + 1), per_server};
  }
  return best;
}

void Chip::collect(StatsNode& node, Cycle total) const {
  node.add("cycles", static_cast<double>(total), "cycles");
  node.add("clock", config_.clock.ghz, "GHz");
  node.add("tiles", static_cast<double>(tiles_.size()), "tiles");
}

}  // namespace xbarsim::sim::cycle
